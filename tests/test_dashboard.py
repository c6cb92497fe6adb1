"""The dashboard in Debian's headless chromium, driven by Playwright, against a real server on
loopback over the hand-coded test articles (tests/data/api). Nothing may leave 127.0.0.1."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from test_api_support import build_test_db, running_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (make browser)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (pip install -e '.[dev]')")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    db = tmp_path_factory.mktemp("dash") / "events.duckdb"
    batch = build_test_db(db)
    with running_server(db) as base:
        yield base, batch


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


class Watched:
    """A page whose every request, dialog, console error and page error is recorded; requests
    to anywhere but loopback are refused before they go out."""

    def __init__(self, browser, bypass_csp: bool = False) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000}, bypass_csp=bypass_csp)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.outside: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))

    def _route(self, route) -> None:
        url = route.request.url
        host = urlsplit(url).hostname
        if url.startswith("data:") or host == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, base: str) -> None:
        self.page.goto(f"{base}/")
        self.page.wait_for_selector("#events tbody tr")
        self.page.wait_for_selector("#map .country")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watched(browser):
    w = Watched(browser)
    yield w
    w.close()


def api(base: str, path: str, **params) -> dict:
    r = httpx.get(f"{base}{path}", params=params, timeout=30)
    r.raise_for_status()
    return r.json()


def row_ids(page) -> list[str]:
    return page.eval_on_selector_all("#events tbody tr", "rows => rows.map(r => r.dataset.eventId)")


def wait_rows(page, ids: list[str]) -> None:
    page.wait_for_function("want => JSON.stringify([...document.querySelectorAll('#events tbody tr')]"
                           ".map(r => r.dataset.eventId)) === JSON.stringify(want)", arg=ids, timeout=10_000)


def test_loads_with_nothing_leaving_loopback(served, watched):
    base, _ = served
    watched.open(base)
    page = watched.page
    page.wait_for_load_state("networkidle")
    assert watched.requests, "no request was seen at all"
    assert all(urlsplit(u).hostname == "127.0.0.1" for u in watched.requests if not u.startswith("data:")), watched.requests
    assert watched.outside == []
    assert watched.errors == []
    stats = api(base, "/stats")
    # one circle per place and type, one bar per day and type, one row per realized event
    assert page.locator("#map .marker").count() == len(stats["by_place"]) > 0
    assert page.locator("#timeline .bar").count() == len(stats["by_day"]) > 0
    assert row_ids(page) == [e["id"] for e in api(base, "/events", limit=500)["events"]]
    assert page.locator("#map .country").count() > 150
    assert f"{stats['total']} events" in page.locator("#summary").text_content()


def test_markers_are_coloured_by_type_and_sized_by_deaths(served, watched):
    base, _ = served
    watched.open(base)
    markers = watched.page.eval_on_selector_all(
        "#map .marker", "ms => ms.map(m => [m.dataset.key, m.dataset.type, m.getAttribute('fill'), Number(m.dataset.px)])")
    colours: dict[str, set] = {}
    for _, kind, fill, _ in markers:
        colours.setdefault(kind, set()).add(fill)
    assert len(colours) > 3
    assert all(len(v) == 1 for v in colours.values())  # one colour per type
    assert len({next(iter(v)) for v in colours.values()}) == len(colours)  # and a different one for each
    size = {key: px for key, _, _, px in markers}
    places = {f"{p['lat']},{p['lon']},{p['event_type']}": p for p in api(base, "/stats")["by_place"]}
    assert set(size) == set(places)
    single = [k for k, p in places.items() if p["n"] == 1]
    for a in single:  # among places with one event, more dead means a bigger circle
        for b in single:
            if places[a]["dead"] > places[b]["dead"]:
                assert size[a] > size[b], (places[a], places[b])
    assert any(places[a]["dead"] > places[b]["dead"] for a in single for b in single)


def test_a_filter_changes_the_table(served, watched):
    base, _ = served
    watched.open(base)
    page = watched.page
    before = row_ids(page)
    page.select_option("#f-type", "PROTEST")
    want = [e["id"] for e in api(base, "/events", type="PROTEST", limit=500)["events"]]
    assert want and want != before
    wait_rows(page, want)
    assert page.locator("#map .marker").count() == len(api(base, "/stats", type="PROTEST")["by_place"])
    page.fill("#f-actor", "armenia")
    want = [e["id"] for e in api(base, "/events", type="PROTEST", actor="armenia", limit=500)["events"]]
    assert want and len(want) < len(before)
    wait_rows(page, want)
    page.check("#f-unrealized")
    page.select_option("#f-type", "")
    page.fill("#f-actor", "")
    want = [e["id"] for e in api(base, "/events", include_unrealized="true", limit=500)["events"]]
    wait_rows(page, want)
    assert page.locator("#events tbody tr.unrealized").count() > 0


def test_clicking_a_marker_narrows_the_table_to_that_place(served, watched):
    base, _ = served
    watched.open(base)
    page = watched.page
    place = next(p for p in api(base, "/stats")["by_place"] if p["name"] == "Mopti")
    page.locator(f"#map .marker[data-key='{place['lat']},{place['lon']},{place['event_type']}']").dispatch_event("click")
    d = 0.0001
    want = [e["id"] for e in api(base, "/events", type=place["event_type"], limit=500,
                                 bbox=f"{place['lon'] - d},{place['lat'] - d},{place['lon'] + d},{place['lat'] + d}")["events"]]
    assert len(want) == place["n"] > 0
    wait_rows(page, want)


def test_clicking_an_event_shows_its_highlighted_evidence(served, watched):
    base, batch = served
    event = next(e for _, evs in batch for e in evs if e.event_type == "ASSAULT" and e.quote is not None)
    article = next(a for a, evs in batch if event in evs)
    watched.open(base)
    page = watched.page
    page.click(f"#events tbody tr[data-event-id='{event.id}']")
    page.wait_for_selector("#article-text mark")
    assert page.locator(f"#events tbody tr[data-event-id='{event.id}']").get_attribute("class") == "selected"
    # the whole article is shown, as text
    assert page.locator("#article-text").text_content() == article.text
    marks = page.eval_on_selector_all(
        "#article-text mark", "ms => ms.map(m => [m.dataset.kinds, m.textContent])")
    by_kind: dict[str, str] = {}
    for kinds, text in marks:
        for kind in kinds.split():
            by_kind[kind] = by_kind.get(kind, "") + text
    assert by_kind["evidence"] == event.evidence.text
    assert by_kind["trigger"] == event.trigger.text
    assert by_kind["actor"] == "".join(a.text for a in event.actors)
    assert by_kind["location"] == event.location.text
    assert event.date_text and by_kind["date"].lower() == event.date_text.lower()
    assert by_kind["quote"] == event.quote.text
    assert page.locator("#article-text .hl-current").count() == 1
    # only this event's spans unless asked for all
    other = [e for _, evs in batch for e in evs if e.article_id == event.article_id and e.id != event.id]
    assert other
    assert page.locator("#article-text mark.hl-evidence").evaluate_all(
        f"ms => ms.every(m => m.dataset.events.split(' ').includes('{event.id}'))")
    page.check("#all-spans")
    page.wait_for_function(f"[...document.querySelectorAll('#article-text mark')].some(m => m.dataset.events.includes('{other[0].id}'))")
    assert watched.errors == []


@pytest.mark.parametrize("bypass_csp", [False, True], ids=["with-csp", "escaping-alone"])
def test_hostile_article_runs_nothing(served, browser, bypass_csp):
    """The article text, title, url and an actor name carry markup: all of it shows as text.
    With the page's Content-Security-Policy switched off, escaping alone must still hold."""
    base, batch = served
    event = next(e for _, evs in batch for e in evs if "<script>" in e.evidence.text)
    article = next(a for a, evs in batch if event in evs)
    w = Watched(browser, bypass_csp=bypass_csp)
    try:
        w.open(base)
        page = w.page
        page.click(f"#events tbody tr[data-event-id='{event.id}']")
        page.wait_for_selector("#article-text mark")
        page.check("#all-spans")
        page.wait_for_timeout(300)
        assert w.dialogs == []
        assert page.evaluate("window.__xss") is None
        # the markup is on screen as characters, not as elements
        assert "<script>alert(1)</script>" in page.locator("#article-text").text_content()
        assert '<img src=x onerror="window.__xss=1">' in page.locator("#article-text").text_content()
        assert article.title in page.locator("#evidence h3").text_content()
        assert "onerror" in page.locator(f"#events tbody tr[data-event-id='{event.id}']").text_content()
        assert page.locator("img").count() == 0
        assert page.locator("script").count() == 1  # the dashboard's own
        assert page.locator("#evidence a").count() == 0  # the javascript: url is not a link
        assert w.outside == []
    finally:
        w.close()


def test_api_docs_work_offline(served, watched):
    base, _ = served
    page = watched.page
    page.goto(f"{base}/docs")
    page.wait_for_selector(".opblock", timeout=20_000)
    assert page.locator(".opblock").count() >= 6
    assert watched.outside == []


def test_filter_to_map_view_sends_the_view_as_bbox(served, watched):
    base, _ = served
    watched.open(base)
    page = watched.page
    before = row_ids(page)
    for _ in range(3):  # zoom in on the middle of the fitted view: some events fall outside
        page.click("#zoom-in")
    with page.expect_request(lambda r: "/events?" in r.url and "bbox=" in r.url) as sent:
        page.click("#f-view")
    page.wait_for_selector("#chips .chip")
    query = urlsplit(sent.value.url).query
    want = httpx.get(f"{base}/events?{query}", timeout=30).json()["events"]
    wait_rows(page, [e["id"] for e in want])
    assert len(want) < len(before)
    page.click("#chips .chip button")  # clearing the chip brings every event back
    wait_rows(page, before)
