"""Same-incident merging (stage "incidents") on articles we wrote: one record per incident, and
two records where the day or the place differs or an arrest is of someone else."""
import json
from pathlib import Path

import pytest

from eventcoder.coder import Coder
from eventcoder.incidents import CONDITIONS, is_incident, merge_rules
from eventcoder.read import read_file
from eventcoder.views import _acled_rules, acled_codebook

DATA = Path(__file__).parent / "data" / "incidents"
CASES = json.loads((DATA / "cases.json").read_text(encoding="utf-8"))["cases"]


@pytest.fixture(scope="module")
def coder():
    return Coder()


def _incidents(coder, name):
    article = next(read_file(str(DATA / name)))
    return [e for e in coder.code(article) if is_incident(e)]


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_one_record_per_incident(coder, case):
    found = _incidents(coder, case["file"])
    assert len(found) == len(case["incidents"]), (case["why"], [(e.event_type, e.trigger.text) for e in found])
    for event, want in zip(found, case["incidents"]):
        if "event_type" in want:
            assert event.event_type == want["event_type"], case["why"]
        if "sub_event_type" in want:
            assert event.acled.sub_event_type == want["sub_event_type"], case["why"]
        for field in ("dead", "arrested", "date"):
            if field in want:
                assert getattr(event, field) == want[field], (case["why"], field)
        if "place" in want:
            assert event.location is not None and event.location.name == want["place"], case["why"]
        merged = [r for r in event.reasons if r.startswith("incident:")]
        if "folded" in want:
            assert any(f"'{want['folded']}'" in r for r in merged), (case["why"], event.reasons)
            assert want["folded"] in event.evidence.text  # the evidence covers the folded report
        else:
            assert not merged, (case["why"], merged)


@pytest.mark.parametrize("case", [c for c in CASES if "set_aside" in c], ids=lambda c: c["file"])
def test_a_protests_cause_keeps_its_plover_record_only(coder, case):
    events = coder.code(next(read_file(str(DATA / case["file"]))))
    for word in case["set_aside"]:
        (event,) = [e for e in events if e.trigger and e.trigger.text == word]
        assert event.realized and event.acled.event_type is None, case["why"]
        assert any(r.startswith("acled: what the protest") for r in event.reasons), event.reasons


@pytest.mark.parametrize("case", [c for c in CASES if "background" in c], ids=lambda c: c["file"])
def test_background_keeps_its_plover_record_only(coder, case):
    events = coder.code(next(read_file(str(DATA / case["file"]))))
    for word in case["background"]:
        (event,) = [e for e in events if e.trigger and e.trigger.text == word]
        assert event.realized and event.acled.event_type is None, case["why"]
        assert any(r.startswith("acled: background") for r in event.reasons), event.reasons


def test_merged_evidence_is_the_article_text(coder):
    article = next(read_file(str(DATA / "mandera-bus.txt")))
    (event,) = [e for e in coder.code(article) if is_incident(e)]
    assert article.text[event.evidence.start:event.evidence.end] == event.evidence.text
    assert "\n\n" in event.evidence.text  # it spans both paragraphs


def test_record_ids_are_numbered_after_merging(coder):
    article = next(read_file(str(DATA / "kisumu-march.txt")))
    ids = [e.id for e in coder.code(article)]
    assert ids == [f"{article.id}-{i:02d}" for i in range(len(ids))]


def test_acled_tables_name_real_sub_event_types():
    known = set(acled_codebook())
    assert len(known) == 25
    assert {row[5] for row in _acled_rules()} <= known | {"-"}
    for first, second, when, keep, sub in merge_rules():
        assert first in known | {"*"} and second in known | {"*"}, (first, second)
        assert sub in known | {"="}, sub
        assert when.split(":")[-1] in CONDITIONS and keep in ("first", "second", "apart")


@pytest.mark.parametrize("case", [c for c in CASES if "side_reports" in c], ids=lambda c: c["file"])
def test_side_reports_keep_their_plover_record_only(coder, case):
    events = coder.code(next(read_file(str(DATA / case["file"]))))
    for word in case["side_reports"]:
        (event,) = [e for e in events if e.trigger and e.trigger.text == word]
        assert event.realized and event.acled.event_type is None, (case["why"], event.reasons)
        assert any(r.startswith(("acled: part of the story", "acled: the same development")) for r in event.reasons), \
            event.reasons


def test_old_landmine_is_one_other_event(coder):
    """An old landmine stepped on: ACLED's Other, once, however many sentences tell it."""
    events = coder.code(next(read_file(str(DATA / "pursat-old-mine.txt"))))
    typed = [e.acled.sub_event_type for e in events if e.realized and e.acled.sub_event_type]
    assert typed == ["Other"], [(e.trigger.text, e.acled.sub_event_type, e.reasons) for e in events]
