"""The converter registry: format name → function that reads a source file into gold documents."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from eventcoder.evaluate.acled import read_acled
from eventcoder.evaluate.gold import Conversion, write_gold
from eventcoder.evaluate.lgl import read_lgl
from eventcoder.evaluate.plover import read_plover

FORMATS: dict[str, Callable[..., Conversion]] = {
    "acled": read_acled,  # both ACLED layouts, told apart by the header
    "plover": read_plover,
    "lgl": read_lgl,  # also GeoWebNews XML
}


def convert(fmt: str, source: str | Path, use_event_date_as_story_date: bool = False) -> Conversion:
    """Read ``source`` in format ``fmt``; ValueError for an unknown format."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown gold format {fmt!r}; known: {', '.join(FORMATS)}")
    if fmt == "acled":
        return read_acled(source, use_event_date_as_story_date=use_event_date_as_story_date)
    if use_event_date_as_story_date:
        raise ValueError("--use-event-date-as-story-date applies to the acled format only")
    return FORMATS[fmt](source)


def convert_file(fmt: str, source: str | Path, target: str | Path,
                 use_event_date_as_story_date: bool = False) -> Conversion:
    """Convert ``source`` and write the gold JSONL to ``target``."""
    conversion = convert(fmt, source, use_event_date_as_story_date)
    write_gold(conversion.docs, target)
    return conversion
