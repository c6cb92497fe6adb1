"""How one gold value is compared with one predicted value, field by field.

Kept apart from the bookkeeping in ``metrics`` so each rule can be read (and argued with) alone:
labels compare case-insensitively; admin1 names compare without accents, punctuation and the
word for the kind of unit ("Borno State" = "Borno"); places by great-circle distance; days by
the number of days between them; counts exactly or within 10 %.
"""
from __future__ import annotations

import datetime as dt
import functools
import math
import re
from importlib import resources
from typing import Optional

from eventcoder.evaluate.codes import fold

EARTH_RADIUS_KM = 6371.0088


def same_label(gold: Optional[str], predicted: Optional[str]) -> bool:
    return gold is not None and predicted is not None and label_key(gold).casefold() == label_key(predicted).casefold()


def label_key(value: str) -> str:
    """The form a label is counted under in the per-category table: spaces tidied."""
    return " ".join(value.split())


@functools.lru_cache(maxsize=1)
def _generic_admin_words() -> frozenset[str]:
    text = resources.files("eventcoder.evaluate").joinpath("data", "admin1_generic_words.txt").read_text("utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))


def admin1_key(name: str) -> str:
    """Comparable form of a first-level unit name."""
    no_apostrophes = re.sub(r"['‘’ʼʿʾ`´]", "", fold(name).replace("ı", "i"))  # Ta'izz = Taizz, San‘a = Sana
    words = re.sub(r"[^\w\s]", " ", no_apostrophes).replace("_", " ").split()
    kept = [w for w in words if w not in _generic_admin_words() and w not in {"of", "the", "de", "al", "el"}]
    return " ".join(kept or words)


def same_admin1(gold: Optional[str], predicted: Optional[str]) -> bool:
    return bool(gold and predicted) and admin1_key(gold) == admin1_key(predicted)


def same_country(gold: Optional[str], predicted: Optional[str]) -> bool:
    return bool(gold and predicted) and gold.strip().upper() == predicted.strip().upper()


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def place_error_km(gold_lat: Optional[float], gold_lon: Optional[float],
                   lat: Optional[float], lon: Optional[float]) -> Optional[float]:
    """Distance between gold and predicted point, None when either lacks coordinates."""
    if None in (gold_lat, gold_lon, lat, lon):
        return None
    return distance_km(gold_lat, gold_lon, lat, lon)


def days_apart(gold: Optional[str], predicted: Optional[str]) -> Optional[int]:
    """Whole days between two ISO days, None when either is missing or unreadable."""
    if not gold or not predicted:
        return None
    try:
        return abs((dt.date.fromisoformat(predicted[:10]) - dt.date.fromisoformat(gold[:10])).days)
    except ValueError:
        return None


def count_matches(gold: int, predicted: Optional[int]) -> tuple[bool, bool]:
    """(exact, within 10 %) for a casualty count. A predicted None means none reported: 0,
    which is how ACLED writes "no fatalities reported"."""
    value = 0 if predicted is None else predicted
    exact = value == gold
    return exact, exact or abs(value - gold) <= 0.1 * gold
