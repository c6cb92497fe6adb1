"""Direct quotes in an article's text: where each opens and closes, across sentences.

News text is messy about quotes: curly and straight marks, a quote that runs over several
sentences and is only closed at the end of its paragraph (or never), a stray closing mark, a
new opening mark before the last one was closed, and short "scare quotes" around a word or two
("anti-terrorist" operation) that are not anybody's words. This module only finds the spans;
who said them is the attribution stage's job.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

OPENERS = {"\u201c": "\u201d", "\u201e": "\u201d", "\u00ab": "\u00bb"}  # “ „ «
CLOSERS = {"\u201d", "\u00bb"}
STRAIGHT = '"'
MIN_WORDS = 4  # fewer words between the marks: a scare quote, not a statement
_PARAGRAPH = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class QuoteSpan:
    """A quoted passage: ``start``/``end`` are the offsets of its words (marks excluded)."""

    start: int
    end: int
    text: str
    closed: bool  # False when the paragraph ended before a closing mark


def _paragraphs(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for match in _PARAGRAPH.finditer(text):
        spans.append((pos, match.start()))
        pos = match.end()
    spans.append((pos, len(text)))
    return spans


def _straight_opens(text: str, i: int) -> bool:
    """A straight mark opens a quote when it follows a space or bracket and precedes a word."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return (before.isspace() or before in "([{:,") and not after.isspace()


def _span(text: str, start: int, end: int, closed: bool) -> QuoteSpan | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    words = text[start:end].split()
    if len(words) < MIN_WORDS:
        return None
    return QuoteSpan(start, end, text[start:end], closed)


def find_quotes(text: str) -> list[QuoteSpan]:
    """Quoted passages of ``text`` with at least ``MIN_WORDS`` words, in text order."""
    found: list[QuoteSpan] = []
    for p_start, p_end in _paragraphs(text):
        open_at: int | None = None  # offset just after the opening mark
        for i in range(p_start, p_end):
            ch = text[i]
            is_open = ch in OPENERS or (ch == STRAIGHT and open_at is None and _straight_opens(text, i))
            is_close = ch in CLOSERS or (ch == STRAIGHT and open_at is not None)
            if is_open and not (ch == STRAIGHT and open_at is not None):
                if open_at is not None:
                    # a new quote opens before the last one closed: the last one ends here
                    span = _span(text, open_at, i, closed=False)
                    if span:
                        found.append(span)
                open_at = i + 1
            elif is_close and open_at is not None:
                span = _span(text, open_at, i, closed=True)
                if span:
                    found.append(span)
                open_at = None
            elif is_close and found and found[-1].closed and found[-1].end >= p_start:
                # a stray closing mark after a closed quote of the same paragraph: the writer
                # reopened without a mark ("… Army.” with mortars …,” says …); extend the quote
                last = found[-1]
                gap = text[last.end:i]
                if len(gap) < 200 and "\u201c" not in gap:
                    span = _span(text, last.start, i, closed=True)
                    if span:
                        found[-1] = span
        if open_at is not None:
            span = _span(text, open_at, p_end, closed=False)
            if span:
                found.append(span)
    return found


def quote_at(quotes: list[QuoteSpan], offset: int) -> QuoteSpan | None:
    """The quote holding the character at ``offset``, if any."""
    for quote in quotes:
        if quote.start <= offset < quote.end:
            return quote
    return None
