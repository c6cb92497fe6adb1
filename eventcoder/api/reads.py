"""The API's access to the DuckDB store: read-only connections per request, with a time limit.

Each request opens the file read-only and closes it again, so that ``eventcoder code`` in
another process can take the file for a write between requests. Inside one process DuckDB
refuses a read-write connection while read-only ones are open (and the reverse), so the
server's own writes (``POST /code?store=true``) wait for the readers through a
readers-writer gate.
"""
from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from typing import Iterator, Optional, Sequence

import duckdb

from eventcoder import store
from eventcoder.api.filters import PAGE_MAX, SORT_DAY, Cursor, EventFilter, Order
from eventcoder.read import Article
from eventcoder.record import Event

PLACES_MAX = 2000  # map markers per /stats answer: the busiest places first


class QueryTimeout(RuntimeError):
    """A request's database work ran past the time limit and was interrupted."""


class StoreUnavailable(RuntimeError):
    """The database is missing, busy, or not an eventcoder store."""


class ReadWriteGate:
    """Many readers or one writer; a waiting writer holds back new readers so it is not starved."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextlib.contextmanager
    def reading(self, timeout_s: float) -> Iterator[None]:
        with self._cond:
            if not self._cond.wait_for(lambda: not self._writing and not self._writers_waiting, timeout_s):
                raise StoreUnavailable("database is busy with a write; retry shortly")
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextlib.contextmanager
    def writing(self, timeout_s: float) -> Iterator[None]:
        with self._cond:
            self._writers_waiting += 1
            try:
                if not self._cond.wait_for(lambda: not self._writing and self._readers == 0, timeout_s):
                    raise StoreUnavailable("database is busy with reads; retry shortly")
            finally:
                self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


@contextlib.contextmanager
def time_limited(con: duckdb.DuckDBPyConnection, limit_s: float) -> Iterator[None]:
    """Interrupt whatever ``con`` is running once ``limit_s`` has passed; raise QueryTimeout."""
    timer = threading.Timer(limit_s, con.interrupt)
    timer.daemon = True
    timer.start()
    try:
        yield
    except duckdb.InterruptException:
        raise QueryTimeout(f"the query ran past the {limit_s:g} s limit; narrow the filters") from None
    finally:
        timer.cancel()


@dataclass
class EventStore:
    """Read (and, for ``POST /code``, write) access to one database file."""

    path: str
    query_timeout_s: float = 5.0
    open_wait_s: float = 5.0  # how long to wait for another process's write to finish
    gate: ReadWriteGate = field(default_factory=ReadWriteGate)

    @contextlib.contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.gate.reading(self.open_wait_s):
            try:
                con = store.connect(self.path, read_only=True, wait_s=self.open_wait_s)
            except (store.StoreBusy, store.StoreError) as exc:
                raise StoreUnavailable(str(exc)) from exc
            try:
                with time_limited(con, self.query_timeout_s):
                    yield con
            except duckdb.CatalogException as exc:
                raise StoreUnavailable(f"{self.path} is not an eventcoder database ({exc})") from exc
            finally:
                con.close()

    def list_events(self, filt: EventFilter, order: Order, limit: int,
                    cursor: Optional[Cursor]) -> tuple[list[str], Optional[Cursor]]:
        """One page of event records (as stored JSON text) and the cursor of the next page."""
        limit = max(1, min(limit, PAGE_MAX))
        where, params = filt.where()
        if cursor is not None:
            cond, extra = cursor.after()
            where = f"{where} AND {cond}" if where else f" WHERE {cond}"
            params = params + extra
        direction = "ASC" if order == "asc" else "DESC"
        sql = (f"SELECT {SORT_DAY} AS day, id, record FROM events{where}"
               f" ORDER BY day {direction}, id {direction} LIMIT ?")
        with self.reading() as con:
            rows = con.execute(sql, params + [limit + 1]).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = Cursor(order, rows[-1][0], rows[-1][1]) if more else None
        return [r[2] for r in rows], next_cursor

    def get_event(self, event_id: str) -> Optional[str]:
        with self.reading() as con:
            row = con.execute("SELECT record FROM events WHERE id = ?", [event_id]).fetchone()
        return row[0] if row else None

    def get_article(self, article_id: str) -> Optional[tuple[dict, list[Event]]]:
        """The article row and its events (realized or not), in text order."""
        with self.reading() as con:
            cur = con.execute(
                "SELECT id, story_date, title, url, source, external_id, origin, text, n_events,"
                " coder_version FROM articles WHERE id = ?", [article_id])
            row = cur.fetchone()
            if row is None:
                return None
            article = dict(zip([d[0] for d in cur.description], row))
            records = con.execute("SELECT record FROM events WHERE article_id = ? ORDER BY id",
                                  [article_id]).fetchall()
        article["story_date"] = article["story_date"].isoformat()
        events = [Event.model_validate_json(r[0]) for r in records]
        events.sort(key=lambda e: (e.evidence.start, e.id))
        return article, events

    def stats(self, filt: EventFilter) -> dict:
        """Counts for the dashboard and for analysts: by day and type, type, country, ACLED type, place."""
        where, params = filt.where()
        base = f"FROM events{where}"
        with self.reading() as con:
            total, dead, first, last = con.execute(
                f"SELECT count(*), coalesce(sum(dead), 0), min({SORT_DAY}), max({SORT_DAY}) {base}",
                params).fetchone()
            by_day = con.execute(
                f"SELECT {SORT_DAY} AS day, event_type, count(*) AS n, coalesce(sum(dead), 0) AS dead {base}"
                " GROUP BY ALL ORDER BY day, event_type", params).fetchall()
            by_type = con.execute(
                f"SELECT event_type, count(*) AS n, coalesce(sum(dead), 0) AS dead {base}"
                " GROUP BY ALL ORDER BY n DESC, event_type", params).fetchall()
            by_country = con.execute(
                f"SELECT country, count(*) AS n, coalesce(sum(dead), 0) AS dead {base}"
                " GROUP BY ALL ORDER BY n DESC, country NULLS LAST", params).fetchall()
            by_acled = con.execute(
                f"SELECT acled_event_type, count(*) AS n, coalesce(sum(dead), 0) AS dead {base}"
                " GROUP BY ALL ORDER BY n DESC, acled_event_type NULLS LAST", params).fetchall()
            place_where = f"{where} AND" if where else " WHERE"
            by_place = con.execute(
                f"SELECT round(lat, 4) AS lat, round(lon, 4) AS lon, event_type, count(*) AS n,"
                f" coalesce(sum(dead), 0) AS dead, any_value(location_name) AS name,"
                f" any_value(country) AS country FROM events{place_where} lat IS NOT NULL AND lon IS NOT NULL"
                " GROUP BY round(lat, 4), round(lon, 4), event_type ORDER BY n DESC, dead DESC LIMIT ?",
                params + [PLACES_MAX]).fetchall()
        keyed = lambda rows: [{"key": k, "n": n, "dead": d} for k, n, d in rows]  # noqa: E731
        return {
            "total": total, "dead": int(dead),
            "first_day": first.isoformat() if first else None,
            "last_day": last.isoformat() if last else None,
            "by_day": [{"day": d.isoformat(), "event_type": t, "n": n, "dead": int(x)} for d, t, n, x in by_day],
            "by_type": keyed(by_type), "by_country": keyed(by_country), "by_acled": keyed(by_acled),
            "by_place": [{"lat": la, "lon": lo, "event_type": t, "n": n, "dead": int(x), "name": nm, "country": c}
                         for la, lo, t, n, x, nm, c in by_place],
        }

    def health(self) -> dict:
        with self.reading() as con:
            n_art = con.execute("SELECT count(*) FROM articles").fetchone()[0]
            n_ev = con.execute("SELECT count(*) FROM events").fetchone()[0]
        return {"articles": n_art, "events": n_ev}

    def write(self, coded: Sequence[tuple[Article, list[Event]]]) -> int:
        """Store coded articles (the server's only write); waits for in-flight reads to finish."""
        with self.gate.writing(self.open_wait_s + self.query_timeout_s):
            try:
                return store.write_batch(self.path, coded, wait_s=self.open_wait_s)
            except (store.StoreBusy, store.StoreError) as exc:
                raise StoreUnavailable(str(exc)) from exc
