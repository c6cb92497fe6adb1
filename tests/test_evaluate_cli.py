"""The eval/gold commands and the run over every set, wired to the real coder and resolver."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from eventcoder.evaluate import run_all
from eventcoder.evaluate.commands import register
from eventcoder.evaluate.convert import convert
from eventcoder.evaluate.gold import read_gold, select_part

DATA = Path(__file__).parent / "data" / "eval"


def make_app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def test_gold_convert_command(tmp_path: Path) -> None:
    out = tmp_path / "acled.jsonl"
    result = CliRunner().invoke(make_app(), ["gold", "convert", "acled", str(DATA / "acled_current.csv"), str(out)])
    assert result.exit_code == 0, result.output
    assert "4 records read, 3 documents written" in result.output
    assert len(read_gold(out)) == 3


def test_gold_convert_legacy_flag_and_bad_format(tmp_path: Path) -> None:
    out = tmp_path / "old.jsonl"
    args = ["gold", "convert", "acled", str(DATA / "acled_legacy.csv"), str(out), "--use-event-date-as-story-date"]
    assert CliRunner().invoke(make_app(), args).exit_code == 0
    assert {doc.date for doc in read_gold(out)} == {"1999-05-03", "1999-05-21", "1999-05-22"}
    bad = CliRunner().invoke(make_app(), ["gold", "convert", "tsv", str(DATA / "acled_legacy.csv"), str(out)])
    assert bad.exit_code == 2 and "unknown format" in bad.output
    wrong = CliRunner().invoke(make_app(), ["gold", "convert", "acled", str(DATA / "plover_tiny.txt"), str(out)])
    assert wrong.exit_code == 1


def test_eval_command_with_the_coder(tmp_path: Path) -> None:
    pytest.importorskip("eventcoder.coder", reason="the Coder is not written yet")
    gold = tmp_path / "gold.jsonl"
    shutil.copy(DATA / "coder_gold.jsonl", gold)
    report_path, errors_path = tmp_path / "report.json", tmp_path / "errors.jsonl"
    result = CliRunner().invoke(make_app(), ["eval", str(gold), "--json", str(report_path), "--errors", str(errors_path)])
    assert result.exit_code == 0, result.output
    report = json.loads(report_path.read_text())
    assert report["n_documents"] == 3
    events = report["events"]
    assert events["gold"] == 3 and events["matched"] + events["missed"] == 3
    assert events["predicted"] == events["matched"] + events["false_positives"]
    assert report["fields"]["event_type"]["n"] == 3
    assert report["fields"]["event_date"]["n"] == 2 and report["fields"]["event_date"]["not_applicable"] == 1
    assert len(report["slowest"]) == 3
    for line in errors_path.read_text().splitlines():
        error = json.loads(line)
        assert {"doc_id", "kind", "text", "gold", "prediction"} <= set(error)


def test_readme_block_is_inserted_then_replaced(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Project\n\nIntro.\n")
    spec = {"name": "Tiny", "tuned": "no"}
    report = {"n_documents": 5, "measured": "2026-01-02",
              "fields": {"event_type": {"n": 5, "accuracy": 0.8}, "toponym": {"n": 0, "accuracy_161km": 0.0}}}
    run_all.write_readme(readme, [run_all.table_row(spec, report)])
    text = readme.read_text()
    assert text.startswith("# Project\n\nIntro.") and text.count(run_all.START) == 1
    assert "| Tiny | 5 docs | no | 0.800 | —" in text and "Rule for the team" in text
    tuned = run_all.table_row({"name": "Tiny", "tuned": "yes: triggers", "part": "odd-position"}, report)
    run_all.write_readme(readme, [tuned])
    text = readme.read_text()
    assert text.count(run_all.START) == 1 and "0.800†" in text and "(odd half by position)" in text
    assert run_all.existing_rows(text) == {"Tiny": tuned}


def test_run_all_on_a_data_folder_with_one_set(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    pytest.importorskip("eventcoder.places", reason="the resolver is not written yet")
    data = tmp_path / "data"
    (data / "geoparsing_gold").mkdir(parents=True)
    shutil.copy(DATA / "lgl_tiny.xml", data / "geoparsing_gold" / "lgl.xml")
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{run_all.START}\n| PLOVER gold records | 9 docs | no | kept |\n{run_all.END}\n")
    out = tmp_path / "out"
    assert run_all.main(["--readme", str(readme), "--data", str(data), "--out", str(out)]) == 0
    assert "is absent on this machine" in capsys.readouterr().err
    report = json.loads((out / "lgl.json").read_text())
    # the LGL figure comes from the half sets.json names (the resolver was tuned on the other half)
    spec = next(s for s in run_all.load_sets() if s["slug"] == "lgl")
    expected = select_part(convert("lgl", DATA / "lgl_tiny.xml").docs, spec["part"])
    assert report["n_documents"] == len(expected) and report["part"] == spec["part"]
    assert report["fields"]["toponym"]["n"] == sum(t.scored for doc in expected for t in doc.toponyms)
    rows = run_all.existing_rows(readme.read_text())
    assert rows["PLOVER gold records"].endswith("kept |")  # absent here: its row is kept
    assert rows["LGL"].startswith(f"| LGL | {len(expected)} docs")
    assert ("†" in rows["LGL"]) == (spec["tuned"] != "no")
    assert [doc.id for doc in read_gold(out / "lgl.gold.jsonl")] == [doc.id for doc in expected]
