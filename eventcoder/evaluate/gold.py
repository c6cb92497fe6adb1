"""The gold format: human-coded documents that the coder is scored against.

A gold file is JSONL, one document per line (see DESIGN.md, "Gold format and evaluation"):
``{"id", "date", "text", "events": [...], "toponyms": [...]}``. Every event field is optional
and only the fields present are scored, so one format serves ACLED notes (types, place,
fatalities), PLOVER sentences (types, actors) and geoparsing corpora (toponyms only).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from eventcoder.read import check_date


class GoldActor(BaseModel):
    """A source or recipient as the human coder saw it."""

    model_config = ConfigDict(extra="forbid")

    text: Optional[str] = None
    country: Optional[str] = None  # ISO alpha-3, or IGO/UNO/EUR/NGO/IMG
    sector: Optional[str] = None  # GOV, MIL, REB, COP, CVL, ...


class GoldEvent(BaseModel):
    """One human-coded event. A field left out (None) is not scored."""

    model_config = ConfigDict(extra="forbid")

    id: Optional[str] = None
    event_type: Optional[str] = None  # PLOVER 2.0 category
    mode: Optional[str] = None  # PLOVER 2.0 mode
    acled_event_type: Optional[str] = None
    acled_sub_event_type: Optional[str] = None
    dead: Optional[int] = None
    injured: Optional[int] = None
    arrested: Optional[int] = None
    country: Optional[str] = None  # ISO alpha-3
    admin1: Optional[str] = None
    location: Optional[str] = None  # place name (kept for reading; distances use lat/lon)
    lat: Optional[float] = None
    lon: Optional[float] = None
    event_date: Optional[str] = None  # ISO day
    actors: list[GoldActor] = Field(default_factory=list)
    recipients: list[GoldActor] = Field(default_factory=list)

    @field_validator("event_date")
    @classmethod
    def _iso_day(cls, value: Optional[str]) -> Optional[str]:
        return None if value is None else check_date(value)


class GoldToponym(BaseModel):
    """A place name in the text. Without lat/lon it is a known span that is not scored."""

    model_config = ConfigDict(extra="forbid")

    start: int
    end: int
    name: Optional[str] = None  # the phrase as written
    lat: Optional[float] = None
    lon: Optional[float] = None
    geonameid: Optional[int] = None
    kind: Optional[str] = None  # corpus-specific type (GeoNames feature code, GeoWebNews type)

    @property
    def scored(self) -> bool:
        return self.lat is not None and self.lon is not None


class GoldDoc(BaseModel):
    """One gold document. ``date`` is the story date; None when the source gives none."""

    model_config = ConfigDict(extra="forbid")

    id: str
    date: Optional[str] = None
    text: str
    title: Optional[str] = None
    events: list[GoldEvent] = Field(default_factory=list)
    toponyms: list[GoldToponym] = Field(default_factory=list)

    @field_validator("date")
    @classmethod
    def _iso_day(cls, value: Optional[str]) -> Optional[str]:
        return None if value is None else check_date(value)


@dataclass
class Conversion:
    """What a converter produced: the documents, how many records it read, and what it left
    out with the reason (so a count that differs from the source's is explained)."""

    docs: list[GoldDoc]
    records_read: int
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (record id, reason)
    notes: list[str] = field(default_factory=list)  # set-level remarks (e.g. unmapped codes)


def read_gold(path: str | Path) -> list[GoldDoc]:
    """Read a gold JSONL file; a bad line raises ValueError naming the file and line."""
    return list(iter_gold(path))


def iter_gold(path: str | Path) -> Iterator[GoldDoc]:
    path = Path(path)
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield GoldDoc.model_validate_json(line)
            except ValidationError as exc:
                raise ValueError(f"{path}:{number}: not a gold document: {exc}") from None


def write_gold(docs: Iterable[GoldDoc], path: str | Path) -> int:
    """Write documents as JSONL (absent fields left out); returns how many were written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for doc in docs:
            handle.write(json.dumps(doc.model_dump(exclude_none=True), ensure_ascii=False) + "\n")
            count += 1
    return count


PARTS = ("all", "even-position", "odd-position", "even-id", "odd-id")


def select_part(docs: list[GoldDoc], part: str) -> list[GoldDoc]:
    """The half of a gold set a figure is reported on, when the other half was used for tuning.

    The team's convention: whoever tunes a lexicon, table or weights on a gold set uses its even
    half and the figure is reported on the odd half. ``*-position`` counts documents in converted
    order from 0 (ACLED rows and PLOVER records keep their file order); ``*-id`` uses a numeric
    document id (LGL docids).
    """
    if part == "all":
        return list(docs)
    if part not in PARTS:
        raise ValueError(f"unknown part {part!r}; known: {', '.join(PARTS)}")
    parity = 0 if part.startswith("even") else 1
    if part.endswith("position"):
        return [doc for index, doc in enumerate(docs) if index % 2 == parity]
    try:
        return [doc for doc in docs if int(doc.id) % 2 == parity]
    except ValueError:
        raise ValueError(f"part {part!r} needs numeric document ids") from None
