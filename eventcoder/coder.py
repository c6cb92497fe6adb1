"""The coder's facade: articles in, event records out.

    from eventcoder.coder import Coder, code_text
    events = code_text(" date 2023-05-02 ...", "2023-05-02")

Only sentences holding a trigger candidate (a cheap word test against the lexicon) are parsed;
the rest of the article is split into sentences and kept for context.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional, Sequence

from eventcoder.events.lexicon import candidate_forms
from eventcoder.nlp import parse, split_sentences
from eventcoder.pipeline import CodingContext, Sentence, default_stages, run_stages
from eventcoder.read import Article, make_article, ReadError
from eventcoder.record import Event

# accented letters belong to the word: a trigger written in its own language ("plantón", "panelaço")
_WORD = re.compile(r"[a-zà-öø-ÿ][a-zà-öø-ÿ'-]*")


MIN_WORDS = 3  # a heading ("Demonstrations") names a topic, not an event


def needs_parse(sentence_text: str) -> bool:
    forms = candidate_forms()
    words = _WORD.findall(sentence_text.lower())
    if len(words) < MIN_WORDS:
        return False
    present = set(words)
    for word in present:
        if word in forms:
            needed = forms[word]
            if needed is None or needed & present:
                return True
    return False


class Coder:
    """Codes articles with the registered stages; load once, call many times."""

    def __init__(self, stages: Optional[Sequence[str]] = None, batch_size: int = 64) -> None:
        self.stages = list(stages) if stages is not None else default_stages()
        self.batch_size = batch_size

    def contexts(self, articles: Sequence[Article]) -> list[CodingContext]:
        contexts: list[CodingContext] = []
        to_parse: list[Sentence] = []
        for article in articles:
            sentences = [Sentence(i, s, e, article.text[s:e]) for i, (s, e) in enumerate(split_sentences(article.text))]
            to_parse += [s for s in sentences if needs_parse(s.text)]
            contexts.append(CodingContext(article=article, sentences=sentences))
        for sentence, doc in zip(to_parse, parse((s.text for s in to_parse), batch_size=self.batch_size)):
            sentence.doc = doc
        for ctx in contexts:
            run_stages(ctx, self.stages)
        return contexts

    def code_batch(self, articles: Sequence[Article]) -> list[tuple[Article, list[Event]]]:
        return [(ctx.article, [d.record for d in ctx.drafts]) for ctx in self.contexts(articles)]

    def code(self, article: Article) -> list[Event]:
        return self.code_batch([article])[0][1]


_default: Optional[Coder] = None


def code_text(text: str, date: str, **meta: str) -> list[Event]:
    """Code one article's text against its story date (ISO day). Raises ValueError on bad input."""
    global _default
    item = make_article(date, text, "<text>", **meta)
    if isinstance(item, ReadError):
        raise ValueError(item.reason)
    if _default is None:
        _default = Coder()
    return _default.code(item)
