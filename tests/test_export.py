"""`eventcoder export` in its four formats, from a database coded from tests/data/read.

Each format must hold exactly the stored events it is asked for, and acled-csv must carry
ACLED's own column names (tests/data/read/acled_columns.txt, in ACLED's order).
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from eventcoder import store
from eventcoder.cli import app
from eventcoder.record import Event

DATA = Path(__file__).resolve().parent / "data" / "read"
ACLED_COLUMNS = (DATA / "acled_columns.txt").read_text().split()
SHARED_ACLED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "acled_global_2020" / "acled.csv"
ACLED_EVENT_TYPES = {"Battles", "Protests", "Riots", "Explosions/Remote violence", "Violence against civilians",
                     "Strategic developments"}
runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "events.duckdb"
    result = runner.invoke(app, ["code", str(DATA / "articles"), str(DATA / "feeds"), "--db", str(path), "--quiet"])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="module")
def stored(db: Path) -> list[Event]:
    with duckdb.connect(str(db), read_only=True) as con:
        events = [Event.model_validate_json(r[0]) for r in con.execute("SELECT record FROM events").fetchall()]
    assert events
    return events


def realized(events: list[Event]) -> list[Event]:
    return [e for e in events if not (e.negated or e.hypothetical)]


def export(db: Path, fmt: str, *args: str) -> str:
    result = runner.invoke(app, ["export", "--db", str(db), "--format", fmt, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_jsonl(db: Path, stored: list[Event], tmp_path: Path) -> None:
    records = [Event.model_validate_json(line) for line in export(db, "jsonl").splitlines()]
    assert sorted(r.id for r in records) == sorted(e.id for e in realized(stored))
    by_id = {e.id: e for e in stored}
    assert all(r == by_id[r.id] for r in records)  # the whole record, unchanged
    out = tmp_path / "all.jsonl"
    export(db, "jsonl", "--include-unrealized", "-o", str(out))
    assert sorted(json.loads(line)["id"] for line in out.read_text().splitlines()) == sorted(e.id for e in stored)


def test_flat_csv(db: Path, stored: list[Event], tmp_path: Path) -> None:
    out = tmp_path / "events.csv"
    export(db, "csv", "-o", str(out))
    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    expected = {e.id: e for e in realized(stored)}
    assert sorted(r["id"] for r in rows) == sorted(expected)
    for row in rows:
        e = expected[row["id"]]
        assert (row["article_id"], row["story_date"], row["event_type"]) == (e.article_id, e.story_date, e.event_type)
        assert row["actor_names"] == "; ".join(a.name or a.text for a in e.actors)
        assert row["evidence"] == e.evidence.text


def test_parquet(db: Path, stored: list[Event], tmp_path: Path) -> None:
    out = tmp_path / "events.parquet"
    export(db, "parquet", "--include-unrealized", "-o", str(out))
    with duckdb.connect() as con:
        columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{out}')").fetchall()]
        rows = con.execute(f"SELECT id, event_type, record FROM read_parquet('{out}')").fetchall()
    assert set(store.EVENT_COLUMNS) <= set(columns)
    assert sorted(r[0] for r in rows) == sorted(e.id for e in stored)
    assert all(Event.model_validate_json(record).event_type == etype for _, etype, record in rows)
    missing = runner.invoke(app, ["export", "--db", str(db), "--format", "parquet"])
    assert missing.exit_code != 0 and "-o" in missing.output


def test_acled_csv_has_acleds_columns(db: Path, stored: list[Event]) -> None:
    text = export(db, "acled-csv")
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    assert reader.fieldnames == ACLED_COLUMNS
    # ACLED rows are its six event types: events without an ACLED equivalent (CONSULT, …) are left out
    expected = {e.id: e for e in realized(stored) if e.acled.event_type}
    assert expected, "the test articles should yield events with an ACLED type"
    assert sorted(r["event_id_cnty"] for r in rows) == sorted(expected)
    for row in rows:
        e = expected[row["event_id_cnty"]]
        assert row["event_type"] in ACLED_EVENT_TYPES
        assert (row["event_type"], row["sub_event_type"]) == (e.acled.event_type, e.acled.sub_event_type)
        assert row["event_date"] == (e.date or e.story_date) and row["year"] == row["event_date"][:4]
        assert int(row["fatalities"]) == (e.dead or 0)
        assert row["notes"] == e.evidence.text
        if e.actors:
            assert row["actor1"] == (e.actors[0].name or "")
    assert len({r["data_id"] for r in rows}) == len(rows)  # ACLED's row key is unique


def test_acled_columns_match_a_real_acled_file() -> None:
    if not SHARED_ACLED.exists():
        pytest.skip(f"ACLED sample not present at {SHARED_ACLED}")
    with open(SHARED_ACLED, newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header == ACLED_COLUMNS


def test_unknown_format_and_missing_database(db: Path, tmp_path: Path) -> None:
    bad = runner.invoke(app, ["export", "--db", str(db), "--format", "xlsx"])
    assert bad.exit_code != 0 and "xlsx" in bad.output
    missing = runner.invoke(app, ["export", "--db", str(tmp_path / "none.duckdb")])
    assert missing.exit_code != 0
    assert "nosuchdatabase" in "".join(missing.output.split())


def test_empty_database_exports_headers_only(tmp_path: Path) -> None:
    empty = tmp_path / "empty.duckdb"
    store.connect(str(empty)).close()  # the schema, no events
    assert export(empty, "jsonl") == ""
    assert next(csv.reader(io.StringIO(export(empty, "acled-csv")))) == ACLED_COLUMNS
    assert len(export(empty, "csv").splitlines()) == 1
