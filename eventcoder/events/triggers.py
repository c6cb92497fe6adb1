"""Find event triggers on a parsed sentence and merge those that name the same event."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from spacy.tokens import Doc, Token

from eventcoder.events.lexicon import TriggerRule, trigger_rules
from eventcoder.events.roles import is_light, place_nouns
from eventcoder.wordlists import word_set

NAME_LABELS = {"ORG", "PERSON", "GPE", "NORP", "LOC", "FAC", "WORK_OF_ART", "LAW", "PRODUCT"}
# AUX: "X said Y must …"; ADJ: a participle read as an adjective ("remains committed to …")
POS_OF = {"VERB": "VERB", "NOUN": "NOUN", "PROPN": "NOUN", "AUX": "AUX", "ADJ": "ADJ"}


@dataclass
class Found:
    token: Token
    rule: TriggerRule
    merged: list[Token]


DATA = Path(__file__).resolve().parent / "data"


@functools.lru_cache(maxsize=1)
def force_nouns() -> frozenset[str]:
    """Nouns for a force (data/force_nouns.txt): "riot police" names the force, not a riot."""
    return word_set(DATA / "force_nouns.txt")


def names_a_force(token: Token) -> bool:
    """The word modifies a force's name ("riot police", "riot squad", "strike force")."""
    return token.dep_ == "compound" and (token.head.lower_ in force_nouns() or token.head.lemma_.lower() in force_nouns())


@functools.lru_cache(maxsize=1)
def quantity_words() -> frozenset[str]:
    """Part- and measure-words whose "of" object is what a trigger acts on (data/quantity_words.txt)."""
    return word_set(DATA / "quantity_words.txt")


def _needs_met(token: Token, needs: tuple[str, ...]) -> bool:
    if not needs:
        return True
    near = {c.lower_ for c in token.children} | {c.lemma_.lower() for c in token.children}
    near |= {"^" + token.head.lemma_.lower()}  # "^open": the trigger's head word ("open fire")
    # left modifiers and their words ("lay down"); a place noun in a prepositional phrase before the
    # trigger tells where it happened, not what it took ("near X village, soldiers seized rice")
    near |= {w.lower_ for t in token.lefts for w in t.subtree if not (t.dep_ == "prep" and w.lower_ in place_nouns())}
    near |= {g.lower_ for c in token.rights for g in c.children}  # "leaving two militants dead"
    near |= {">" + c.lower_ for c in token.rights}  # ">to": the trigger's own complement ("committed to …")
    # "pulled out of the talks", "walked away from the negotiations": a two-word preposition
    near |= {o.lower_ for c in token.rights if c.dep_ in ("prep", "advmod", "prt") and c.lower_ in ("out", "away")
             for p in c.children if p.dep_ == "prep" for o in p.children if o.dep_ == "pobj"}
    # "suspended part of its aid programme", "sent three planeloads of food": the object of a part- or
    # measure-word's "of"
    near |= {o.lower_ for c in token.rights if c.lower_ in quantity_words() or c.lemma_.lower() in quantity_words()
             for p in c.children if p.lower_ == "of" for o in p.children}
    # "the deployment of NATO peacekeeping troops": a modifier of the preposition's object
    near |= {m.lower_ for c in token.rights if c.dep_ == "prep" for g in c.children for m in g.children
             if m.dep_ in ("amod", "compound")}
    if token.dep_ == "acl" and token.sent.root.pos_ not in ("VERB", "AUX"):
        # a sentence the parser reads as a noun phrase ("in Lara state, 90 migrants returned from
        # Ecuador"): the noun is the participle's subject
        near |= {token.head.lower_, token.head.lemma_.lower()}
    if token.dep_ == "dobj" and token.head.i != token.i and is_light(token.head):
        # "opened a hearing Wednesday into …": the light verb carries the noun's own preposition
        near |= {c.lower_ for c in token.head.children if c.dep_ in ("prep", "prt")}
    if any(c.ent_type_ in ("NORP", "GPE") and c.dep_ in ("amod", "compound", "poss") for c in token.children):
        near.add("@NORP")  # "Russian strikes": a side's name makes it an attack, not a walkout
    if any(w[1:] in near for w in needs if w.startswith("!")):
        return False  # "!fire": "opened fire on a checkpoint" is no checkpoint opened
    return any(w in near for w in needs if not w.startswith("!"))


def _named_thing(copula: Token) -> bool:
    """The subject of "is" (or of "is believed to be") is a noun: the sentence names what a thing
    is ("the ban is an attack on democracy"); "it was an attack" still tells of one."""
    node = copula
    for _ in range(2):
        subjects = [c for c in node.children if c.dep_ in ("nsubj", "nsubjpass")]
        if subjects:
            return subjects[0].pos_ in ("NOUN", "PROPN")
        if node.dep_ != "xcomp" or node.head.i == node.i:
            return False
        node = node.head
    return False


def _passive_misread(token: Token) -> bool:
    """"a police station was overrun by bandits" read as "was" + a noun: a bare noun with a "by" agent
    is a passive participle, not a name for what the subject is ("his arrest is an attack")."""
    return not any(c.dep_ in ("det", "poss", "nummod", "amod") for c in token.children) \
        and any(c.dep_ in ("prep", "agent") and c.lower_ == "by" for c in token.children)


def _main_verb_in_a_name(token: Token) -> bool:
    """The sentence's main verb, with its subject, that the entity tagger swallowed into a name
    ("clan militia shot dead a man" read as one organisation): still the verb of the sentence."""
    if token.pos_ in ("NOUN", "PROPN") and token.dep_ == "ROOT" and token.is_title:
        return True  # a headline's capitalised first noun read as a name ("Arrest of journalists in …")
    return token.pos_ == "VERB" and token.dep_ == "ROOT" and any(c.dep_ in ("nsubj", "nsubjpass") for c in token.children)


def match_rule(token: Token) -> Optional[TriggerRule]:
    pos = POS_OF.get(token.pos_)
    if pos is None or (token.ent_type_ in NAME_LABELS and token.ent_iob_ != "O" and not _main_verb_in_a_name(token)):
        return None
    if names_a_force(token):
        return None
    if token.ent_type_ in ("DATE", "TIME") and token.pos_ == "PROPN":  # "on 1 March": a month, not a march
        return None
    if token.dep_ == "attr" and token.head.lemma_ == "be" and token.pos_ == "NOUN" and _named_thing(token.head) \
            and not _passive_misread(token):
        return None  # "his arrest is an attack on press freedom": a name for something, not an event
    rules = trigger_rules()
    lower = token.lower_
    # the lemmatizer misses some forms ("raped" → "rap"): try the plain de-inflections too
    stems = [lower[:-1], lower[:-2], lower[:-3]] if lower.endswith(("ed", "es", "ing")) else []
    if lower.endswith("ed") and len(lower) > 4 and lower[-3] != lower[-4]:
        stems.remove(lower[:-3])  # "banned" → "ban", but "banged" is not "ban"
    if lower.endswith("ied"):
        stems.append(lower[:-3] + "y")  # a verb the lemmatizer does not know: "reoccupied" → "reoccupy"
    for key in ((token.lemma_.lower(), pos), (lower, pos), *((s, pos) for s in stems)):
        for rule in rules.get(key, ()):
            if _needs_met(token, rule.needs):
                return rule
    return None


def _governs(upper: Token, lower: Token, hops: int = 2) -> bool:
    node = lower
    for _ in range(hops):
        if node.head.i == node.i:
            return False
        node = node.head
        if node.i == upper.i:
            return True
    return False


def anchor(token: Token) -> Token:
    """The verb a trigger belongs to: itself for a verb, the governing verb for a noun."""
    node = token
    for _ in range(4):
        if node.pos_ == "VERB" or node.head.i == node.i:
            return node
        node = node.head
    return node


SEQUENCE_MARKS = {"before", "after", "until"}


def _in_sequence(verb: Token) -> bool:
    """"… opened fire before the bomber detonated": a clause with its own subject told as coming
    before or after is another act ("killed when militants attacked" stays one)."""
    return verb.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ in SEQUENCE_MARKS for c in verb.children) \
        and any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children)


def _same_event(a: Token, b: Token) -> bool:
    from eventcoder.events.modality import alleged_by  # modality reads this module's rules

    if (alleged_by(a) is None) != (alleged_by(b) is None):
        return False  # "men accused of robbing … when police intervened": the allegation is another act
    x, y = anchor(a), anchor(b)
    if _in_sequence(x) != _in_sequence(y) and (_governs(x, y, 1) or _governs(y, x, 1)):
        return False
    if b in a.conjuncts or _governs(a, b, 3) or _governs(b, a, 3):
        return True
    # "opened fire ..., killing two": the noun's verb governs the other trigger's clause
    return x.i == y.i or (_governs(x, y, 1) and y.dep_ in ("advcl", "conj", "xcomp")) or (
        _governs(y, x, 1) and x.dep_ in ("advcl", "conj", "xcomp"))


INHERITED_MODES = {"heavy-weapons", "aerial", "drone", "explosives", "suicide-attack", "firearms", "ceasefire"}
# cross-type merges: (kept type, absorbed type) — "a ceasefire was agreed" is one event; only a noun
# absorbs ("agreed to withdraw" is an agreement, the withdrawal still to come)
ABSORBS = {("RETREAT", "AGREE")}
# "offered a ceasefire", "committed to a withdrawal": an offer or a commitment, none agreed or done yet
OFFERS = {"offer", "propose", "suggest", "float", "commit", "committed"}


def find_triggers(doc: Doc) -> list[Found]:
    found = [Found(tok, rule, [tok]) for tok in doc if (rule := match_rule(tok))]
    kept: list[Found] = []
    for item in found:
        # one event, several words: "shelling and shooting", "attacked ..., killing two",
        # "launched an attack": a trigger in the same clause chain as another of its type joins it
        host = next((k for k in kept if k.rule.event_type == item.rule.event_type
                     and any(_same_event(m, item.token) for m in k.merged)), None)
        if host is None:
            host = next((k for k in kept if (k.rule.event_type, item.rule.event_type) in ABSORBS
                         and k.token.pos_ == "NOUN" and _governs(item.token, k.token, 2)
                         and item.token.lemma_.lower() not in OFFERS), None)
        if host is None:
            swallowed = next((k for k in kept if (item.rule.event_type, k.rule.event_type) in ABSORBS
                              and item.token.pos_ == "NOUN" and _governs(k.token, item.token, 2)
                              and k.token.lemma_.lower() not in OFFERS), None)
            if swallowed is not None:
                swallowed.token, swallowed.rule = item.token, item.rule
                swallowed.merged.insert(0, item.token)
                continue
            kept.append(item)
        else:
            host.merged.append(item.token)
            if item.token.pos_ == "VERB" and host.token.pos_ != "VERB" and _governs(item.token, host.token):
                host.token = item.token  # the verb carries the roles; the more specific mode stays
                host.rule = item.rule if item.rule.mode or not host.rule.mode else host.rule
    for k in kept:
        if not k.rule.mode:  # a weapon word of a merged event gives the mode ("killed ... by shelling")
            specific = next((r for t in k.merged[1:] if (r := match_rule(t)) and r.mode in INHERITED_MODES
                             and r.event_type == k.rule.event_type), None)
            if specific:
                k.rule = specific if k.token.pos_ != "VERB" else type(k.rule)(**{**k.rule.__dict__, "mode": specific.mode})
    return kept
