"""The API end to end with the real coder: the test articles (tests/data/api/articles) coded by
``Coder`` into a DuckDB file, served by a real uvicorn server, and ``POST /code`` coding and
storing new articles. Whatever the coder finds, the API must hand back exactly that."""
from __future__ import annotations

import concurrent.futures

import httpx
import pytest

from eventcoder import store
from eventcoder.coder import Coder
from eventcoder.record import Event
from test_api_support import read_test_articles, running_server

pytestmark = pytest.mark.slow  # loads spaCy twice (here and in the server): ~30-60 s

# Written for this test; not in the stored database.
NEW_ARTICLE = {
    "id": "wire-0042",
    "date": "2024-04-02",
    "title": "Strike at the port",
    "source": "Test wire",
    "text": ("Dock workers in Mombasa went on strike on Tuesday over unpaid wages, and police arrested "
             "14 of them outside the port gates, union leaders said."),
}


@pytest.fixture(scope="module")
def coder() -> Coder:
    return Coder()


@pytest.fixture(scope="module")
def coded_db(tmp_path_factory, coder):
    db = tmp_path_factory.mktemp("coded") / "events.duckdb"
    articles = sorted(read_test_articles().values(), key=lambda a: a.id)
    batch = coder.code_batch(articles)
    assert store.write_batch(str(db), batch) == len(articles)
    assert sum(len(evs) for _, evs in batch) > 0, "the coder found no event in the test articles"
    return db, batch


@pytest.fixture(scope="module")
def server(coded_db, tmp_path_factory):
    db = tmp_path_factory.mktemp("served") / "events.duckdb"
    db.write_bytes(coded_db[0].read_bytes())  # a copy: the store test below adds to it
    with running_server(db, allow_store=True) as base:
        yield base


def test_listing_returns_what_the_coder_stored(server, coded_db):
    _, batch = coded_db
    events = [e for _, evs in batch for e in evs]
    body = httpx.get(f"{server}/events", params={"limit": 500, "include_unrealized": "true"}, timeout=30).json()
    served = {e["id"]: Event.model_validate(e) for e in body["events"]}
    assert served == {e.id: e for e in events}
    realized = httpx.get(f"{server}/events", params={"limit": 500}, timeout=30).json()["events"]
    assert {e["id"] for e in realized} == {e.id for e in events if e.realized}


def test_every_coded_span_points_at_its_words(server, coded_db):
    _, batch = coded_db
    for article, events in batch:
        body = httpx.get(f"{server}/articles/{article.id}", timeout=30).json()
        assert body["text"] == article.text
        assert body["dropped_spans"] == 0, f"{article.origin}: the coder wrote offsets outside the text"
        kinds = {(s["event_id"], s["kind"]) for s in body["spans"]}
        for event in events:
            assert (event.id, "evidence") in kinds
            for actor in event.actors:
                assert article.text[actor.start:actor.end] == actor.text
        for span in body["spans"]:
            assert article.text[span["start"]:span["end"]] == span["text"]


def test_stats_total_matches_the_coder(server, coded_db):
    _, batch = coded_db
    realized = [e for _, evs in batch for e in evs if e.realized]
    body = httpx.get(f"{server}/stats", timeout=30).json()
    assert body["total"] == len(realized)
    assert sum(r["n"] for r in body["by_type"]) == len(realized)


def test_post_code_returns_the_coders_events(server, coder):
    r = httpx.post(f"{server}/code", json=NEW_ARTICLE, timeout=120)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["stored"] is False and body["new"] is None
    assert body["article"]["external_id"] == "wire-0042" and body["article"]["date"] == "2024-04-02"
    from eventcoder.read import make_article
    article = make_article(NEW_ARTICLE["date"], NEW_ARTICLE["text"], "api")
    want = coder.code(article)
    assert want, "the coder found no event in the new article"
    assert [Event.model_validate(e) for e in body["events"]] == want
    for e in body["events"]:
        assert NEW_ARTICLE["text"][e["evidence"]["start"]:e["evidence"]["end"]] == e["evidence"]["text"]
    assert httpx.get(f"{server}/articles/{body['article']['id']}", timeout=30).status_code == 404


def test_post_code_stores_when_allowed_and_asked(server):
    before = httpx.get(f"{server}/healthz", timeout=30).json()
    article = {**NEW_ARTICLE, "text": NEW_ARTICLE["text"] + " The strike ended on Wednesday."}

    def read(_: int) -> int:
        return httpx.get(f"{server}/events", params={"limit": 50}, timeout=60).status_code

    # readers keep coming while the server writes: the write waits for them, nobody fails
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        reads = [pool.submit(read, i) for i in range(40)]
        stored = httpx.post(f"{server}/code", params={"store": "true"}, json=article, timeout=120)
        statuses = [f.result() for f in reads]
    assert stored.status_code == 200, stored.text
    body = stored.json()
    assert body["stored"] is True and body["new"] is True
    assert set(statuses) == {200}
    after = httpx.get(f"{server}/healthz", timeout=30).json()
    assert after["articles"] == before["articles"] + 1
    assert after["events"] == before["events"] + len(body["events"])
    served = httpx.get(f"{server}/articles/{body['article']['id']}", timeout=30).json()
    assert served["text"] == article["text"] and served["title"] == "Strike at the port"
    again = httpx.post(f"{server}/code", params={"store": "true"}, json=article, timeout=120).json()
    assert again["new"] is False
    assert httpx.get(f"{server}/healthz", timeout=30).json()["articles"] == after["articles"]
