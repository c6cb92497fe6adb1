"""The gold format: human-coded documents that the coder is scored against.

A gold file is JSONL, one document per line (see DESIGN.md, "Gold format and evaluation"):
``{"id", "date", "text", "events": [...], "toponyms": [...]}``. Every event field is optional
and only the fields present are scored, so one format serves ACLED notes (types, place,
fatalities), PLOVER sentences (types, actors) and geoparsing corpora (toponyms only).
"""
from __future__ import annotations

import hashlib
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


def split_part(doc_id: str, tune_share: float = 0.5) -> str:
    """``"tune"`` or ``"test"`` for a document, stable across runs and machines.

    Whoever tunes a lexicon or trains a model on a gold set uses only the ``tune`` part and
    reports on the ``test`` part (sets.json names the part a figure comes from). The split hashes
    the document id, so it does not depend on file order.
    """
    bucket = int(hashlib.sha1(doc_id.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "tune" if bucket < tune_share else "test"
