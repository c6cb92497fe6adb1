"""The reader on its own: every input format, and every kind of bad input, gives Articles or
ReadErrors that name the input and the reason; a bad input never stops the others.

The articles and feeds under tests/data/read were written for these tests.
"""
from __future__ import annotations

import gzip
import io
import json
import re
import shutil
import sys
import time
from pathlib import Path

import pytest

from eventcoder.read import Article, ReadError, article_id, read_inputs

DATA = Path(__file__).resolve().parent / "data" / "read"
ARTICLES = DATA / "articles"
FEEDS = DATA / "feeds"
GOOD_ARTICLE = (" date 2023-04-11 Soldiers from Chad and Sudan exchanged fire across the border on Monday,"
                " the Chadian army said.\n")


def split(items: list) -> tuple[list[Article], list[ReadError]]:
    articles = [i for i in items if isinstance(i, Article)]
    errors = [i for i in items if isinstance(i, ReadError)]
    assert len(articles) + len(errors) == len(items), f"read_inputs yielded something else: {items!r}"
    return articles, errors


def read(*paths: object) -> tuple[list[Article], list[ReadError]]:
    return split(list(read_inputs([str(p) for p in paths])))


# --- the seed format ---------------------------------------------------------------------------

@pytest.mark.parametrize("name, day, opening", [
    ("border-shelling.txt", "2022-03-14", "Georgian troops shelled"),  # one leading space, body on the date line
    ("hanoi-visit.txt", "2023-11-21", "The Japanese prime minister"),  # several spaces before and after the date
    ("nairobi-protest.txt", "2023-07-06", "Thousands of people marched"),  # no leading space, body on the next line
    ("sahel-ceasefire.txt", "2024-02-02", "Rebels in northern Mali"),  # leading space, body on the next line
])
def test_seed_article(name: str, day: str, opening: str) -> None:
    articles, errors = read(ARTICLES / name)
    assert errors == []
    [art] = articles
    assert art.date == day
    assert art.text.startswith(opening), art.text[:60]
    assert "date " + day not in art.text  # the header is not part of the body
    assert art.id == article_id(day, art.text)
    assert art.origin == str(ARTICLES / name)


@pytest.mark.parametrize("raw", [
    "\ufeffdate 2023-04-11 Soldiers clashed.\n",  # a byte-order mark before the header
    "date 2023-04-11\r\nSoldiers clashed.\r\n",  # Windows line ends
    "\t date 2023-04-11\nSoldiers clashed.\n",  # tab and space indentation
    "\n\n date 2023-04-11 Soldiers clashed.",  # blank lines before the header
])
def test_seed_header_variants(tmp_path: Path, raw: str) -> None:
    path = tmp_path / "story.txt"
    path.write_bytes(raw.encode("utf-8"))
    [art], errors = read(path)
    assert errors == []
    assert art.date == "2023-04-11"
    assert art.text.strip() == "Soldiers clashed."


def test_same_text_same_id_whatever_the_file(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(GOOD_ARTICLE)
    (tmp_path / "b.story").write_text(GOOD_ARTICLE)
    (tmp_path / "c.txt").write_text(GOOD_ARTICLE.replace("2023-04-11", "2023-04-12"))
    articles, _ = read(tmp_path)
    assert [a.origin for a in articles] == [str(tmp_path / n) for n in ("a.txt", "b.story", "c.txt")]
    assert articles[0].id == articles[1].id != articles[2].id


# --- JSONL and CSV ------------------------------------------------------------------------------

def test_jsonl_with_all_columns() -> None:
    articles, errors = read(FEEDS / "wire.jsonl")
    assert errors == []
    expected = [json.loads(line) for line in (FEEDS / "wire.jsonl").read_text().splitlines()]
    assert len(articles) == len(expected) == 3
    for lineno, (art, obj) in enumerate(zip(articles, expected), 1):
        assert art.external_id == obj["id"]
        assert (art.date, art.text, art.title, art.url, art.source) == (
            obj["date"], obj["text"], obj["title"], obj["url"], obj["source"])
        assert art.origin == f"{FEEDS / 'wire.jsonl'}:{lineno}"


def test_csv_with_all_columns_and_with_the_minimum() -> None:
    articles, errors = read(FEEDS / "desk.csv", FEEDS / "minimal.csv")
    assert errors == []
    assert [a.external_id for a in articles] == ["desk-7", "desk-8", "m-1"]
    assert articles[0].title == "Peru protesters block highway"
    assert articles[0].url == "https://news.example.org/desk-7"
    assert articles[1].url is None  # an empty cell is no value, not ""
    assert articles[2].title is None and articles[2].source is None
    assert articles[2].date == "2022-06-01"
    assert articles[2].text.startswith("Sudanese soldiers opened fire")


def test_tsv_and_header_case(tmp_path: Path) -> None:
    path = tmp_path / "feed.tsv"
    path.write_text("ID\tDate\tText\nx1\t2021-08-15\tTaliban fighters entered Kabul on Sunday.\n")
    [art], errors = read(path)
    assert errors == []
    assert (art.external_id, art.date) == ("x1", "2021-08-15")


def test_jsonl_sniffed_without_suffix(tmp_path: Path) -> None:
    path = tmp_path / "feed"
    path.write_text(json.dumps({"date": "2021-08-15", "text": "Taliban fighters entered Kabul."}) + "\n")
    [art], errors = read(path)
    assert errors == [] and art.origin == f"{path}:1"


# --- directories, globs, stdin ------------------------------------------------------------------

def test_directory_is_read_recursively_in_a_stable_order(tmp_path: Path) -> None:
    shutil.copytree(ARTICLES, tmp_path / "b-articles")
    shutil.copytree(FEEDS, tmp_path / "a-feeds" / "nested")
    (tmp_path / ".hidden.txt").write_text("not an article, and skipped because hidden")
    articles, errors = read(tmp_path)
    assert errors == []
    assert len(articles) == 4 + 3 + 2 + 1
    origins = [a.origin.rsplit(":", 1)[0] if a.origin.endswith(tuple("0123456789")) else a.origin for a in articles]
    assert origins == sorted(origins)  # directories and files in name order, so a rerun sees the same order
    assert articles == split(list(read_inputs([str(tmp_path)])))[0]


def test_glob() -> None:
    articles, errors = read(ARTICLES / "*a*.txt")  # all four names hold an "a"
    assert errors == []
    assert sorted(Path(a.origin).name for a in articles) == sorted(p.name for p in ARTICLES.glob("*a*.txt"))
    articles, errors = read(ARTICLES / "n*.txt")
    assert [Path(a.origin).name for a in articles] == ["nairobi-protest.txt"]


def test_glob_without_match_and_missing_path_are_named(tmp_path: Path) -> None:
    articles, errors = read(tmp_path / "*.nothing", tmp_path / "absent.txt", ARTICLES / "hanoi-visit.txt")
    assert len(articles) == 1
    assert [(e.origin, e.reason) for e in errors] == [
        (str(tmp_path / "*.nothing"), "glob matched no file"),
        (str(tmp_path / "absent.txt"), "no such file or directory"),
    ]


@pytest.mark.parametrize("payload, n", [
    (GOOD_ARTICLE.encode(), 1),
    ((FEEDS / "wire.jsonl").read_bytes(), 3),
])
def test_stdin(monkeypatch: pytest.MonkeyPatch, payload: bytes, n: int) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(payload)))
    articles, errors = read("-")
    assert errors == [] and len(articles) == n
    assert all(a.origin.startswith("<stdin>") for a in articles)


# --- bad inputs ---------------------------------------------------------------------------------

BAD_FILES = {
    # name: (bytes, a pattern the reason must match)
    "empty.txt": (b"", r"empty"),
    "blank.txt": (b"  \n\n\t\n", r"empty"),
    "empty.jsonl": (b"", r"empty"),
    "no-date.txt": (b"Rebels seized the airport on Monday.\n", r"no date line"),
    "date-later.txt": (b"Rebels seized the airport.\ndate 2023-04-11\n", r"no date line"),
    "not-iso.txt": (b"date 11/04/2023 Rebels seized the airport.\n", r"not an ISO day"),
    "no-such-day.txt": (b"date 2023-02-30 Rebels seized the airport.\n", r"not a real day"),
    "word-date.txt": (b"date yesterday Rebels seized the airport.\n", r"not an ISO day"),
    "ancient.txt": (b"date 1066-10-14 Normans landed at Pevensey.\n", r"outside"),
    "no-body.txt": (b"date 2023-04-11\n\n", r"text is empty"),
    "image.png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256)), r"binary|UTF-8"),
    "archive.txt": (gzip.compress(GOOD_ARTICLE.encode()), r"binary|UTF-8"),
    "nul.txt": (b"date 2023-04-11 Rebels\x00seized the airport.\n", r"binary|NUL"),
    "latin1.txt": ("date 2023-04-11 Protesters gathered in Bogotá on Monday.\n".encode("latin-1"), r"UTF-8"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_is_named_with_its_reason(tmp_path: Path, name: str) -> None:
    data, pattern = BAD_FILES[name]
    (tmp_path / name).write_bytes(data)
    good = tmp_path / "zz-good.txt"
    good.write_text(GOOD_ARTICLE)
    articles, errors = read(tmp_path / name, good)
    assert [a.origin for a in articles] == [str(good)]  # the next input is still read
    [error] = errors
    assert error.origin == str(tmp_path / name)
    assert re.search(pattern, error.reason), error.reason


def test_binary_bytes_are_called_binary(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01")
    [], [error] = read(path)
    assert "binary" in error.reason, error.reason


def test_invalid_utf8_says_where(tmp_path: Path) -> None:
    path = tmp_path / "cp1252.txt"
    path.write_bytes("date 2023-04-11 \u201cWe will not leave\u201d, strikers said.\n".encode("cp1252"))
    [], [error] = read(path)
    assert "UTF-8" in error.reason and "0x93" in error.reason and "16" in error.reason, error.reason


def test_fifty_megabyte_file_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    line = b"Shelling continued along the front line overnight, officials said. "
    with open(path, "wb") as handle:
        handle.write(b"date 2023-04-11\n")
        handle.write(line * (50 * 2**20 // len(line) + 1))
    assert path.stat().st_size > 50 * 2**20
    started = time.perf_counter()
    articles, [error] = read(path, ARTICLES / "hanoi-visit.txt")
    assert time.perf_counter() - started < 10
    assert len(articles) == 1
    assert error.origin == str(path)
    assert re.search(r"over the (limit|.*MB input limit)", error.reason), error.reason


def test_jsonl_bad_lines_are_named_by_line_and_the_rest_read(tmp_path: Path) -> None:
    good = [json.loads(line) for line in (FEEDS / "wire.jsonl").read_text().splitlines()]
    lines = [
        json.dumps(good[0]),
        '{"date": "2023-04-11", "text": "Rebels seized the airport.",',  # cut off: not JSON
        "this line is prose, not JSON",
        json.dumps([good[1]["date"], good[1]["text"]]),  # JSON, but not an object
        json.dumps({"text": "Rebels seized the airport."}),  # no date
        json.dumps({"date": "2023-04-11", "text": 42}),  # text not a string
        "",  # blank lines are allowed
        json.dumps(good[2]),
    ]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    articles, errors = read(path)
    assert [a.external_id for a in articles] == [good[0]["id"], good[2]["id"]]
    assert [e.origin for e in errors] == [f"{path}:{n}" for n in (2, 3, 4, 5, 6)]
    reasons = [e.reason for e in errors]
    assert "not JSON" in reasons[0] and "not JSON" in reasons[1]
    assert "not an object" in reasons[2]
    assert "no date" in reasons[3]
    assert "text" in reasons[4]


def test_csv_without_text_column_and_bad_row(tmp_path: Path) -> None:
    headless = tmp_path / "a.csv"
    headless.write_text("id,day,body\n1,2023-04-11,Rebels seized the airport.\n")
    rows = tmp_path / "b.csv"
    rows.write_text("id,date,text\n1,2023-04-31,Rebels seized the airport.\n2,2023-04-11,Rebels seized the port.\n")
    articles, errors = read(headless, rows)
    assert [a.external_id for a in articles] == ["2"]
    assert errors[0].origin == str(headless) and "'date' and 'text'" in errors[0].reason
    assert errors[1].origin == f"{rows}:2" and "not a real day" in errors[1].reason
