"""`eventcoder code` and `eventcoder query` end to end: the installed command in a real
subprocess, real spaCy, a real DuckDB file.

What must hold for every run: each input format is coded; each bad input is named on stderr
with its reason while the rest is still coded; the exit status is non-zero when anything was
skipped; every stored article has all its events (n_events matches); re-coding adds nothing;
a run killed half-way and started again ends with the database of an uninterrupted run.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

import duckdb
import pytest
from typer.testing import CliRunner

from eventcoder.cli import app
from eventcoder.record import Event

DATA = Path(__file__).resolve().parent / "data" / "read"
ARTICLES = DATA / "articles"
FEEDS = DATA / "feeds"
N_ARTICLES, N_JSONL, N_CSV = 4, 3, 3  # what tests/data/read holds
STDIN_ARTICLE = (" date 2022-11-08 Iranian security forces fired on mourners in Mahabad on Monday, killing two,"
                 " and the United Nations called on Tehran to stop the crackdown.\n")
BAD_INPUTS = {
    # name: (bytes, what the message must say)
    "empty.txt": (b"", "empty"),
    "no-date.txt": (b"Rebels seized the airport on Monday.\n", "no date line"),
    "bad-date.txt": (b"date 2023-02-30\nRebels seized the airport.\n", "not a real day"),
    "chart.png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
    "latin1.txt": ("date 2023-04-11 Protesters gathered in Bogotá on Monday.\n".encode("latin-1"), "UTF-8"),
    # brackets in a name and text must reach the user as text, not as terminal markup
    "notes[draft].txt": (b"[/b] minutes of the [bold]meeting[/bold]\n", "no date line"),
}


def eventcoder_command() -> list[str]:
    """The console script installed beside this Python (what a user runs), else the module."""
    script = Path(sys.executable).parent / "eventcoder"
    return [str(script)] if script.exists() else [sys.executable, "-m", "eventcoder.cli"]


def run_cli(*args: str, stdin: Optional[bytes] = None, timeout: float = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS="1000", NO_COLOR="1")  # one message per line, whatever the path length
    return subprocess.run(eventcoder_command() + list(args), input=stdin or b"", capture_output=True,
                          timeout=timeout, env=env)


def stored(db: Path) -> dict[str, list]:
    """Articles and events of a database, for comparison and for the whole-article check."""
    with duckdb.connect(str(db), read_only=True) as con:
        articles = con.execute("SELECT id, story_date::VARCHAR, origin, external_id, n_events, text FROM articles ORDER BY id").fetchall()
        events = con.execute("SELECT id, article_id, record FROM events ORDER BY id").fetchall()
    return {"articles": articles, "events": events}


def assert_whole_articles(db: Path) -> dict[str, list]:
    """Every stored article has exactly its n_events events, and every event its article."""
    data = stored(db)
    per_article: dict[str, int] = {}
    for event_id, article_id, record in data["events"]:
        per_article[article_id] = per_article.get(article_id, 0) + 1
        event = Event.model_validate_json(record)
        assert (event.id, event.article_id) == (event_id, article_id)
    ids = {a[0] for a in data["articles"]}
    assert set(per_article) <= ids, f"events without their article: {set(per_article) - ids}"
    for article_id, _, origin, _, n_events, _ in data["articles"]:
        assert per_article.get(article_id, 0) == n_events, f"{origin}: n_events {n_events}, stored {per_article.get(article_id, 0)}"
    return data


def summary(stderr: str) -> dict[str, str]:
    """The closing summary table's rows ("coded" → "11")."""
    rows = [line.split("│") for line in stderr.splitlines() if line.count("│") == 3]
    return {row[1].strip(): row[2].strip() for row in rows}


@pytest.fixture(scope="module")
def coded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One real run over every input format at once: a directory, a JSONL file, a glob, stdin."""
    work = tmp_path_factory.mktemp("cli")
    db, out = work / "events.duckdb", work / "events.jsonl"
    args = ("code", str(ARTICLES), str(FEEDS / "wire.jsonl"), str(FEEDS / "*.csv"), "-",
            "--db", str(db), "--jsonl", str(out))
    first = run_cli(*args, stdin=STDIN_ARTICLE.encode())
    return {"db": db, "out": out, "args": args, "first": first, "data": stored(db) if db.exists() else None}


def test_code_reads_every_format(coded: dict) -> None:
    result = coded["first"]
    assert result.returncode == 0, result.stderr.decode()
    data = assert_whole_articles(coded["db"])
    origins = [a[2] for a in data["articles"]]
    assert len(origins) == N_ARTICLES + N_JSONL + N_CSV + 1
    assert sorted(o for o in origins if o.startswith(str(ARTICLES))) == sorted(str(p) for p in ARTICLES.glob("*.txt"))
    assert sum(o.startswith(f"{FEEDS / 'wire.jsonl'}:") for o in origins) == N_JSONL
    assert sum(o.startswith(f"{FEEDS / 'desk.csv'}:") or o.startswith(f"{FEEDS / 'minimal.csv'}:") for o in origins) == N_CSV
    assert "<stdin>" in origins
    days = {a[2]: a[1] for a in data["articles"]}
    assert days[str(ARTICLES / "hanoi-visit.txt")] == "2023-11-21"
    assert days["<stdin>"] == "2022-11-08"
    assert {a[3] for a in data["articles"]} >= {"wire-101", "wire-102", "wire-103", "desk-7", "desk-8", "m-1"}
    # these articles were written to hold events: the run must have coded some in each input kind
    with_events = {a[2].rsplit(":", 1)[0] for a in data["articles"] if a[4] > 0}
    assert {str(ARTICLES / "nairobi-protest.txt"), str(FEEDS / "wire.jsonl"), str(FEEDS / "desk.csv"), "<stdin>"} <= with_events


def test_jsonl_output_matches_the_store(coded: dict) -> None:
    lines = coded["out"].read_text().splitlines()
    records = [Event.model_validate_json(line) for line in lines]
    assert sorted(r.id for r in records) == [e[0] for e in coded["data"]["events"]]
    assert len(records) > 0


def test_summary_names_counts(coded: dict) -> None:
    stderr = coded["first"].stderr.decode()
    n = N_ARTICLES + N_JSONL + N_CSV + 1
    lines = summary(stderr)
    assert lines.get("read") == lines.get("coded") == str(n) and lines.get("skipped") == "0"
    assert lines.get("events") == str(len(coded["data"]["events"]))


def test_recoding_adds_nothing(coded: dict) -> None:
    before_out = coded["out"].read_text()
    again = run_cli(*coded["args"], stdin=STDIN_ARTICLE.encode())
    assert again.returncode == 0, again.stderr.decode()
    assert stored(coded["db"]) == coded["data"]
    assert coded["out"].read_text() == before_out  # nothing new coded, so nothing new written
    lines = summary(again.stderr.decode())
    assert lines.get("coded") == "0" and lines.get("already stored") == str(len(coded["data"]["articles"]))


def test_bad_inputs_are_named_and_the_rest_is_coded(tmp_path: Path) -> None:
    inputs = tmp_path / "inbox"
    inputs.mkdir()
    for name, (data, _) in BAD_INPUTS.items():
        (inputs / name).write_bytes(data)
    line = b"Shelling continued along the front line overnight, officials said. "
    with open(inputs / "huge.txt", "wb") as handle:  # a 50 MB "article"
        handle.write(b"date 2023-04-11\n" + line * (50 * 2**20 // len(line) + 1))
    shutil.copy(ARTICLES / "border-shelling.txt", inputs)
    shutil.copy(ARTICLES / "sahel-ceasefire.txt", inputs)
    wire = (FEEDS / "wire.jsonl").read_text().splitlines()
    (inputs / "feed.jsonl").write_text("\n".join([wire[0], "{not json at all", wire[1], wire[2]]) + "\n")
    db = tmp_path / "events.duckdb"

    result = run_cli("code", str(inputs), "--db", str(db))
    stderr = result.stderr.decode()
    assert result.returncode != 0
    expected = {str(inputs / name): why for name, (_, why) in BAD_INPUTS.items()}
    expected[str(inputs / "huge.txt")] = "over the"
    expected[f"{inputs / 'feed.jsonl'}:2"] = "not JSON"
    messages = [line for line in stderr.splitlines() if line.startswith("skipped ")]
    for origin, why in expected.items():
        said = [m for m in messages if m.startswith(f"skipped {origin}: ")]
        assert len(said) == 1, f"{origin} not named once in:\n{stderr}"
        assert why in said[0], said[0]
    assert len(messages) == len(expected), "\n".join(messages)

    data = assert_whole_articles(db)
    assert sorted(a[2] for a in data["articles"]) == sorted(
        [str(inputs / "border-shelling.txt"), str(inputs / "sahel-ceasefire.txt")]
        + [f"{inputs / 'feed.jsonl'}:{n}" for n in (1, 3, 4)])
    with duckdb.connect(str(db), read_only=True) as con:
        logged = {r[0] for r in con.execute("SELECT origin FROM read_errors").fetchall()}
    assert logged == set(expected)


def test_all_bad_is_an_error_and_writes_no_article(tmp_path: Path) -> None:
    (tmp_path / "only.txt").write_bytes(b"no date here\n")
    db = tmp_path / "events.duckdb"
    result = run_cli("code", str(tmp_path / "only.txt"), str(tmp_path / "absent.txt"), "--db", str(db))
    assert result.returncode != 0
    stderr = result.stderr.decode()
    assert f"{tmp_path / 'only.txt'}: no date line" in stderr
    assert f"{tmp_path / 'absent.txt'}: no such file or directory" in stderr
    if db.exists():
        assert stored(db)["articles"] == []


def test_stdin_jsonl_and_stdout_records(tmp_path: Path) -> None:
    db = tmp_path / "events.duckdb"
    result = run_cli("code", "-", "--db", str(db), "--jsonl", "-", "--quiet", stdin=(FEEDS / "wire.jsonl").read_bytes())
    assert result.returncode == 0, result.stderr.decode()
    records = [Event.model_validate_json(line) for line in result.stdout.decode().splitlines()]
    data = assert_whole_articles(db)
    assert [a[2] for a in sorted(data["articles"], key=lambda a: a[2])] == [f"<stdin>:{n}" for n in (1, 2, 3)]
    assert sorted(r.id for r in records) == [e[0] for e in data["events"]] and records


# --- a run killed half-way ----------------------------------------------------------------------

def write_many_articles(folder: Path, n: int) -> None:
    """n distinct articles: my four test articles with the day and a number changed."""
    sources = sorted(ARTICLES.glob("*.txt"))
    folder.mkdir()
    for i in range(n):
        text = sources[i % len(sources)].read_text()
        day = f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}"
        text = text.replace(text.split()[1], day, 1) + f"\nOfficials gave the figure {i + 1} for the wounded.\n"
        (folder / f"story-{i:03d}.txt").write_text(text)


def count_articles(db: Path) -> int:
    try:
        with duckdb.connect(str(db), read_only=True) as con:
            return con.execute("SELECT count(*) FROM articles").fetchone()[0]
    except duckdb.Error:  # not created yet, or held by the writer this instant
        return 0


@pytest.mark.slow
def test_killed_run_resumes_to_the_same_database(tmp_path: Path) -> None:
    n = 40
    inputs = tmp_path / "inbox"
    write_many_articles(inputs, n)
    killed_db, clean_db = tmp_path / "killed.duckdb", tmp_path / "clean.duckdb"
    env = dict(os.environ, COLUMNS="1000")
    proc = subprocess.Popen(eventcoder_command() + ["code", str(inputs), "--db", str(killed_db), "--batch-size", "1", "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 300
        while count_articles(killed_db) < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    partial = count_articles(killed_db)
    assert 3 <= partial < n, f"could not kill the run half-way ({partial} of {n} articles stored)"
    assert_whole_articles(killed_db)

    assert run_cli("code", str(inputs), "--db", str(killed_db), "-q").returncode == 0
    assert run_cli("code", str(inputs), "--db", str(clean_db), "-q").returncode == 0
    resumed, clean = assert_whole_articles(killed_db), assert_whole_articles(clean_db)
    assert len(clean["articles"]) == n
    assert resumed == clean


# --- query ----------------------------------------------------------------------------------------

runner = CliRunner()


def query(db: Path, *args: str) -> list[Event]:
    """Every report (--mentions: one record per coded event, not per merged cluster) the filters keep."""
    result = runner.invoke(app, ["query", "--db", str(db), "--mentions", "--json", "--limit", "100000", *args])
    assert result.exit_code == 0, result.output
    return [Event.model_validate_json(line) for line in result.stdout.splitlines()]


def involves(event: Event, country: str) -> bool:
    places = [event.location.country] if event.location else []
    return country in places + [a.country for a in event.actors + event.recipients]


@pytest.fixture(scope="module")
def every_event(coded: dict) -> list[Event]:
    events = [Event.model_validate_json(e[2]) for e in coded["data"]["events"]]
    assert events
    return events


def test_query_lists_realized_events_and_all_on_request(coded: dict, every_event: list[Event]) -> None:
    realized = sorted(e.id for e in every_event if not (e.negated or e.hypothetical))
    assert sorted(e.id for e in query(coded["db"])) == realized
    assert sorted(e.id for e in query(coded["db"], "--include-unrealized")) == sorted(e.id for e in every_event)
    limited = runner.invoke(app, ["query", "--db", str(coded["db"]), "--mentions", "--json", "--limit", "2"])
    assert len(limited.stdout.splitlines()) == min(2, len(realized))


@pytest.mark.parametrize("event_type", ["ASSAULT", "protest", "REQUEST"])
def test_query_by_type(coded: dict, every_event: list[Event], event_type: str) -> None:
    expected = sorted(e.id for e in every_event if e.event_type == event_type.upper() and not (e.negated or e.hypothetical))
    assert expected, f"the test articles should yield a realized {event_type}"
    assert sorted(e.id for e in query(coded["db"], "--type", event_type)) == expected


@pytest.mark.parametrize("country", ["GEO", "KOR", "tjk"])
def test_query_by_country(coded: dict, every_event: list[Event], country: str) -> None:
    expected = sorted(e.id for e in every_event if involves(e, country.upper()) and not (e.negated or e.hypothetical))
    assert expected, f"the test articles should yield an event involving {country}"
    found = query(coded["db"], "--country", country)
    assert sorted(e.id for e in found) == expected


def test_query_by_dates(coded: dict, every_event: list[Event]) -> None:
    def day(e: Event) -> str:
        return e.date or e.story_date

    realized = [e for e in every_event if not (e.negated or e.hypothetical)]
    for since, until in [("2023-01-01", "2023-12-31"), ("2022-09-30", "2022-09-30"), (None, "2022-12-31"), ("2024-01-01", None)]:
        args = (["--since", since] if since else []) + (["--until", until] if until else [])
        expected = sorted(e.id for e in realized if (not since or day(e) >= since) and (not until or day(e) <= until))
        assert expected, f"no test event in {since}..{until}"
        assert sorted(e.id for e in query(coded["db"], *args)) == expected, args
    combined = query(coded["db"], "--type", "ASSAULT", "--since", "2023-01-01", "--country", "SDN")
    assert combined == []  # the Sudanese shooting is dated 2022


def test_query_table_and_missing_database(coded: dict, tmp_path: Path) -> None:
    result = runner.invoke(app, ["query", "--db", str(coded["db"]), "--mentions", "--type", "ASSAULT"])
    assert result.exit_code == 0
    n = sum(1 for e in query(coded["db"], "--type", "ASSAULT"))
    assert f"{min(n, 50)} events" in result.stdout
    missing = runner.invoke(app, ["query", "--db", str(tmp_path / "none.duckdb")])
    assert missing.exit_code != 0
    said = "".join(missing.output.split())  # rich wraps at the runner's 80 columns
    assert f"{tmp_path / 'none.duckdb'}:nosuchdatabase" in said, missing.output


def test_query_table_prints_article_text_as_text(tmp_path: Path) -> None:
    """Evidence and names come from articles: brackets in them are words, not terminal markup."""
    db = tmp_path / "events.duckdb"
    article = " date 2023-04-11 Rebels [/i] attacked the [bold] town of Gao on Monday, killing five soldiers.\n"
    coded = runner.invoke(app, ["code", "-", "--db", str(db), "-q"], input=article)
    assert coded.exit_code == 0, coded.output
    assert query(db, "--include-unrealized"), "the article should yield an event"
    for view in (["--mentions"], []):  # every report, and the merged events
        table = runner.invoke(app, ["query", "--db", str(db), "--include-unrealized", *view])
        assert table.exit_code == 0, table.output
        assert "[/i]" in "".join(table.stdout.split())
