"""Pair the gold events of one document with the coder's events, one to one.

Each gold/predicted pair gets an agreement tuple ``(type, place, date)``:

- type: how many of the gold's type fields (event_type, acled_event_type, acled_sub_event_type)
  the prediction gets right;
- place: country right, admin1 right, point within 161 km (each counts one);
- date: exact day, and within one day (each counts one; only when the document has a story date).

Pairs are taken greedily, best tuple first (tuples compare type first, then place, then date;
ties go to the earlier gold event, then the earlier prediction), until one side runs out. Greedy
on a lexicographic score is what the rule "best agreement on type, then place, then date" says;
it can differ from an optimal assignment only when two gold events compete for the same
prediction with equal type agreement, which a document of a few events rarely has.

Every pair is eligible, even one that agrees on nothing: a note with one gold event and one
predicted event of the wrong type still scores its country, date and fatalities. Gold events
left over are misses on every field; predictions left over are false positives.
"""
from __future__ import annotations

from dataclasses import dataclass

from eventcoder.evaluate.compare import days_apart, place_error_km, same_admin1, same_country, same_label
from eventcoder.evaluate.gold import GoldEvent
from eventcoder.evaluate.predicted import Prediction

TYPE_FIELDS = ("event_type", "acled_event_type", "acled_sub_event_type")
MATCH_RADIUS_KM = 161.0


@dataclass(frozen=True)
class Matching:
    pairs: list[tuple[int, int]]  # (gold index, prediction index)
    unmatched_gold: list[int]
    unmatched_predictions: list[int]


def agreement(gold: GoldEvent, predicted: Prediction, dated: bool) -> tuple[int, int, int]:
    """The (type, place, date) agreement of one pair; higher is better."""
    type_score = sum(same_label(getattr(gold, f), getattr(predicted, f)) for f in TYPE_FIELDS)
    error = place_error_km(gold.lat, gold.lon, predicted.lat, predicted.lon)
    place_score = (same_country(gold.country, predicted.country)
                   + same_admin1(gold.admin1, predicted.admin1)
                   + (error is not None and error <= MATCH_RADIUS_KM))
    days = days_apart(gold.event_date, predicted.event_date) if dated else None
    date_score = 0 if days is None else (days == 0) + (days <= 1)
    return type_score, place_score, date_score


def match_events(gold: list[GoldEvent], predicted: list[Prediction], dated: bool = True) -> Matching:
    """One-to-one pairing of a document's gold and predicted events (see module docstring)."""
    candidates = sorted(
        ((agreement(g, p, dated), gi, pi) for gi, g in enumerate(gold) for pi, p in enumerate(predicted)),
        key=lambda item: (tuple(-x for x in item[0]), item[1], item[2]),
    )
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    pairs = []
    for _, gi, pi in candidates:
        if gi in used_gold or pi in used_pred:
            continue
        pairs.append((gi, pi))
        used_gold.add(gi)
        used_pred.add(pi)
    pairs.sort()
    return Matching(
        pairs=pairs,
        unmatched_gold=[i for i in range(len(gold)) if i not in used_gold],
        unmatched_predictions=[i for i in range(len(predicted)) if i not in used_pred],
    )
