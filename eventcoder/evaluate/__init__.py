"""Scoring the coder against human-coded data: gold format, converters, matching, metrics, report.

Entry points: ``evaluate(gold_docs, coder)`` (runner), ``Scorer`` (score hand-made predictions),
``read_gold``/``write_gold`` (gold JSONL), ``convert`` (ACLED, PLOVER, LGL/GeoWebNews → gold).
"""
from eventcoder.evaluate.convert import FORMATS, convert, convert_file
from eventcoder.evaluate.gold import GoldActor, GoldDoc, GoldEvent, GoldToponym, read_gold, select_part, write_gold
from eventcoder.evaluate.runner import evaluate
from eventcoder.evaluate.score import Scorer

__all__ = ["FORMATS", "GoldActor", "GoldDoc", "GoldEvent", "GoldToponym", "Scorer", "convert", "convert_file",
           "evaluate", "read_gold", "select_part", "write_gold"]
