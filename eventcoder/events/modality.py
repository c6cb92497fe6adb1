"""Negation and hypotheticals: is the event reported as having happened?

A trigger is *negated* when it or its auxiliary chain carries a negation; *hypothetical* when it
sits under a conditional ("if"), a modal ("will", "would"), a call or demand ("asked X to stop",
"called for a halt"), a plan or an offer, or is an infinitive that nothing marks as realised.
Each finding carries its reason in words.
"""
from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from spacy.tokens import Token

from eventcoder.events.roles import is_light
from eventcoder.events.triggers import ABSORBS, OFFERS, match_rule
from eventcoder.wordlists import word_set

DATA = Path(__file__).resolve().parent / "data"
NEGATORS = {"not", "n't", "never", "no", "neither", "nor"}
FUTURE_MODALS = {"will", "would", "shall", "'ll"}
# a noun in a time or circumstance phrase is no content of the verb ("agreed on a truce after talks")
ADJUNCT_PREPOSITIONS = {"after", "before", "during", "following", "since", "amid", "despite", "until"}


@dataclass
class Modality:
    negated: bool = False
    hypothetical: bool = False
    reason: Optional[str] = None
    # negation | refusal (also 'X is out of the question') | prevention | request | intent | future | possibility | conditional | infinitive
    kind: Optional[str] = None
    cue: Optional[Token] = None  # the word that set the mood ("will", "promised", "if")


@functools.lru_cache(maxsize=1)
def _words() -> dict[str, str]:
    with (DATA / "modality.tsv").open(encoding="utf-8") as handle:
        return {r[0]: r[1] for r in csv.reader(handle, delimiter="\t") if r and not r[0].startswith("#")}


def _clause_head(token: Token) -> Token:
    """The verb whose clause holds the token (a noun trigger's governing verb)."""
    head = token
    while head.pos_ not in ("VERB", "AUX") and head.dep_ not in ("ROOT",) and head.head.i != head.i:
        head = head.head
    return head


def _content_of(noun: Token, verb: Token) -> bool:
    """Is the noun trigger what the verb asks for or intends, rather than part of the verb's own event?

    Not when the verb is a light verb and the noun its object ("committed a massacre"), when the verb
    is a trigger the noun's event absorbs ("agreed a ceasefire": the agreement is the ceasefire), nor
    when the noun sits in a time phrase ("agreed on a truce after talks")."""
    node = noun
    while node.i != verb.i and node.head.i != node.i:
        if node.dep_ == "pobj" and node.head.lower_ in ADJUNCT_PREPOSITIONS:
            return False
        node = node.head
    if noun.dep_ == "dobj" and noun.head.i == verb.i and is_light(verb):
        return False
    noun_rule, verb_rule = match_rule(noun), match_rule(verb)
    if noun_rule and verb_rule and (noun_rule.event_type, verb_rule.event_type) in ABSORBS \
            and verb.lemma_.lower() not in OFFERS:
        return False
    return True


def _modifies_subject(noun: Token, verb: Token) -> bool:
    """Is the noun trigger inside the verb's subject, below its head ("the motive for the attack",
    "details of the clashes")? Then a negated verb denies something about that event ("… is not
    known", "… were not given"), not the event itself."""
    return any(c.dep_ in ("nsubj", "nsubjpass") and c.i != noun.i and noun in c.subtree for c in verb.children)


def _negated_argument(trigger: Token) -> Optional[Token]:
    """"No shots were fired", "not a single bullet was fired", "with no shots fired", "fired no
    shots": the verb's passive subject or object is negated, so nothing was done."""
    if trigger.pos_ != "VERB":
        return None
    passive = any(c.dep_ == "auxpass" for c in trigger.children) or trigger.tag_ == "VBN"
    for arg in trigger.children:
        if arg.dep_ == "nsubjpass" or arg.dep_ == "dobj" or (arg.dep_ == "nsubj" and passive):
            for child in arg.children:
                if child.lower_ in ("no", "not", "neither") and child.dep_ in ("det", "neg", "advmod", "preconj"):
                    return child
    return None


@functools.lru_cache(maxsize=1)
def _declared_acts() -> frozenset[str]:
    return word_set(DATA / "declared_acts.txt")


def _declared(verb: Token) -> bool:
    """"announced it would ban all arms sales": an act done by declaring it (data/declared_acts.txt), told
    in the future under an announcing verb (modality.tsv role "announce"), is done by that announcement;
    not on a condition ("would ban … unless the generals step down": an ultimatum)."""
    if any(_words().get(t.lower_) == "mark" for t in verb.subtree):
        return False
    return verb.lemma_.lower() in _declared_acts() and verb.dep_ in ("ccomp", "conj") and verb.head.i != verb.i \
        and (_words().get(verb.head.lemma_) == "announce"
             or (verb.dep_ == "conj" and _words().get(verb.head.head.lemma_) == "announce"))


SUBJECT_DEPS = {"nsubj", "nsubjpass", "csubj"}


def _ruled_out(node: Token) -> Optional[Token]:
    """"Lifting the embargo is out of the question", "talks are off the table": the subject of a
    ruled-out phrase (modality.tsv role "ruled-out") is refused. The phrase's first word, or None."""
    if node.dep_ not in SUBJECT_DEPS or node.head.i == node.i:
        return None
    words = _words()
    for child in node.head.children:
        if child.dep_ == "prep" and child.i > node.i:
            phrase = " ".join(t.lower_ for t in child.subtree)  # "out of the question for now"
            if any(words.get(" ".join(phrase.split()[:n])) == "ruled-out" for n in (3, 4)):
                return child
    return None


ALLEGATION_PREPOSITIONS = {"of", "with", "to", "in"}


def alleged_by(trigger: Token) -> Optional[Token]:
    """"two men accused of robbing a shop", "charged with murder", "allegations of torture",
    "confessed to several kidnappings", "involvement in the killing": what
    someone is accused, suspected or charged of (modality.tsv role "allegation") is a claim about a
    past act, not an act reported as done. The accusing word, or None."""
    prep = trigger.head
    if trigger.dep_ not in ("pobj", "pcomp") or prep.lower_ not in ALLEGATION_PREPOSITIONS or prep.head.i == prep.i:
        return None
    holder = prep.head
    return holder if _words().get(holder.lemma_.lower()) == "allegation" or _words().get(holder.lower_) == "allegation" \
        else None


def modality(trigger: Token) -> Modality:
    if trigger.pos_ == "AUX":
        return Modality()  # "must" as a trigger: the demand itself is made
    words = _words()
    # a noun trigger ("a halt", "a ceasefire") takes its mood from the verb it is an argument of
    verb = _clause_head(trigger)
    for tok in {trigger, verb}:
        if tok is verb and _modifies_subject(trigger, verb):
            continue  # "the motive for the attack is not known": what is denied is the motive
        for child in tok.children:
            if child.dep_ == "neg" or (child.lower_ in NEGATORS and child.dep_ in ("det", "advmod")):
                return Modality(negated=True, reason=f"negated by '{child.text}'", kind="negation", cue=child)
    if trigger.dep_ in ("pobj", "pcomp") and trigger.head.lower_ == "without":
        # "took the town without fighting", "without firing a shot": what did not happen
        return Modality(negated=True, reason="negated by 'without'", kind="negation", cue=trigger.head)
    cue = _negated_argument(trigger)
    if cue is not None:
        return Modality(negated=True, reason=f"negated by '{cue.text}' on what was done", kind="negation", cue=cue)
    if verb.i != trigger.i and verb.lemma_ in words and words[verb.lemma_] in ("request", "intent") \
            and _content_of(trigger, verb):
        return Modality(hypothetical=True, reason=f"object of '{verb.text}' ({verb.lemma_}): not reported as done",
                        kind=words[verb.lemma_], cue=verb)
    # "the governor banned rallies", "police prevented a march": what is stopped did not happen
    if verb.i != trigger.i and words.get(verb.lemma_) == "prevent" and trigger.dep_ == "dobj" \
            and trigger.head.i == verb.i:
        return Modality(negated=True, reason=f"object of '{verb.text}': stopped, not done", kind="prevention", cue=verb)
    # "despite calls for a truce", "demands for the release": a call named by a noun, between the
    # trigger and its verb, leaves the trigger unrealised whatever the verb's own mood
    node = trigger.head
    while node.i != verb.i and node.head.i != node.i:
        if node.pos_ == "NOUN" and words.get(node.lemma_) == "request":
            return Modality(hypothetical=True, reason=f"asked for in '{node.text}': not reported as done",
                            kind="request", cue=node)
        node = node.head
    # "defused the bomb before it exploded": what was thwarted before it happened did not happen
    if trigger.dep_ == "advcl" and words.get(trigger.head.lemma_) in ("prevent", "thwart") \
            and any(c.dep_ == "mark" and c.lower_ == "before" for c in trigger.children):
        return Modality(negated=True, reason=f"thwarted by '{trigger.head.text}' before it happened",
                        kind="prevention", cue=trigger.head)
    alleged = alleged_by(trigger)
    if alleged is not None:
        return Modality(hypothetical=True, reason=f"alleged ('{alleged.text} {trigger.head.text}'): not reported as done",
                        kind="allegation", cue=alleged)
    ruled = _ruled_out(trigger)  # the trigger itself is ruled out, not what its own clause names
    if ruled is not None:
        return Modality(negated=True, reason=f"ruled out ('{ruled.text} …')", kind="refusal", cue=ruled)
    node = verb
    for _ in range(6):
        for child in node.children:
            role = words.get(child.lower_)
            if child.dep_ == "aux" and role == "modal":
                kind = "future" if child.lower_ in FUTURE_MODALS else "possibility"
                if kind == "future" and _declared(node):
                    return Modality(reason=f"declared under '{node.head.text}': the announcement makes it")
                return Modality(hypothetical=True, reason=f"modal '{child.text}'", kind=kind, cue=child)
            if child.dep_ == "mark" and role == "mark":
                return Modality(hypothetical=True, reason=f"conditional '{child.text}'", kind="conditional", cue=child)
        head = node.head
        if head.i == node.i:
            break
        head_role = words.get(head.lemma_)
        infinitive = any(c.dep_ == "aux" and c.tag_ == "TO" for c in node.children)
        own_clause = any(c.dep_ in ("nsubj", "nsubjpass", "expl") for c in node.children) and not infinitive
        if head_role == "negate" and node.dep_ in ("xcomp", "dobj"):
            return Modality(negated=True, reason=f"under '{head.text}'", kind="refusal", cue=head)
        if head_role == "prevent" and node.dep_ in ("xcomp", "dobj"):
            return Modality(negated=True, reason=f"under '{head.text}': stopped, not done", kind="prevention", cue=head)
        if head_role in ("request", "intent") and node.dep_ in ("xcomp", "ccomp", "dobj", "pobj", "acl", "advcl"):
            return Modality(hypothetical=True, reason=f"under '{head.text}' ({head_role}): not reported as done",
                            kind=head_role, cue=head)
        # "banged pots to protest": doing something to protest is protesting (a purpose clause of a
        # protest verb, modality.tsv role "protest-purpose", under a verb that is not itself a wish)
        if infinitive and node.dep_ == "advcl" and words.get(node.lemma_) == "protest-purpose" \
                and head_role not in ("request", "intent", "negate"):
            break
        # "has taken steps to enhance …", "took measures to curb …": the infinitive hung on the verb whose
        # object is a realis noun (modality.tsv) is begun, as when it hangs on the noun itself
        begun = any(c.dep_ == "dobj" and c.pos_ == "NOUN" and words.get(c.lemma_) == "realis" and match_rule(c) is None
                    for c in head.children)
        if infinitive and head_role != "realis" and not begun and node.dep_ in ("xcomp", "advcl", "acl", "relcl", "ccomp"):
            return Modality(hypothetical=True, reason=f"infinitive under '{head.text}'", kind="infinitive", cue=head)
        # a clause with its own subject, or reported speech, keeps its own mood
        if own_clause or node.dep_ in ("ROOT", "ccomp"):
            break
        node = head
    return Modality()
