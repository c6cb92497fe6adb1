"""Issue 8: single hostile inputs that once stopped a whole run, each checked on its own.

Every case here crashed or silently dropped input before its fix: a lone surrogate from a JSON
escape (UnicodeEncodeError at hashing), rich markup in a file name or its first words
(MarkupError), a FIFO in a folder (blocks forever), /dev/zero (unbounded read), a header-only
CSV (nothing reported), a Latin-1 line in JSONL (the whole file lost), U+2028 inside JSON text
(one article split in two), a count past the INTEGER column (the batch refused).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from eventcoder import store
from eventcoder.read import Article, ReadError, read_bytes, read_inputs, safe_text
from eventcoder.record import Evidence, Event

REPO = Path(__file__).resolve().parents[1]


def items(data: bytes, name: str) -> list:
    return list(read_bytes(data, name))


def test_lone_surrogate_in_text_is_reported_not_raised() -> None:
    line = b'{"date": "2023-05-02", "text": "Police detained \\ud800 two reporters in Minsk."}'
    [item] = items(line, "feed.jsonl")
    assert isinstance(item, ReadError)
    assert item.origin == "feed.jsonl:1" and "surrogate" in item.reason


def test_lone_surrogate_in_metadata_is_kept_escaped() -> None:
    line = b'{"date": "2023-05-02", "text": "Police detained two reporters in Minsk.", "title": "a\\udfffb"}'
    [item] = items(line, "feed.jsonl")
    assert isinstance(item, Article)
    assert item.title == "a\\udfffb"
    item.title.encode("utf-8")  # storable


def test_undecodable_file_name_gives_a_storable_origin(tmp_path: Path) -> None:
    path = tmp_path / os.fsdecode(b"wire\xff.txt")
    path.write_bytes(b" date 2023-05-02\nStrikers blocked the port of Durban on Monday.\n")
    [item] = list(read_inputs([str(tmp_path)]))
    assert isinstance(item, Article)
    assert item.origin == safe_text(str(path)) and "\\udcff" in item.origin
    item.origin.encode("utf-8")


def test_one_badly_encoded_jsonl_line_fails_alone() -> None:
    good = [json.dumps({"date": "2023-05-02", "text": f"Farmers marched in Lyon, day {i}."}).encode() for i in range(3)]
    bad = '{"date": "2023-05-02", "text": "Grève générale à Besançon."}'.encode("latin-1")
    got = items(b"\n".join([good[0], bad, good[1], good[2]]) + b"\n", "mixed.jsonl")
    assert [type(i).__name__ for i in got] == ["Article", "ReadError", "Article", "Article"]
    assert got[1].origin == "mixed.jsonl:2" and "UTF-8" in got[1].reason
    assert [i.origin for i in got if isinstance(i, Article)] == ["mixed.jsonl:1", "mixed.jsonl:3", "mixed.jsonl:4"]


def test_binary_jsonl_is_reported_once() -> None:
    data = b'{"date": "2023-05-02", "text": "x"}\n' + bytes(range(256)) * 40
    got = items(data, "dump.jsonl")
    assert len(got) == 1 and isinstance(got[0], ReadError)


def test_unicode_line_separators_inside_json_text_do_not_split_the_line() -> None:
    text = "Troops left the town.\u2028Residents returned\x85 on Friday.\u2029"
    line = json.dumps({"date": "2023-05-02", "text": text}, ensure_ascii=False).encode("utf-8")
    [item] = items(line + b"\n", "feed.jsonl")
    assert isinstance(item, Article) and item.text == text


@pytest.mark.parametrize("name, data", [("header.csv", b"id,date,text\n"), ("blank.jsonl", b"\x0b\n\x0c\n\n"),
                                        ("empty.jsonl", b""), ("spaces.csv", b"  \r\n\t\n")])
def test_files_without_a_record_are_reported(name: str, data: bytes) -> None:
    [item] = items(data, name)
    assert isinstance(item, ReadError) and item.reason


def test_fifo_in_a_folder_is_reported_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "story.txt").write_text(" date 2023-05-02\nMiners went on strike in Potosi.\n", encoding="utf-8")
    result: list = []
    reader = threading.Thread(target=lambda: result.extend(read_inputs([str(tmp_path)])), daemon=True)
    reader.start()
    reader.join(timeout=20)
    if reader.is_alive():  # unblock the reader thread before failing
        with open(tmp_path / "pipe.txt", "wb"):
            pass
        pytest.fail("reading a folder with a FIFO in it blocked")
    kinds = {Path(i.origin).name: type(i).__name__ for i in result}
    assert kinds == {"pipe.txt": "ReadError", "story.txt": "Article"}
    assert "not a regular file" in next(i.reason for i in result if isinstance(i, ReadError))


def test_endless_device_is_refused_at_the_input_limit() -> None:
    [item] = list(read_inputs(["/dev/zero"]))
    assert isinstance(item, ReadError) and "limit" in item.reason


def _event(article_id: str, n: int, dead: int | None) -> Event:
    return Event(id=f"{article_id}-{n:02d}", article_id=article_id, story_date="2023-05-02", event_type="ASSAULT",
                 quad_class=4, goldstein=-9.0, dead=dead, evidence=Evidence(text="x", start=0, end=1))


def test_count_past_the_integer_column_is_stored_in_the_record(tmp_path: Path) -> None:
    db = str(tmp_path / "e.duckdb")
    art = Article(id="a1", date="2023-05-02", text="Gunmen killed 99999999999 people.")
    huge = 10**26
    assert store.write_batch(db, [(art, [_event("a1", 0, huge), _event("a1", 1, 12)])]) == 1
    con = duckdb.connect(db, read_only=True)
    rows = con.execute("SELECT id, dead, record FROM events ORDER BY id").fetchall()
    con.close()
    assert [(r[0], r[1]) for r in rows] == [("a1-00", None), ("a1-01", 12)]
    assert json.loads(rows[0][2])["dead"] == huge


def test_many_read_errors_are_logged_in_one_statement(tmp_path: Path) -> None:
    db = str(tmp_path / "e.duckdb")
    rows = [(f"feed.jsonl:{i}", "no date") for i in range(20_000)]
    began = time.monotonic()
    store.log_read_errors(db, rows)
    took = time.monotonic() - began
    con = duckdb.connect(db, read_only=True)
    stored = con.execute("SELECT count(*), count(DISTINCT origin) FROM read_errors").fetchone()
    con.close()
    assert stored == (20_000, 20_000)
    assert took < 30  # one INSERT per row took minutes for this on a shared 2-core machine


def test_markup_and_escapes_in_names_and_text_are_printed_not_interpreted(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    # "/" ends a name, so the closing tags come from folders: "[red]wire[" + "/" + "red].txt"
    (inputs / "[red]wire[").mkdir()
    (inputs / "[red]wire[" / "red].txt").write_text(" date 2023-05-02\nPolice arrested [/bold] three students in Dhaka.\n",
                                                     encoding="utf-8")
    (inputs / "[").mkdir()
    (inputs / "[" / "x].txt").write_text("[/bold] no date line here\n", encoding="utf-8")
    # a terminal escape (set the window title) and a newline in a name: shown, never sent raw
    (inputs / "esc\x1b]0;pwned\x07\nname.txt").write_text("\x1b[2J no date line either\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "eventcoder.cli", "code", str(inputs), "--db", str(tmp_path / "e.duckdb")],
                          capture_output=True, text=True, cwd=REPO, timeout=600, env={**os.environ, "COLUMNS": "300"})
    assert "Traceback" not in proc.stderr and "MarkupError" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode == 1  # one file skipped, the run finished
    assert "[/x].txt" in proc.stderr.replace("\n", "") and "'[/bold] no date line here'" in proc.stderr
    assert "\x1b" not in proc.stderr and "\x07" not in proc.stderr
    assert "esc\\x1b]0;pwned\\x07\\nname.txt" in proc.stderr.replace("\n", "")
    con = duckdb.connect(str(tmp_path / "e.duckdb"), read_only=True)
    origins = [r[0] for r in con.execute("SELECT origin FROM articles").fetchall()]
    con.close()
    assert origins == [str(inputs / "[red]wire[" / "red].txt")]
