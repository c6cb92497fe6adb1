"""The coder: run the stages over an article and return its event records.

Stages are plain functions ``stage(ctx: CodingContext) -> None`` registered by name; each reads
what earlier stages left on the context and adds its own part (spaCy's component idea, without
spaCy's machinery, because most stages work on the event drafts rather than on tokens).
A stage that falls back appends a human-readable reason to ``draft.record.reasons``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Optional

from spacy.tokens import Doc, Span, Token

from eventcoder.read import Article
from eventcoder.record import Event

STAGES: dict[str, Callable[["CodingContext"], None]] = {}
# the order stages run in; a stage whose module is not imported by eventcoder.stages is not run
STAGE_ORDER = ("events", "actors", "derived", "dates", "places", "counts", "attribution", "records",
               "incidents")


def default_stages() -> list[str]:
    import eventcoder.stages  # noqa: F401  registers every stage

    return [name for name in STAGE_ORDER if name in STAGES]


def stage(name: str) -> Callable:
    """Register a stage function under ``name`` (decorator)."""

    def register(func: Callable[["CodingContext"], None]) -> Callable[["CodingContext"], None]:
        STAGES[name] = func
        return func

    return register


@dataclass
class Sentence:
    """One sentence of the article. ``doc`` is its full spaCy parse, or None when the
    sentence held no trigger candidate and was not parsed."""

    index: int
    start: int  # character offsets in article.text
    end: int
    text: str
    doc: Optional[Doc] = None

    def char(self, token: Token) -> int:
        """Article offset of a token of this sentence's doc."""
        return self.start + token.idx

    def span_offsets(self, span: Span) -> tuple[int, int]:
        return self.start + span.start_char, self.start + span.end_char


@dataclass
class Draft:
    """An event being coded: its trigger in a parsed sentence, and the record stages fill."""

    sentence: Sentence
    trigger: Token
    record: Event
    trigger_tokens: list[Token] = field(default_factory=list)  # every word of the event ("shelling and shooting")
    source_heads: list[Token] = field(default_factory=list)  # role heads found by the events stage,
    recipient_heads: list[Token] = field(default_factory=list)  # resolved by the actors stage


@dataclass
class CodingContext:
    article: Article
    sentences: list[Sentence]
    drafts: list[Draft] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    # shared article-level state a stage may leave for later ones (e.g. resolved places, actors)
    memo: dict[str, object] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.article.text

    @property
    def parsed(self) -> list[Sentence]:
        return [s for s in self.sentences if s.doc is not None]

    def sentence_at(self, char: int) -> Optional[Sentence]:
        for sent in self.sentences:
            if sent.start <= char < sent.end:
                return sent
        return None


def run_stages(ctx: CodingContext, names: Optional[Iterable[str]] = None) -> CodingContext:
    import eventcoder.stages  # noqa: F401  registers every stage
    for name in names if names is not None else default_stages():
        if name not in STAGES:
            raise KeyError(f"unknown stage {name!r}; known: {sorted(STAGES)}")
        began = time.perf_counter()
        STAGES[name](ctx)
        ctx.timings[name] = ctx.timings.get(name, 0.0) + time.perf_counter() - began
    return ctx
