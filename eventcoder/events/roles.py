"""Source and recipient mentions from the dependency parse.

"X shelled Y", "Y was shelled by X", "shelling by X", "X's offensive", "protests against Y",
"X asked Y to stop", "X called on Y to …", "a conversation with Y": each role is a noun phrase
span of the sentence; resolving it to a country and sector is the actors stage's job.
"""
from __future__ import annotations

from typing import Iterable

from spacy.tokens import Span, Token

NP_DEPS = {"det", "amod", "compound", "poss", "nummod", "quantmod", "case", "nmod", "npadvmod", "advmod"}
RECIPIENT_PREPS = {"against", "on", "at", "upon", "with", "toward", "towards", "to"}
SUBJECTS = {"nsubj", "csubj"}
ACTOR_POS = {"NOUN", "PROPN", "PRON"}


def noun_phrase(token: Token) -> Span:
    """The noun phrase a head token stands for, with its 'of' chain ("the Armed Forces of Armenia")."""
    keep = {token.i}

    def walk(node: Token) -> None:
        for child in node.children:
            if child.dep_ in NP_DEPS:
                keep.update(t.i for t in child.subtree)
            elif child.dep_ == "prep" and child.lower_ == "of":
                keep.add(child.i)
                for grand in child.children:
                    if grand.dep_ == "pobj":
                        keep.add(grand.i)
                        walk(grand)

    walk(token)
    doc = token.doc
    start, end = min(keep), max(keep) + 1
    while start < end - 1 and doc[start].is_punct:
        start += 1
    while end - 1 > start and doc[end - 1].is_punct:
        end -= 1
    return doc[start:end]


def _with_conjuncts(tokens: Iterable[Token]) -> list[Token]:
    out: list[Token] = []
    for tok in tokens:
        for item in (tok, *tok.conjuncts):
            if item not in out and item.pos_ in ACTOR_POS:
                out.append(item)
    return out


def _subject(verb: Token, hops: int = 3) -> list[Token]:
    node = verb
    for _ in range(hops):
        subj = [c for c in node.children if c.dep_ in SUBJECTS]
        if subj:
            return subj
        agent = [g for c in node.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
        if agent:
            return agent
        if node.dep_ in ("conj", "xcomp", "advcl") and node.head is not node:
            node = node.head
        else:
            break
    return []


def _prep_objects(token: Token, preps: set[str]) -> list[Token]:
    return [g for c in token.children if c.dep_ in ("prep", "agent") and c.lower_ in preps
            for g in c.children if g.dep_ == "pobj"]


def roles(trigger: Token, event_type: str) -> tuple[list[Token], list[Token]]:
    """(source heads, recipient heads) for a trigger token."""
    sources: list[Token] = []
    recipients: list[Token] = []
    if trigger.pos_ == "VERB":
        passive = any(c.dep_ in ("nsubjpass", "auxpass") for c in trigger.children)
        if passive:
            sources = _prep_objects(trigger, {"by"})
            recipients = [c for c in trigger.children if c.dep_ == "nsubjpass"]
        else:
            sources = _subject(trigger)
            recipients = [c for c in trigger.children if c.dep_ in ("dobj", "dative")]
        recipients += _prep_objects(trigger, RECIPIENT_PREPS)
    else:
        sources = _prep_objects(trigger, {"by"}) + [c for c in trigger.children if c.dep_ == "poss"]
        sources += [c for c in trigger.children if c.dep_ in ("amod", "compound") and c.ent_type_ in ("NORP", "GPE", "ORG")]
        recipients = _prep_objects(trigger, RECIPIENT_PREPS)
        head = trigger.head
        if not sources and trigger.dep_ in ("dobj", "nsubj", "pobj", "attr") and head.pos_ in ("VERB", "AUX"):
            if trigger.dep_ == "dobj":
                sources = _subject(head)  # light verbs: "X launched an offensive", "X held talks"
            elif trigger.dep_ == "pobj" and head.head.pos_ == "VERB" and head.lower_ in ("during", "in", "after"):
                sources = _subject(head.head)  # "X explained during a conversation with Y"
        if not recipients and trigger.dep_ == "pobj":
            recipients = _prep_objects(trigger, {"with"})
    # a person's own conversation partner, not his apposition
    recipients = [r for r in recipients if r not in sources]
    return _with_conjuncts(sources), _with_conjuncts(recipients)
