"""The DuckDB store on its own: idempotent writes, whole articles or none, queries, locking.

The records are real: the coder's output on the articles of tests/data/read.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from eventcoder import store
from eventcoder.coder import Coder
from eventcoder.read import Article, read_inputs
from eventcoder.record import Event

DATA = Path(__file__).resolve().parent / "data" / "read"


@pytest.fixture(scope="module")
def coded() -> list[tuple[Article, list[Event]]]:
    articles = [a for a in read_inputs([str(DATA / "articles"), str(DATA / "feeds")]) if isinstance(a, Article)]
    assert len(articles) == 10
    result = Coder().code_batch(articles)
    assert sum(len(evs) for _, evs in result) > 0
    return result


def table(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def whole_articles(db: Path) -> list[tuple]:
    """Articles whose stored events do not number n_events (must be none)."""
    return table(db, "SELECT a.origin, a.n_events, count(e.id) FROM articles a LEFT JOIN events e ON e.article_id = a.id"
                     " GROUP BY a.origin, a.n_events HAVING a.n_events != count(e.id)")


def test_write_is_idempotent(tmp_path: Path, coded: list) -> None:
    db = tmp_path / "s.duckdb"
    assert store.write_batch(str(db), coded[:4]) == 4
    assert store.write_batch(str(db), coded) == len(coded) - 4
    assert store.write_batch(str(db), coded) == 0
    assert store.counts(str(db)) == {"articles": len(coded), "events": sum(len(evs) for _, evs in coded)}
    assert whole_articles(db) == []
    stored_records = dict(table(db, "SELECT id, record FROM events"))
    for _, evs in coded:
        for e in evs:
            assert Event.model_validate_json(stored_records[e.id]) == e  # the record round-trips unchanged


def test_same_article_twice_in_a_batch_and_eventless_articles(tmp_path: Path, coded: list) -> None:
    db = tmp_path / "s.duckdb"
    article, events = coded[0]
    quiet = Article(id="0123456789ab", date="2023-04-11", text="Markets were calm on Tuesday.", origin="quiet.txt")
    assert store.write_batch(str(db), [(article, events), (article, events), (quiet, [])]) == 2
    assert table(db, "SELECT origin, n_events FROM articles ORDER BY origin") == sorted(
        [(article.origin, len(events)), ("quiet.txt", 0)])
    assert store.existing_article_ids(str(db), [article.id, quiet.id, "ffffffffffff"]) == {article.id, quiet.id}
    assert store.write_batch(str(db), [(quiet, [])]) == 0  # an article without events is not coded again either


def test_failed_batch_leaves_nothing_half_written(tmp_path: Path, coded: list) -> None:
    db = tmp_path / "s.duckdb"
    with_events = [(a, evs) for a, evs in coded if len(evs) >= 2]
    (first, first_events), (second, second_events) = with_events[0], with_events[1]
    store.write_batch(str(db), [(first, first_events)])
    before = table(db, "SELECT id FROM articles ORDER BY id"), table(db, "SELECT id FROM events ORDER BY id")
    # the second article's last event reuses an id already stored: the database refuses it mid-batch
    clash = second_events[:-1] + [second_events[-1].model_copy(update={"id": first_events[0].id})]
    third, third_events = with_events[2]
    with pytest.raises(store.StoreError, match="rolled back"):
        store.write_batch(str(db), [(third, third_events), (second, clash)])
    assert (table(db, "SELECT id FROM articles ORDER BY id"), table(db, "SELECT id FROM events ORDER BY id")) == before
    assert whole_articles(db) == []
    assert store.write_batch(str(db), [(third, third_events), (second, second_events)]) == 2  # and it can be redone


def test_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "absent.duckdb"
    with pytest.raises(store.StoreError, match="no such database"):
        store.query_events(str(missing), store.EventQuery())
    assert not missing.exists()  # a query never creates a database
    assert store.existing_article_ids(str(missing), ["abc"]) == set()


def test_busy_database_is_reported(tmp_path: Path, coded: list) -> None:
    db = tmp_path / "s.duckdb"
    store.write_batch(str(db), coded[:1])
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys; con = duckdb.connect({str(db)!r}); print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(store.StoreBusy, match="busy"):
            store.connect(str(db), wait_s=0.3)
    finally:
        holder.communicate("", timeout=30)
    assert store.write_batch(str(db), coded[1:2]) == 1  # free again once the other process is gone


# --- queries ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory, coded: list) -> tuple[Path, list[Event]]:
    db = tmp_path_factory.mktemp("store") / "s.duckdb"
    store.write_batch(str(db), coded)
    return db, [e for _, evs in coded for e in evs]


def ids(events: list[Event]) -> list[str]:
    return sorted(e.id for e in events)


def realized(e: Event) -> bool:
    return not (e.negated or e.hypothetical)


def test_query_filters_agree_with_the_records(filled: tuple[Path, list[Event]]) -> None:
    db, events = filled
    day = lambda e: e.date or e.story_date  # noqa: E731
    countries = lambda e: {a.country for a in e.actors + e.recipients} | ({e.location.country} if e.location else set())  # noqa: E731
    cases = [
        (store.EventQuery(), lambda e: realized(e)),
        (store.EventQuery(include_unrealized=True), lambda e: True),
        (store.EventQuery(event_type="assault"), lambda e: realized(e) and e.event_type == "ASSAULT"),
        (store.EventQuery(country="kgz"), lambda e: realized(e) and "KGZ" in countries(e)),
        (store.EventQuery(since="2023-07-01"), lambda e: realized(e) and day(e) >= "2023-07-01"),
        (store.EventQuery(until="2022-12-31", include_unrealized=True), lambda e: day(e) <= "2022-12-31"),
        (store.EventQuery(event_type="PROTEST", since="2023-01-01", until="2023-12-31"),
         lambda e: realized(e) and e.event_type == "PROTEST" and "2023-01-01" <= day(e) <= "2023-12-31"),
    ]
    for q, keep in cases:
        expected = ids([e for e in events if keep(e)])
        assert expected, f"no test event for {q}"
        assert ids(store.query_events(str(db), q)) == expected, q


def test_query_order_and_limit(filled: tuple[Path, list[Event]]) -> None:
    db, _ = filled
    everything = store.query_events(str(db), store.EventQuery(include_unrealized=True))
    keys = [(e.date or e.story_date, e.id) for e in everything]
    assert keys == sorted(keys)
    assert store.query_events(str(db), store.EventQuery(include_unrealized=True, limit=3)) == everything[:3]
