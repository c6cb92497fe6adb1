"""The embedded DuckDB store: schema, idempotent writes, queries and export.

Articles are keyed by a hash of their date and text; an article and all its events are
written in one transaction, so a run killed at any point leaves whole articles or none, and a
re-run skips what is already there. The connection is opened per batch and closed again, so
that readers (``serve``, ``query``) can open the file between writes.
"""
from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional, Sequence

import duckdb
import pyarrow as pa

from eventcoder.read import Article
from eventcoder.record import Event

DEFAULT_DB = "events.duckdb"
SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS articles (
    id VARCHAR PRIMARY KEY,
    story_date DATE NOT NULL,
    title VARCHAR, url VARCHAR, source VARCHAR, external_id VARCHAR, origin VARCHAR,
    text VARCHAR NOT NULL,
    n_events INTEGER NOT NULL,
    coder_version VARCHAR,
    coded_at TIMESTAMP DEFAULT current_timestamp
);
CREATE TABLE IF NOT EXISTS events (
    id VARCHAR PRIMARY KEY,
    article_id VARCHAR NOT NULL,
    story_date DATE NOT NULL,
    event_type VARCHAR NOT NULL,
    mode VARCHAR,
    quad_class INTEGER,
    goldstein DOUBLE,
    event_date DATE,
    date_precision INTEGER,
    country VARCHAR,
    admin1 VARCHAR,
    location_name VARCHAR,
    lat DOUBLE, lon DOUBLE,
    geo_precision INTEGER,
    dead INTEGER, injured INTEGER, arrested INTEGER,
    actor_countries VARCHAR[], actor_names VARCHAR[],
    recipient_countries VARCHAR[], recipient_names VARCHAR[],
    negated BOOLEAN, hypothetical BOOLEAN, realized BOOLEAN,
    acled_event_type VARCHAR, acled_sub_event_type VARCHAR,
    cameo VARCHAR,
    confidence DOUBLE,
    evidence VARCHAR,
    record JSON NOT NULL
);
CREATE TABLE IF NOT EXISTS read_errors (
    origin VARCHAR, reason VARCHAR, seen_at TIMESTAMP DEFAULT current_timestamp
);
"""

EVENT_COLUMNS = (
    "id", "article_id", "story_date", "event_type", "mode", "quad_class", "goldstein", "event_date",
    "date_precision", "country", "admin1", "location_name", "lat", "lon", "geo_precision", "dead",
    "injured", "arrested", "actor_countries", "actor_names", "recipient_countries",
    "recipient_names", "negated", "hypothetical", "realized", "acled_event_type",
    "acled_sub_event_type", "cameo", "confidence", "evidence", "record",
)


# Arrow types of the stored columns that are not strings: rows go in as one Arrow table,
# since DuckDB's executemany runs one INSERT per row (about 10 ms each, minutes for a big run).
_ARROW_TYPES = {
    **dict.fromkeys(("quad_class", "date_precision", "geo_precision", "dead", "injured", "arrested", "n_events"), pa.int64()),
    **dict.fromkeys(("goldstein", "lat", "lon", "confidence"), pa.float64()),
    **dict.fromkeys(("negated", "hypothetical", "realized"), pa.bool_()),
    **dict.fromkeys(("actor_countries", "actor_names", "recipient_countries", "recipient_names"), pa.list_(pa.string())),
}


def _insert_rows(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """INSERT many rows in one statement, through an Arrow table (within the caller's transaction)."""
    data = pa.table({name: pa.array(list(values), type=_ARROW_TYPES.get(name, pa.string()))
                     for name, values in zip(columns, zip(*rows))})
    view = f"_new_{table}"
    con.register(view, data)
    try:
        names = ", ".join(columns)
        con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {view}")
    finally:
        con.unregister(view)


class StoreBusy(RuntimeError):
    """Another process holds the database for writing."""


class StoreError(RuntimeError):
    """The database could not be written (disk full, permissions, corruption)."""


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text or "conflicting" in text or "being used" in text


def connect(path: str, read_only: bool = False, wait_s: float = 30.0) -> duckdb.DuckDBPyConnection:
    """Open the database, waiting up to ``wait_s`` for another process's write to finish."""
    deadline = time.monotonic() + wait_s
    delay = 0.05
    while True:
        try:
            if read_only and not Path(path).exists():
                raise StoreError(f"{path}: no such database (code some articles first)")
            con = duckdb.connect(path, read_only=read_only)
            if not read_only:
                con.execute(SCHEMA)
            return con
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise StoreError(f"{path}: {exc}") from exc
            if time.monotonic() >= deadline:
                raise StoreBusy(f"database is busy: {path} is held by another process ({exc})") from exc
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


@contextlib.contextmanager
def opened(path: str, read_only: bool = False, wait_s: float = 30.0) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(path, read_only=read_only, wait_s=wait_s)
    try:
        yield con
    finally:
        try:
            con.close()  # may checkpoint the write-ahead log into the file: it can hit a full disk
        except duckdb.Error as exc:
            raise StoreError(f"{path}: could not close the database ({exc})") from exc


def _count_column(value: Optional[int]) -> Optional[int]:
    """A count for an INTEGER column. A number past its range ("99999999999 killed" in a
    scraped page) would fail the whole batch; the column holds NULL, the record keeps the number."""
    return value if value is None or -2**31 <= value < 2**31 else None


def event_row(event: Event) -> tuple:
    loc = event.location
    return (
        event.id, event.article_id, event.story_date, event.event_type, event.mode,
        event.quad_class, event.goldstein, event.date, event.date_precision,
        loc.country if loc else None, loc.admin1 if loc else None, loc.name if loc else None,
        loc.lat if loc else None, loc.lon if loc else None, loc.precision if loc else None,
        _count_column(event.dead), _count_column(event.injured), _count_column(event.arrested),
        [a.country for a in event.actors if a.country], [a.name or a.text for a in event.actors],
        [a.country for a in event.recipients if a.country], [a.name or a.text for a in event.recipients],
        event.negated, event.hypothetical, event.realized,
        event.acled.event_type, event.acled.sub_event_type, event.cameo, event.confidence,
        event.evidence.text, event.model_dump_json(),
    )


def known_ids(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> set[str]:
    if not ids:
        return set()
    rows = con.execute("SELECT id FROM articles WHERE id IN (SELECT unnest(?))", [list(ids)]).fetchall()
    return {r[0] for r in rows}


def write_batch(path: str, coded: Sequence[tuple[Article, list[Event]]], wait_s: float = 30.0) -> int:
    """Write articles with their events in one transaction; return how many were new."""
    if not coded:
        return 0
    with opened(path, wait_s=wait_s) as con:
        try:
            con.execute("BEGIN TRANSACTION")
            stored = known_ids(con, [a.id for a, _ in coded])
            fresh = [(a, evs) for a, evs in coded if a.id not in stored]
            seen: set[str] = set()
            articles, events = [], []
            for art, evs in fresh:
                if art.id in seen:  # the same article twice within one batch
                    continue
                seen.add(art.id)
                articles.append((art.id, art.date, art.title, art.url, art.source, art.external_id,
                                 art.origin, art.text, len(evs), evs[0].coder_version if evs else None))
                events.extend(event_row(e) for e in evs)
            if articles:
                _insert_rows(con, "articles", ("id", "story_date", "title", "url", "source", "external_id",
                                               "origin", "text", "n_events", "coder_version"), articles)
            if events:
                _insert_rows(con, "events", EVENT_COLUMNS, events)
            con.execute("COMMIT")
            return len(articles)
        except (duckdb.Error, pa.ArrowException) as exc:
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise StoreError(f"{path}: write failed, batch rolled back ({exc})") from exc


def log_read_errors(path: str, errors: Iterable[tuple[str, str]]) -> None:
    rows = list(errors)
    if rows:
        with opened(path) as con:
            try:
                _insert_rows(con, "read_errors", ("origin", "reason"), rows)
            except duckdb.Error as exc:
                raise StoreError(f"{path}: could not log read errors ({exc})") from exc


def existing_article_ids(path: str, ids: Sequence[str]) -> set[str]:
    if not Path(path).exists():
        return set()
    with opened(path, read_only=True) as con:
        try:
            return known_ids(con, ids)
        except duckdb.CatalogException:
            return set()


@dataclass
class EventQuery:
    """Filters shared by ``eventcoder query``, export and the API."""

    event_type: Optional[str] = None
    country: Optional[str] = None
    since: Optional[str] = None
    until: Optional[str] = None
    include_unrealized: bool = False
    limit: Optional[int] = None

    def where(self) -> tuple[str, list]:
        clauses, params = [], []
        if self.event_type:
            clauses.append("event_type = ?")
            params.append(self.event_type.upper())
        if self.country:
            clauses.append("(country = ? OR list_contains(actor_countries, ?) OR list_contains(recipient_countries, ?))")
            params += [self.country.upper()] * 3
        if self.since:
            clauses.append("coalesce(event_date, story_date) >= CAST(? AS DATE)")
            params.append(self.since)
        if self.until:
            clauses.append("coalesce(event_date, story_date) <= CAST(? AS DATE)")
            params.append(self.until)
        if not self.include_unrealized:
            clauses.append("realized")
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def query_events(path: str, q: EventQuery) -> list[Event]:
    where, params = q.where()
    sql = f"SELECT record FROM events{where} ORDER BY coalesce(event_date, story_date), id"
    if q.limit:
        sql += " LIMIT ?"
        params.append(int(q.limit))
    with opened(path, read_only=True) as con:
        return [Event.model_validate_json(r[0]) for r in con.execute(sql, params).fetchall()]


def counts(path: str) -> dict[str, int]:
    with opened(path, read_only=True) as con:
        n_art = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        n_ev = con.execute("SELECT count(*) FROM events").fetchone()[0]
    return {"articles": n_art, "events": n_ev}
