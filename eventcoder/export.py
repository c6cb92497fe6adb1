"""Export stored events: JSONL records, flat CSV/Parquet, and ACLED-column CSV."""
from __future__ import annotations

import csv
import io
import sys
from typing import Optional, TextIO

import pycountry

from eventcoder import store
from eventcoder.record import Event

FORMATS = ("jsonl", "csv", "parquet", "acled-csv")
# ACLED's own column names, so an analyst's existing ACLED scripts read the file
ACLED_COLUMNS = [
    "data_id", "iso", "event_id_cnty", "event_id_no_cnty", "event_date", "year", "time_precision",
    "event_type", "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source",
    "source_scale", "notes", "fatalities", "timestamp", "iso3",
]
# ACLED interaction codes by actor sector (1 state forces, 2 rebels, 3 militias, 5 rioters, 6 protesters, 7 civilians, 8 external)
INTER_CODE = {"MIL": 1, "GOV": 1, "COP": 1, "REB": 2, "UAF": 3, "CVL": 7, "JRN": 7, "PTY": 4, "IGO": 8, "NGO": 8}


def _iso_numeric(alpha3: Optional[str]) -> object:
    """ACLED's ``iso`` column: the ISO 3166 numeric code (none for IGO/NGO codes)."""
    country = pycountry.countries.get(alpha_3=alpha3) if alpha3 else None
    return int(country.numeric) if country else ""


def _country_name(alpha3: Optional[str]) -> str:
    if not alpha3:
        return ""
    country = pycountry.countries.get(alpha_3=alpha3)
    return getattr(country, "common_name", None) or (country.name if country else alpha3)


def acled_row(e: Event, row_number: int = 0) -> dict:
    """One ACLED row; ``row_number`` fills ACLED's numeric keys (data_id, event_id_no_cnty)."""
    loc = e.location
    a1 = e.actors[0] if e.actors else None
    a2 = e.recipients[0] if e.recipients else None
    inter1 = INTER_CODE.get(a1.sector, 0) if a1 else 0
    inter2 = INTER_CODE.get(a2.sector, 0) if a2 else 0
    day = e.date or e.story_date
    iso3 = loc.country if loc and loc.country else (a1.country if a1 else None)
    return {
        "data_id": row_number, "iso": _iso_numeric(iso3), "event_id_cnty": e.id, "event_id_no_cnty": row_number,
        "event_date": day, "year": day[:4], "time_precision": e.date_precision or "",
        "event_type": e.acled.event_type or "", "sub_event_type": e.acled.sub_event_type or "",
        "actor1": a1.name if a1 else "", "assoc_actor_1": "; ".join(a.name or a.text for a in e.actors[1:]),
        "inter1": inter1, "actor2": a2.name if a2 else "",
        "assoc_actor_2": "; ".join(a.name or a.text for a in e.recipients[1:]), "inter2": inter2,
        "interaction": int(f"{min(inter1, inter2)}{max(inter1, inter2)}") if inter1 and inter2 else inter1 * 10,
        "region": "", "country": _country_name(iso3), "admin1": (loc.admin1 if loc else "") or "",
        "admin2": "", "admin3": "", "location": (loc.name if loc else "") or "",
        "latitude": loc.lat if loc and loc.lat is not None else "", "longitude": loc.lon if loc and loc.lon is not None else "",
        "geo_precision": (loc.precision if loc else "") or "",
        "source": "; ".join(s.name or s.text for s in e.reported_by), "source_scale": "",
        "notes": e.evidence.text, "fatalities": e.dead or 0, "timestamp": "", "iso3": iso3 or "",
    }


def export_events(db: str, fmt: str, output: Optional[str], include_unrealized: bool = False) -> int:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "parquet":
        if not output:
            raise ValueError("parquet needs -o FILE")
        where, params = store.EventQuery(include_unrealized=include_unrealized).where()
        cols = ", ".join(c for c in store.EVENT_COLUMNS if c != "record") + ", record"
        with store.opened(db, read_only=True) as con:
            n = con.execute(f"SELECT count(*) FROM events{where}", params).fetchone()[0]
            con.execute(f"COPY (SELECT {cols} FROM events{where} ORDER BY id) TO '{_quote(output)}' (FORMAT parquet)", params)
        return n
    events = store.query_events(db, store.EventQuery(include_unrealized=include_unrealized))
    handle: TextIO = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        if fmt == "jsonl":
            for e in events:
                handle.write(e.model_dump_json() + "\n")
        else:
            if fmt == "acled-csv":  # ACLED has no row for verbal events (CONSULT, REQUEST, …): leave them out
                events = [e for e in events if e.acled.event_type]
            rows = [acled_row(e, n) if fmt == "acled-csv" else flat_row(e) for n, e in enumerate(events, 1)]
            columns = ACLED_COLUMNS if fmt == "acled-csv" else (list(rows[0]) if rows else list(flat_columns()))
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
    finally:
        if output:
            handle.close()
    return len(events)


def _quote(path: str) -> str:
    return path.replace("'", "''")


def flat_columns() -> tuple[str, ...]:
    return ("id", "article_id", "story_date", "event_type", "mode", "quad_class", "goldstein", "date",
            "date_precision", "actor_names", "actor_countries", "actor_sectors", "recipient_names",
            "recipient_countries", "recipient_sectors", "location", "country", "admin1", "lat", "lon",
            "geo_precision", "dead", "injured", "arrested", "negated", "hypothetical",
            "acled_event_type", "acled_sub_event_type", "cameo", "confidence", "reported_by", "evidence")


def flat_row(e: Event) -> dict:
    loc = e.location
    return {
        "id": e.id, "article_id": e.article_id, "story_date": e.story_date, "event_type": e.event_type,
        "mode": e.mode or "", "quad_class": e.quad_class, "goldstein": e.goldstein, "date": e.date or "",
        "date_precision": e.date_precision or "",
        "actor_names": "; ".join(a.name or a.text for a in e.actors),
        "actor_countries": "; ".join(a.country or "" for a in e.actors),
        "actor_sectors": "; ".join(a.sector or "" for a in e.actors),
        "recipient_names": "; ".join(a.name or a.text for a in e.recipients),
        "recipient_countries": "; ".join(a.country or "" for a in e.recipients),
        "recipient_sectors": "; ".join(a.sector or "" for a in e.recipients),
        "location": (loc.name if loc else "") or "", "country": (loc.country if loc else "") or "",
        "admin1": (loc.admin1 if loc else "") or "", "lat": loc.lat if loc else "", "lon": loc.lon if loc else "",
        "geo_precision": (loc.precision if loc else "") or "", "dead": e.dead if e.dead is not None else "",
        "injured": e.injured if e.injured is not None else "", "arrested": e.arrested if e.arrested is not None else "",
        "negated": e.negated, "hypothetical": e.hypothetical, "acled_event_type": e.acled.event_type or "",
        "acled_sub_event_type": e.acled.sub_event_type or "", "cameo": e.cameo or "", "confidence": e.confidence,
        "reported_by": "; ".join(s.name or s.text for s in e.reported_by), "evidence": e.evidence.text,
    }
