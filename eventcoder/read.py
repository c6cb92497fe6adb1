"""Input formats → Article records, or a ReadError naming the input and the reason.

Formats: the seed format (first token ``date YYYY-MM-DD``, then the body), JSONL and CSV with
``id,date,text[,title,url,source]``, directories, globs and stdin (``-``). Reading never raises
for bad input: each bad file or line becomes a ReadError and the others go on.
"""
from __future__ import annotations

import csv
import datetime as dt
import glob
import hashlib
import io
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Optional, Union

MAX_ARTICLE_CHARS = 1_000_000  # ~170k words: longer "articles" are scraper accidents
MAX_FILE_BYTES = 64 * 1024 * 1024  # whole-file formats (seed text) above this are refused unread
MAX_JSON_DEPTH = 32
MIN_YEAR, MAX_YEAR = 1800, 2100

SEED_HEADER = re.compile(r"\A[\s\ufeff]*date\s+(\S+)[ \t]*\r?\n?")
ISO_DAY = re.compile(r"\A(\d{4})-(\d{2})-(\d{2})\Z")
TEXT_SUFFIXES = {".txt", ".text", ".story", ""}
JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json"}
CSV_SUFFIXES = {".csv", ".tsv"}


@dataclass(frozen=True)
class Article:
    """One dated article. ``id`` is a hash of date and text, so re-reading adds nothing."""

    id: str
    date: str  # ISO day, the story date
    text: str
    title: Optional[str] = None
    url: Optional[str] = None
    source: Optional[str] = None
    external_id: Optional[str] = None
    origin: str = ""  # file name (and line) it came from

    @property
    def story_date(self) -> dt.date:
        return dt.date.fromisoformat(self.date)


@dataclass(frozen=True)
class ReadError:
    """An input that could not be read as an article, and why."""

    origin: str
    reason: str


Item = Union[Article, ReadError]


def article_id(date: str, text: str) -> str:
    return hashlib.sha1(f"{date}\n{text}".encode("utf-8")).hexdigest()[:12]


def check_date(value: object) -> str:
    """Return an ISO day or raise ValueError with a reason a user can act on."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("no date")
    value = value.strip()[:10] if re.match(r"\d{4}-\d{2}-\d{2}T", value.strip()) else value.strip()
    match = ISO_DAY.match(value)
    if not match:
        raise ValueError(f"date {value[:40]!r} is not an ISO day (YYYY-MM-DD)")
    try:
        day = dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise ValueError(f"date {value!r} is not a real day ({exc})") from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValueError(f"date {value!r} is outside {MIN_YEAR}-{MAX_YEAR}")
    return day.isoformat()


def check_text(text: object) -> str:
    if not isinstance(text, str):
        raise ValueError("text is missing or not a string")
    if "\x00" in text:
        raise ValueError("text holds NUL bytes (binary content)")
    if not text.strip():
        raise ValueError("text is empty")
    if len(text) > MAX_ARTICLE_CHARS:
        raise ValueError(f"text is {len(text):,} characters, over the limit of {MAX_ARTICLE_CHARS:,}")
    return text


def make_article(date: object, text: object, origin: str, **meta: object) -> Item:
    try:
        day = check_date(date)
        body = check_text(text)
    except ValueError as exc:
        return ReadError(origin, str(exc))
    clean = {k: (str(v) if v not in (None, "") else None) for k, v in meta.items()}
    return Article(id=article_id(day, body), date=day, text=body, origin=origin, **clean)


def decode(data: bytes) -> str:
    """Decode bytes as UTF-8 (or UTF-16/32 with a BOM); raise ValueError naming the fault."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return data.decode("utf-32")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ValueError(f"invalid UTF-16 at byte {exc.start}") from None
    # NUL bytes mean binary (an image, an archive), whatever else fails: say so before UTF-8
    if b"\x00" in data:
        raise ValueError(f"binary content, not text (NUL byte at offset {data.index(0)})")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
    return text


def parse_seed(raw: str, origin: str) -> Item:
    match = SEED_HEADER.match(raw)
    if not match:
        first = raw.strip()[:40]
        return ReadError(origin, f"no date line: expected the first token 'date YYYY-MM-DD', found {first!r}")
    body = raw[match.end():].lstrip(" \t")
    return make_article(match[1], body, origin)


def read_jsonl_lines(lines: Iterable[str], origin: str) -> Iterator[Item]:
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{origin}:{lineno}"
        if len(line) > MAX_ARTICLE_CHARS * 2:
            yield ReadError(where, f"line is {len(line):,} characters, over the limit")
            continue
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            yield ReadError(where, f"not JSON ({exc.__class__.__name__}: {str(exc)[:80]})")
            continue
        if not isinstance(obj, dict):
            yield ReadError(where, f"a JSON {type(obj).__name__}, not an object with date and text")
            continue
        yield from_mapping(obj, where)


def from_mapping(obj: dict, where: str) -> Item:
    meta = {k: obj.get(k) for k in ("title", "url", "source")}
    meta = {k: (v if isinstance(v, (str, int, float)) else None) for k, v in meta.items()}
    ext = obj.get("id")
    return make_article(obj.get("date"), obj.get("text"), where,
                        external_id=ext if isinstance(ext, (str, int)) else None, **meta)


def read_csv_text(raw: str, origin: str, delimiter: str = ",") -> Iterator[Item]:
    csv.field_size_limit(MAX_ARTICLE_CHARS * 2)
    reader = csv.DictReader(io.StringIO(raw, newline=""), delimiter=delimiter)
    if not reader.fieldnames or not {"date", "text"} <= {f.strip().lower() for f in reader.fieldnames}:
        yield ReadError(origin, f"CSV header must hold 'date' and 'text' columns, found {reader.fieldnames!r}")
        return
    try:
        for row in reader:
            row = {(k or "").strip().lower(): v for k, v in row.items()}
            yield from_mapping(row, f"{origin}:{reader.line_num}")
    except csv.Error as exc:
        yield ReadError(f"{origin}:{reader.line_num}", f"malformed CSV ({exc})")


def sniff_format(path: str, raw: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in CSV_SUFFIXES:
        return "csv"
    head = raw.lstrip("\ufeff \t\r\n")[:1]
    return "jsonl" if head == "{" else "seed"


def read_bytes(data: bytes, origin: str, fmt: Optional[str] = None) -> Iterator[Item]:
    try:
        raw = decode(data)
    except ValueError as exc:
        yield ReadError(origin, str(exc))
        return
    if not raw.strip("\ufeff \t\r\n"):  # an empty JSONL or CSV file would otherwise pass unnoticed
        yield ReadError(origin, "empty file (no text)")
        return
    fmt = fmt or sniff_format(origin, raw)
    if fmt == "jsonl":
        yield from read_jsonl_lines(raw.splitlines(), origin)
    elif fmt == "csv":
        yield from read_csv_text(raw, origin, "\t" if origin.endswith(".tsv") else ",")
    else:
        yield parse_seed(raw, origin)


def read_file(path: str) -> Iterator[Item]:
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            yield ReadError(path, f"file is {size / 2**20:.0f} MB, over the {MAX_FILE_BYTES // 2**20} MB input limit")
            return
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        yield ReadError(path, f"cannot read: {exc.strerror or exc}")
        return
    yield from read_bytes(data, path)


def expand(inputs: Iterable[str]) -> Iterator[Union[str, ReadError]]:
    """Input arguments → file paths ('-' for stdin), in a stable order."""
    for spec in inputs:
        if spec == "-":
            yield spec
        elif os.path.isdir(spec):
            for root, dirs, files in os.walk(spec):
                dirs.sort()
                for name in sorted(files):
                    if not name.startswith("."):
                        yield os.path.join(root, name)
        elif os.path.exists(spec):
            yield spec
        elif any(ch in spec for ch in "*?["):
            matches = sorted(glob.glob(spec, recursive=True))
            if not matches:
                yield ReadError(spec, "glob matched no file")
            yield from (m for m in matches if os.path.isfile(m))
        else:
            yield ReadError(spec, "no such file or directory")


def read_inputs(inputs: Iterable[str]) -> Iterator[Item]:
    """Every article (or error) from the given files, directories, globs and '-'."""
    for path in expand(inputs):
        if isinstance(path, ReadError):
            yield path
        elif path == "-":
            yield from read_bytes(sys.stdin.buffer.read(), "<stdin>")
        else:
            yield from read_file(path)
