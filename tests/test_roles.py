"""Who did what to whom, whether it happened and how many died: sentences written for the
known role, modality and count mistakes (tests/data/roles/cases.jsonl, each with its reason)."""
import json
from pathlib import Path

import pytest

from eventcoder.coder import Coder, code_text
from eventcoder.pipeline import default_stages
from eventcoder.read import make_article

CASES = [json.loads(line) for line in (Path(__file__).parent / "data" / "roles" / "cases.jsonl").read_text().splitlines()
         if line.strip()]


def _summary(event) -> dict:
    return {
        "event_type": event.event_type,
        "mode": event.mode,
        "realized": event.realized,
        "dead": event.dead,
        "actor_sectors": sorted({a.sector for a in event.actors if a.sector}),
        "actor_countries": sorted({a.country for a in event.actors if a.country}),
        "recipient_sectors": sorted({a.sector for a in event.recipients if a.sector}),
        "recipient_countries": sorted({a.country for a in event.recipients if a.country}),
        "no_actors": not event.actors,
    }


def _matches(summary: dict, want: dict) -> bool:
    return all(summary[key] == (sorted(value) if isinstance(value, list) else value) for key, value in want.items())


@pytest.mark.parametrize("case", CASES, ids=[c["why"][:50] for c in CASES])
def test_roles_case(case: dict) -> None:
    if case.get("stages_without"):  # a stage's own records, before a later stage merges them
        coder = Coder(stages=[s for s in default_stages() if s not in case["stages_without"]])
        coded = coder.code(make_article("2021-06-08", case["text"], "<case>"))
    else:
        coded = code_text(case["text"], "2021-06-08")
    events = [_summary(e) for e in coded]
    for want in case.get("has", []):
        assert any(_matches(s, want) for s in events), (case["why"], want, events)
    for etype in case.get("none_realized", []):
        assert not any(s["event_type"] == etype and s["realized"] for s in events), (case["why"], events)
    for country in case.get("no_actor_country", []):
        assert not any(country in s["actor_countries"] for s in events), (case["why"], events)
    for sector in case.get("no_recipient_sector", []):
        assert not any(sector in s["recipient_sectors"] for s in events), (case["why"], events)


def test_a_root_noun_with_a_participle_that_calls_on_someone_is_the_caller():
    """"A Greek daily called Friday on Athens to …": when the parser hangs the verb on the noun as a
    participle, the noun still does the calling (a participle that calls on someone to act is active)."""
    events = code_text("A leading Greek newspaper called Friday on Athens to freeze talks with Skopje.", "1994-02-18")
    (call,) = [e for e in events if e.event_type == "REQUEST"]
    assert [(a.country, a.sector) for a in call.actors] == [("GRC", "JRN")], (call.actors, call.recipients)
    assert not any(r.text.endswith("newspaper") for r in call.recipients), call.recipients


@pytest.mark.parametrize("text, striker", [
    ("Hundreds of bus drivers in Accra went on strike on Tuesday over unpaid wages.", "bus drivers"),
    ("Hundreds of nurses in Lusaka embarked on a strike over pay.", "nurses"),
])
def test_the_subject_of_going_on_strike_is_the_striker(text: str, striker: str) -> None:
    """"went on strike", "embarked on a hunger strike": the strike is the "on" object of a verb of
    undertaking, whose subject strikes; the strike noun itself is no actor."""
    (strike,) = [e for e in code_text(text, "2021-06-08") if e.event_type == "PROTEST"]
    assert [a.text for a in strike.actors] and all(striker in a.text for a in strike.actors), strike.actors
