"""Toponym scoring: resolution given the gold spans, and finding + resolving end to end.

- ``accuracy_161km``: each gold toponym with coordinates is handed to the resolver as a span of
  its article (``eventcoder.places.resolve_spans``); right when the resolved point is within
  161 km (100 miles, the usual geoparsing threshold) of the gold point.
- ``precision``/``recall``/``f1`` (end to end, ``eventcoder.places.find_toponyms``): a found
  place counts when its span overlaps a gold span and it resolves within 161 km of it. Each gold
  span is credited once (to the closest overlapping found place). A found place overlapping only
  a gold span without coordinates (an unscored span) counts neither way; any other found place
  is a false positive. Recall is over gold toponyms with coordinates.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional, Protocol

from eventcoder.evaluate.compare import place_error_km
from eventcoder.evaluate.gold import GoldDoc, GoldToponym
from eventcoder.evaluate.metrics import prf, ratio

RADIUS_KM = 161.0


class Place(Protocol):
    start: Optional[int]
    end: Optional[int]
    lat: Optional[float]
    lon: Optional[float]


def load_places_api() -> tuple[Optional[Callable], Optional[Callable], Optional[str]]:
    """(resolve_spans, find_toponyms, None), or (None, None, why) when eventcoder.places lacks them."""
    try:
        from eventcoder.places import find_toponyms, resolve_spans
    except ImportError as exc:
        return None, None, f"toponym scoring skipped: eventcoder.places.resolve_spans/find_toponyms not importable ({exc})"
    return resolve_spans, find_toponyms, None


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def _point(place: Optional[Place]) -> Optional[dict[str, Any]]:
    if place is None:
        return None
    return {"start": place.start, "end": place.end, "lat": place.lat, "lon": place.lon,
            "name": getattr(place, "name", None)}


@dataclass
class ToponymTally:
    n: int = 0  # gold toponyms with coordinates handed to the resolver
    resolved_ok: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    end_to_end_docs: int = 0

    def add_resolved(self, gold: list[GoldToponym], resolved: list[Optional[Place]]) -> list[dict[str, Any]]:
        """Score resolution of the scored gold spans; ``resolved`` is aligned with ``gold``."""
        if len(resolved) != len(gold):
            raise ValueError(f"resolve_spans returned {len(resolved)} results for {len(gold)} spans")
        misses = []
        for toponym, place in zip(gold, resolved):
            self.n += 1
            error = place_error_km(toponym.lat, toponym.lon, place.lat, place.lon) if place else None
            if error is not None and error <= RADIUS_KM:
                self.resolved_ok += 1
            else:
                misses.append({"kind": "resolution", "gold": toponym.model_dump(exclude_none=True),
                               "predicted": _point(place), "error_km": None if error is None else round(error, 1)})
        return misses

    def add_found(self, doc: GoldDoc, found: list[Place]) -> list[dict[str, Any]]:
        """Score end-to-end finding and resolving in one document."""
        self.end_to_end_docs += 1
        scored = [t for t in doc.toponyms if t.scored]
        unscored = [t for t in doc.toponyms if not t.scored]
        # candidate credits: (error, gold index, found index) for overlapping pairs within the radius
        credits = []
        for fi, place in enumerate(found):
            for gi, toponym in enumerate(scored):
                if place.start is not None and place.end is not None and \
                        _overlaps(place.start, place.end, toponym.start, toponym.end):
                    error = place_error_km(toponym.lat, toponym.lon, place.lat, place.lon)
                    if error is not None and error <= RADIUS_KM:
                        credits.append((error, gi, fi))
        credited_gold: set[int] = set()
        credited_found: set[int] = set()
        for _, gi, fi in sorted(credits):
            if gi not in credited_gold and fi not in credited_found:
                credited_gold.add(gi)
                credited_found.add(fi)
        misses = []
        for fi, place in enumerate(found):
            if fi in credited_found:
                continue
            spans = (place.start, place.end)
            on_unscored = None not in spans and any(_overlaps(*spans, t.start, t.end) for t in unscored)
            on_scored = None not in spans and any(_overlaps(*spans, t.start, t.end) for t in scored)
            if on_unscored and not on_scored:
                continue
            self.fp += 1
            misses.append({"kind": "false_positive", "gold": None, "predicted": _point(place),
                           "why": "overlaps a gold toponym but resolves over 161 km away, or a duplicate"
                           if on_scored else "no gold toponym there"})
        for gi, toponym in enumerate(scored):
            if gi not in credited_gold:
                self.fn += 1
                misses.append({"kind": "not_found", "gold": toponym.model_dump(exclude_none=True), "predicted": None})
        self.tp += len(credited_gold)
        return misses

    def report(self) -> dict[str, Any]:
        out: dict[str, Any] = {"n": self.n, "correct": self.resolved_ok,
                               "accuracy_161km": ratio(self.resolved_ok, self.n)}
        if self.end_to_end_docs:
            out.update({"tp": self.tp, "fp": self.fp, "fn": self.fn, **prf(self.tp, self.fp, self.fn)})
        return out
