"""What ``GET /events`` and ``GET /stats`` may filter on, as parameterised SQL.

Every value a client sends ends up in the ``params`` list, never in the SQL text. The SQL
text is built only from the fixed clauses below, so no filter value can change a query's shape.

The store may later gain a table of duplicate clusters (one event reported by many articles);
a ``mentions`` flag then becomes one more field here whose clause joins that table, and the
endpoints pick it up without other changes.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Literal, Optional

PAGE_DEFAULT = 100
PAGE_MAX = 500
# The day an event is filed under: its own date where the coder resolved one, else the story's.
SORT_DAY = "coalesce(event_date, story_date)"

Order = Literal["asc", "desc"]


@dataclass(frozen=True)
class BBox:
    """A lon/lat box; ``min_lon > max_lon`` means it crosses the antimeridian."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    @classmethod
    def parse(cls, value: str) -> "BBox":
        """``"minlon,minlat,maxlon,maxlat"`` → BBox, or ValueError saying what is wrong."""
        parts = value.split(",")
        if len(parts) != 4:
            raise ValueError("bbox must be four numbers: minlon,minlat,maxlon,maxlat")
        try:
            min_lon, min_lat, max_lon, max_lat = (float(p) for p in parts)
        except ValueError:
            raise ValueError("bbox must be four numbers: minlon,minlat,maxlon,maxlat") from None
        for lon in (min_lon, max_lon):
            if not -180.0 <= lon <= 180.0:
                raise ValueError(f"bbox longitude {lon} is outside -180..180")
        for lat in (min_lat, max_lat):
            if not -90.0 <= lat <= 90.0:
                raise ValueError(f"bbox latitude {lat} is outside -90..90")
        if min_lat > max_lat:
            raise ValueError("bbox minlat is greater than maxlat")
        return cls(min_lon, min_lat, max_lon, max_lat)


def _like_free(text: str) -> str:
    """Lower-case a search term; it is matched with contains(), so % and _ are plain characters."""
    return text.lower()


@dataclass
class EventFilter:
    """The filters of the events listing; an empty filter lists every realized event."""

    types: list[str] = field(default_factory=list)
    mode: Optional[str] = None
    countries: list[str] = field(default_factory=list)
    actor: Optional[str] = None  # substring of an actor's or recipient's name or text
    since: Optional[dt.date] = None
    until: Optional[dt.date] = None
    bbox: Optional[BBox] = None
    q: Optional[str] = None  # substring of the evidence sentence(s)
    include_unrealized: bool = False

    def where(self) -> tuple[str, list]:
        """SQL ``WHERE ...`` (or "") and its parameters, in order."""
        clauses: list[str] = []
        params: list = []
        if self.types:
            clauses.append("event_type IN (SELECT unnest(?))")
            params.append([t.upper() for t in self.types])
        if self.mode:
            clauses.append("lower(mode) = ?")
            params.append(self.mode.lower())
        if self.countries:
            # an event concerns a country where it happened or where one of its parties is from
            clauses.append("(country IN (SELECT unnest(?)) OR list_has_any(actor_countries, ?)"
                           " OR list_has_any(recipient_countries, ?))")
            codes = [c.upper() for c in self.countries]
            params += [codes, codes, codes]
        if self.actor:
            clauses.append(
                "contains(lower(array_to_string(list_concat(actor_names, recipient_names,"
                " json_extract_string(record, '$.actors[*].text'),"
                " json_extract_string(record, '$.recipients[*].text')), chr(31))), ?)")
            params.append(_like_free(self.actor))
        if self.since:
            clauses.append(f"{SORT_DAY} >= ?")
            params.append(self.since)
        if self.until:
            clauses.append(f"{SORT_DAY} <= ?")
            params.append(self.until)
        if self.bbox:
            b = self.bbox
            clauses.append("lat BETWEEN ? AND ?")
            params += [b.min_lat, b.max_lat]
            if b.min_lon <= b.max_lon:
                clauses.append("lon BETWEEN ? AND ?")
                params += [b.min_lon, b.max_lon]
            else:
                clauses.append("(lon >= ? OR lon <= ?)")
                params += [b.min_lon, b.max_lon]
        if self.q:
            clauses.append("contains(lower(evidence), ?)")
            params.append(_like_free(self.q))
        if not self.include_unrealized:
            clauses.append("realized")
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: the sort key of the last row served, and the order."""

    order: Order
    day: dt.date
    event_id: str

    def encode(self) -> str:
        raw = json.dumps([self.order, self.day.isoformat(), self.event_id], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> "Cursor":
        """Reverse of encode; ValueError for anything a server did not hand out."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            order, day, event_id = json.loads(raw)
            if order not in ("asc", "desc") or not isinstance(event_id, str):
                raise ValueError
            return cls(order, dt.date.fromisoformat(day), event_id)
        except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
            raise ValueError("cursor is not one this server handed out (pass next_cursor back unchanged)") from None

    def after(self) -> tuple[str, list]:
        """The keyset condition 'comes after this row' in the cursor's order."""
        op = ">" if self.order == "asc" else "<"
        return (f"({SORT_DAY} {op} ? OR ({SORT_DAY} = ? AND id {op} ?))",
                [self.day, self.day, self.event_id])
