"""Build a corpus of hostile inputs (and valid articles mixed in) and run ``eventcoder code`` on it.

    python tests/hostile_corpus.py OUT_DIR [--seed 8]      # build the corpus, print what it holds

The corpus is generated, never committed: every file comes from a seeded random generator and the
sentence templates in tests/data/hostile/templates.json, so the same seed gives the same bytes.
Each planted file records what a correct reader must do with it: how many items (articles or
records) it holds, and how many of them must be coded and how many reported (None where the
format leaves it open, e.g. a CSV whose unbalanced quote swallows the rows after it).

Used by tests/test_hostile_inputs.py and benchmarks/hostile.py; this module holds no tests.
"""
from __future__ import annotations

import argparse
import codecs
import collections
import datetime as dt
import json
import os
import random
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import duckdb

from eventcoder.read import Article, article_id, read_bytes, safe_text

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = json.loads((Path(__file__).resolve().parent / "data" / "hostile" / "templates.json").read_text(encoding="utf-8"))
DEFAULT_SEED = 8
EVENTCODER = [sys.executable, "-m", "eventcoder.cli"]


@dataclass
class Planted:
    """One file of the corpus and what a correct run does with it."""

    name: str  # path relative to the corpus root (may hold odd characters)
    kind: str  # category, for the printed table
    items: Optional[int]  # articles/records in the file; None where the format cannot say
    code: Optional[int]  # how many must be coded; None: any
    report: Optional[int]  # how many must be reported with a reason; None: any
    ids: list[str] = field(default_factory=list)  # article ids that must be stored (where known)


class Corpus:
    """Writes files under ``root`` and keeps the list of what was planted."""

    def __init__(self, root: Path, seed: int) -> None:
        self.root = root
        self.rng = random.Random(seed)
        self.planted: list[Planted] = []
        root.mkdir(parents=True, exist_ok=True)

    # ---- writing ----

    def put(self, kind: str, name: str, data: bytes, items: Optional[int] = 1, code: Optional[int] = 0,
            report: Optional[int] = None, ids: Optional[list[str]] = None) -> None:
        if report is None and items is not None and code is not None:
            report = items - code
        path = self.root / kind / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.planted.append(Planted(f"{kind}/{name}", kind, items, code, report, ids or []))

    def seed_file(self, kind: str, name: str, text: str, **expect: object) -> None:
        self.put(kind, name, text.encode("utf-8"), **expect)

    def name(self, stem: str, suffix: str = ".txt") -> str:
        return f"{stem}-{len(self.planted):05d}{suffix}"

    # ---- valid content ----

    def day(self) -> str:
        return (dt.date(2000, 1, 1) + dt.timedelta(days=self.rng.randrange(9000))).isoformat()

    def sentence(self, filler: bool = False) -> str:
        pick = self.rng.choice
        template = pick(TEMPLATES["fillers"] if filler else TEMPLATES["sentences"])
        values = {k: pick(TEMPLATES[k]) for k in ("force", "crowd", "official", "place", "country", "country2", "weekday")}
        values["n"] = str(self.rng.randint(2, 90))
        text = template.format(**values)
        return text[0].upper() + text[1:]

    def body(self, n_sentences: int = 4) -> str:
        """A short article body: event sentences and fillers in one or two paragraphs."""
        sents = [self.sentence(filler=self.rng.random() < 0.3) for _ in range(n_sentences)]
        cut = self.rng.randint(1, max(1, n_sentences - 1))
        return " ".join(sents[:cut]) + ("\n\n" + " ".join(sents[cut:]) if sents[cut:] else "")

    def valid(self, n_sentences: int = 4) -> tuple[str, str]:
        return self.day(), self.body(n_sentences)

    @staticmethod
    def seed_text(day: str, body: str) -> str:
        return f" date {day}\n{body}\n"


def seed_ids(text: str) -> list[str]:
    """The id the reader gives this text as a UTF-8 seed file (other encodings must give the same)."""
    return [a.id for a in read_bytes(text.encode("utf-8"), "expected.txt") if isinstance(a, Article)]


def jsonl(records: list[dict], ensure_ascii: bool = False) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=ensure_ascii) + "\n" for r in records).encode("utf-8")


def csv_quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


# ---- the categories (each writes its files and says what must happen to them) ----

def empty_files(c: Corpus) -> None:
    for suffix in (".txt", "", ".jsonl", ".json", ".ndjson", ".csv", ".tsv", ".story", ".text", ".md", ".html", ".dat"):
        c.put("empty", c.name("empty", suffix), b"", code=0)


WHITESPACE = [" ", "\t", "\n", "\r", "\r\n", "\x0b", "\x0c", "\u00a0", "\u3000", "\u2028", "\u2029", "\u1680", "\u2003", "\x85"]


def whitespace_files(c: Corpus) -> None:
    for i in range(30):
        text = "".join(c.rng.choice(WHITESPACE) for _ in range(c.rng.randint(1, 400)))
        suffix = (".txt", ".jsonl", ".csv")[i % 3]
        c.seed_file("whitespace", c.name("ws", suffix), text, code=0)
    for _ in range(10):  # a good date line, then nothing but white space
        blank = "".join(c.rng.choice(WHITESPACE) for _ in range(c.rng.randint(0, 50)))
        c.seed_file("whitespace", c.name("ws-dated"), f" date {c.day()}\n{blank}", code=0)


# Date lines a scraper or a careless export produces. "report": no ISO day there, must be refused.
BAD_DATE_LINES = [
    "date 2023/09/20", "date 20/09/2023", "date 09/20/2023", "date 20-09-2023", "date 2023-9-20",
    "date 2023-09-2", "date 23-09-20", "date 2023-09", "date 2023", "date September 20, 2023",
    "date 20 Sep 2023", "date Wed, 20 Sep 2023 10:00:00 GMT", "date 2023-02-30", "date 2023-02-29",
    "date 2023-13-01", "date 2023-00-10", "date 2023-01-00", "date 2023-01-32", "date -001-01-01",
    "date +2023-01-01", "date 2023_01_01", "date 2023.01.01", "date 20230101", "date 1e3", "date NaN",
    "date null", "date", "date ", "Date 2023-01-01", "DATE 2023-01-01", "date: 2023-01-01",
    "dated 2023-01-01", "data 2023-01-01", "date 2023\u201001\u201001", "date 2023\u221201\u221201",
    "date 99999-01-01", "date 10000-01-01", "date 2023-1-1", "date 1799-12-31", "date 2101-01-01",
    "da\u200bte 2023-01-01", "\u200bdate 2023-01-01", "date 2023-\u200b01-01", "date \u202e2023-01-01",
    "date 2023-01-01-", "date 2023-01-011", "date 0001-01-01", "date 1066-10-14",
]
# Shapes a lenient reader may take or refuse; either is fine, silence is not.
ODD_DATE_LINES = [
    "date 2023-01-01T25:00", "date 2023-01-01T00:00:00Z", "date \uff12\uff10\uff12\uff13-\uff10\uff11-\uff10\uff11",
    "date \u0662\u0660\u0662\u0663-\u0660\u0661-\u0660\u0661", "date\n2023-01-01", "date\t2023-01-01",
    "date 2023-01-01 2023-01-02", "\ufeffdate 2023-01-01", "   \n\n date 2023-01-01",
]


def date_files(c: Corpus) -> None:
    for line in BAD_DATE_LINES:
        for _ in range(3):
            c.seed_file("dates", c.name("bad-date"), f"{line}\n{c.body()}\n", code=0)
    for line in ODD_DATE_LINES:
        c.seed_file("dates", c.name("odd-date"), f"{line}\n{c.body()}\n", code=None, report=None)
    # a title line before the date line: the date is not the first token
    for _ in range(5):
        c.seed_file("dates", c.name("date-second-line"), f"Breaking news\n date {c.day()}\n{c.body()}\n", code=0)
    # JSONL and CSV: dates of the wrong type or shape, one record per line
    bad_values = [20230101, 2023.5, None, [], {}, True, "", "  ", "2023-01-01 00:00", "Mon, 20 Sep 2023",
                  "01/02/2023", "2023-02-30", "0000-01-01", "9999-12-31", "yesterday", "2023-W38",
                  "\u0000", "2023-01-01\u0000", "𝟐𝟎𝟐𝟑-𝟎𝟏-𝟎𝟏x", -1, 1e308, "2023-01-01" * 50]
    records = [{"id": i, "date": v, "text": c.body(2)} for i, v in enumerate(bad_values)]
    records.append({"id": "no-date", "text": c.body(2)})
    records.append({"id": "no-text", "date": c.day()})
    records.append({"id": "text-list", "date": c.day(), "text": ["a", "b"]})
    records.append({"id": "text-number", "date": c.day(), "text": 42})
    records.append({"id": "text-object", "date": c.day(), "text": {"body": "x"}})
    c.put("dates", c.name("bad-dates", ".jsonl"), jsonl(records), items=len(records), code=0)
    rows = [("2023/01/02", c.body(2)), ("", c.body(2)), ("tomorrow", c.body(2)), ("2023-02-29", c.body(2)),
            ("9999-12-31", c.body(2)), ("0000-01-01", c.body(2)), (c.day(), ""), (c.day(), "   ")]
    csv_text = "date,text\n" + "".join(f"{d},{csv_quote(t)}\n" for d, t in rows)
    c.seed_file("dates", c.name("bad-dates", ".csv"), csv_text, items=len(rows), code=0)


def year_edge_files(c: Corpus) -> None:
    for day in ("0000-01-01", "0000-12-31", "9999-12-31", "9999-01-01"):
        for _ in range(4):
            c.seed_file("years", c.name(f"year-{day[:4]}"), c.seed_text(day, c.body()), code=0)
        c.put("years", c.name(f"year-{day[:4]}", ".jsonl"), jsonl([{"date": day, "text": c.body()}]), code=0)
    for day in ("1800-01-01", "2100-12-31"):  # the ends of the accepted range still code
        text = c.seed_text(day, c.body())
        c.seed_file("years", c.name(f"year-{day[:4]}"), text, code=1, ids=seed_ids(text))


MAGIC = [b"\x89PNG\r\n\x1a\n", b"PK\x03\x04", b"\x1f\x8b\x08", b"\x7fELF", b"%PDF-1.7\n", b"GIF89a", b"\xff\xd8\xff\xe0"]


def binary_files(c: Corpus) -> None:
    for i in range(80):
        junk = bytearray(c.rng.randbytes(c.rng.randint(16, 64 * 1024)))
        # one NUL or 0xFF byte for certain, so that no draw is valid text by chance
        junk[c.rng.randrange(len(junk))] = c.rng.choice((0x00, 0xFF))
        head = b""
        if i % 4 == 1:
            head = MAGIC[i % len(MAGIC)]
        elif i % 4 == 2:
            head = f" date {c.day()}\n".encode()
        suffix = (".txt", ".jsonl", ".csv", "", ".bin")[i % 5]
        # JSONL without NUL bytes is decoded line by line, so the count of reports varies
        c.put("binary", c.name("junk", suffix), head + bytes(junk), items=None if 0 not in junk else 1, code=0)
    # control characters only: valid UTF-8 without NUL, after a good date line; may code to nothing
    controls = [chr(x) for x in range(1, 32) if chr(x) not in "\n\r"] + ["\x7f"] + [chr(x) for x in range(0x80, 0xA0)]
    for _ in range(30):
        junk = "".join(c.rng.choice(controls) for _ in range(c.rng.randint(1, 2000)))
        c.seed_file("binary", c.name("controls"), f" date {c.day()}\n{junk}", code=None)


def nul_files(c: Corpus) -> None:
    for i in range(30):
        day, body = c.valid()
        pos = c.rng.randrange(len(body))
        text = c.seed_text(day, body[:pos] + "\x00" * c.rng.randint(1, 5) + body[pos:])
        c.seed_file("nul", c.name("nul", (".txt", ".csv", "")[i % 3]), text, code=0)
    for _ in range(10):  # a NUL as a JSON escape: the bytes are clean text, the string is not
        c.put("nul", c.name("nul-escape", ".jsonl"), jsonl([{"date": c.day(), "text": "Troops \u0000 " + c.body(2)}]), code=0)
    # raw NUL bytes on one line of a JSONL file: a binary file, reported once
    good = [{"date": c.day(), "text": c.body(2)} for _ in range(3)]
    lines = jsonl(good).split(b"\n")
    lines[1] = lines[1][:20] + b"\x00" + lines[1][20:]
    c.put("nul", c.name("nul-line", ".jsonl"), b"\n".join(lines), items=1, code=0)


def invalid_utf8_files(c: Corpus) -> None:
    for i in range(60):
        day, body = c.valid()
        how = i % 6
        if how == 0:  # Latin-1: accented letters as single bytes
            data = c.seed_text(day, body + " Le café de l'Opéra est resté fermé.").encode("latin-1")
        elif how == 1:  # Windows-1252 smart quotes
            data = c.seed_text(day, "\u201cWe will not leave,\u201d a farmer said. " + body).encode("cp1252")
        elif how == 2:  # a multi-byte sequence cut short at the end
            data = c.seed_text(day, body + " Zürich").encode("utf-8")[:-3] + "ü".encode()[:1]
        elif how == 3:  # an overlong encoding of '/'
            data = c.seed_text(day, body).encode() + b"\xc0\xaf"
        elif how == 4:  # a UTF-16 surrogate encoded as UTF-8 (CESU-8)
            data = c.seed_text(day, body).encode() + b"\xed\xa0\x80\xed\xb0\x80"
        else:  # Windows-1251 Cyrillic
            data = c.seed_text(day, body + " Полиция задержала двоих.").encode("cp1251")
        c.put("utf8", c.name("bad-utf8", (".txt", ".csv", "")[i % 3]), data, code=0)
    # JSONL with one Latin-1 line among good ones: only that line fails
    for _ in range(8):
        recs = [{"date": c.day(), "text": c.body(2)} for _ in range(5)]
        lines = jsonl(recs).split(b"\n")
        bad = c.rng.randrange(5)
        lines[bad] = json.dumps({"date": c.day(), "text": "Grève à Besançon. " + c.body(2)}, ensure_ascii=False).encode("latin-1")
        c.put("utf8", c.name("bad-line", ".jsonl"), b"\n".join(lines), items=5, code=4, report=1)


def utf16_files(c: Corpus) -> None:
    for i in range(30):
        day, body = c.valid()
        text = c.seed_text(day, body)
        codec, bom = [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE),
                      ("utf-32-le", codecs.BOM_UTF32_LE), ("utf-8", codecs.BOM_UTF8)][i % 4]
        c.put("utf16", c.name(codec), bom + text.encode(codec), code=1, ids=seed_ids(text))
    for _ in range(4):  # UTF-16 JSONL with a BOM: every line codes
        recs = [{"date": c.day(), "text": c.body(2)} for _ in range(3)]
        c.put("utf16", c.name("utf16", ".jsonl"), codecs.BOM_UTF16_LE + jsonl(recs).decode().encode("utf-16-le"),
              items=3, code=3, ids=[article_id(r["date"], r["text"]) for r in recs])
    for _ in range(6):  # UTF-16 without a BOM (NUL bytes everywhere) or cut to an odd length
        text = c.seed_text(*c.valid())
        c.put("utf16", c.name("utf16-nobom"), text.encode("utf-16-le"), code=0)
        c.put("utf16", c.name("utf16-odd"), codecs.BOM_UTF16_LE + text.encode("utf-16-le")[:-1], code=0)


def huge_files(c: Corpus) -> None:
    ten_mb = 10 * 1024 * 1024
    word = "protest "
    line = (word * (ten_mb // len(word)))
    c.seed_file("huge", c.name("10mb-dated"), f" date {c.day()}\n{line}", code=0)
    c.seed_file("huge", c.name("10mb-undated"), line, code=0)
    c.put("huge", c.name("10mb-line", ".jsonl"), jsonl([{"date": c.day(), "text": line}]), code=0)
    c.seed_file("huge", c.name("10mb-field", ".csv"), f"date,text\n{c.day()},{csv_quote(line)}\n", code=0)
    c.seed_file("huge", c.name("million-lines"), f" date {c.day()}\n" + "a line\n" * 1_000_000, code=0)
    c.seed_file("huge", c.name("million-blank", ".jsonl"),
                "\n" * 1_000_000 + json.dumps({"date": c.day(), "text": c.body()}) + "\n", code=1)
    c.seed_file("huge", c.name("20k-empty-objects", ".jsonl"), "{}\n" * 20_000, items=20_000, code=0)
    # a file past the 64 MB input limit (sparse: it takes no disk)
    big = c.root / "huge" / c.name("sparse-70mb")
    big.parent.mkdir(parents=True, exist_ok=True)
    with open(big, "wb") as handle:
        handle.write(f" date {c.day()}\n".encode())
        handle.truncate(70 * 1024 * 1024)
    c.planted.append(Planted(f"huge/{big.name}", "huge", 1, 0, 1))
    # a valid article that is one long sentence with no full stop (split and parsed in pieces);
    # event words are sparse in it, as in a scraped table or word list
    plain = ("the", "village", "near", "hill", "and", "students", "market", "road", "of", "river", "farmers")
    words = [c.rng.choice(plain) if i % 150 else "attacked" for i in range(20_000)]
    c.seed_file("huge", c.name("no-full-stop"), c.seed_text(c.day(), " ".join(words)), code=1)
    # a trigger-dense article: a hundred and fifty event sentences
    dense = " ".join(c.sentence() for _ in range(150))
    c.seed_file("huge", c.name("dense"), c.seed_text(c.day(), dense), code=1)


def nested_files(c: Corpus) -> None:
    for depth in (5_000, 100_000, 1_000_000):
        c.seed_file("nested", c.name(f"array-{depth}", ".jsonl"), "[" * depth + "]" * depth + "\n", code=0)
        c.seed_file("nested", c.name(f"object-{depth}", ".jsonl"), '{"a":' * depth + "1" + "}" * depth + "\n", code=0)
        c.seed_file("nested", c.name(f"open-{depth}", ".jsonl"), "[" * depth + "\n", code=0)
        deep_title = "[" * depth + "]" * depth
        c.seed_file("nested", c.name(f"title-{depth}", ".jsonl"),
                    '{"date": "%s", "text": %s, "title": %s}\n' % (c.day(), json.dumps(c.body()), deep_title), code=0)
    for _ in range(3):  # shallow nesting in a field the reader ignores: the article codes
        day, body = c.valid()
        c.put("nested", c.name("shallow", ".jsonl"),
              jsonl([{"date": day, "text": body, "title": [[["x"]]], "extra": {"a": {"b": {"c": [1, 2]}}}}]),
              code=1, ids=[article_id(day, body)])
    # a pretty-printed JSON document (not JSONL): each non-blank line is reported
    doc = json.dumps([{"date": c.day(), "text": c.body(2)} for _ in range(3)], indent=2)
    n_lines = sum(1 for ln in doc.split("\n") if ln.strip())
    c.seed_file("nested", c.name("pretty", ".json"), doc, items=n_lines, code=0)
    # brackets as the text of a dated article: plain text, codes to nothing
    c.seed_file("nested", c.name("brackets"), c.seed_text(c.day(), "[" * 5000 + "{" * 5000), code=1)


def csv_files(c: Corpus) -> None:
    for i in range(40):
        rows = [(c.day(), c.body(2)) for _ in range(c.rng.randint(2, 6))]
        lines = [f"{d},{csv_quote(t)}" for d, t in rows]
        k = c.rng.randrange(len(lines))
        how = i % 4
        if how == 0:  # an opening quote that never closes
            lines[k] = f'{rows[k][0]},"{rows[k][1]}'
        elif how == 1:  # a stray quote in the middle of an unquoted field
            lines[k] = f'{rows[k][0]},{rows[k][1][:30]}"{rows[k][1][30:].replace(",", " ")}'
        elif how == 2:  # a quoted field with text after its closing quote
            lines[k] = f'{rows[k][0]},"{rows[k][1][:40]}" and more "text'
        else:  # a lone double quote as the whole row
            lines[k] = '"'
        c.seed_file("csv", c.name("unbalanced", ".csv"), "date,text\n" + "\n".join(lines) + "\n",
                    items=None, code=None, report=None)
    c.seed_file("csv", c.name("header-only", ".csv"), "id,date,text,title\n", code=0)
    c.seed_file("csv", c.name("no-header", ".csv"), f"{c.day()},{csv_quote(c.body())}\n", code=0)
    c.seed_file("csv", c.name("semicolons", ".csv"), f"date;text\n{c.day()};{csv_quote(c.body())}\n", code=0)
    rows = [(c.day(), c.body(3)) for _ in range(4)]
    c.seed_file("csv", c.name("good", ".csv"), "date,text,title\n" + "".join(f"{d},{csv_quote(t)},x\n" for d, t in rows),
                items=4, code=4, ids=[article_id(d, t) for d, t in rows])
    rows = [(c.day(), c.body(3)) for _ in range(2)]
    c.seed_file("csv", c.name("good", ".tsv"), "date\ttext\n" + "".join(f"{d}\t{csv_quote(t)}\n" for d, t in rows),
                items=2, code=2, ids=[article_id(d, t) for d, t in rows])
    ragged = "date,text,source\n" + f"{c.day()},{csv_quote(c.body(2))}\n" + f"{c.day()},{csv_quote(c.body(2))},a,b,c\n"
    c.seed_file("csv", c.name("ragged", ".csv"), ragged, items=2, code=None, report=None)


BIDI = ["\u202e", "\u202d", "\u200f", "\u200e", "\u2066", "\u2067", "\u2069", "\u061c"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u034f"]


def scatter(c: Corpus, text: str, marks: list[str], rate: float) -> str:
    return "".join(ch + (c.rng.choice(marks) if c.rng.random() < rate else "") for ch in text)


def rtl_zero_width_files(c: Corpus) -> None:
    scripts = TEMPLATES["foreign_scripts"]
    for i in range(60):
        day, body = c.valid()
        if i % 3 == 0:
            body = scatter(c, body, BIDI, 0.05)
        elif i % 3 == 1:
            body = scatter(c, body, ZERO_WIDTH, 0.1)
        else:
            body = f"{scripts['arabic']} {body} {scripts['hebrew']} \u202e{c.sentence()}\u202c"
        c.seed_file("rtl-zw", c.name("rtl-zw"), c.seed_text(day, body), code=1)
    for _ in range(5):  # nothing but zero-width characters after the date line
        c.seed_file("rtl-zw", c.name("only-zw"), f" date {c.day()}\n" + "\u200b\u200d\u2060" * 50, code=None)


def html_files(c: Corpus) -> None:
    for i in range(60):
        day, body = c.valid()
        page = ("<!DOCTYPE html><html><head><title>News</title><script>alert('x')</script>"
                "<style>p{color:red}</style></head><body><nav>Home | World</nav>"
                + "".join(f"<p>{s}</p>" for s in body.split(". "))
                + "<img src=x onerror=alert(1)><iframe src='javascript:alert(2)'></iframe>"
                  "<!-- comment --> &amp; &lt;b&gt; &#x202E; &nbsp;</body></html>")
        if i % 3 == 0:
            c.seed_file("html", c.name("page", ".html"), page, code=0)  # no date line
        elif i % 3 == 1:
            c.seed_file("html", c.name("page"), c.seed_text(day, page), code=1)
        else:
            c.put("html", c.name("page", ".jsonl"), jsonl([{"date": day, "text": page, "title": "<b>x</b>"}]), code=1)


def emoji_files(c: Corpus) -> None:
    marks = TEMPLATES["emoji"]
    for i in range(40):
        day, body = c.valid()
        words = body.split(" ")
        body = " ".join(w + (c.rng.choice(marks) if c.rng.random() < 0.3 else "") for w in words)
        if i % 4 == 0:
            body = "".join(c.rng.choice(marks) for _ in range(200))  # emoji only
        c.seed_file("emoji", c.name("emoji"), c.seed_text(day, body), code=1)


def script_files(c: Corpus) -> None:
    scripts = list(TEMPLATES["foreign_scripts"].items())
    for i in range(80):
        lang, text = scripts[i % len(scripts)]
        day = c.day()
        body = " ".join([text] * c.rng.randint(1, 8))
        if i % 2:
            body = f"{body}\n\n{c.body(2)}"  # a foreign paragraph and an English one
        c.seed_file("scripts", c.name(lang), c.seed_text(day, body), code=1)


def valid_files(c: Corpus) -> None:
    for _ in range(135):
        text = c.seed_text(*c.valid(c.rng.randint(2, 8)))
        c.seed_file("valid", c.name("article"), text, code=1, ids=seed_ids(text))
    for _ in range(10):
        recs = [{"id": f"x{c.rng.randrange(10**6)}", "date": c.day(), "text": c.body(3), "title": "T",
                 "url": "https://example.org/a", "source": "Wire"} for _ in range(5)]
        c.put("valid", c.name("articles", ".jsonl"), jsonl(recs), items=5, code=5,
              ids=[article_id(r["date"], r["text"]) for r in recs])
    for _ in range(5):  # JSON text holding U+2028 and U+0085 unescaped (valid JSON, not line ends)
        day, body = c.valid()
        body = body.replace(". ", ".\u2028", 1).replace(" ", "\x85", 1)
        c.put("valid", c.name("line-separators", ".jsonl"), jsonl([{"date": day, "text": body}]), code=1,
              ids=[article_id(day, body)])
    for _ in range(5):  # old Mac line ends
        day, body = c.valid()
        c.seed_file("valid", c.name("cr-only"), f" date {day}\r{body}\r", code=1)


def special_files(c: Corpus) -> None:
    # file names a scraper can produce ("/" makes folders: "[/bold]" is the folder "[" and a file "bold]...")
    for stem in ("with space", "quote'n\"double", "line\nbreak", "[red]markup[/red]", "[/bold]", "-starts-with-dash",
                 "tab\there", "semi;colon", "dollar$HOME", "back`tick`", "star*", "q?mark", "x" * 200):
        c.seed_file("names", c.name(stem), c.seed_text(*c.valid()), code=1)
    for raw in (b"bad\xffbyte", b"latin\xe9", b"\xed\xa0\x80cesu"):  # names that are not UTF-8
        name = os.fsdecode(raw + f"-{len(c.planted):05d}.txt".encode())
        c.seed_file("names", name, c.seed_text(*c.valid()), code=1)
    deep = "/".join(f"d{i}" for i in range(40))
    c.seed_file("names", f"{deep}/{c.name('deep')}", c.seed_text(*c.valid()), code=1)
    # rich-console markup and terminal escapes in the text and in the date line
    for text in ("[/bold] Police arrested [red]five[/] people.", "\x1b[31mred\x1b[0m Troops attacked a base.",
                 "[link=file:///etc/passwd]click[/link] Gunmen attacked a bus.", "\x1b]0;pwned\x07 Protesters marched."):
        c.seed_file("markup", c.name("markup"), c.seed_text(c.day(), text), code=1)
        c.seed_file("markup", c.name("markup-date"), f"date [/x]{text}\n{c.body()}", code=0)
    # SQL and shell in article text: stored as text, never run
    for text in ("'; DROP TABLE events; --", "Robert'); DELETE FROM articles; --", "$(rm -rf /) `reboot`",
                 "{{7*7}} ${7*7} <%= 7*7 %>", "__import__('os').system('id')"):
        c.seed_file("injection", c.name("injection"), c.seed_text(c.day(), f"{text} Police arrested {text} in Kano."), code=1)
    # lone surrogates as JSON escapes, in the text (refused) and in metadata (kept, escaped)
    for _ in range(3):
        c.put("surrogates", c.name("lone-text", ".jsonl"),
              b'{"date": "%s", "text": "Police arrested \\ud800 students."}\n' % c.day().encode(), code=0)
        day, body = c.valid()
        c.put("surrogates", c.name("lone-title", ".jsonl"),
              b'{"date": "%s", "text": %s, "title": "x\\udfff", "url": "\\udc80"}\n' % (day.encode(), json.dumps(body).encode()),
              code=1, ids=[article_id(day, body)])
    # duplicate keys and odd JSON values around a good article
    day, body = c.valid()
    c.seed_file("json-odd", c.name("dup-keys", ".jsonl"),
                '{"date": "1999-01-01", "date": "%s", "text": "x", "text": %s, "id": {"a": 1}, "url": 1e999}\n' % (day, json.dumps(body)),
                code=1, ids=[article_id(day, body)])
    c.seed_file("json-odd", c.name("scalars", ".jsonl"), '1\n"text"\nnull\ntrue\n[]\n', items=5, code=0)
    c.seed_file("json-odd", c.name("nan", ".jsonl"), '{"date": NaN, "text": Infinity}\n', code=0)
    # things that are not regular files, in the middle of a directory walk
    special = c.root / "not-files"
    special.mkdir(parents=True, exist_ok=True)
    os.mkfifo(special / "a-fifo")
    c.planted.append(Planted("not-files/a-fifo", "not-files", 1, 0, 1))
    os.symlink("nowhere.txt", special / "broken-link.txt")
    c.planted.append(Planted("not-files/broken-link.txt", "not-files", 1, 0, 1))
    os.symlink("loop.txt", special / "loop.txt")
    c.planted.append(Planted("not-files/loop.txt", "not-files", 1, 0, 1))


CATEGORIES: list[Callable[[Corpus], None]] = [
    empty_files, whitespace_files, date_files, year_edge_files, binary_files, nul_files, invalid_utf8_files,
    utf16_files, huge_files, nested_files, csv_files, rtl_zero_width_files, html_files, emoji_files,
    script_files, valid_files, special_files,
]


def build_corpus(root: Path, seed: int = DEFAULT_SEED) -> list[Planted]:
    """Write the corpus under ``root``; return what was planted, in order."""
    corpus = Corpus(root, seed)
    for category in CATEGORIES:
        category(corpus)
    return corpus.planted


# ---- running the coder on it, and accounting for every file ----

@dataclass
class Run:
    returncode: int
    wall_s: float
    peak_rss_mb: float  # the coder process's own peak resident memory
    cpu_s: float  # its user + system CPU time
    stderr: str

    def summary(self) -> dict[str, int]:
        """The counts of the run's summary table (read, coded, already stored, events, skipped)."""
        found = re.findall(r"^\W*(read|coded|already stored|events|skipped)\W+(\d+)\W*$", self.stderr, re.MULTILINE)
        return {key: int(n) for key, n in found}


def run_code(inputs: list[str], db: Path, *extra: str, timeout_s: float = 900) -> Run:
    """``eventcoder code INPUTS --db DB`` in a child process; its exit status, time and peak memory."""
    log = db.with_suffix(".stderr")
    start = time.monotonic()
    with open(log, "wb") as err:
        proc = subprocess.Popen([*EVENTCODER, "code", *inputs, "--db", str(db), *extra],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, cwd=REPO,
                                env={**os.environ, "COLUMNS": "200"})
        deadline = start + timeout_s
        while True:  # wait4 gives this child's own rusage (ru_maxrss, KiB on Linux)
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(proc.returncode, time.monotonic() - start, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime,
               log.read_text("utf-8", "replace"))


@dataclass
class FileOutcome:
    planted: Planted
    coded: int = 0
    reported: int = 0
    reasons: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        p, out = self.planted, []
        if self.coded + self.reported == 0:
            out.append("neither coded nor reported")
        if p.items is not None and self.coded + self.reported != p.items:
            out.append(f"{p.items} items in, {self.coded} coded + {self.reported} reported")
        if p.code is not None and self.coded != p.code:
            out.append(f"expected {p.code} coded, got {self.coded}")
        if p.report is not None and self.reported != p.report:
            out.append(f"expected {p.report} reported, got {self.reported}")
        return out


@dataclass
class Accounting:
    files: list[FileOutcome]
    stray_origins: list[str]  # stored or reported origins that match no planted file
    missing_ids: list[str]  # article ids planted as must-code that are not stored
    n_articles: int
    n_reported: int
    n_events: int

    def by_kind(self) -> dict[str, dict[str, int]]:
        table: dict[str, dict[str, int]] = collections.defaultdict(lambda: collections.Counter())
        for f in self.files:
            row = table[f.planted.kind]
            row["files"] += 1
            row["coded"] += f.coded
            row["reported"] += f.reported
        return dict(table)


def _owner(origin: str, by_path: dict[str, FileOutcome]) -> Optional[FileOutcome]:
    if origin in by_path:
        return by_path[origin]
    head, _, tail = origin.rpartition(":")
    return by_path.get(head) if tail.isdigit() else None


def account(root: Path, planted: list[Planted], db: Path) -> Accounting:
    """Match every stored article and every reported error to the file it came from."""
    outcomes = [FileOutcome(p) for p in planted]
    by_path = {safe_text(os.path.join(str(root), p.name)): o for p, o in zip(planted, outcomes)}
    stray: list[str] = []
    con = duckdb.connect(str(db), read_only=True)
    try:
        articles = con.execute("SELECT id, origin FROM articles").fetchall()
        errors = con.execute("SELECT origin, reason FROM read_errors").fetchall()
        n_events = con.execute("SELECT count(*) FROM events").fetchone()[0]
    finally:
        con.close()
    for _, origin in articles:
        owner = _owner(origin, by_path)
        if owner is None:
            stray.append(origin)
        else:
            owner.coded += 1
    for origin, reason in errors:
        owner = _owner(origin, by_path)
        if owner is None:
            stray.append(origin)
        else:
            owner.reported += 1
            owner.reasons.append(reason)
    stored = {a for a, _ in articles}
    missing = [i for p in planted for i in p.ids if i not in stored]
    return Accounting(outcomes, stray, missing, len(articles), len(errors), n_events)


def print_table(acc: Accounting, run: Run, items_in: int) -> None:
    print(f"\n{'category':<12} {'files':>6} {'coded':>6} {'reported':>9}")
    for kind, row in sorted(acc.by_kind().items()):
        print(f"{kind:<12} {row['files']:>6} {row['coded']:>6} {row['reported']:>9}")
    print(f"files {len(acc.files)}; articles/records in {items_in}; coded {acc.n_articles} "
          f"(events {acc.n_events}); reported {acc.n_reported}; exit status {run.returncode}; "
          f"wall {run.wall_s:.1f} s; CPU {run.cpu_s:.1f} s; peak RSS {run.peak_rss_mb:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    planted = build_corpus(args.out, args.seed)
    kinds = collections.Counter(p.kind for p in planted)
    print(f"{len(planted)} files under {args.out}: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))


if __name__ == "__main__":
    main()
