"""Read the Reuters-21578 corpus (SGML, 1987 newswire) as dated stories, for benchmarks.

    from benchmarks.reuters import load_stories, to_article
    stories = load_stories(1000)                  # the first 1000 stories that have a BODY
    articles = [to_article(s) for s in stories]   # eventcoder Articles (story date = DATE's day)

The files are ``../shared/data/reuters21578/reut2-NNN.sgm``, read as latin-1. Each ``<REUTERS>``
record has a ``DATE`` such as ``26-FEB-1987 15:01:01.79`` (sometimes with trailing junk), a
``TITLE``, a ``DATELINE`` and a ``BODY``. The body is hard-wrapped at about 70 columns, marks a
new paragraph with ``&\\t`` and ends with a ``Reuter`` sign-off and control-character entities;
the reader gives it back as prose: paragraphs separated by a blank line, wrapped lines joined.
"""
from __future__ import annotations

import argparse
import datetime as dt
import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

from eventcoder.read import Article, ReadError, make_article

REUTERS_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "reuters21578"
CITATION = "Reuters-21578, Distribution 1.0"

_RECORD = re.compile(r"<REUTERS\b([^>]*)>(.*?)</REUTERS>", re.S)
_NEWID = re.compile(r'NEWID="(\d+)"')
_DATE = re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{4})(?:\s+(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?)?")
_MONTHS = {m: i for i, m in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1)}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_PARAGRAPH_MARK = re.compile(r"\n?&\\t")  # this copy marks each new paragraph with a literal "&\t"
_SIGN_OFF = re.compile(r"\s*\bReuter\s*$", re.I)


@dataclass(frozen=True)
class ReutersStory:
    """One Reuters record with a body."""

    newid: int
    date: str  # ISO day of DATE: the story date
    timestamp: Optional[str]  # ISO date and time of DATE, when the time part is readable
    title: Optional[str]
    dateline: Optional[str]  # e.g. "SALVADOR, Feb 26"
    text: str  # the body as prose
    topics: tuple[str, ...] = ()
    places: tuple[str, ...] = ()


def parse_date(value: str) -> tuple[str, Optional[str]]:
    """``26-FEB-1987 15:01:01.79`` → (``1987-02-26``, ``1987-02-26T15:01:01.790000``).

    Raises ValueError when there is no readable day; a broken time part gives no timestamp.
    """
    match = _DATE.search(value)
    if not match or match[2].upper() not in _MONTHS:
        raise ValueError(f"unreadable Reuters DATE {value.strip()[:40]!r}")
    day = dt.date(int(match[3]), _MONTHS[match[2].upper()], int(match[1]))
    if match[4] is None:
        return day.isoformat(), None
    try:
        fraction = int((match[7] or "0").ljust(6, "0")[:6])
        moment = dt.datetime.combine(day, dt.time(int(match[4]), int(match[5]), int(match[6]), fraction))
    except ValueError:
        return day.isoformat(), None
    return day.isoformat(), moment.isoformat()


def clean_text(raw: str) -> str:
    """SGML body → prose: entities decoded, control characters dropped, lines unwrapped."""
    text = _PARAGRAPH_MARK.sub("\n\n", raw)
    text = _CONTROL.sub("", html.unescape(text))
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    text = "\n\n".join(p for p in paragraphs if p)
    return _SIGN_OFF.sub("", text)


def _element(record: str, tag: str) -> Optional[str]:
    match = re.search(rf"<{tag}>(.*?)</{tag}>", record, re.S)
    if not match:
        return None
    value = " ".join(_CONTROL.sub("", html.unescape(match[1])).split())
    return value or None


def _codes(record: str, tag: str) -> tuple[str, ...]:
    match = re.search(rf"<{tag}>(.*?)</{tag}>", record, re.S)
    return tuple(re.findall(r"<D>(.*?)</D>", match[1])) if match else ()


def parse_file(path: Path) -> Iterator[ReutersStory]:
    """The stories of one .sgm file that have a body and a readable date, in file order."""
    content = path.read_text(encoding="latin-1")
    for attributes, record in _RECORD.findall(content):
        body = re.search(r"<BODY>(.*?)</BODY>", record, re.S)
        newid = _NEWID.search(attributes)
        if not body or not newid:
            continue
        try:
            day, moment = parse_date(_element(record, "DATE") or "")
        except ValueError:
            continue
        text = clean_text(body[1])
        if not text:
            continue
        dateline = _element(record, "DATELINE")
        yield ReutersStory(
            newid=int(newid[1]), date=day, timestamp=moment, title=_element(record, "TITLE"),
            dateline=dateline.rstrip(" -") if dateline else None, text=text,
            topics=_codes(record, "TOPICS"), places=_codes(record, "PLACES"),
        )


def available(data_dir: Path = REUTERS_DIR) -> bool:
    return any(Path(data_dir).glob("reut2-*.sgm"))


def iter_stories(data_dir: Path = REUTERS_DIR) -> Iterator[ReutersStory]:
    """Every story with a body, file by file (reut2-000.sgm first)."""
    files = sorted(Path(data_dir).glob("reut2-*.sgm"))
    if not files:
        raise FileNotFoundError(f"no reut2-*.sgm files in {data_dir}")
    for path in files:
        yield from parse_file(path)


def load_stories(n: Optional[int] = None, data_dir: Path = REUTERS_DIR) -> list[ReutersStory]:
    """The first ``n`` stories with a body (all of them when n is None)."""
    stories: list[ReutersStory] = []
    for story in iter_stories(data_dir):
        if n is not None and len(stories) >= n:
            break
        stories.append(story)
    return stories


def to_article(story: ReutersStory) -> Article:
    """An eventcoder Article: story date from DATE, text from BODY, id from date and text."""
    item = make_article(story.date, story.text, f"reuters:{story.newid}", title=story.title,
                        source="Reuters", external_id=story.newid)
    if isinstance(item, ReadError):
        raise ValueError(f"{item.origin}: {item.reason}")
    return item


def main() -> None:
    parser = argparse.ArgumentParser(description=f"Print {CITATION} stories as JSONL (id, date, title, text).")
    parser.add_argument("--n", type=int, default=5)
    parser.add_argument("--data-dir", type=Path, default=REUTERS_DIR)
    args = parser.parse_args()
    import json

    for story in load_stories(args.n, args.data_dir):
        print(json.dumps({"id": f"reuters-{story.newid}", "date": story.date, "title": story.title,
                          "source": "Reuters", "text": story.text}))


if __name__ == "__main__":
    main()
