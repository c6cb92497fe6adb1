"""Counting: gold/predicted pairs in, per-field counts and figures out.

Rules (each figure in the report follows from these):

- ``n`` of a field is the number of gold events that give that field (for ``event_date``: and
  whose document has a story date; the others are counted as ``not_applicable``).
- A gold event that no prediction was matched to is a miss on every field it gives.
- Label fields (event_type, acled_event_type, acled_sub_event_type): ``accuracy`` = right/n
  (which is also the recall); per label, TP = right, FN = gold label not predicted, FP = predicted
  label where the gold says another, plus every unmatched prediction's label; ``precision``,
  ``recall``, ``f1`` sum these over labels (micro), ``macro_f1`` averages per-label F1 over every
  label seen in gold or prediction. A ratio whose denominator is 0 is reported as 0.0.
- Set fields (actor_country, actor_sector, recipient_country): ``accuracy`` = the predicted set
  of codes equals the gold set; precision/recall/F1 count codes over matched pairs (an unmatched
  prediction's actors are not counted again: its event is already a false positive).
- ``mode``, ``country``, ``admin1``: accuracy (admin1 compared without accents and unit words).
- ``event_date``: ``accuracy`` exact day, ``within_1_day``.
- ``location``: share of gold points with a predicted point within 25 km / 161 km.
- ``dead``, ``injured``, ``arrested``: ``exact`` and ``within_10pct``; a matched prediction with
  no count means 0 (ACLED's "no fatalities reported").
"""
from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Optional

from eventcoder.evaluate.compare import count_matches, days_apart, label_key, place_error_km, same_admin1, \
    same_country, same_label
from eventcoder.evaluate.gold import GoldEvent
from eventcoder.evaluate.predicted import Prediction, gold_sets

NONE_LABEL = "(none)"
LABEL_FIELDS = ("event_type", "acled_event_type", "acled_sub_event_type")
SET_FIELDS = ("actor_country", "actor_sector", "recipient_country")
VALUE_FIELDS = ("mode", "country", "admin1")
COUNT_FIELDS = ("dead", "injured", "arrested")
FIELD_ORDER = ("event_type", "mode", "acled_event_type", "acled_sub_event_type", "actor_country", "actor_sector",
               "recipient_country", "event_date", "country", "admin1", "location", "dead", "injured", "arrested",
               "toponym")


def ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 4) if denominator else 0.0


def f1(precision: float, recall: float) -> float:
    return round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision, recall = ratio(tp, tp + fp), ratio(tp, tp + fn)
    return {"precision": precision, "recall": recall, "f1": f1(precision, recall)}


@dataclass
class LabelTally:
    n: int = 0
    correct: int = 0
    tp: Counter = field(default_factory=Counter)
    fp: Counter = field(default_factory=Counter)
    fn: Counter = field(default_factory=Counter)
    confusion: Counter = field(default_factory=Counter)  # (gold label, predicted label) -> count

    def add(self, gold: str, predicted: Optional[str]) -> bool:
        self.n += 1
        gold_key = label_key(gold)
        if same_label(gold, predicted):
            self.correct += 1
            self.tp[gold_key] += 1
            self.confusion[(gold_key, gold_key)] += 1
            return True
        self.fn[gold_key] += 1
        if predicted is not None:
            self.fp[label_key(predicted)] += 1
        self.confusion[(gold_key, label_key(predicted) if predicted else NONE_LABEL)] += 1
        return False

    def add_false_positive(self, predicted: Optional[str]) -> None:
        if predicted is not None:
            self.fp[label_key(predicted)] += 1
            self.confusion[(NONE_LABEL, label_key(predicted))] += 1

    def per_category(self) -> dict[str, dict[str, Any]]:
        labels = sorted(set(self.tp) | set(self.fp) | set(self.fn))
        return {label: {"tp": self.tp[label], "fp": self.fp[label], "fn": self.fn[label],
                        **prf(self.tp[label], self.fp[label], self.fn[label])} for label in labels}

    def confusion_matrix(self) -> dict[str, dict[str, int]]:
        matrix: dict[str, dict[str, int]] = {}
        for (gold, predicted), count in sorted(self.confusion.items()):
            matrix.setdefault(gold, {})[predicted] = count
        return matrix

    def report(self) -> dict[str, Any]:
        tp, fp, fn = sum(self.tp.values()), sum(self.fp.values()), sum(self.fn.values())
        categories = self.per_category()
        macro = round(sum(c["f1"] for c in categories.values()) / len(categories), 4) if categories else 0.0
        return {"n": self.n, "correct": self.correct, "accuracy": ratio(self.correct, self.n),
                **prf(tp, fp, fn), "macro_f1": macro, "predicted": tp + fp}


@dataclass
class SetTally:
    n: int = 0
    correct: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, gold: frozenset[str], predicted: frozenset[str]) -> bool:
        self.n += 1
        self.tp += len(gold & predicted)
        self.fp += len(predicted - gold)
        self.fn += len(gold - predicted)
        self.correct += gold == predicted
        return gold == predicted

    def report(self) -> dict[str, Any]:
        return {"n": self.n, "correct": self.correct, "accuracy": ratio(self.correct, self.n),
                **prf(self.tp, self.fp, self.fn)}


@dataclass
class ValueTally:
    n: int = 0
    correct: int = 0

    def add(self, ok: bool) -> bool:
        self.n += 1
        self.correct += ok
        return ok

    def report(self) -> dict[str, Any]:
        return {"n": self.n, "correct": self.correct, "accuracy": ratio(self.correct, self.n)}


@dataclass
class DateTally:
    n: int = 0
    exact: int = 0
    near: int = 0
    not_applicable: int = 0

    def add(self, days: Optional[int]) -> bool:
        self.n += 1
        self.exact += days == 0
        self.near += days is not None and days <= 1
        return days == 0

    def report(self) -> dict[str, Any]:
        out: dict[str, Any] = {"n": self.n, "correct": self.exact, "accuracy": ratio(self.exact, self.n),
                               "correct_within_1_day": self.near, "within_1_day": ratio(self.near, self.n)}
        if self.not_applicable:
            out["not_applicable"] = self.not_applicable  # gold dates of documents without a story date
        return out


@dataclass
class PlaceTally:
    n: int = 0
    within_25: int = 0
    within_161: int = 0
    errors_km: list[float] = field(default_factory=list)

    def add(self, error_km: Optional[float]) -> bool:
        self.n += 1
        if error_km is not None:
            self.errors_km.append(error_km)
            self.within_25 += error_km <= 25
            self.within_161 += error_km <= 161
        return error_km is not None and error_km <= 25

    def report(self) -> dict[str, Any]:
        out: dict[str, Any] = {"n": self.n, "within_25km": ratio(self.within_25, self.n),
                               "within_161km": ratio(self.within_161, self.n),
                               "with_coordinates": len(self.errors_km)}
        if self.errors_km:
            out["median_error_km"] = round(statistics.median(self.errors_km), 1)
        return out


@dataclass
class CountTally:
    n: int = 0
    exact: int = 0
    near: int = 0

    def add(self, gold: int, predicted: Optional[int], matched: bool) -> bool:
        self.n += 1
        exact, near = count_matches(gold, predicted) if matched else (False, False)
        self.exact += exact
        self.near += near
        return exact

    def report(self) -> dict[str, Any]:
        return {"n": self.n, "correct": self.exact, "exact": ratio(self.exact, self.n),
                "within_10pct": ratio(self.near, self.n)}


@dataclass
class EventScores:
    """The tallies of every event field over a whole gold set."""

    labels: dict[str, LabelTally] = field(default_factory=lambda: {f: LabelTally() for f in LABEL_FIELDS})
    sets: dict[str, SetTally] = field(default_factory=lambda: {f: SetTally() for f in SET_FIELDS})
    values: dict[str, ValueTally] = field(default_factory=lambda: {f: ValueTally() for f in VALUE_FIELDS})
    date: DateTally = field(default_factory=DateTally)
    place: PlaceTally = field(default_factory=PlaceTally)
    counts: dict[str, CountTally] = field(default_factory=lambda: {f: CountTally() for f in COUNT_FIELDS})

    def add_pair(self, gold: GoldEvent, predicted: Optional[Prediction], dated: bool) -> list[dict[str, Any]]:
        """Score one gold event against its matched prediction (None: unmatched).
        Returns the misses: ``{"field", "gold", "predicted"}`` for each field it got wrong."""
        misses: list[dict[str, Any]] = []

        def note(ok: bool, name: str, gold_value: Any, predicted_value: Any) -> None:
            if not ok:
                misses.append({"field": name, "gold": gold_value, "predicted": predicted_value})

        for name in LABEL_FIELDS:
            gold_value = getattr(gold, name)
            if gold_value is not None:
                value = getattr(predicted, name) if predicted else None
                note(self.labels[name].add(gold_value, value), name, gold_value, value)
        gold_codes = gold_sets(gold)
        for name in SET_FIELDS:
            if gold_codes[name]:
                value = getattr(predicted, name) if predicted else frozenset()
                note(self.sets[name].add(gold_codes[name], value), name, sorted(gold_codes[name]), sorted(value))
        if gold.mode is not None:
            value = predicted.mode if predicted else None
            note(self.values["mode"].add(same_label(gold.mode, value)), "mode", gold.mode, value)
        if gold.country is not None:
            value = predicted.country if predicted else None
            note(self.values["country"].add(same_country(gold.country, value)), "country", gold.country, value)
        if gold.admin1 is not None:
            value = predicted.admin1 if predicted else None
            note(self.values["admin1"].add(same_admin1(gold.admin1, value)), "admin1", gold.admin1, value)
        if gold.event_date is not None:
            if dated:
                value = predicted.event_date if predicted else None
                note(self.date.add(days_apart(gold.event_date, value)), "event_date", gold.event_date, value)
            else:
                self.date.not_applicable += 1
        if gold.lat is not None and gold.lon is not None:
            error = place_error_km(gold.lat, gold.lon, predicted.lat, predicted.lon) if predicted else None
            note(self.place.add(error), "location", [gold.lat, gold.lon],
                 {"lat": predicted.lat, "lon": predicted.lon, "error_km": None if error is None else round(error, 1)}
                 if predicted else None)
        for name in COUNT_FIELDS:
            gold_value = getattr(gold, name)
            if gold_value is not None:
                value = getattr(predicted, name) if predicted else None
                note(self.counts[name].add(gold_value, value, predicted is not None), name, gold_value, value)
        return misses

    def add_false_positive(self, predicted: Prediction) -> None:
        for name in LABEL_FIELDS:
            self.labels[name].add_false_positive(getattr(predicted, name))

    def fields(self) -> dict[str, dict[str, Any]]:
        """Report entries of the fields that were scored at least once, in report order."""
        tallies: dict[str, Any] = {**self.labels, **self.sets, **self.values, **self.counts,
                                   "event_date": self.date, "location": self.place}
        return {name: tallies[name].report() for name in FIELD_ORDER
                if name in tallies and (tallies[name].n or (name == "event_date" and self.date.not_applicable))}

    def per_category(self) -> dict[str, Any]:
        return {name: tally.per_category() for name, tally in self.labels.items() if tally.n}

    def confusion(self) -> dict[str, Any]:
        return {name: tally.confusion_matrix() for name, tally in self.labels.items() if tally.n}
