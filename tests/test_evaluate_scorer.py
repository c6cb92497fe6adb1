"""The scorer on hand-made gold/prediction pairs whose answers were worked out by hand."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eventcoder.evaluate.gold import GoldDoc, GoldEvent
from eventcoder.evaluate.match import match_events
from eventcoder.evaluate.predicted import prediction
from eventcoder.evaluate.score import Scorer
from eventcoder.record import Event, Location

DATA = Path(__file__).parent / "data" / "eval"
CASES = json.loads((DATA / "scorer_cases.json").read_text(encoding="utf-8"))["cases"]


def make_event(partial: dict[str, Any], doc_id: str, index: int) -> Event:
    """A full Event from the fields a case gives; the rest is bookkeeping that is not scored."""
    record = {"id": f"{doc_id}-{index}", "article_id": doc_id, "story_date": "2021-01-01",
              "quad_class": 4, "goldstein": 0.0, "evidence": {"text": "x", "start": 0, "end": 1}}
    record.update(partial)
    for role in ("actors", "recipients"):
        record[role] = [{"text": "someone", "start": 0, "end": 7, **actor} for actor in partial.get(role, [])]
    return Event.model_validate(record)


def lookup(report: dict[str, Any], dotted: str) -> Any:
    node: Any = report
    for part in dotted.split("."):
        node = node[part]
    return node


def run_case(case: dict[str, Any]) -> dict[str, Any]:
    scorer = Scorer()
    for raw in case["docs"]:
        doc = GoldDoc.model_validate(raw)
        events = [make_event(p, doc.id, i) for i, p in enumerate(case["predictions"].get(doc.id, []))]
        scorer.add_document(doc, events, seconds=0.01)
    return scorer.report()


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_scorer_case(case: dict[str, Any]) -> None:
    report = run_case(case)
    for path, expected in case["expect"].items():
        assert lookup(report, path) == pytest.approx(expected, abs=1e-4), path
    for path in case["absent"]:
        with pytest.raises(KeyError):
            lookup(report, path)


def test_report_shape_is_stable() -> None:
    report = run_case(next(c for c in CASES if c["name"] == "partial"))
    assert {"n_documents", "fields", "per_category", "confusion"} <= set(report)
    allowed = {"accuracy", "within_1_day", "macro_f1", "precision", "recall", "f1", "within_25km",
               "within_161km", "exact", "within_10pct", "accuracy_161km"}
    for name, entry in report["fields"].items():
        assert "n" in entry, name
        figures = {k for k, v in entry.items() if isinstance(v, float) and k != "median_error_km"}
        assert figures <= allowed, (name, figures - allowed)
    json.dumps(report)  # serialisable as it is


def test_errors_name_each_miss_with_text_gold_and_prediction() -> None:
    case = next(c for c in CASES if c["name"] == "missing_fields")
    scorer = Scorer()
    errors = []
    for raw in case["docs"]:
        doc = GoldDoc.model_validate(raw)
        events = [make_event(p, doc.id, i) for i, p in enumerate(case["predictions"].get(doc.id, []))]
        errors += scorer.add_document(doc, events)
    kinds = {(e["doc_id"], e["kind"]) for e in errors}
    assert ("m3", "missed_event") in kinds
    m2 = next(e for e in errors if e["doc_id"] == "m2")
    assert m2["kind"] == "wrong_fields"
    assert {m["field"] for m in m2["fields"]} == {"location", "injured"}
    assert m2["text"].startswith("Rioters burned")
    assert m2["gold"]["injured"] == 4 and m2["prediction"]["event_type"] == "PROTEST"
    assert not any(e["doc_id"] == "m1" for e in errors)  # m1 is right on every field it is scored on


def test_slowest_documents_are_listed_slowest_first() -> None:
    scorer = Scorer()
    for i, seconds in enumerate([0.2, 1.5, 0.7]):
        scorer.add_document(GoldDoc(id=f"s{i}", text="Nothing happened."), [], seconds=seconds)
    slowest = scorer.report()["slowest"]
    assert [row["id"] for row in slowest] == ["s1", "s2", "s0"]


def test_matching_is_one_to_one_and_leaves_extras_unmatched() -> None:
    gold = [GoldEvent(event_type="PROTEST"), GoldEvent(event_type="PROTEST")]
    preds = [prediction(make_event({"event_type": "PROTEST"}, "d", 0))]
    matching = match_events(gold, preds)
    assert len(matching.pairs) == 1 and matching.unmatched_gold == [1] and matching.unmatched_predictions == []


def test_matching_prefers_place_when_types_tie() -> None:
    gold = [GoldEvent(event_type="ASSAULT", country="SDN"), GoldEvent(event_type="ASSAULT", country="TCD")]
    preds = [prediction(make_event({"event_type": "ASSAULT", "location": {"country": "TCD"}}, "d", 0)),
             prediction(make_event({"event_type": "ASSAULT", "location": {"country": "SDN"}}, "d", 1))]
    assert match_events(gold, preds).pairs == [(0, 1), (1, 0)]


def test_toponym_scoring_by_hand() -> None:
    case = json.loads((DATA / "toponym_case.json").read_text(encoding="utf-8"))
    doc = GoldDoc.model_validate(case["doc"])
    resolved = [Location(**r) for r in case["resolved"]]
    found = [Location(**f) for f in case["found"]]
    scorer = Scorer()
    errors = scorer.add_document(doc, None, resolved=resolved, found=found)
    entry = scorer.report()["fields"]["toponym"]
    # resolution: Arlo 56 km off (right), Bexby 556 km off (wrong)
    assert entry["n"] == 2 and entry["accuracy_161km"] == 0.5
    # end to end: Arlo found and right (TP); Bexby's span found but far (FP, and Bexby FN);
    # Cordo is an unscored span (ignored); Delft is not a gold toponym (FP)
    assert (entry["tp"], entry["fp"], entry["fn"]) == (1, 2, 1)
    assert entry["precision"] == pytest.approx(0.3333) and entry["recall"] == 0.5 and entry["f1"] == pytest.approx(0.4)
    kinds = sorted(m["kind"] for m in errors[0]["misses"])
    assert kinds == ["false_positive", "false_positive", "not_found", "resolution"]
    assert "events" not in scorer.report()  # no event coding on a toponym-only document


def test_resolver_answer_count_must_match_spans() -> None:
    doc = GoldDoc.model_validate(json.loads((DATA / "toponym_case.json").read_text(encoding="utf-8"))["doc"])
    with pytest.raises(ValueError):
        Scorer().add_document(doc, None, resolved=[None], found=[])
