"""Every coded span of an article, as character offsets, from its stored event records.

Most parts of a record carry their own offsets (actors, recipients, location, sources,
quote, trigger, evidence). The date words and the casualty figures carry none, so they are
found by searching the event's evidence (digits, or the number words of the counts
stage's table); such spans say ``located: "search"`` so that a
reader knows they were found afterwards, not recorded by the coder.
"""
from __future__ import annotations

import functools
import re
from typing import Iterable, Literal, Optional

from pydantic import BaseModel

from eventcoder.record import Event, Source

SpanKind = Literal["evidence", "trigger", "actor", "recipient", "date", "location",
                   "dead", "injured", "arrested", "source", "quote", "speaker"]


class Span(BaseModel):
    event_id: str
    kind: SpanKind
    start: int
    end: int
    text: str  # the article's characters at start:end
    label: Optional[str] = None  # what the span was coded as (a name, a date, a number)
    located: Literal["offsets", "search"] = "offsets"


def _label(*parts: object) -> Optional[str]:
    words = [str(p) for p in parts if p not in (None, "")]
    return " · ".join(words) or None


def _sources(event_id: str, sources: Iterable[Source]) -> Iterable[tuple]:
    for src in sources:
        # "Tass, citing sources from X": the cited original is a span of its own
        while src is not None:
            if src.start is not None and src.end is not None:
                yield (event_id, "source", src.start, src.end, _label(src.name or src.text, src.country), "offsets")
            src = src.citing


def _search(text: str, needle: str, lo: int, hi: int) -> Optional[tuple[int, int]]:
    """First case-insensitive, whole-word occurrence of ``needle`` in text[lo:hi]."""
    if not needle.strip():
        return None
    pattern = re.compile(r"(?<!\w)" + re.escape(needle.strip()) + r"(?!\w)", re.IGNORECASE)
    match = pattern.search(text, lo, hi)
    return (match.start(), match.end()) if match else None


@functools.lru_cache(maxsize=1)
def _number_words() -> dict[int, list[str]]:
    """Value → the words that say it, from the counts stage's number table ("two", "dozens").

    ACLED's catch-all 3 ("several", "some", "many", an unnumbered plural) is left out: those
    words are too common to point at a figure by search.
    """
    try:
        from eventcoder.counts import number_words
    except ImportError:  # the counts stage is optional here: digits are still found
        return {}
    table: dict[int, list[str]] = {}
    for word, (value, kind) in number_words().items():
        if kind == "unit" or (kind == "vague" and value != 3):
            if value > 0 and value == int(value) and len(word) > 2:  # not "a"/"an" for 1
                table.setdefault(int(value), []).append(word)
    return table


def _count_spans(text: str, event: Event) -> Iterable[tuple]:
    lo, hi = event.evidence.start, event.evidence.end
    for kind in ("dead", "injured", "arrested"):
        value = getattr(event, kind)
        if value is None:
            continue
        # the figure as digits (with or without thousands separators), else as a number word
        for form in dict.fromkeys((f"{value:,}", str(value), *_number_words().get(value, []))):
            found = _search(text, form, lo, hi)
            if found:
                qualifier = event.qualifiers.get(kind)
                yield (event.id, kind, *found, _label(qualifier, value), "search")
                break


def event_spans(text: str, event: Event) -> list[tuple]:
    """(event_id, kind, start, end, label, located) for one event, unchecked."""
    eid = event.id
    out: list[tuple] = [(eid, "evidence", event.evidence.start, event.evidence.end, event.event_type, "offsets")]
    if event.trigger is not None:
        out.append((eid, "trigger", event.trigger.start, event.trigger.end, _label(event.event_type, event.mode), "offsets"))
    for kind, refs in (("actor", event.actors), ("recipient", event.recipients)):
        for ref in refs:
            out.append((eid, kind, ref.start, ref.end, _label(ref.name or ref.text, ref.country, ref.sector), "offsets"))
    loc = event.location
    if loc is not None and loc.start is not None and loc.end is not None:
        out.append((eid, "location", loc.start, loc.end, _label(loc.name or loc.text, loc.country), "offsets"))
    out.extend(_sources(eid, event.reported_by))
    if event.quote is not None:
        q = event.quote
        out.append((eid, "quote", q.start, q.end, None, "offsets"))
        if q.speaker is not None:
            out.append((eid, "speaker", q.speaker.start, q.speaker.end, q.speaker.name or q.speaker.text, "offsets"))
    if event.date_text:
        found = _search(text, event.date_text, event.evidence.start, event.evidence.end)
        if found:
            out.append((eid, "date", *found, event.date, "search"))
    out.extend(_count_spans(text, event))
    return out


def article_spans(text: str, events: Iterable[Event]) -> tuple[list[Span], int]:
    """The spans of all events that lie inside the text, and how many were dropped as out of range."""
    spans: list[Span] = []
    dropped = 0
    for event in events:
        for eid, kind, start, end, label, located in event_spans(text, event):
            if not (0 <= start < end <= len(text)):
                dropped += 1
                continue
            spans.append(Span(event_id=eid, kind=kind, start=start, end=end, text=text[start:end],
                              label=label, located=located))
    spans.sort(key=lambda s: (s.start, -s.end, s.event_id))
    return spans, dropped
