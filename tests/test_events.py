"""Event triggers, PLOVER types and modes, roles and modality, on sentences written for the tests."""
import json
from pathlib import Path

import pytest

from eventcoder.coder import code_text

CASES = [json.loads(l) for l in (Path(__file__).parent / "data" / "events" / "sentences.jsonl").read_text().splitlines() if l.strip()]


def _matches(event, want: dict) -> bool:
    checks = {
        "event_type": event.event_type,
        "mode": event.mode,
        "realized": event.realized,
        "negated": event.negated,
        "actor_sector": next((a.sector for a in event.actors), None),
        "actor_country": next((a.country for a in event.actors), None),
        "recipient_sector": next((a.sector for a in event.recipients), None),
        "recipient_country": next((a.country for a in event.recipients), None),
        "acled_sub_event_type": event.acled.sub_event_type,
    }
    return all(checks[k] == v for k, v in want.items())


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:40] for c in CASES])
def test_sentence(case):
    events = code_text(case["text"], "2021-04-14")
    for want in case.get("has", []):
        assert any(_matches(e, want) for e in events), (want, [(e.event_type, e.mode, e.realized, [(a.country, a.sector) for a in e.actors]) for e in events])
    for etype in case.get("none_realized", []):
        assert not any(e.event_type == etype and e.realized for e in events)
    for sub in case.get("none_acled", []):  # an ACLED sub-event type no record may take
        assert not any(e.acled.sub_event_type == sub for e in events), [(e.event_type, e.mode) for e in events]
    if "count" in case:
        realized = {}
        for e in events:
            if e.realized:
                realized[e.event_type] = realized.get(e.event_type, 0) + 1
        for etype, n in case["count"].items():
            assert realized.get(etype, 0) == n, realized
        if case["count"] == {}:
            assert realized == {}, realized


def test_every_record_is_traceable_to_its_text():
    text = "Protesters blocked the main road in Dakar on Monday. Police dispersed them with tear gas."
    events = code_text(text, "2021-04-14")
    assert events
    for e in events:
        assert text[e.evidence.start:e.evidence.end] == e.evidence.text
        assert text[e.trigger.start:e.trigger.end] == e.trigger.text
        for a in e.actors + e.recipients:
            assert text[a.start:a.end] == a.text


def test_a_stated_intent_shares_nothing_with_the_act_it_names():
    """The stance record ("wants to disperse" → THREATEN) is a copy of the act's record; the act's
    ACLED view, filled later, must not show up on it."""
    events = code_text("The army wants to disperse the crowd in Lilongwe.", "2021-04-14")
    (stance,) = [e for e in events if e.event_type == "THREATEN"]
    (act,) = [e for e in events if e.event_type == "COERCE"]
    assert act.acled.sub_event_type is not None and stance.acled.sub_event_type is None
    assert stance.acled is not act.acled and stance.actors is not act.actors


def test_a_stated_commitment_is_an_agreement_of_its_own():
    """"X is committed to Y", "X remains committed to Y": the commitment is an AGREE by X even when
    what X commits to names no event; "loyal to" in the subject makes no commitment."""
    events = code_text("Officials said Peru is committed to lowering fuel subsidies over two years.", "2003-06-10")
    assert any(e.event_type == "AGREE" and e.realized and [a.country for a in e.actors] == ["PER"] for e in events), \
        [(e.event_type, e.realized, [a.country for a in e.actors]) for e in events]
    events = code_text("Seoul remains committed to reunion talks with Pyongyang.", "2003-06-10")
    assert any(e.event_type == "AGREE" and e.realized for e in events), [(e.event_type, e.realized) for e in events]
    events = code_text("Gunmen loyal to the warlord committed a massacre in the hills.", "2003-06-10")
    assert not any(e.event_type == "AGREE" for e in events), [(e.event_type, e.trigger.text) for e in events]


def test_an_act_declared_out_of_the_question_is_refused():
    """"Lifting the curfew is out of the question": the lifting is not done, and ruling it out is a
    REJECT."""
    events = code_text("The interior minister said lifting the curfew in the capital was out of the question.", "2002-08-19")
    assert any(e.event_type == "REJECT" and e.realized for e in events), [(e.event_type, e.realized) for e in events]
    assert not any(e.event_type == "CONCEDE" and e.realized for e in events)
    events = code_text("A pullout from the border zone is out of the question for now, the army chief said.", "2002-08-19")
    assert any(e.event_type == "REJECT" and e.realized for e in events), [(e.event_type, e.realized) for e in events]
    assert not any(e.event_type == "RETREAT" and e.realized for e in events)


def test_an_offer_on_a_condition_is_an_agreement():
    """"X would free Y if Z …": PLOVER codes an offer as AGREE even when it sets a condition."""
    events = code_text("The kidnappers said they would free the engineers if the province paid a ransom.", "1998-02-11")
    assert any(e.event_type == "AGREE" and e.realized for e in events), [(e.event_type, e.realized) for e in events]
