"""Attribution: sources, quotes, party to the conflict, contested figures. Each rule is a case
in tests/data/attribution/cases.jsonl (articles in the seed format), coded end to end."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import pytest

from eventcoder.attribution import mark_party
from eventcoder.quotes import find_quotes
from eventcoder.record import ActorRef, Event, Evidence, Source

DATA = Path(__file__).resolve().parent / "data" / "attribution"
CASES = [json.loads(line) for line in (DATA / "cases.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


def _code(text: str):
    from eventcoder.coder import Coder
    from eventcoder.read import make_article

    date, body = text.split("\n", 1)[0].split()[1], text.split("\n", 1)[1]
    article = make_article(date, body, "test")
    return Coder().contexts([article])[0]


def _check_source(got: Optional[Source], want: Optional[dict[str, Any]]) -> None:
    if want is None:
        assert got is None
        return
    assert got is not None
    for field, value in want.items():
        if field == "citing":
            _check_source(got.citing, value)
        else:
            assert getattr(got, field) == value, (field, got)


@pytest.mark.parametrize("case", CASES, ids=[c["rule"] for c in CASES])
def test_attribution_rule(case: dict[str, Any]) -> None:
    ctx = _code(case["text"])
    for want in case.get("events", []):
        drafts = [d for d in ctx.drafts if d.trigger.text == want["trigger"]]
        assert drafts, (want["trigger"], [d.trigger.text for d in ctx.drafts])
        rec = drafts[0].record
        if "reported_by" in want:
            _check_source(rec.reported_by[0] if rec.reported_by else None, want["reported_by"])
        if "quote_starts" in want:
            assert rec.quote is not None and rec.quote.text.startswith(want["quote_starts"])
        if "dead" in want:
            assert rec.dead == want["dead"], rec
        if "accounts" in want:
            assert len(rec.accounts) == want["accounts"], rec.accounts
            if rec.accounts:
                assert len({(a.reported_by.text if a.reported_by else None) for a in rec.accounts}) == len(rec.accounts)
    if "quotes" in case:
        quotes = ctx.memo.get("quotes", [])
        assert len(quotes) == len(case["quotes"]), quotes
        for q, want in zip(quotes, case["quotes"]):
            assert q.text.startswith(want["starts"])
            assert q.speaker is not None and q.speaker.text == want["speaker_text"], q.speaker
            assert ctx.text[q.start:q.end] == q.text
            if "sentences" in want:
                assert sum(1 for s in ctx.sentences if s.start < q.end and q.start < s.end) == want["sentences"]


def test_quote_spans_curly_straight_and_unclosed() -> None:
    text = ('He said “the army will withdraw from the two villages soon” and left.\n\n'
            'She added "we have nothing more to say today" to the crowd.\n\n'
            'In her words, the council “will never accept such terms. The vote is final.')
    quotes = find_quotes(text)
    assert [q.text for q in quotes] == [
        "the army will withdraw from the two villages soon",
        "we have nothing more to say today",
        "will never accept such terms. The vote is final.",
    ]
    assert [q.closed for q in quotes] == [True, True, False]


def test_party_to_conflict_by_actor_country_not_for_media() -> None:
    record = Event(id="x", article_id="x", story_date="2024-01-01", event_type="ASSAULT", quad_class=4,
                   goldstein=-10, evidence=Evidence(text="t", start=0, end=1),
                   actors=[ActorRef(text="Azerbaijani forces", name="Armed Forces of Azerbaijan", country="AZE",
                                    sector="MIL", start=0, end=1)])
    ministry = Source(text="the Defence Ministry", name="Government of Azerbaijan", country="AZE", sector="GOV")
    agency = Source(text="APA", name="APA", country="AZE", sector="JRN")
    outsider = Source(text="Tass", name="TASS", country="RUS", sector="JRN", citing=ministry)
    assert mark_party(ministry, record).party_to_conflict is True
    assert mark_party(agency, record).party_to_conflict is False
    marked = mark_party(outsider, record)
    assert marked.party_to_conflict is False and marked.citing.party_to_conflict is True


SEED = Path(__file__).resolve().parents[1].parent / "shared" / "examples" / "seed-article.txt"


def _check_article(ctx, expected: dict[str, Any]) -> None:
    for want in expected["events"]:
        drafts = [d for d in ctx.drafts if want["sentence"] in d.sentence.text
                  and ("trigger" not in want or d.trigger.text == want["trigger"])
                  and ("event_type" not in want or d.record.event_type == want["event_type"])]
        assert drafts, want
        # several drafts may share the sentence ("missile strikes", "wounded"): one must match
        def ok(rec) -> bool:
            try:
                for field in ("dead", "injured", "civilians_dead", "qualifiers"):
                    if field in want:
                        assert getattr(rec, field) == want[field]
                _check_source(rec.reported_by[0] if rec.reported_by else None, want["reported_by"])
                return True
            except AssertionError:
                return False
        assert any(ok(d.record) for d in drafts), [(d.trigger.text, d.record) for d in drafts]
    quotes = ctx.memo["quotes"]
    assert len(quotes) == len(expected["quotes"]), [q.text[:30] for q in quotes]
    for q, want in zip(quotes, expected["quotes"]):
        assert q.text.startswith(want["starts"]), q.text
        assert q.speaker is not None and q.speaker.name == want["speaker_name"], q.speaker
        assert ctx.text[q.start:q.end] == q.text


def _code_file(path: Path):
    from eventcoder.coder import Coder
    from eventcoder.read import Article, read_inputs

    (article,) = [a for a in read_inputs([str(path)]) if isinstance(a, Article)]
    return Coder().contexts([article])[0]


def test_article_with_the_seed_traps_end_to_end() -> None:
    ctx = _code_file(DATA / "article.txt")
    _check_article(ctx, json.loads((DATA / "article_expected.json").read_text(encoding="utf-8")))


def test_seed_article_end_to_end() -> None:
    if not SEED.exists():
        pytest.skip(f"seed article not found at {SEED}")
    ctx = _code_file(SEED)
    _check_article(ctx, json.loads((DATA / "seed_expected.json").read_text(encoding="utf-8")))
