"""Event dates: every rule against a known story date, the event's own clause, the stage end to end.

The rule cases live in tests/data/dates/cases.jsonl, the clause cases in clauses.jsonl (texts
written for these tests); the ACLED check reads ../shared/data and skips when it is absent.
"""
from __future__ import annotations

import datetime as dt
import importlib.util
import json
from pathlib import Path

import pytest

from eventcoder import dates
from eventcoder.dates import DateSettings, find_dates, find_event_date, narrative_dates, resolve_date
from eventcoder.pipeline import Sentence

DATA = Path(__file__).resolve().parent / "data" / "dates"
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
ACLED_CSV = SHARED_DATA / "acled_global_2020" / "acled.csv"


def load_jsonl(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


RULE_CASES = load_jsonl("cases.jsonl")
CLAUSE_CASES = load_jsonl("clauses.jsonl")


@pytest.mark.parametrize("case", RULE_CASES, ids=[f"{c['story_date']} {c['text']}" for c in RULE_CASES])
def test_rule(case: dict) -> None:
    result = resolve_date(case["text"], case["story_date"])
    if case["date"] is None:
        assert result is None, f"{case['rule']}: expected no date, got {result}"
        return
    assert result is not None, case["rule"]
    assert (result.date, result.precision) == (case["date"], case["precision"]), case["rule"]
    assert result.end_date == case.get("end_date"), case["rule"]
    assert result.text == case["text"]
    if "reason_contains" in case:
        assert case["reason_contains"] in (result.reason or ""), case["rule"]
    elif not case["rule"].startswith("ACLED"):
        assert result.reason is None, case["rule"]


def test_every_rule_case_is_on_or_before_the_story_date_unless_stated_future() -> None:
    for case in RULE_CASES:
        result = resolve_date(case["text"], case["story_date"])
        if result is not None and "future" not in (result.reason or ""):
            assert result.date <= case["story_date"], case["text"]


def test_story_date_as_date_or_string_gives_the_same_result() -> None:
    assert resolve_date("on Tuesday", dt.date(2023, 9, 20)) == resolve_date("on Tuesday", "2023-09-20")
    assert resolve_date("on Tuesday", dt.datetime(2023, 9, 20, 7, 30)).date == "2023-09-19"


def test_future_dates_can_be_refused() -> None:
    strict = DateSettings(allow_explicit_future=False)
    assert resolve_date("tomorrow", "2023-09-20", strict) is None
    assert resolve_date("on 2 October 2023", "2023-09-20", strict) is None
    assert resolve_date("yesterday", "2023-09-20", strict).date == "2023-09-19"


def test_date_order_setting_reads_day_first_numbers() -> None:
    assert resolve_date("05/09/2020", "2020-10-01").date == "2020-05-09"  # dateparser's English default: month first
    assert resolve_date("05/09/2020", "2020-10-01", DateSettings(date_order="DMY")).date == "2020-09-05"


def test_results_are_cached_per_expression_and_story_date() -> None:
    dates._resolve_cached.cache_clear()
    first = resolve_date("two days ago", "2021-06-30")
    hits = dates._resolve_cached.cache_info().hits
    again = resolve_date("two days ago", "2021-06-30")
    assert again is first and dates._resolve_cached.cache_info().hits == hits + 1
    other_day = resolve_date("two days ago", "2021-07-30")
    assert other_day.date == "2021-07-28" and first.date == "2021-06-28"


def test_find_dates_offsets_and_words_that_are_not_dates() -> None:
    text = "Protesters may march in March; the Mayor said on 9 May 2020 that two days ago police fired."
    found = find_dates(text)
    assert [m.text for m in found] == ["in March", "on 9 May 2020", "two days ago"]
    assert all(text[m.start:m.end] == m.text for m in found)


def test_find_dates_leaves_out_days_written_as_places() -> None:
    assert [m.text for m in find_dates("Shells hit the market in July 7 district on 5 May 2020.")] == ["on 5 May 2020"]
    assert [m.text for m in find_dates("Fighting resumed in May 2020.")] == ["in May 2020"]


def test_find_dates_keeps_acled_notes_with_the_date() -> None:
    text = "Around 4 May 2020 (from 3 May to 4 May), two groups clashed near the market."
    assert [m.text for m in find_dates(text)] == ["Around 4 May 2020 (from 3 May to 4 May)"]


# ---------------------------------------------------------------------------------------------
# The event's own clause (needs the spaCy model)


@pytest.fixture(scope="module")
def nlp():
    from eventcoder.nlp import load_model

    return load_model()


def make_sentence(nlp, text: str, offset: int = 0, index: int = 0) -> Sentence:
    return Sentence(index, offset, offset + len(text), text, nlp(text))


def token(sentence: Sentence, word: str):
    return next(t for t in sentence.doc if t.text == word)


@pytest.mark.parametrize("case", CLAUSE_CASES, ids=[f"{c['trigger']}: {c['about']}" for c in CLAUSE_CASES])
def test_event_date_comes_from_the_events_own_clause(nlp, case: dict) -> None:
    offset = 250  # the sentence sits inside an article: offsets are article offsets
    sentence = make_sentence(nlp, case["sentence"], offset)
    result = find_event_date(sentence, token(sentence, case["trigger"]), case["story_date"])
    assert result.date == case["date"], case["about"]
    if case["date_text"] is None:
        assert result.from_story_date and result.reason == dates.FALLBACK_REASON
        assert result.precision == 1
    else:
        assert result.text == case["date_text"]
        assert case["sentence"][result.start - offset:result.end - offset] == case["date_text"]
    if "precision" in case:
        assert result.precision == case["precision"]


def test_narrative_date_carries_into_a_past_tense_clause_only(nlp) -> None:
    texts = [
        "Soldiers and rebels clashed near the border on Monday.",
        "Two soldiers died in the fighting.",
        "The army says it controls the area.",
    ]
    sentences, offset = [], 0
    for index, text in enumerate(texts):
        sentences.append(make_sentence(nlp, text, offset, index))
        offset += len(text) + 1
    carried = narrative_dates(sentences, "2024-03-14")
    assert carried[0] is None and carried[1].date == "2024-03-11" and carried[2].date == "2024-03-11"
    died = find_event_date(sentences[1], token(sentences[1], "died"), "2024-03-14", narrative=carried[1])
    assert (died.date, died.text) == ("2024-03-11", "on Monday")
    assert died.reason.startswith(dates.NARRATIVE_REASON)
    assert died.start == texts[0].index("on Monday")
    controls = find_event_date(sentences[2], token(sentences[2], "controls"), "2024-03-14", narrative=carried[2])
    assert controls.from_story_date and controls.date == "2024-03-14"


def test_old_and_coarse_dates_do_not_carry(nlp) -> None:
    texts = ["The war began on 3 March 1991.", "Earlier this month, the talks failed.", "Protesters gathered outside parliament."]
    sentences, offset = [], 0
    for index, text in enumerate(texts):
        sentences.append(make_sentence(nlp, text, offset, index))
        offset += len(text) + 1
    carried = narrative_dates(sentences, "2024-03-14")
    assert carried[2] is None
    gathered = find_event_date(sentences[2], token(sentences[2], "gathered"), "2024-03-14", narrative=carried[2])
    assert gathered.from_story_date


# ---------------------------------------------------------------------------------------------
# The stage, end to end through the coder


def test_dates_stage_end_to_end() -> None:
    from eventcoder.coder import code_text
    from eventcoder.read import read_inputs

    article = next(iter(read_inputs([str(DATA / "article.txt")])))
    events = code_text(article.text, article.date)
    by_trigger = {e.trigger.text: e for e in events if e.trigger is not None}
    # a report merged into its incident's record (stage "incidents") is found through its reason
    by_trigger.update({r.split("'")[1]: e for e in events for r in e.reasons if r.startswith("incident: the report")})
    assert all(e.date and e.date_precision in (1, 2, 3) for e in events)

    arrested = by_trigger["arrested"]
    assert (arrested.date, arrested.date_precision, arrested.date_text, arrested.date_reason) == ("2024-03-13", 1, "last night", None)
    attacked = by_trigger["attacked"]  # not "on Wednesday": that is the ministry's statement
    assert (attacked.date, attacked.date_text) == ("2024-03-12", "On Tuesday")
    banned = by_trigger["banned"]
    assert (banned.date, banned.date_precision, banned.date_text) == ("2024-03-07", 3, "Earlier this month")
    detained = by_trigger["detained"]  # reported speech without a date: the narrative's day
    assert detained.date == "2024-03-13" and detained.date_reason.startswith(dates.NARRATIVE_REASON)
    assert any(r.startswith("dates:") for r in detained.reasons)
    demanding = by_trigger["demanding"]  # present tense without a date: the story date
    assert (demanding.date, demanding.date_text, demanding.date_reason) == ("2024-03-14", None, dates.FALLBACK_REASON)


# ---------------------------------------------------------------------------------------------
# ACLED notes (../shared/data): the gold event date against the note's own words


def load_benchmark():
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "dates_acled.py"
    spec = importlib.util.spec_from_file_location("dates_acled", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_acled_notes_resolver_accuracy() -> None:
    if not ACLED_CSV.exists():
        pytest.skip(f"ACLED data not found at {ACLED_CSV}")
    bench = load_benchmark()
    figures = bench.measure_resolver(bench.load_rows(ACLED_CSV, None))
    assert figures["n"] > 5000
    assert figures["exact"] / figures["n"] >= 0.95, figures["misses"][:10]


@pytest.mark.slow
def test_acled_notes_event_date_accuracy() -> None:
    if not ACLED_CSV.exists():
        pytest.skip(f"ACLED data not found at {ACLED_CSV}")
    bench = load_benchmark()
    figures = bench.measure_events(bench.load_rows(ACLED_CSV, 600))
    assert figures["exact"] / figures["n"] >= 0.95, figures["misses"][:10]
