"""Find event triggers on a parsed sentence and merge those that name the same event."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from spacy.tokens import Doc, Token

from eventcoder.events.lexicon import TriggerRule, trigger_rules

NAME_LABELS = {"ORG", "PERSON", "GPE", "NORP", "LOC", "FAC", "WORK_OF_ART", "LAW", "PRODUCT"}
POS_OF = {"VERB": "VERB", "NOUN": "NOUN", "PROPN": "NOUN"}


@dataclass
class Found:
    token: Token
    rule: TriggerRule
    merged: list[Token]


def _needs_met(token: Token, needs: tuple[str, ...]) -> bool:
    if not needs:
        return True
    near = {c.lower_ for c in token.children} | {c.lemma_.lower() for c in token.children}
    near |= {token.head.lower_, token.head.lemma_.lower()}
    near |= {t.lower_ for t in token.lefts for t in t.subtree}
    return any(w in near for w in needs)


def match_rule(token: Token) -> Optional[TriggerRule]:
    pos = POS_OF.get(token.pos_)
    if pos is None or (token.ent_type_ in NAME_LABELS and token.ent_iob_ != "O"):
        return None
    rules = trigger_rules()
    for key in ((token.lemma_.lower(), pos), (token.lower_, pos)):
        for rule in rules.get(key, ()):
            if _needs_met(token, rule.needs):
                return rule
    return None


def _governs(upper: Token, lower: Token, hops: int = 2) -> bool:
    node = lower
    for _ in range(hops):
        if node.head is node:
            return False
        node = node.head
        if node is upper:
            return True
    return False


def find_triggers(doc: Doc) -> list[Found]:
    found = [Found(tok, rule, [tok]) for tok in doc if (rule := match_rule(tok))]
    kept: list[Found] = []
    for item in found:
        # one event, several words: "shelling and shooting", "attacked ..., killing two",
        # "launched an attack": a trigger under (or conjoined with) another of the same type joins it
        host = next((k for k in kept if k.rule.event_type == item.rule.event_type and (
            _governs(k.token, item.token) or _governs(item.token, k.token)
            or item.token in k.token.conjuncts)), None)
        if host is None:
            kept.append(item)
        else:
            host.merged.append(item.token)
            if item.token.pos_ == "VERB" and host.token.pos_ != "VERB" and _governs(item.token, host.token):
                host.token, host.rule = item.token, item.rule  # the verb carries the roles
                if not host.rule.mode and host.merged:
                    pass
    return kept
