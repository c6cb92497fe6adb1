"""ACLED CSV → gold documents, one per event row, the coder's note (``notes``) as the text.

Two layouts are read, told apart by the header:

- **current** (lower-case columns: ``event_date, event_type, sub_event_type, actor1, inter1,
  country, admin1, location, latitude, longitude, notes, fatalities, iso3``, ...). ACLED notes are
  written about the event day and nearly always open with it ("On 9 May 2020, ..."), so the
  ``event_date`` (``9-May-20``) is used both as the gold event date and as the story date the
  coder resolves relative dates against.
- **pre-2019** (upper-case columns: ``EVENT_DATE, EVENT_TYPE, ACTOR1, INTER1, COUNTRY, ADMIN1,
  LOCATION, LATITUDE, LONGITUDE, NOTES, FATALITIES``, ...). The event date is the gold date, but
  no story date is given: the document gets no date (event dates are then scored as not
  applicable) unless ``use_event_date_as_story_date=True``. Old event types are mapped to the
  current ones through ``data/acled_legacy_types.tsv``; a mapping that is not one-to-one leaves
  the field unscored.

Gold fields: ``acled_event_type``, ``acled_sub_event_type``, ``dead`` (fatalities; ACLED's 0
means none reported), ``country`` (alpha-3), ``admin1``, ``location``, ``lat``/``lon``,
``event_date``, and actors/recipients (actor1/actor2) with the country and sector that follow
from the ACLED name and interaction code alone (``data/acled_actors.tsv``). ACLED labels no
PLOVER type, injuries or arrests, so those are left out.
"""
from __future__ import annotations

import csv
import datetime as dt
import functools
import re
from importlib import resources
from pathlib import Path
from typing import Optional

from eventcoder.evaluate.codes import country_code
from eventcoder.evaluate.gold import Conversion, GoldActor, GoldDoc, GoldEvent

CURRENT, LEGACY = "current", "pre-2019"
MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
ACTOR_YEARS = re.compile(r"\s*\(\d{4}-\d{0,4}\).*$")  # "Military Forces of Yemen (2016-) Supreme ..."
PARENTHESES = re.compile(r"\(([^()]+)\)\s*$")


def detect_layout(header: list[str]) -> str:
    """``current`` or ``pre-2019`` from the CSV header; ValueError when it is neither."""
    names = {name.strip() for name in header}
    if {"notes", "event_type", "event_date"} <= names:
        return CURRENT
    if {"NOTES", "EVENT_TYPE", "EVENT_DATE"} <= names:
        return LEGACY
    raise ValueError(f"not an ACLED CSV header (need notes/event_type/event_date, in lower or upper case): {header[:8]}")


def _data_rows(name: str) -> list[list[str]]:
    text = resources.files("eventcoder.evaluate").joinpath("data", name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")]


@functools.lru_cache(maxsize=1)
def legacy_types() -> dict[str, tuple[Optional[str], Optional[str]]]:
    return {row[0].strip().casefold(): (row[1].strip() or None, (row[2].strip() if len(row) > 2 else "") or None)
            for row in _data_rows("acled_legacy_types.tsv")}


@functools.lru_cache(maxsize=1)
def _actor_rules() -> tuple[list[tuple[str, str]], dict[str, tuple[Optional[str], bool]]]:
    prefixes, inter = [], {}
    for row in _data_rows("acled_actors.tsv"):
        row += [""] * (4 - len(row))
        kind, key, sector, from_parens = (cell.strip() for cell in row[:4])
        if kind == "prefix":
            prefixes.append((key, sector))
        elif kind == "inter":
            inter[key] = (sector or None, from_parens == "yes")
    return prefixes, inter


def gold_actor(name: str, inter: str) -> Optional[GoldActor]:
    """The country and sector an ACLED actor name and inter code determine, or None if neither."""
    name = name.strip()
    if not name:
        return None
    prefixes, inter_rules = _actor_rules()
    country = sector = None
    for prefix, prefix_sector in prefixes:
        if name.startswith(prefix + " "):
            sector = prefix_sector
            country = country_code(ACTOR_YEARS.sub("", name[len(prefix) + 1:]))
            break
    else:
        inter_sector, from_parens = inter_rules.get(inter.strip(), (None, False))
        sector = inter_sector
        match = PARENTHESES.search(name)
        if from_parens and match:
            country = country_code(match.group(1))
    if country is None and sector is None:
        return None
    return GoldActor(text=name, country=country, sector=sector)


def parse_acled_date(value: str, day_first: bool = True) -> Optional[str]:
    """ISO day from ACLED's spellings: ``9-May-20``, ``09 May 2020``, ``2020-05-09``, ``09/05/2020``."""
    value = value.strip()
    if not value:
        return None
    match = re.fullmatch(r"(\d{1,2})[- ]([A-Za-z]{3})[A-Za-z]*[- ](\d{2}|\d{4})", value)
    if match and match.group(2).lower() in MONTHS:
        year = int(match.group(3))
        year += 2000 if year < 100 else 0  # ACLED's two-digit years all start in 1997 or later
        if year > dt.date.today().year:
            year -= 100
        return dt.date(year, MONTHS[match.group(2).lower()], int(match.group(1))).isoformat()
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value)
    if match:
        return dt.date(int(match[1]), int(match[2]), int(match[3])).isoformat()
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value)
    if match:
        first, second, year = int(match[1]), int(match[2]), int(match[3])
        day, month = (first, second) if day_first else (second, first)
        return dt.date(year, month, day).isoformat()
    raise ValueError(f"unreadable ACLED date {value!r}")


def _slash_dates_day_first(values: list[str]) -> bool:
    """Old ACLED files write dd/mm/yyyy; a file whose second field exceeds 12 is mm/dd/yyyy."""
    for value in values:
        match = re.fullmatch(r"\s*(\d{1,2})/(\d{1,2})/\d{4}\s*", value)
        if match and int(match[2]) > 12:
            return False
    return True


def _number(value: str) -> Optional[float]:
    try:
        return float(value) if value.strip() else None
    except ValueError:
        return None


def read_acled(path: str | Path, use_event_date_as_story_date: bool = False) -> Conversion:
    """Convert an ACLED CSV in either layout (see the module docstring for the date rules)."""
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        raise ValueError(f"{path}: empty file")
    header = [cell.strip() for cell in rows[0]]
    layout = detect_layout(header)
    key = (lambda name: name) if layout == CURRENT else (lambda name: name.upper())
    records = [dict(zip(header, row)) for row in rows[1:] if any(cell.strip() for cell in row)]
    day_first = _slash_dates_day_first([r.get(key("event_date"), "") for r in records])

    docs: list[GoldDoc] = []
    skipped: list[tuple[str, str]] = []
    unmapped_types: set[str] = set()
    for number, record in enumerate(records, start=1):
        get = lambda name: (record.get(key(name)) or "").strip()  # noqa: E731
        record_id = get("event_id_cnty") or get("data_id") or f"row{number}"
        text = get("notes")
        if not text:
            skipped.append((record_id, "no notes text (truncated or empty row)"))
            continue
        try:
            event_date = parse_acled_date(get("event_date"), day_first)
        except ValueError as exc:
            skipped.append((record_id, str(exc)))
            continue

        event_type, sub_type = get("event_type") or None, get("sub_event_type") or None
        if layout == LEGACY and event_type:
            mapped = legacy_types().get(event_type.casefold())
            if mapped is None:
                unmapped_types.add(event_type)
                event_type = None
            else:
                event_type, sub_type = mapped[0], sub_type or mapped[1]
        fatalities = get("fatalities")
        country = country_code(get("iso3")) if get("iso3") else country_code(get("country"))
        actors = [a for a in [gold_actor(get("actor1"), get("inter1"))] if a]
        recipients = [a for a in [gold_actor(get("actor2"), get("inter2"))] if a]
        event = GoldEvent(
            id=record_id,
            acled_event_type=event_type,
            acled_sub_event_type=sub_type,
            dead=int(fatalities) if fatalities.isdigit() else None,
            country=country,
            admin1=get("admin1") or None,
            location=get("location") or None,
            lat=_number(get("latitude")),
            lon=_number(get("longitude")),
            event_date=event_date,
            actors=actors,
            recipients=recipients,
        )
        story_date = event_date if (layout == CURRENT or use_event_date_as_story_date) else None
        docs.append(GoldDoc(id=record_id, date=story_date, text=text, events=[event]))

    notes = [f"layout: {layout}"]
    if unmapped_types:
        notes.append(f"event types not in acled_legacy_types.tsv (left unscored): {sorted(unmapped_types)}")
    return Conversion(docs=docs, records_read=len(records), skipped=skipped, notes=notes)
