"""The REST API against a real uvicorn server on loopback, over a database of hand-coded test
articles (tests/data/api). Expected answers are computed here from the Event records with
plain Python, independently of the server's SQL."""
from __future__ import annotations

import collections
import threading
import time
from pathlib import Path
from typing import Callable

import duckdb
import httpx
import pytest

from eventcoder import store
from eventcoder.api.reads import QueryTimeout, time_limited
from eventcoder.read import Article
from eventcoder.record import Event
from test_api_support import build_test_db, running_server


@pytest.fixture(scope="module")
def coded(tmp_path_factory) -> tuple[Path, list[tuple[Article, list[Event]]]]:
    db = tmp_path_factory.mktemp("api") / "events.duckdb"
    return db, build_test_db(db)


@pytest.fixture(scope="module")
def server(coded) -> str:
    with running_server(coded[0]) as base:
        yield base


@pytest.fixture(scope="module")
def client(server) -> httpx.Client:
    with httpx.Client(base_url=server, timeout=30) as c:
        yield c


def all_events(coded) -> list[Event]:
    return [e for _, events in coded[1] for e in events]


def day(e: Event) -> str:
    return e.date or e.story_date


def expected_ids(coded, keep: Callable[[Event], bool], include_unrealized: bool = False) -> list[str]:
    """Ids the listing should return, newest first (day, then id, both descending)."""
    chosen = [e for e in all_events(coded) if (include_unrealized or e.realized) and keep(e)]
    chosen.sort(key=lambda e: (day(e), e.id), reverse=True)
    return [e.id for e in chosen]


def listed(client: httpx.Client, **params) -> list[str]:
    r = client.get("/events", params={"limit": 500, **params})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["next_cursor"] is None
    assert body["count"] == len(body["events"])
    return [e["id"] for e in body["events"]]


def field_of_422(r: httpx.Response) -> list[str]:
    assert r.status_code == 422, r.text
    return [".".join(str(p) for p in err["loc"]) for err in r.json()["detail"]]


# ---- service ----

def test_healthz_counts_what_was_stored(client, coded):
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["articles"] == len(coded[1])
    assert body["events"] == len(all_events(coded))
    assert body["allow_store"] is False


def test_openapi_and_offline_docs(client):
    spec = client.get("/openapi.json").json()
    for path in ("/events", "/events/{event_id}", "/articles/{article_id}", "/stats", "/code", "/healthz"):
        assert path in spec["paths"], path
    assert "requestBody" in spec["paths"]["/code"]["post"]
    docs = client.get("/docs")
    assert docs.status_code == 200
    # the docs page loads Swagger UI from this server, not from a CDN
    assert "/docs-static/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
    assert client.get("/docs-static/swagger-ui-bundle.js").status_code == 200


def test_dashboard_files_are_served_and_nothing_else(client):
    page = client.get("/")
    assert page.status_code == 200 and '<script src="/static/dashboard.js"' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for name in ("dashboard.js", "dashboard.css", "countries.json"):
        assert client.get(f"/static/{name}").status_code == 200, name
    # the package folder also holds Python files: they are not served
    assert client.get("/static/__init__.py").status_code == 404
    assert client.get("/static/build_basemap.py").status_code == 404
    assert client.get("/static/..%2Fapi%2Fapp.py").status_code == 404


# ---- /events ----

def test_default_listing_is_realized_events_newest_first(client, coded):
    assert listed(client) == expected_ids(coded, lambda e: True)
    unrealized = [e.id for e in all_events(coded) if not e.realized]
    assert unrealized, "the test data must hold negated or hypothetical events"
    assert not set(unrealized) & set(listed(client))
    assert set(listed(client, include_unrealized="true")) == {e.id for e in all_events(coded)}


def test_records_come_back_whole(client, coded):
    body = client.get("/events", params={"limit": 500, "include_unrealized": "true"}).json()
    served = {e["id"]: Event.model_validate(e) for e in body["events"]}
    for event in all_events(coded):
        assert served[event.id] == event


@pytest.mark.parametrize("order", ["desc", "asc"])
def test_cursor_pages_cover_everything_once(client, coded, order):
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 4, "order": order, "include_unrealized": "true"}
        if cursor:
            params["cursor"] = cursor
        body = client.get("/events", params=params).json()
        assert len(body["events"]) <= 4
        seen += [e["id"] for e in body["events"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert pages < 20
    want = expected_ids(coded, lambda e: True, include_unrealized=True)
    assert seen == (want if order == "desc" else want[::-1])
    assert pages == -(-len(want) // 4)


def test_cursor_of_one_order_is_refused_in_the_other(client):
    cursor = client.get("/events", params={"limit": 2, "order": "asc"}).json()["next_cursor"]
    assert cursor
    assert field_of_422(client.get("/events", params={"cursor": cursor, "order": "desc"})) == ["query.cursor"]


def in_box(e: Event, min_lon, min_lat, max_lon, max_lat) -> bool:
    loc = e.location
    if loc is None or loc.lat is None or loc.lon is None:
        return False
    lon_ok = min_lon <= loc.lon <= max_lon if min_lon <= max_lon else (loc.lon >= min_lon or loc.lon <= max_lon)
    return min_lat <= loc.lat <= max_lat and lon_ok


def concerns(e: Event, country: str) -> bool:
    return (e.location is not None and e.location.country == country) or any(
        a.country == country for a in e.actors + e.recipients)


def actor_words(e: Event) -> str:
    return " | ".join([a.name or a.text for a in e.actors + e.recipients] + [a.text for a in e.actors + e.recipients]).lower()


FILTERS: list[tuple[dict, Callable[[Event], bool]]] = [
    ({"type": "assault"}, lambda e: e.event_type == "ASSAULT"),
    ({"type": ["PROTEST", "COERCE"]}, lambda e: e.event_type in ("PROTEST", "COERCE")),
    ({"mode": "FIREARMS"}, lambda e: e.mode == "firearms"),
    ({"country": "ken"}, lambda e: concerns(e, "KEN")),
    ({"country": "AZE"}, lambda e: concerns(e, "AZE")),
    ({"country": ["SDN", "MLI"]}, lambda e: concerns(e, "SDN") or concerns(e, "MLI")),
    ({"actor": "police"}, lambda e: "police" in actor_words(e)),
    ({"actor": "Rapid Support"}, lambda e: "rapid support" in actor_words(e)),
    ({"since": "2024-03-14"}, lambda e: day(e) >= "2024-03-14"),
    ({"until": "2024-03-13"}, lambda e: day(e) <= "2024-03-13"),
    ({"since": "2024-03-12", "until": "2024-03-16"}, lambda e: "2024-03-12" <= day(e) <= "2024-03-16"),
    ({"bbox": "25,-5,50,55"}, lambda e: in_box(e, 25, -5, 50, 55)),
    ({"bbox": "20,-90,0,90"}, lambda e: in_box(e, 20, -90, 0, 90)),  # crosses the antimeridian
    ({"q": "ALERT(1)"}, lambda e: "alert(1)" in e.evidence.text.lower()),
    ({"q": "killing"}, lambda e: "killing" in e.evidence.text.lower()),
    ({"type": "ASSAULT", "country": "MLI", "since": "2024-03-16"},
     lambda e: e.event_type == "ASSAULT" and concerns(e, "MLI") and day(e) >= "2024-03-16"),
]


@pytest.mark.parametrize("params,keep", FILTERS, ids=[str(p) for p, _ in FILTERS])
def test_filters_select_what_they_say(client, coded, params, keep):
    want = expected_ids(coded, keep)
    assert want, f"test data has no event for {params}: the filter would prove nothing"
    assert want != expected_ids(coded, lambda e: True), f"{params} keeps everything: it would prove nothing"
    assert listed(client, **params) == want


def test_filters_apply_to_unrealized_events_too(client, coded):
    keep = lambda e: e.event_type == "AGREE"  # noqa: E731
    assert listed(client, type="AGREE", include_unrealized="true") == expected_ids(coded, keep, include_unrealized=True)
    assert len(expected_ids(coded, keep, True)) > len(expected_ids(coded, keep))


@pytest.mark.parametrize("params", [
    {"q": "%"}, {"q": "_"}, {"q": "__"}, {"actor": "' OR 1=1 --"}, {"q": "'); DROP TABLE events; --"},
    {"actor": "\\"}, {"actor": "%"},
])
def test_hostile_terms_are_plain_text(client, coded, params):
    """Search terms match literally: no LIKE wildcards, no SQL."""
    if "q" in params:
        want = expected_ids(coded, lambda e: params["q"].lower() in e.evidence.text.lower())
    else:
        want = expected_ids(coded, lambda e: params["actor"].lower() in actor_words(e))
    assert listed(client, **params) == want
    assert client.get("/healthz").json()["events"] == len(all_events(coded))
    # "_" is in one evidence sentence (window.__xss), so a wildcard reading would match far more
    if params.get("q") == "_":
        assert 0 < len(want) < len(expected_ids(coded, lambda e: True))


@pytest.mark.parametrize("params,field", [
    ({"limit": 0}, "query.limit"),
    ({"limit": 501}, "query.limit"),
    ({"limit": "ten"}, "query.limit"),
    ({"since": "2024-13-01"}, "query.since"),
    ({"until": "yesterday"}, "query.until"),
    ({"since": "2024-03-20", "until": "2024-03-01"}, "query.since"),
    ({"bbox": "1,2,3"}, "query.bbox"),
    ({"bbox": "0,0,200,10"}, "query.bbox"),
    ({"bbox": "0,50,10,10"}, "query.bbox"),
    ({"bbox": "a,b,c,d"}, "query.bbox"),
    ({"country": "KENYA"}, "query.country.0"),
    ({"type": "ASSAULT' OR '1'='1"}, "query.type.0"),
    ({"cursor": "not-a-cursor"}, "query.cursor"),
    ({"order": "sideways"}, "query.order"),
    ({"include_unrealized": "perhaps"}, "query.include_unrealized"),
    ({"q": "x" * 201}, "query.q"),
])
def test_bad_parameters_are_422_naming_the_field(client, params, field):
    assert field in field_of_422(client.get("/events", params=params))


def test_one_event_and_404(client, coded):
    event = all_events(coded)[3]
    r = client.get(f"/events/{event.id}")
    assert r.status_code == 200
    assert Event.model_validate(r.json()) == event
    missing = client.get("/events/no-such-event")
    assert missing.status_code == 404
    assert "no-such-event" in missing.json()["detail"]


# ---- /articles ----

def test_article_text_and_spans(client, coded):
    for article, events in coded[1]:
        r = client.get(f"/articles/{article.id}")
        assert r.status_code == 200
        body = r.json()
        assert body["text"] == article.text
        assert body["title"] == article.title and body["date"] == article.date
        assert [e["id"] for e in body["events"]] == [e.id for e in sorted(events, key=lambda e: (e.evidence.start, e.id))]
        assert body["dropped_spans"] == 0
        spans = body["spans"]
        for span in spans:
            assert article.text[span["start"]:span["end"]] == span["text"]
        got = collections.Counter((s["event_id"], s["kind"], s["start"], s["end"]) for s in spans if s["located"] == "offsets")
        want = collections.Counter()
        for e in events:
            want[(e.id, "evidence", e.evidence.start, e.evidence.end)] += 1
            want[(e.id, "trigger", e.trigger.start, e.trigger.end)] += 1
            for a in e.actors:
                want[(e.id, "actor", a.start, a.end)] += 1
            for a in e.recipients:
                want[(e.id, "recipient", a.start, a.end)] += 1
            if e.location and e.location.start is not None:
                want[(e.id, "location", e.location.start, e.location.end)] += 1
            for s in e.reported_by:
                want[(e.id, "source", s.start, s.end)] += 1
            if e.quote:
                want[(e.id, "quote", e.quote.start, e.quote.end)] += 1
                want[(e.id, "speaker", e.quote.speaker.start, e.quote.speaker.end)] += 1
        assert got == want, article.origin


def test_date_words_and_figures_are_found_in_the_evidence(client, coded):
    from eventcoder.counts import number_words

    found_words = []
    for article, events in coded[1]:
        spans = client.get(f"/articles/{article.id}").json()["spans"]
        for e in events:
            found = {s["kind"]: s for s in spans if s["event_id"] == e.id and s["located"] == "search"}
            if e.date_text:
                assert found["date"]["text"].lower() == e.date_text.lower()
                assert e.evidence.start <= found["date"]["start"] < e.evidence.end
            for kind in ("dead", "injured", "arrested"):
                value = getattr(e, kind)
                if value is None:
                    assert kind not in found
                    continue
                span = found[kind]
                assert e.evidence.start <= span["start"] < span["end"] <= e.evidence.end
                assert span["label"].endswith(str(value))
                if str(value) in e.evidence.text:
                    assert span["text"] == str(value)
                else:  # written as a word: one the counts stage reads as this value
                    assert number_words()[span["text"].lower()][0] == value
                    found_words.append(span["text"])
    assert "dozens" in found_words  # "killing dozens of fighters" is dead=12


def test_unknown_article_is_404(client):
    r = client.get("/articles/000000000000")
    assert r.status_code == 404 and r.json()["detail"]


# ---- /stats ----

def test_stats_match_the_records(client, coded):
    realized = [e for e in all_events(coded) if e.realized]
    body = client.get("/stats").json()
    assert body["total"] == len(realized)
    assert body["dead"] == sum(e.dead or 0 for e in realized)
    assert body["first_day"] == min(map(day, realized)) and body["last_day"] == max(map(day, realized))
    by_day = collections.Counter((day(e), e.event_type) for e in realized)
    assert {(r["day"], r["event_type"]): r["n"] for r in body["by_day"]} == dict(by_day)
    assert {r["key"]: r["n"] for r in body["by_type"]} == dict(collections.Counter(e.event_type for e in realized))
    countries = collections.Counter(e.location.country if e.location else None for e in realized)
    assert {r["key"]: r["n"] for r in body["by_country"]} == dict(countries)
    assert {r["key"]: r["n"] for r in body["by_acled"]} == dict(collections.Counter(e.acled.event_type for e in realized))
    places = collections.Counter((round(e.location.lat, 4), round(e.location.lon, 4), e.event_type)
                                 for e in realized if e.location and e.location.lat is not None)
    assert {(p["lat"], p["lon"], p["event_type"]): p["n"] for p in body["by_place"]} == dict(places)


def test_stats_take_the_same_filters(client, coded):
    body = client.get("/stats", params={"type": "ASSAULT", "country": "SDN"}).json()
    chosen = [e for e in all_events(coded) if e.realized and e.event_type == "ASSAULT" and concerns(e, "SDN")]
    assert body["total"] == len(chosen) > 0
    assert body["dead"] == sum(e.dead or 0 for e in chosen)
    assert field_of_422(client.get("/stats", params={"bbox": "x"})) == ["query.bbox"]


# ---- POST /code limits (no coding needed to refuse) ----

def test_oversized_body_is_413(client):
    big = b'{"date": "2024-01-01", "text": "' + b"a" * 1_100_000 + b'"}'
    r = client.post("/code", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "limit" in r.json()["detail"]


def test_oversized_body_without_length_is_413(client):
    def chunks():  # chunked transfer: no Content-Length to refuse early
        yield b'{"date": "2024-01-01", "text": "'
        for _ in range(40):
            yield b"b" * 50_000
        yield b'"}'

    r = client.post("/code", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


@pytest.mark.parametrize("payload,field", [
    ({"text": "Police arrested five men."}, "body.date"),
    ({"date": "2024-02-30", "text": "Police arrested five men."}, "body.date"),
    ({"date": "20 March 2024", "text": "Police arrested five men."}, "body.date"),
    ({"date": "2024-03-01"}, "body.text"),
    ({"date": "2024-03-01", "text": "   "}, "body.text"),
    ({"date": "2024-03-01", "text": 42}, "body.text"),
])
def test_bad_article_is_422_naming_the_field(client, payload, field):
    assert field in field_of_422(client.post("/code", json=payload))


def test_body_that_is_not_json_is_422(client):
    r = client.post("/code", content=b"date 2024-01-01 not json", headers={"content-type": "application/json"})
    assert field_of_422(r) == ["body"]


def test_store_needs_a_server_that_allows_it(client, coded):
    r = client.post("/code", params={"store": "true"}, json={"date": "2024-03-01", "text": "Police arrested five men."})
    assert r.status_code == 403 and "--allow-store" in r.json()["detail"]
    assert client.get("/healthz").json()["articles"] == len(coded[1])


# ---- the database under the server ----

def test_another_process_can_write_while_serving(tmp_path):
    """Reads hold the file only for a request, so `eventcoder code` can add articles meanwhile."""
    db = tmp_path / "live.duckdb"
    batch = build_test_db(db)
    first, rest = batch[:2], batch[2:]
    db.unlink()
    store.write_batch(str(db), first)
    with running_server(db) as base, httpx.Client(base_url=base, timeout=30) as c:
        assert c.get("/healthz").json()["articles"] == 2
        stop = threading.Event()
        statuses: list[int] = []

        def poll() -> None:
            while not stop.is_set():
                statuses.append(c.get("/events", params={"limit": 5}).status_code)

        reader = threading.Thread(target=poll)
        reader.start()
        try:
            for item in rest:  # written from this process while the server keeps answering
                assert store.write_batch(str(db), [item], wait_s=30) == 1
        finally:
            stop.set()
            reader.join()
        assert statuses and set(statuses) == {200}
        assert c.get("/healthz").json()["articles"] == len(batch)


def test_a_held_database_gives_503_not_a_hang(coded, tmp_path):
    db = tmp_path / "held.duckdb"
    db.write_bytes(coded[0].read_bytes())
    with running_server(db) as base:
        holder = duckdb.connect(str(db))  # a writer that does not let go
        try:
            started = time.monotonic()
            r = httpx.get(f"{base}/events", timeout=60)
            waited = time.monotonic() - started
        finally:
            holder.close()
        assert r.status_code == 503 and "busy" in r.json()["detail"]
        assert r.headers.get("retry-after")
        assert waited < 20
        assert httpx.get(f"{base}/events", timeout=30).status_code == 200


def test_missing_database_is_503(tmp_path):
    db = tmp_path / "later.duckdb"
    with running_server(db, allow_store=True) as base:
        r = httpx.get(f"{base}/events", timeout=30)
        assert r.status_code == 503 and "no such database" in r.json()["detail"]


def test_slow_query_is_interrupted(tmp_path):
    con = duckdb.connect(str(tmp_path / "slow.duckdb"))
    try:
        started = time.monotonic()
        with pytest.raises(QueryTimeout):
            with time_limited(con, 0.3):
                con.execute("SELECT count(*) FROM range(100000000000) a, range(10) b WHERE a.range % 7 = b.range").fetchall()
        assert time.monotonic() - started < 10
        with time_limited(con, 5):  # a quick query under the limit is untouched
            assert con.execute("SELECT 42").fetchone()[0] == 42
    finally:
        con.close()


# ---- browser-borne attacks on a server running on the analyst's machine ----

def test_code_takes_json_only(client):
    """A cross-site page can post text/plain without a CORS preflight; such posts are refused."""
    body = b'{"date": "2024-03-01", "text": "Police arrested five men."}'
    for media_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        r = client.post("/code", content=body, headers={"content-type": media_type})
        assert r.status_code == 415, media_type
    assert client.post("/code", content=body).status_code == 415  # no content type at all


def test_a_loopback_server_answers_only_to_loopback_names(client):
    assert client.get("/healthz", headers={"host": "localhost"}).status_code == 200
    rebound = client.get("/events", headers={"host": "attacker.example"})
    assert rebound.status_code == 400
    assert "events" not in rebound.text
