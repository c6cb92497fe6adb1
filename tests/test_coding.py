"""The whole coder on an article written with the seed's traps (phone call, conditional offer,
casualty claims by one side, calls to stop, an accusation, protests abroad, a truce)."""
from pathlib import Path

import pytest

from eventcoder.read import read_file
from eventcoder.coder import Coder

ARTICLE = Path(__file__).parent / "data" / "articles" / "kharkiv-traps.txt"


@pytest.fixture(scope="module")
def events():
    article = next(read_file(str(ARTICLE)))
    return Coder().code(article)


def _has(events, etype, actor=None, recipient=None, realized=True):
    for e in events:
        if e.event_type != etype or e.realized != realized:
            continue
        if actor and not any(a.country == actor[0] and (actor[1] is None or a.sector == actor[1]) for a in e.actors):
            continue
        if recipient and not any(r.country == recipient[0] and (recipient[1] is None or r.sector == recipient[1]) for r in e.recipients):
            continue
        return e
    return None


def test_phone_call_is_a_consult_between_governments(events):
    e = _has(events, "CONSULT", ("UKR", "GOV"), ("USA", "GOV"))
    assert e is not None and e.mode == "phone"


def test_shelling_is_an_assault_by_russia(events):
    assert _has(events, "ASSAULT", ("RUS", None)) is not None


def test_calls_to_stop_are_requests_to_moscow(events):
    e = _has(events, "REQUEST", None, ("RUS", "GOV"))
    assert e is not None
    assert {a.country for a in e.actors} >= {"EUR", "UNO"}


def test_reported_attack_by_the_other_side_is_an_accusation(events):
    assert _has(events, "ACCUSE", ("UKR", "GOV"), ("RUS", None)) is not None


def test_protest_against_government_and_russia(events):
    e = _has(events, "PROTEST", None, ("GEO", "GOV"))
    assert e is not None
    assert "RUS" in {r.country for r in e.recipients}


def test_truce_is_coded(events):
    assert any(e.realized and (e.event_type == "AGREE" or (e.event_type == "RETREAT" and e.mode == "ceasefire"))
               for e in events)


def test_conditional_offer_is_not_a_retreat_that_happened(events):
    conditional = [e for e in events if "put down" in e.evidence.text and e.event_type in ("RETREAT", "ASSAULT")]
    assert conditional, "the conditional sentence should still be coded, as hypothetical"
    assert all(e.hypothetical for e in conditional)
