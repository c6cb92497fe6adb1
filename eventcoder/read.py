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
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator, Optional, Union

MAX_ARTICLE_CHARS = 1_000_000  # ~170k words: longer "articles" are scraper accidents
MAX_FILE_BYTES = 64 * 1024 * 1024  # whole-file formats (seed text) above this are refused unread
MAX_JSON_DEPTH = 32
MIN_YEAR, MAX_YEAR = 1800, 2100

SEED_HEADER = re.compile(r"\A[\s\ufeff]*date\s+(\S+)[ \t]*\r?\n?")
ISO_DAY = re.compile(r"\A(\d{4})-(\d{2})-(\d{2})\Z")
_SURROGATE = re.compile("[\ud800-\udfff]")
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
    # JSON "\ud800" escapes decode to lone surrogates, which no UTF-8 writer (hash, store) accepts
    bad = _SURROGATE.search(text)
    if bad:
        raise ValueError(f"text holds a lone surrogate code point (U+{ord(bad[0]):04X} at {bad.start()}), not valid Unicode")
    return text


def safe_text(value: str) -> str:
    """``value`` with lone surrogates (undecodable file-name bytes, bad JSON escapes) written as
    backslash escapes, so that names and metadata can always be stored and printed."""
    if _SURROGATE.search(value) is None:
        return value
    return value.encode("utf-8", "backslashreplace").decode("utf-8")


def make_article(date: object, text: object, origin: str, **meta: object) -> Item:
    try:
        day = check_date(date)
        body = check_text(text)
    except ValueError as exc:
        return ReadError(origin, str(exc))
    clean = {k: (safe_text(str(v)) if v not in (None, "") else None) for k, v in meta.items()}
    return Article(id=article_id(day, body), date=day, text=body, origin=safe_text(origin), **clean)


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


def read_jsonl_lines(lines: Iterable[str], origin: str, first_line: int = 1) -> Iterator[Item]:
    for lineno, line in enumerate(lines, first_line):
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


def read_jsonl_bytes(data: bytes, origin: str) -> Iterator[Item]:
    """JSONL whose bytes do not all decode: decode line by line, so that one bad line fails alone."""
    for lineno, chunk in enumerate(data.split(b"\n"), 1):
        try:
            line = decode(chunk)
        except ValueError as exc:
            yield ReadError(f"{origin}:{lineno}", str(exc))
            continue
        yield from read_jsonl_lines([line], origin, first_line=lineno)


def read_bytes(data: bytes, origin: str, fmt: Optional[str] = None) -> Iterator[Item]:
    try:
        raw = decode(data)
    except ValueError as exc:
        # a text JSONL file with a badly encoded line loses only that line; a binary file
        # (NUL bytes, or UTF-16 that does not decode) is reported once, not once per "line"
        binary = b"\x00" in data or data.startswith((b"\xff\xfe", b"\xfe\xff"))
        if not binary and (fmt or sniff_format(origin, data.lstrip()[:1].decode("latin-1"))) == "jsonl":
            yield from read_jsonl_bytes(data, origin)
        else:
            yield ReadError(origin, str(exc))
        return
    if not raw.strip("\ufeff \t\r\n"):  # an empty JSONL or CSV file would otherwise pass unnoticed
        yield ReadError(origin, "empty file (no text)")
        return
    fmt = fmt or sniff_format(origin, raw)
    if fmt in ("jsonl", "csv"):
        # JSONL lines end at "\n" only: U+2028, U+0085 and the like may stand unescaped in JSON text
        items = (read_jsonl_lines(raw.split("\n"), origin) if fmt == "jsonl"
                 else read_csv_text(raw, origin, "\t" if origin.endswith(".tsv") else ","))
        n_items = 0
        for n_items, item in enumerate(items, 1):
            yield item
        if n_items == 0:  # a header-only CSV or blank-only JSONL: report it rather than pass in silence
            yield ReadError(origin, f"no {fmt.upper()} record in the file")
    else:
        yield parse_seed(raw, origin)


def read_limited(handle: BinaryIO, origin: str) -> Union[bytes, ReadError]:
    """At most MAX_FILE_BYTES from ``handle``: /dev/zero, a pipe or a growing file cannot exhaust memory."""
    data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        return ReadError(origin, f"input is over the {MAX_FILE_BYTES // 2**20} MB input limit")
    return data


def read_file(path: str) -> Iterator[Item]:
    origin = safe_text(path)
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            yield ReadError(origin, f"file is {size / 2**20:.0f} MB, over the {MAX_FILE_BYTES // 2**20} MB input limit")
            return
        with open(path, "rb") as handle:
            data = read_limited(handle, origin)
    except OSError as exc:
        yield ReadError(origin, f"cannot read: {exc.strerror or exc}")
        return
    if isinstance(data, ReadError):
        yield data
        return
    yield from read_bytes(data, origin)


def _walk_entry(path: str) -> Union[str, ReadError]:
    """A file found in a directory, or why it is not read (opening a FIFO would block forever)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return ReadError(safe_text(path), f"cannot read: {exc.strerror or exc}")
    if not stat.S_ISREG(mode):
        return ReadError(safe_text(path), "not a regular file (pipe, socket or device)")
    return path


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
                        yield _walk_entry(os.path.join(root, name))
        elif os.path.exists(spec):
            yield spec
        elif any(ch in spec for ch in "*?["):
            matches = sorted(glob.glob(spec, recursive=True))
            if not matches:
                yield ReadError(safe_text(spec), "glob matched no file")
            yield from (m for m in matches if os.path.isfile(m))
        else:
            yield ReadError(safe_text(spec), "no such file or directory")


def read_inputs(inputs: Iterable[str]) -> Iterator[Item]:
    """Every article (or error) from the given files, directories, globs and '-'."""
    for path in expand(inputs):
        if isinstance(path, ReadError):
            yield path
        elif path == "-":
            data = read_limited(sys.stdin.buffer, "<stdin>")
            yield from ([data] if isinstance(data, ReadError) else read_bytes(data, "<stdin>"))
        else:
            yield from read_file(path)


def batched(items: Iterable, size: int) -> Iterator[list]:
    """Consecutive lists of ``size`` items (the last may be shorter): the unit of parsing and of a store transaction."""
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
