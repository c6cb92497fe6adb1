"""PLOVER gold standard records (PLOVER_GSR_CAMEO.txt) → gold documents, one per record.

The file is near-JSON: a list of objects with trailing commas, which are dropped before
parsing. Its labels are PLOVER 0.5 (DEMAND, DISAPPROVE, FIGHT, INVESTIGATE, ...); they are mapped
to the 16 PLOVER 2.0 categories and their modes through ``data/plover_labels.tsv``, then, where the
2.0 codebook files the coded act elsewhere than its old label did (a kidnapping coded COERCE is an
ASSAULT, mode abduct, in PLOVER 2.0 as in CAMEO 181), by the record's coded words
(``data/plover_text_labels.tsv``). Actor codes
("USA", "JAP", "IGO") become an alpha-3 country (or the organisation code) through
``codes.actor_code``; sectors keep their first three letters ("CVLalb" → "CVL").

The records carry a placeholder date (2000-01-01), so documents get no story date and event
dates are not scored. A record's ``eventLoc`` gives a country where its name or ISO alpha-2 code
is a country; ``dead``/``injured`` are kept where given. A sentence that appears in two records
with two different events stays two documents, as in the source.
"""
from __future__ import annotations

import functools
import json
import re
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any, Optional

from eventcoder.evaluate.codes import actor_code, country_code, sector_code
from eventcoder.evaluate.gold import Conversion, GoldActor, GoldDoc, GoldEvent

TRAILING_COMMA = re.compile(r",(\s*[}\]])")


def _data_rows(name: str) -> list[list[str]]:
    text = resources.files("eventcoder.evaluate").joinpath("data", name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")]


@functools.lru_cache(maxsize=1)
def plover_modes() -> dict[str, frozenset[str]]:
    """PLOVER 2.0 category → its modes."""
    return {row[0].strip(): frozenset(m.strip() for m in (row[1] if len(row) > 1 else "").split(",") if m.strip())
            for row in _data_rows("plover_modes.tsv")}


@functools.lru_cache(maxsize=1)
def _label_rows() -> dict[tuple[str, str], tuple[str, str]]:
    table = {}
    for row in _data_rows("plover_labels.tsv"):
        row += [""] * (4 - len(row))
        table[(row[0].strip(), row[1].strip())] = (row[2].strip(), row[3].strip())
    return table


def map_label(event: str, mode: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    """(PLOVER 2.0 event type, mode) for a PLOVER 0.5 label; (None, None) for a non-event.

    Raises KeyError for an event label the table does not know, so a new label is noticed.
    """
    event, mode = event.strip().upper(), (mode or "").strip()
    table = _label_rows()
    if (event, mode) in table and mode:
        new_event, new_mode = table[(event, mode)]
        return new_event or None, new_mode or None
    new_event, new_mode = table[(event, "*")]
    if not new_event:
        return None, None
    if not new_mode and mode in plover_modes().get(new_event, frozenset()):
        new_mode = mode
    return new_event, new_mode or None


@functools.lru_cache(maxsize=1)
def _text_rows() -> list[tuple[str, str, str, str]]:
    rows = []
    for row in _data_rows("plover_text_labels.tsv"):
        row += [""] * (4 - len(row))
        rows.append((row[0].strip(), row[1].strip().lower(), row[2].strip(), row[3].strip()))
    return rows


def relabel_by_text(event_type: str, mode: Optional[str], event_text: str) -> tuple[str, Optional[str]]:
    """(event type, mode) after the rows of plover_text_labels.tsv: the first row whose 2.0 type is
    ``event_type`` and whose word stem is in the record's coded words decides."""
    words = (event_text or "").lower().split()
    for old_type, stem, new_type, new_mode in _text_rows():
        if old_type == event_type and any(w.startswith(stem) for w in words):
            return new_type, new_mode or None
    return event_type, mode


def parse_records(text: str) -> list[dict[str, Any]]:
    """The records of a near-JSON PLOVER file (trailing commas allowed)."""
    data = json.loads(TRAILING_COMMA.sub(r"\1", text))
    if not isinstance(data, list):
        raise ValueError("PLOVER gold file: expected a list of records")
    return data


def _actors(value: Any, unmapped: Counter) -> list[GoldActor]:
    if not isinstance(value, list):  # "" or null: no actor coded
        return []
    actors = []
    for item in value:
        if not isinstance(item, dict):
            continue
        country, code_sector = actor_code(item.get("code"))
        if item.get("code") and country is None:
            unmapped[item["code"]] += 1
        sector = sector_code(item.get("sector")) or code_sector
        if country or sector:
            actors.append(GoldActor(text=item.get("actorText"), country=country, sector=sector))
    return actors


def _count(value: Any) -> Optional[int]:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _location(value: Any) -> tuple[Optional[str], Optional[str]]:
    """(place name, alpha-3 country) from an ``eventLoc`` object."""
    if not isinstance(value, dict):
        return None, None
    name = value.get("name")
    code = value.get("country code")
    country = country_code(code) if code else country_code(name)
    return name, country


def read_plover(path: str | Path) -> Conversion:
    """Convert the PLOVER gold records file (see the module docstring)."""
    records = parse_records(Path(path).read_text(encoding="utf-8"))
    docs: list[GoldDoc] = []
    skipped: list[tuple[str, str]] = []
    unmapped: Counter = Counter()
    for number, record in enumerate(records, start=1):
        record_id = str(record.get("id") or f"record{number}")
        text = (record.get("text") or "").strip()
        label = record.get("event") or ""
        event_type, mode = map_label(label, record.get("mode")) if label else (None, None)
        if event_type is None:
            skipped.append((record_id, f"label {label!r} is not an event"))
            continue
        event_type, mode = relabel_by_text(event_type, mode, str(record.get("eventText") or ""))
        if not text:
            skipped.append((record_id, "no text"))
            continue
        place, country = _location(record.get("eventLoc"))
        event = GoldEvent(
            id=record_id,
            event_type=event_type,
            mode=mode,
            actors=_actors(record.get("source"), unmapped),
            recipients=_actors(record.get("target"), unmapped),
            location=place,
            country=country,
            dead=_count(record.get("dead")),
            injured=_count(record.get("injured")),
        )
        docs.append(GoldDoc(id=record_id, date=None, text=text, events=[event]))
    notes = []
    if unmapped:
        notes.append(f"actor codes without a country (actor kept only if it has a sector): {dict(unmapped)}")
    return Conversion(docs=docs, records_read=len(records), skipped=skipped, notes=notes)
