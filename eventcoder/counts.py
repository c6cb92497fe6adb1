"""Casualty and arrest counts: dead, injured, arrested, with ACLED's counting rules.

A *mention* is one figure the text gives for one kind of casualty ("killing 3 soldiers",
"the death of 32 people", "more than 200 wounded", "1 fatality"). Mentions are found on the
dependency parse from an anchor word (lexicon in ``data/counts_lexicon.tsv``) and the phrase
that names its victims; the number comes from that phrase (number words and vague quantities
in ``data/counts_numbers.tsv``, qualifiers in ``data/counts_qualifiers.tsv``).

ACLED's rules applied here: the lowest reported figure; "more than 200" is 200 with the
qualifier kept; "dozens" 12, "hundreds" 100, "several"/"a few"/an unnumbered plural 3;
"casualties" is not deaths; a total the text spreads over several days or events is divided
evenly; a running war toll ("has killed 30,000 since 2020") is not the event's count.

Each mention belongs to the event trigger nearest to it in the dependency tree, so two attacks
in one sentence keep their own numbers; figures in a sentence without an event of its own go
to the nearest event of the same paragraph.
"""
from __future__ import annotations

import csv
import functools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional, Sequence

from spacy.tokens import Doc, Token

from eventcoder.pipeline import CodingContext, Draft, Sentence, stage

DATA = Path(__file__).resolve().parent / "data"
KINDS = ("dead", "injured", "arrested")
PASSIVE_DEPS = {"nsubjpass", "csubjpass"}
NUMBER_ENTS_EXCLUDED = {"DATE", "TIME", "MONEY", "PERCENT", "ORDINAL"}
PLACE_ENTS = {"GPE", "LOC", "FAC"}
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


# ---------------------------------------------------------------- data files


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as handle:
        lines = [line for line in handle if line.strip() and not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


@dataclass(frozen=True)
class LexEntry:
    kind: str  # dead | injured | arrested | none
    role: str  # object | subject | noun | state | toll | lives
    total: bool
    particle: Optional[str] = None  # "gun down": the particle that must follow the verb


@functools.lru_cache(maxsize=1)
def lexicon() -> dict[str, list[LexEntry]]:
    table: dict[str, list[LexEntry]] = {}
    for row in _rows("counts_lexicon.tsv"):
        lemma, _, particle = row["term"].partition(" ")
        entry = LexEntry(row["kind"], row["role"], row["total"] == "yes", particle or None)
        table.setdefault(lemma, []).append(entry)
    return table


@functools.lru_cache(maxsize=1)
def number_words() -> dict[str, tuple[float, str]]:
    return {r["word"]: (float(r["value"]), r["type"]) for r in _rows("counts_numbers.tsv")}


@functools.lru_cache(maxsize=1)
def qualifier_phrases() -> list[tuple[list[str], str]]:
    phrases = [(r["phrase"].split(), r["label"]) for r in _rows("counts_qualifiers.tsv")]
    return sorted(phrases, key=lambda p: -len(p[0]))  # longest match first


@functools.lru_cache(maxsize=1)
def markers() -> dict[str, set[str]]:
    table: dict[str, set[str]] = {}
    for row in _rows("counts_markers.tsv"):
        table.setdefault(row["category"], set()).add(row["term"])
    return table


@functools.lru_cache(maxsize=1)
def _prefilter() -> re.Pattern[str]:
    """Cheap text test: could this sentence hold a count at all? (Saves parsing the rest.)"""
    stems = {term.split()[0] for term in lexicon()}
    stems |= {"killed", "killing", "died", "dead", "wounded", "injured", "injuries", "hurt", "lives",
              "arrested", "detained", "deaths", "fatalities", "bodies", "slain", "shot"}
    stems = {s[:-1] if len(s) > 4 and s.endswith("e") else s for s in stems}
    return re.compile(r"\b(" + "|".join(sorted(map(re.escape, stems))) + r")", re.IGNORECASE)


# ---------------------------------------------------------------- records


@dataclass
class CountMention:
    """One figure for one kind of casualty, as the text gives it."""

    kind: str
    value: Optional[int]  # None for a bare "split between 2 events" instruction
    qualifier: Optional[str]
    anchor: Token  # the casualty word ("killed", "death", "wounded")
    sentence: Sentence
    start: int  # article offsets of the words counted
    end: int
    civilians: Optional[int] = None
    total: bool = False  # a summary figure ("1 fatality", "the toll rose to 15")
    cumulative: bool = False  # a running toll ("since 2020"): not the event's count
    split: Optional[int] = None  # the text divides the figure over this many days/events
    anaphoric: bool = False  # "the victim died": probably someone already counted
    reference: bool = False  # "protests over the killing of 3": another, earlier event's figure
    reason: Optional[str] = None

    @property
    def text(self) -> str:
        return self.sentence.text[self.start - self.sentence.start:self.end - self.sentence.start]


@dataclass
class Counts:
    """The figures of one event."""

    dead: Optional[int] = None
    injured: Optional[int] = None
    arrested: Optional[int] = None
    qualifiers: dict[str, str] = field(default_factory=dict)
    civilians_dead: Optional[int] = None
    spans: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # kind → article offsets
    mentions: list[CountMention] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def get(self, kind: str) -> Optional[int]:
        return getattr(self, kind)


# ---------------------------------------------------------------- numbers


def _date_like(tok: Token) -> bool:
    """A number that is part of a date or time ("9 May 2020", "two days"), not a head count. The
    small model sometimes tags a bare count as DATE ("Between 8 and 12 rebels"), so a number counts
    as a date only when its entity also holds a word or a year."""
    if tok.ent_type_ not in ("DATE", "TIME"):
        return tok.ent_type_ in NUMBER_ENTS_EXCLUDED
    ent = next((e for e in tok.doc.ents if e.start <= tok.i < e.end), None)
    words = list(ent) if ent is not None else [tok]
    return any(re.fullmatch(r"(1[89]|20)\d\d", w.text) for w in words) or any(
        w.is_alpha and w.lower_ not in number_words() and w.lower_ not in ("between", "and", "to") for w in words)


def _is_number_token(tok: Token) -> bool:
    if _date_like(tok):
        return False
    low = tok.lower_
    if low in number_words() and number_words()[low][1] != "vague":
        return low not in ("a", "an", "no", "some")
    return tok.like_num and any(ch.isdigit() for ch in low) or (tok.like_num and low.isalpha())


def _number_tokens(head: Token) -> list[Token]:
    """The tokens of the number phrase around ``head`` ("twenty - three", "3 000", "two hundred")."""
    doc = head.doc
    keep = {head.i}
    for child in head.children:
        if child.dep_ in ("compound", "nummod", "quantmod", "punct") and (
            _is_number_token(child) or child.lower_ in ("-", "a", "an")
        ):
            keep.add(child.i)
    # contiguous numeric tokens either side ("3 000" is sometimes split differently)
    i = min(keep) - 1
    while i >= 0 and (_is_number_token(doc[i]) or (doc[i].lower_ == "-" and i - 1 >= 0 and _is_number_token(doc[i - 1]))):
        keep.add(i)
        i -= 1
    if i >= 0 and doc[i].lower_ in ("a", "an") and doc[min(keep)].lower_ in ("dozen", "hundred", "thousand", "million"):
        keep.add(i)
    j = max(keep) + 1
    while j < len(doc) and (_is_number_token(doc[j]) and doc[j].lower_ not in ("one",)):
        keep.add(j)
        j += 1
    return [doc[k] for k in sorted(keep)]


def parse_number(words: Sequence[str]) -> Optional[float]:
    """Value of a number phrase: "twenty-three", "1,200", "3 000", "two hundred", "a dozen", "1.2 million"."""
    table = number_words()
    total, current, seen = 0.0, 0.0, False
    digits_group: Optional[str] = None
    lowered = [w.lower().strip() for w in words]
    if "-" in lowered or "to" in lowered:
        # "8-12", "5 to 10": a range; ACLED takes the lowest figure. ("twenty-three" is not a range.)
        cut = lowered.index("-") if "-" in lowered else lowered.index("to")
        left, right = parse_number(words[:cut]), parse_number(words[cut + 1:])
        if left is not None and right is not None and re.fullmatch(r"[\d,.]+", lowered[cut - 1] or ""):
            return min(left, right)
    for word in lowered:
        if word in ("-", "and", ""):
            continue
        if word in ("zero", "no", "none", "nobody"):
            return 0.0
        if re.fullmatch(r"\d{1,3}(,\d{3})+|\d+(\.\d+)?", word):
            plain = word.replace(",", "")
            # "3 000": a group of three digits continues the previous group
            if digits_group is not None and re.fullmatch(r"\d{3}", plain):
                digits_group += plain
                current = float(digits_group)
            elif digits_group is not None:
                return min(current, float(plain))  # "between 2 to 4" with the "to" dropped: a range
            else:
                digits_group = plain
                current += float(plain)
            seen = True
            continue
        digits_group = None
        if word in table:
            value, kind = table[word]
            if kind == "unit":
                current += value
            elif kind == "scale" and value < 1000:
                current = max(current, 1.0) * value
            elif kind == "scale":
                total += max(current, 1.0) * value
                current = 0.0
            else:
                return None
            seen = True
            continue
        m = re.fullmatch(r"(\d+)-(\w+)", word)  # "20-odd"
        if m:
            current += float(m.group(1))
            seen = True
            continue
        return None
    return total + current if seen else None


def _qualifier_before(tok: Token) -> Optional[str]:
    """A qualifier phrase ending just before ``tok`` ("more than", "at least", "up to", "about")."""
    doc = tok.doc
    before = [t.lower_ for t in doc[max(0, tok.i - 4):tok.i]]
    for words, label in qualifier_phrases():
        if len(words) <= len(before) and before[-len(words):] == words:
            return label
    return None


def _round_even_split(x: float) -> int:
    """A share of an evenly split total, to the nearest whole person; a half goes down (ACLED's
    conservative figure)."""
    return int(math.ceil(x - 0.5))


# ---------------------------------------------------------------- victims → quantities


@dataclass
class _Quantity:
    value: int
    qualifier: Optional[str]
    tokens: list[Token]
    civilians: Optional[int] = None
    anaphoric: bool = False  # "the victim", "he": someone probably counted already


def _paren_depths(doc: Doc) -> list[int]:
    depth, out = 0, []
    for tok in doc:
        if tok.text == "(":
            depth += 1
        out.append(depth)
        if tok.text == ")" and depth:
            depth -= 1
    return out


def _vague(tok: Token) -> Optional[tuple[int, str]]:
    entry = number_words().get(tok.lower_)
    if entry and entry[1] == "vague":
        return int(entry[0]), tok.lower_
    return None


def _lemma_in(tok: Token, category: str) -> bool:
    terms = markers().get(category, set())
    return tok.lemma_.lower() in terms or tok.lower_ in terms


def _of_phrase(head: Token) -> Optional[Token]:
    for prep in (c for c in head.children if c.dep_ == "prep" and c.lower_ == "of"):
        for pobj in prep.children:
            if pobj.dep_ == "pobj":
                return pobj
    return None


def _unknown(tok: Token) -> bool:
    """ "an unknown number of", "unclear fatalities", "fatalities unreported": the text has no figure."""
    return any(c.dep_ in ("amod", "acl", "acomp", "advmod") and _lemma_in(c, "unknown_word") for c in tok.children) \
        or (tok.dep_ in ("nsubj", "nsubjpass") and _lemma_in(tok.head, "unknown_word"))


def _definite(head: Token) -> bool:
    return any(c.dep_ in ("det", "poss") and c.lower_ not in ("a", "an", "no", "another") for c in head.children)


def _single_quantity(head: Token, depths: list[int]) -> Optional[_Quantity]:
    """The number of people one noun phrase names, without its conjuncts."""
    if head.lower_ in ("nobody", "none") or any(c.dep_ == "det" and c.lower_ == "no" for c in head.children):
        return _Quantity(0, None, [head])
    if head.ent_type_ in PLACE_ENTS or _lemma_in(head, "animal_noun"):
        return None
    if _lemma_in(head, "count_noun"):
        # "a total of 17", "a number of people", "an unknown number of soldiers"
        inner = _of_phrase(head)
        if _unknown(head) or inner is None:
            return None
        if head.lemma_ == "number" and not any(c.dep_ == "nummod" for c in inner.children):
            return _Quantity(3, "a number of", [head, inner])
        return _single_quantity(inner, depths)
    if head.pos_ == "NUM" or _is_number_token(head):
        if _date_like(head):
            return None
        toks = _number_tokens(head)
        low = [head.lower_] + [c.lower_ for c in head.children if c.dep_ == "conj"]
        value = parse_number([t.text for t in toks])
        # "between five and 23": the lowest figure
        for conj in (c for c in head.children if c.dep_ == "conj" and _is_number_token(c)):
            other = parse_number([t.text for t in _number_tokens(conj)])
            if other is not None and value is not None:
                value = min(value, other)
        if value is None:
            return None
        qual = _qualifier_before(toks[0])
        if any(c.dep_ == "quantmod" and c.lower_ == "between" for c in head.children) or "between" in low:
            qual = "at least"
        return _Quantity(int(value), qual, toks)
    vague = _vague(head)
    if vague:
        # "dozens", "hundreds", "several": ACLED's convention, the word kept as qualifier
        return _Quantity(vague[0], vague[1], [head])
    # "2 IS militants": the number may hang on a compound modifier
    holders = [head] + [c for c in head.children if c.dep_ == "compound"]
    numbers = [c for h in holders for c in h.children if c.dep_ in ("nummod", "quantmod", "compound")
               and _is_number_token(c) and not _date_like(c) and c.i < head.i]
    if not numbers and head.pos_ in ("NOUN", "PROPN"):
        numbers = _number_left_of(head)
    if numbers:
        # "19 (10 policemen and 9 civilians)": prefer the figure outside the parentheses
        numbers.sort(key=lambda c: (depths[c.i], c.i))
        num = numbers[0]
        toks = _number_tokens(num)
        value = parse_number([t.text for t in toks])
        if value is None:
            return None
        for conj in (c for c in num.children if c.dep_ == "conj" and _is_number_token(c)):
            other = parse_number([t.text for t in _number_tokens(conj)])
            if other is not None:
                value = min(value, other)
        qual = _qualifier_before(toks[0])
        return _Quantity(int(value), qual, toks + [head])
    modifiers = [c for c in head.children if c.dep_ in ("amod", "det", "nummod", "quantmod")]
    for mod in modifiers:
        vague = _vague(mod)
        if vague and head.tag_ in ("NNS", "NNPS"):
            return _Quantity(vague[0], vague[1], [mod, head])
        if mod.lower_ == "few" and any(c.lower_ == "a" for c in mod.children):
            return _Quantity(3, "a few", [mod, head])
    if any(c.dep_ == "det" and c.lower_ == "a" for c in head.children) and head.lower_ == "few":
        return _Quantity(3, "a few", [head])
    if _unknown(head):
        return None
    if _lemma_in(head, "collective_noun") and _of_phrase(head) is not None and _is_number_token(_of_phrase(head)):
        return _single_quantity(_of_phrase(head), depths)  # "a family of three"
    if head.lemma_ == "other" and any(c.dep_ == "det" and c.lower_ in ("the", "another") for c in head.children):
        return _Quantity(1, None, [head], anaphoric=head.lower_ == "the")  # "the other died"
    if head.pos_ == "PRON":
        # "he was killed": one person; plural pronouns refer back to a group counted elsewhere
        if head.lower_ in ("he", "she", "him", "her"):
            return _Quantity(1, None, [head], anaphoric=True)
        return None
    if head.pos_ in ("NOUN", "ADJ") and any(c.dep_ == "det" and c.lower_ in ("a", "an") for c in head.children):
        return _Quantity(1, None, [head])  # "a security forces personnel", "a civilian" tagged JJ
    if head.tag_ in ("NNS", "NNPS"):
        if head.lemma_.lower() in ("other", "one"):
            return None
        # ACLED: an unnumbered plural is 3
        return _Quantity(3, "plural", [head], anaphoric=_definite(head))
    if head.tag_ in ("NN", "NNP"):
        if _lemma_in(head, "collective_noun"):
            return None
        if head.tag_ == "NNP" or any(c.dep_ in ("det", "poss") for c in head.children):
            return _Quantity(1, None, [head], anaphoric=head.tag_ == "NN" and _definite(head))
    return None


def _number_left_of(head: Token) -> list[Token]:
    """ "2 IS militants" misparsed: a number a few name-like words to the left of the noun."""
    doc, i = head.doc, head.i - 1
    while i >= 0 and head.i - i <= 3:
        tok = doc[i]
        if _is_number_token(tok):
            return [tok]
        if not (tok.pos_ in ("PROPN", "ADJ") or tok.text.isupper() or tok.dep_ in ("compound", "amod")):
            break
        i -= 1
    return []


def _conjuncts(head: Token) -> list[Token]:
    """``head`` and the noun phrases coordinated with it ("4 people as well as 2 policemen")."""
    out = [head]
    stack = [head]
    while stack:
        tok = stack.pop()
        for child in tok.children:
            if child.dep_ == "conj" and child not in out:
                out.append(child)
                stack.append(child)
    # "4 people as well as 2 policemen were killed": the second subject hangs on the verb
    if head.dep_ in ("nsubj", "nsubjpass", "dobj"):
        for sib in head.head.children:
            if sib.i != head.i and sib.dep_ == head.dep_ and sib not in out and sib.i > head.i and any(
                    t.dep_ == "cc" or t.lower_ in ("and", "plus") for t in head.doc[head.i + 1:sib.i]):
                out.append(sib)
    return out


def _civilians(heads: Iterable[Token], depths: list[int]) -> Optional[int]:
    """Civilians among the victims: "32 people, including two civilians" or "killing 3 civilians"."""
    found: Optional[int] = None
    for head in heads:
        targets = []
        if _lemma_in(head, "civilian_noun"):
            targets.append(head)
        for prep in (c for c in head.children if c.lower_ in ("including", "among")):
            targets += [p for p in prep.children if p.dep_ == "pobj"]
        for target in targets:
            for conj in _conjuncts(target):
                if not _lemma_in(conj, "civilian_noun"):
                    continue
                q = _single_quantity(conj, depths)
                if q is not None:
                    found = (found or 0) + q.value
    return found


def _is_anchor(tok: Token) -> bool:
    return any(e.kind != "none" for e in _entries(tok))


def _other_figure(conj: Token, kind: str) -> bool:
    """A conjunct that is not more victims of this kind: another casualty word ("and more than 200
    wounded"), victims of another kind ("and 6 others injured"), or a bare breakdown number
    ("8 tribesmen killed, 5 from A and 3 from B", "1 fatality and 1 injured")."""
    if _is_anchor(conj):
        return True
    if any(_is_anchor(c) and any(e.kind not in (kind, "none") for e in _entries(c)) for c in conj.children):
        return True
    return conj.pos_ == "NUM" or _is_number_token(conj)


def _quantity(head: Token, depths: list[int], kind: str) -> Optional[_Quantity]:
    """Victims named by a noun phrase and its conjuncts, summed; sub-counts ("including") excluded."""
    parts: list[_Quantity] = []
    # the figure's own depth: "19 (10 policemen and 9 civilians)" counts 19, not what the brackets hold
    first_depth = min([depths[head.i]] + [depths[c.i] for c in head.children if c.dep_ == "nummod"])
    for conj in _conjuncts(head):
        if conj.i != head.i and (depths[conj.i] > first_depth or _other_figure(conj, kind)):
            continue
        q = _single_quantity(conj, depths)
        if q is None:
            if conj.i == head.i:
                return None
            continue
        parts.append(q)
    if not parts:
        return None
    if len(parts) > 1 and any(p.qualifier != "plural" for p in parts):
        # "killed 5 residents and rustled cattle": unnumbered conjuncts add nothing certain
        parts = [p for p in parts if p.qualifier != "plural"]
    value = sum(p.value for p in parts)
    qual = next((p.qualifier for p in parts if p.qualifier), None)
    tokens = [t for p in parts for t in p.tokens]
    return _Quantity(value, qual, tokens, _civilians(_conjuncts(head), depths),
                     anaphoric=all(p.anaphoric for p in parts))


# ---------------------------------------------------------------- anchors → victim phrase


def _entries(tok: Token) -> list[LexEntry]:
    forms = {tok.lemma_.lower(), tok.lower_}
    if tok.tag_ in ("NNS", "NNPS") and tok.lower_.endswith("s"):
        forms.add(tok.lower_[:-1])  # "corpses": the tagger's lemma is sometimes wrong
    entries = [e for form in sorted(forms) for e in lexicon().get(form, [])]
    out = []
    for entry in entries:
        if entry.particle:
            if not any(c.lower_ == entry.particle for c in tok.children) and not (
                tok.i + 1 < len(tok.doc) and tok.doc[tok.i + 1].lower_ == entry.particle
            ):
                continue
        elif any(e.particle for e in entries) and any(
            c.dep_ == "prt" and c.lower_ == e.particle for e in entries for c in tok.children
        ):
            continue
        out.append(entry)
    if tok.pos_ == "VERB" and (any(c.dep_ == "advmod" and _lemma_in(c, "fatal_adverb") for c in tok.children)
                               or _to_death(tok)):
        # "fatally shot", "beaten to death": a death whatever the verb
        return [LexEntry("dead", "object", False)]
    # "injured"/"wounded"/"dead" as a word: a state when it is not the verb of a clause
    if tok.pos_ == "VERB" and any(e.role == "state" for e in out) and any(e.role == "object" for e in out):
        state_use = tok.dep_ in ("amod", "oprd", "acomp", "appos", "advmod") and not any(
            c.dep_ in ("auxpass", "aux", "dobj") for c in tok.children)
        out = [e for e in out if (e.role == "state") == state_use] or out
    return out


def _to_death(verb: Token) -> bool:
    return any(c.dep_ == "prep" and c.lower_ == "to" and any(p.lemma_ == "death" for p in c.children)
               for c in verb.children)


def _has_aux(verb: Token, lemmas: set[str]) -> bool:
    return any(c.dep_ in ("aux", "auxpass") and c.lemma_ in lemmas for c in verb.children)


def _is_passive(verb: Token) -> bool:
    return any(c.dep_ in PASSIVE_DEPS | {"auxpass"} for c in verb.children) or (
        verb.tag_ == "VBN" and verb.dep_ in ("acl", "amod", "oprd", "xcomp", "ccomp", "conj")
        and not _has_aux(verb, {"have"})
    )


def _subject(verb: Token) -> Optional[Token]:
    for dep in ("nsubjpass", "nsubj"):
        found = [c for c in verb.children if c.dep_ == dep and c.i < verb.i] or [
            c for c in verb.children if c.dep_ == dep]
        if found:
            return found[-1]  # "in Pernambuco, a man was killed": the subject nearest the verb
    # "were shot and killed": a conjoined verb shares its head's subject; so does
    # "were reported killed" (the participle completes the reporting verb)
    if verb.dep_ in ("conj", "xcomp", "oprd") and verb.head.pos_ in ("VERB", "AUX"):
        return _subject(verb.head)
    return None


def _object(verb: Token) -> Optional[Token]:
    found = [c for c in verb.children if c.dep_ == "dobj"]
    if found:
        return found[0]
    # "killed and injured several elements": the object hangs on the last verb
    for conj in (c for c in verb.children if c.dep_ == "conj" and c.pos_ == "VERB"):
        found = [c for c in conj.children if c.dep_ == "dobj"]
        if found and conj.i > verb.i:
            return found[0]
    return None


def _bare_number_before(verb: Token) -> Optional[Token]:
    """ "1 killed, 3 injured", "200 wounded": a count written just before the participle."""
    before = verb.doc[verb.i - 1] if verb.i > 0 else None
    if before is not None and _is_number_token(before) and before.dep_ not in ("nummod", "compound") and not (
            before.i > 0 and _is_number_token(verb.doc[before.i - 1])):
        return before
    return None


def _not_a_victim(tok: Optional[Token]) -> bool:
    return tok is not None and (_date_like(tok) or tok.ent_type_ in PLACE_ENTS)


def _counted_noun_before(verb: Token) -> Optional[Token]:
    """The parser made a date or a place the subject ("Around 3 May, in X, five members … died"):
    the nearest noun with a number before the verb."""
    for tok in reversed(verb.doc[max(0, verb.i - 12):verb.i]):
        if tok.pos_ == "NOUN" and any(c.dep_ == "nummod" and _is_number_token(c) for c in tok.children):
            return tok
    return None


def _victim_of_verb(verb: Token, entry: LexEntry) -> Optional[Token]:
    victim = _victim_of_verb_parse(verb, entry)
    if _not_a_victim(victim):
        return _counted_noun_before(verb)
    return victim


def _victim_of_verb_parse(verb: Token, entry: LexEntry) -> Optional[Token]:
    if verb.tag_ in ("VBN", "VBD") and _bare_number_before(verb) is not None:
        return _bare_number_before(verb)
    if entry.role == "subject":
        return _subject(verb)
    own = [c for c in verb.children if c.dep_ == "nsubjpass"]
    if own:
        return own[0]
    before = verb.doc[verb.i - 1] if verb.i > 0 else None
    if verb.tag_ == "VBN" and before is not None and _is_number_token(before) and not any(
            c.dep_ in ("aux", "auxpass", "nsubj", "dobj") for c in verb.children):
        return before  # "and more than 50 wounded": the number just before the bare participle
    if verb.dep_ in ("acl", "amod") and _is_anchor(verb.head):
        return None  # "the death of 14 people … wounded": the participle is not about the death
    if verb.dep_ in ("acl", "amod") and verb.tag_ == "VBN" and verb.head.pos_ in ("NOUN", "PROPN", "NUM", "PRON") \
            and _object(verb) is None:
        # "20 elements killed", "killed soldiers"; not a place the participle drifted onto
        return None if verb.head.ent_type_ in PLACE_ENTS else verb.head
    if _is_passive(verb):
        subj = _subject(verb)
        if subj is not None:
            return subj
        aux = [c for c in verb.children if c.dep_ == "auxpass"]
        if aux and aux[0].i > 0 and verb.doc[aux[0].i - 1].pos_ in ("NOUN", "PROPN", "PRON", "NUM"):
            return verb.doc[aux[0].i - 1]  # "…, a drug trafficker was killed" parsed as an apposition
    obj = _object(verb)
    if obj is not None:
        return _body_owner(obj)
    # "Four people killed and twenty wounded": a headline without auxiliary, counted subject
    subj = _subject(verb)
    if subj is not None and verb.tag_ == "VBD" and any(
            c.dep_ == "nummod" and _is_number_token(c) for c in subj.children):
        return subj
    # "200 wounded", "1 killed": a bare participle with its victims as subject
    if verb.tag_ == "VBN" and not _has_aux(verb, {"have"}):
        subj = _subject(verb)
        if subj is not None:
            return subj
        before = verb.doc[verb.i - 1] if verb.i > 0 else None
        if before is not None and before.pos_ in ("NOUN", "NUM") and before.ent_type_ not in PLACE_ENTS:
            return before  # "resulting in 1 soldier killed": the parser left the participle unattached
    return None


def _body_owner(obj: Token) -> Token:
    """ "killed and mutilated the body of a member": the member is the victim (counted once)."""
    if obj.lemma_ in ("body", "corpse") and _of_phrase(obj) is not None:
        return _of_phrase(obj)
    return obj


def _victim_of_state(word: Token) -> Optional[Token]:
    """ "32 dead", "left 5 dead", "found dead", "shot dead a man", "5 dead soldiers"."""
    nums = [c for c in word.children if c.dep_ in ("nummod", "nsubj", "npadvmod", "quantmod") and
            (_is_number_token(c) or _vague(c))]
    if nums:
        return nums[0]
    if word.dep_ == "amod":
        return word.head
    if word.dep_ in ("oprd", "acomp", "advmod", "xcomp", "ccomp", "conj") and word.head.pos_ in ("VERB", "AUX"):
        verb = word.head
        if word.dep_ == "conj" and verb.pos_ not in ("VERB", "AUX"):
            return None
        obj = _object(verb)
        if obj is not None:
            return obj
        return _subject(verb)
    if word.pos_ in ("NOUN", "ADJ") and any(c.dep_ == "nummod" for c in word.children):
        return word
    before = word.doc[word.i - 1] if word.i > 0 else None
    if before is not None and before.pos_ in ("NOUN", "PROPN", "NUM") and before.ent_type_ not in PLACE_ENTS:
        return before  # "which resulted in 23 rebels dead": the parser left "dead" unattached
    return None


def _victim_of_noun(noun: Token) -> Optional[Token]:
    """ "32 deaths" (the noun itself), "the death of 32 people" (its "of" phrase)."""
    for prep in (c for c in noun.children if c.dep_ == "prep" and c.lower_ == "of"):
        for pobj in prep.children:
            if pobj.dep_ == "pobj":
                return pobj
    return noun


def _setter_value(noun: Token) -> Optional[Token]:
    """The number a toll is set to: "the toll rose to 15", "toll of 15", "fatalities coded as 10"."""
    candidates = [noun]
    if noun.head.i != noun.i:
        candidates.append(noun.head)
    for holder in candidates:
        if holder.i != noun.i and not _lemma_in(holder, "setter_verb"):
            continue
        for child in holder.children:
            if child.dep_ in ("attr", "dobj", "npadvmod") and child.i != noun.i and _is_number_token(child):
                return child
            if child.dep_ == "prep" and child.lower_ in ("of", "to", "at", "as"):
                for pobj in child.children:
                    if pobj.dep_ == "pobj" and _is_number_token(pobj):
                        return pobj
    # "fatalities coded as 10": the setter is a verb hanging on the noun
    for child in noun.children:
        if child.dep_ in ("acl", "relcl") and _lemma_in(child, "setter_verb"):
            return _setter_value_child(child)
    return None


def _setter_value_child(verb: Token) -> Optional[Token]:
    for child in verb.children:
        if child.dep_ == "prep" and child.lower_ in ("to", "at", "as"):
            for pobj in child.children:
                if pobj.dep_ == "pobj" and _is_number_token(pobj):
                    return pobj
    return None


# ---------------------------------------------------------------- cumulative tolls and splits


def _clause_tokens(anchor: Token) -> list[Token]:
    """The anchor's clause: its verb and that verb's subtree (not the whole sentence)."""
    verb = anchor
    while verb.pos_ not in ("VERB", "AUX") and verb.head.i != verb.i:
        verb = verb.head
    return list(verb.subtree)


def _is_cumulative(anchor: Token) -> Optional[str]:
    clause = _clause_tokens(anchor)
    text = " " + " ".join(t.lower_ for t in clause) + " "
    for phrase in markers().get("cumulative_phrase", ()):
        if f" {phrase} " in text:
            return f"running total ('{phrase}')"
    for tok in clause:
        if tok.lower_ in markers().get("cumulative_prep", ()) and tok.dep_ in ("prep", "mark"):
            return f"running total ('{tok.text} …')"
        if tok.lemma_ in markers().get("long_unit", ()) and any(
            c.dep_ == "nummod" or c.lower_ in ("past", "last") for c in tok.children
        ) and tok.head.lower_ in ("over", "in", "during", "for", "within"):
            return f"running total over {tok.text}"
    verb = anchor if anchor.pos_ == "VERB" else None
    if verb is not None and _has_aux(verb, {"have"}):
        subj = _subject(verb)
        if subj is not None and _lemma_in(subj, "conflict_noun"):
            return f"running total of '{subj.text}'"
    return None


def _day_split(anchor: Token) -> Optional[int]:
    """ "killed 30 people over three days": the number of days a total covers."""
    for tok in _clause_tokens(anchor):
        if tok.lemma_ not in markers().get("day_unit", ()) or tok.tag_ != "NNS":
            continue
        nums = [c for c in tok.children if c.dep_ == "nummod" and c.like_num]
        if not nums:
            continue
        if any(c.lower_ in ("ago", "later", "after", "earlier", "before") for c in tok.children) or \
                tok.head.lower_ in ("after", "before", "for", "within"):
            continue
        days = parse_number([nums[0].text])
        if days and days >= 2:
            return int(days)
    return None


def _event_split(doc: Doc) -> Optional[tuple[int, Optional[int], Token]]:
    """ "20 fatalities split between 3 events": (parts, explicit per-part figure, split verb)."""
    for tok in doc:
        if not _lemma_in(tok, "split_verb"):
            continue
        for prep in (c for c in tok.children if c.dep_ == "prep" and c.lower_ in ("between", "across", "among", "over")):
            for unit in (p for p in prep.children if p.dep_ == "pobj"):
                if unit.lemma_ not in markers().get("split_unit", ()):
                    continue
                nums = [c for c in unit.children if c.dep_ == "nummod" and _is_number_token(c)]
                if not nums:
                    continue
                parts = parse_number([t.text for t in _number_tokens(nums[0])])
                if not parts or parts < 2:
                    continue
                explicit = None
                # "(3)" after the unit, or "with 5 coded to each"
                for c in unit.children:
                    if c.dep_ == "appos" and _is_number_token(c):
                        explicit = parse_number([c.text])
                for c in tok.children:
                    if c.dep_ == "prep" and c.lower_ == "with":
                        for p in c.children:
                            if p.dep_ == "pobj" and _is_number_token(p) and any(
                                    d.lower_ == "each" for d in p.subtree):
                                explicit = parse_number([p.text])
                return int(parts), (int(explicit) if explicit is not None else None), tok
    return None


# ---------------------------------------------------------------- finding mentions


def _mention(kind: str, q: _Quantity, anchor: Token, sentence: Sentence, total: bool) -> CountMention:
    toks = q.tokens + [anchor]
    start = sentence.char(min(toks, key=lambda t: t.i))
    last = max(toks, key=lambda t: t.i)
    end = sentence.char(last) + len(last.text)
    return CountMention(kind=kind, value=q.value, qualifier=q.qualifier, anchor=anchor, sentence=sentence,
                        start=start, end=end, civilians=q.civilians if kind == "dead" else None, total=total)


def _summary(anchor: Token, victim: Token) -> bool:
    """ "1 killed." / "2 killed, 3 injured.": a short summary line that restates the event's toll."""
    words_ = [t for t in anchor.doc if not t.is_punct]
    return len(words_) <= 6 and _is_number_token(victim) and victim.i < anchor.i


def _victim(tok: Token, entry: LexEntry) -> Optional[Token]:
    """The phrase naming the victims of one casualty word, by the word's role."""
    if entry.role in ("object", "subject"):
        if tok.pos_ in ("VERB", "AUX"):
            return _victim_of_verb(tok, entry)
        return None
    if entry.role == "state" and tok.pos_ in ("ADJ", "VERB", "NOUN"):
        return _victim_of_state(tok)
    if entry.role == "noun" and tok.pos_ in ("NOUN", "PROPN"):
        if tok.lemma_ == "death" and tok.head.lower_ == "to" and _of_phrase(tok) is None and not any(
                c.dep_ == "det" for c in tok.children):
            return None  # "beaten to death": counted on the verb
        holder = tok.head if tok.dep_ == "pobj" and (
            _lemma_in(tok.head.head, "count_noun") or _vague(tok.head.head)) else None
        setter = _setter_value(tok) or (_setter_value(tok.head.head) if holder is not None else None)
        if setter is not None:
            return setter  # "Unknown number of fatalities coded as 10"
        victim = _victim_of_noun(tok)
        if victim.i == tok.i and tok.tag_ in ("NN", "NNP") and not any(
                c.dep_ in ("nummod", "quantmod") for c in tok.children):
            return None  # "the death" alone counts nobody
        return victim
    if entry.role == "toll" and tok.pos_ == "NOUN":
        if any(c.lemma_ in ("death", "casualty", "fatality") for c in tok.children):
            return _setter_value(tok)
        return None
    if entry.role == "lives" and tok.tag_ == "NNS":
        verb = tok.head
        if verb.lemma_ == "lose":
            return _subject(verb)
        if verb.lemma_ in ("claim", "take", "cost"):
            return _victim_of_noun(tok)
    return None


def _negation(anchor: Token) -> Optional[str]:
    """ "no report of fatalities", "neither injuries nor fatalities were reported" → "zero";
    "the number of fatalities could not be identified" → "unknown"."""
    path = [anchor]
    tok = anchor
    while tok.dep_ in ("pobj", "prep", "conj", "compound") and len(path) < 5 and tok.head.i != tok.i:
        tok = tok.head
        path.append(tok)
    for t in path:
        for c in t.children:
            if (c.dep_ == "det" and c.lower_ == "no") or (c.dep_ == "preconj" and c.lower_ == "neither") \
                    or (c.dep_ == "cc" and c.lower_ == "nor"):
                return "zero"
    verb = next((t for t in [anchor] + list(anchor.ancestors) if t.pos_ in ("VERB", "AUX")), None)
    if verb is not None and any(c.dep_ == "neg" for c in verb.children):
        return "zero" if verb.i == anchor.i else "unknown"
    return None


def _is_reference(anchor: Token) -> bool:
    """A death named as the object of a protest, a commemoration, a charge, or after "after" /
    "over" (an earlier event than the one reported)."""
    if anchor.pos_ not in ("NOUN", "PROPN") and anchor.dep_ == "acl":
        # "the families of people killed by attacks protested": walk from the noun it describes
        anchor = anchor.head
    elif anchor.pos_ not in ("NOUN", "PROPN"):
        # "residents demonstrated after a gendarme killed a driver"
        clause = anchor.head if anchor.dep_ == "conj" else anchor
        marks = [c.lower_ for c in clause.children if c.dep_ == "mark"]
        return clause.dep_ == "advcl" and bool(set(marks) & markers()["reference_prep"]) and \
            _lemma_in(clause.head, "reference_word")
    tok = anchor
    for _ in range(6):
        if tok.dep_ not in ("pobj", "prep", "dobj", "conj", "compound", "pcomp", "nsubjpass", "nsubj") \
                or tok.head.i == tok.i:
            return False
        tok = tok.head
        if _lemma_in(tok, "reference_word") or (tok.dep_ == "prep" and _lemma_in(tok, "reference_prep")):
            return True
    return False


def _either_or(anchor: Token) -> bool:
    """ "killing or injuring 3", "killed, injured or captured": the text does not say how many died."""
    root = anchor
    while root.dep_ == "conj" and root.head.i != root.i:
        root = root.head
    group = [root] + [t for t in root.subtree if t.dep_ == "conj" and t.pos_ == root.pos_]
    if len(group) < 2 or not any(t.lower_ in ("or", "/") for t in anchor.doc[group[0].i:max(t.i for t in group)]):
        return False
    kinds = {e.kind for e in _entries(anchor)}
    return any(t.i != anchor.i and (_lemma_in(t, "other_fate_verb") or
                                    (_is_anchor(t) and {e.kind for e in _entries(t)} != kinds)) for t in group)


def _attempted(anchor: Token) -> bool:
    """ "tried to lynch three men": a killing that did not happen."""
    return anchor.dep_ == "xcomp" and _lemma_in(anchor.head, "attempt_verb")


def find_mentions(sentence: Sentence) -> list[CountMention]:
    """Every casualty/arrest figure in a parsed sentence, in text order."""
    doc = sentence.doc
    if doc is None:
        return []
    depths = _paren_depths(doc)
    found: list[CountMention] = []
    seen: set[tuple[str, int]] = set()  # (kind, victim head): "shot dead" and "killed" are one figure
    split = _event_split(doc)
    for tok in doc:
        for entry in _entries(tok):
            if entry.kind == "none":
                continue
            negation = _negation(tok)
            if negation == "unknown" or _either_or(tok) or _attempted(tok):
                continue
            if negation == "zero":
                if (entry.kind, tok.i) not in seen:
                    seen.add((entry.kind, tok.i))
                    found.append(CountMention(entry.kind, 0, None, tok, sentence, sentence.char(tok),
                                              sentence.char(tok) + len(tok.text), reason="the text says none"))
                continue
            victim = _victim(tok, entry)
            if victim is None:
                continue
            # a bare "Fatalities split between 2 events" is an instruction, not a figure
            if split and tok.dep_ in ("nsubj", "nsubjpass") and tok.head.i == split[2].i and victim.i == tok.i and not any(
                    c.dep_ in ("nummod", "amod") and _is_number_token(c) for c in tok.children):
                found.append(CountMention(kind=entry.kind, value=split[1], qualifier=None, anchor=tok, sentence=sentence,
                                          start=sentence.char(tok), end=sentence.char(tok) + len(tok.text),
                                          total=split[1] is not None, split=None if split[1] is not None else split[0],
                                          reason=f"split between {split[0]} events"))
                seen.add((entry.kind, victim.i))
                continue
            q = _quantity(victim, depths, entry.kind)
            if q is None or (entry.kind, victim.i) in seen:
                continue
            seen.add((entry.kind, victim.i))
            mention = _mention(entry.kind, q, tok, sentence, entry.total or entry.role == "toll" or _summary(tok, victim))
            mention.anaphoric = q.anaphoric
            cumulative = _is_cumulative(tok)
            if cumulative:
                mention.cumulative, mention.reason = True, cumulative
            elif _is_reference(tok):
                mention.reference, mention.reason = True, "an earlier death the text refers to"
            elif split and entry.kind != "arrested":
                if split[1] is not None:
                    mention.value, mention.total, mention.qualifier = split[1], True, None
                    mention.reason = f"{q.value} split between {split[0]} events, {split[1]} each as stated"
                else:
                    mention.split = split[0]
                    mention.reason = f"{q.value} split evenly between {split[0]} events"
            elif entry.kind != "arrested":
                days = _day_split(tok)
                if days:
                    mention.split = days
                    mention.reason = f"{q.value} over {days} days, split evenly per day"
            found.append(mention)
    return sorted(found, key=lambda m: m.start)


# ---------------------------------------------------------------- combining mentions into counts


def combine(mentions: Sequence[CountMention]) -> Counts:
    """One event's figures from its mentions: running tolls dropped; a summary figure ("1 fatality",
    "the toll rose to 15") replaces the others (the lowest if several); otherwise different victims
    add up; figures the text spreads over days or events are divided evenly."""
    counts = Counts(mentions=list(mentions))
    for kind in KINDS:
        own = [m for m in mentions if m.kind == kind and not (m.cumulative or m.reference)]
        dropped = [m for m in mentions if m.kind == kind and (m.cumulative or m.reference)]
        for m in dropped:
            counts.reasons.append(f"counts: {m.kind} figure '{m.text}' ignored: {m.reason}")
        figures = [m for m in own if m.value is not None]
        # "fatalities" with no number: only when nothing better is given
        numbered = [m for m in figures if m.qualifier != "plural"]
        figures = numbered or figures
        # "… killed a driver. The victim died later": someone already counted in an earlier sentence
        figures = [m for m in figures if not m.anaphoric or not any(
            not f.anaphoric and f.sentence.index < m.sentence.index for f in figures)]
        figures = figures[:1] if figures and all(m.anaphoric for m in figures) else figures
        if not figures:
            continue
        totals = [m for m in figures if m.total]
        if totals:
            chosen = [min(totals, key=lambda m: m.value)]
        else:
            chosen = figures
        value = float(sum(m.value for m in chosen))
        # a split stated on the figure itself, or a bare "split between N events" instruction
        splits = [m.split for m in chosen if m.split] or [m.split for m in own if m.value is None and m.split]
        if splits:
            value /= splits[0]
            counts.reasons.append(f"counts: {kind} total divided by {splits[0]} as the text splits it")
        setattr(counts, kind, _round_even_split(value))
        qual = next((m.qualifier for m in chosen if m.qualifier), None)
        if qual:
            counts.qualifiers[kind] = qual
        counts.spans[kind] = [(m.start, m.end) for m in chosen]
        if kind == "dead":
            civ = [m.civilians for m in chosen if m.civilians is not None]
            if civ:
                counts.civilians_dead = min(sum(civ), counts.dead)
    return counts


def _tree_distance(a: Token, b: Token) -> int:
    up_a = [a] + list(a.ancestors)
    up_b = [b] + list(b.ancestors)
    index_b = {t.i: n for n, t in enumerate(up_b)}
    for n, tok in enumerate(up_a):
        if tok.i in index_b:
            return n + index_b[tok.i]
    return len(up_a) + len(up_b)  # different sentences of one doc: far apart


def nearest_trigger(anchor: Token, triggers: Sequence[Token]) -> Token:
    """The trigger closest to a count's anchor in the dependency tree (then in the text)."""
    return min(triggers, key=lambda t: (_tree_distance(anchor, t), abs(anchor.i - t.i)))


def extract_counts(sentence: Sentence, trigger: Token, others: Sequence[Token] = ()) -> Counts:
    """The figures of the event whose trigger is ``trigger``. ``others`` are the other event
    triggers of the sentence: a figure goes to whichever trigger is nearest in the tree."""
    triggers = [trigger] + [t for t in others if t.i != trigger.i]
    own = [m for m in find_mentions(sentence) if nearest_trigger(m.anchor, triggers).i == trigger.i]
    return combine(own)


# ---------------------------------------------------------------- the stage


def paragraph_numbers(ctx: CodingContext) -> list[int]:
    """Paragraph number of each sentence of the article (blank lines separate paragraphs)."""
    numbers, current, previous_end = [], 0, None
    for sent in ctx.sentences:
        if previous_end is not None and _PARAGRAPH_BREAK.search(ctx.text[previous_end:sent.start]):
            current += 1
        numbers.append(current)
        previous_end = sent.end
    return numbers


def _ensure_parsed(ctx: CodingContext, sentences: list[Sentence]) -> None:
    """Parse the unparsed sentences that may hold a figure ("1 fatality.", "Three people died.")."""
    todo = [s for s in sentences if s.doc is None and _prefilter().search(s.text)]
    if not todo:
        return
    from eventcoder.nlp import parse

    for sent, doc in zip(todo, parse([s.text for s in todo])):
        sent.doc = doc


def _consequence_head(draft: Draft, drafts_here: list[Draft]) -> Optional[Draft]:
    """ "attacked the village, killing 3": the casualty trigger's figures also belong to the attack."""
    trig = draft.trigger
    if not _is_anchor(trig) or trig.dep_ not in ("advcl", "xcomp", "conj", "acl", "pcomp"):
        return None
    for other in drafts_here:
        if other is not draft and other.trigger.i == trig.head.i and not _is_anchor(other.trigger):
            return other
    return None


def _attack_here(draft: Draft, here: list[Draft]) -> Optional[Draft]:
    """ "… 50 wounded after Russian missile strikes": a casualty-word event without actors shares
    its figures with the attack of the same type in its sentence."""
    if not _is_anchor(draft.trigger) or draft.record.actors:
        return None
    for other in here:
        if other is not draft and other.record.event_type == draft.record.event_type and not _is_anchor(other.trigger):
            return other
    return None


def _previous_attack(here: list[Draft], before: list[Draft]) -> Optional[Draft]:
    if not before or not all(_is_anchor(d.trigger) and not d.record.actors for d in here):
        return None
    types = {d.record.event_type for d in here}
    for draft in sorted(before, key=lambda d: (d.sentence.index, d.trigger.i), reverse=True):
        if draft.record.event_type in types and not _is_anchor(draft.trigger):
            return draft
    return None


def _fits(draft: Draft, kind: str) -> bool:
    """Deaths belong to an assault (or a riot), arrests to coercion: not to a phone call."""
    return draft.record.event_type in markers().get(f"fits_{kind}", set())


def _also(mention: CountMention) -> bool:
    """ "4 militants were also killed": more victims of the same event."""
    return any(t.lower_ in ("also", "too") and t.dep_ == "advmod" and t.head.i == mention.anchor.i
               for t in mention.anchor.children)


def _has_own_event(mention: CountMention, drafts: list[Draft], kind: str) -> bool:
    """Does the figure's own sentence hold an event (not a bare casualty word) it fits?"""
    return any(d.sentence.index == mention.sentence.index and _fits(d, kind) and not _is_anchor(d.trigger)
               for d in drafts)


def _separate(sentence: Sentence) -> bool:
    low = sentence.text.lower()
    return any(marker in low for marker in markers().get("separate_marker", ()))


def _reading_order(drafts: list[Draft], position: dict[int, int]) -> list[Draft]:
    return sorted(drafts, key=lambda d: (position[d.sentence.index], d.trigger.i))


def assign_mentions(ctx: CodingContext) -> dict[int, list[CountMention]]:
    """Each draft's mentions, keyed by ``id(draft)``.

    A figure goes to the nearest trigger of its sentence that fits its kind (deaths to an
    assault), else to the nearest fitting event before it in the paragraph, else to the nearest
    trigger of its sentence; in a sentence without events, to the nearest fitting event before it
    in the paragraph (after it when none comes before). Then the first event of each type in a paragraph, left without figures, takes those of
    the later events of its type there ("Gunmen attacked X. … 3 people were killed."), unless the
    text marks a separate incident."""
    paragraphs = paragraph_numbers(ctx)
    by_sentence: dict[int, list[Draft]] = {}
    for draft in ctx.drafts:
        by_sentence.setdefault(draft.sentence.index, []).append(draft)
    position = {s.index: n for n, s in enumerate(ctx.sentences)}
    _ensure_parsed(ctx, [s for s in ctx.sentences if s.index not in by_sentence])
    owned: dict[int, list[CountMention]] = {id(d): [] for d in ctx.drafts}

    def give(draft: Draft, mention: CountMention) -> None:
        if all(m is not mention for m in owned[id(draft)]):
            owned[id(draft)].append(mention)

    for n, sent in enumerate(ctx.sentences):
        mentions = find_mentions(sent)
        if not mentions:
            continue
        here = by_sentence.get(sent.index, [])
        same_par = [d for d in ctx.drafts if paragraphs[position[d.sentence.index]] == paragraphs[n]]
        before = _reading_order([d for d in same_par if position[d.sentence.index] < n], position)
        after = _reading_order([d for d in same_par if position[d.sentence.index] > n], position)
        outcome_of = _previous_attack(here, before) if here else None
        for m in mentions:
            fitting_here = [d for d in here if _fits(d, m.kind)]
            if fitting_here or (here and not any(_fits(d, m.kind) for d in before)):
                pool = fitting_here or here
                trig = nearest_trigger(m.anchor, [d.trigger for d in pool])
                for draft in (d for d in pool if d.trigger.i == trig.i):
                    give(draft, m)
                    head = _consequence_head(draft, here) or _attack_here(draft, here)
                    if head is not None:
                        give(head, m)
                # "Gunmen attacked a village. Five residents died.": when the only events here are
                # the casualty words themselves, with no actor, they tell the outcome of the attack
                if outcome_of is not None:
                    give(outcome_of, m)
                continue
            fitting_before = [d for d in before if _fits(d, m.kind)]
            fitting_after = [d for d in after if _fits(d, m.kind)]
            # across sentences a figure only goes to an event it fits: the deaths told after a
            # meeting are not the meeting's
            if fitting_before:
                give(fitting_before[-1], m)
            elif fitting_after and not here:
                give(fitting_after[0], m)

    # the events a figure fits in one paragraph, up to a separate incident, are told as one: an
    # event left without figures takes those the others carry ("Gunmen attacked X. … 3 were
    # killed."), and "… were also killed" adds to all of them
    for par in sorted(set(paragraphs)):
        drafts = _reading_order([d for d in ctx.drafts if paragraphs[position[d.sentence.index]] == par], position)
        groups: list[list[Draft]] = []
        for draft in drafts:
            if not groups or (draft.sentence.index != groups[-1][0].sentence.index and _separate(draft.sentence)
                              and draft.sentence.index != groups[-1][-1].sentence.index):
                groups.append([])
            groups[-1].append(draft)
        for group in groups:
            for kind in KINDS:
                fitting = [d for d in group if _fits(d, kind)]
                pool = [m for d in fitting for m in owned[id(d)] if m.kind == kind and not m.reference]
                for d in fitting:
                    own = [m for m in owned[id(d)] if m.kind == kind and not m.reference]
                    if not any(m.value for m in own):
                        for m in pool:
                            # a figure told with an event of its own sentence ("attacked a bus,
                            # killing four") is that event's, not a later one's ("They abducted …")
                            if m.sentence.index != d.sentence.index and _has_own_event(m, group, kind) \
                                    and m.sentence.index < d.sentence.index:
                                continue
                            give(d, m)
                    else:
                        for m in pool:
                            if m.sentence.index != d.sentence.index and _also(m):
                                give(d, m)
    return owned


def apply_counts(draft: Draft, counts: Counts) -> None:
    rec = draft.record
    rec.dead, rec.injured, rec.arrested = counts.dead, counts.injured, counts.arrested
    rec.qualifiers = dict(counts.qualifiers)
    rec.civilians_dead = counts.civilians_dead
    rec.reasons.extend(r for r in counts.reasons if r not in rec.reasons)


@stage("counts")
def count_casualties(ctx: CodingContext) -> None:
    owned = assign_mentions(ctx)
    ctx.memo["count_mentions"] = owned  # the attribution stage splits them by source
    for draft in ctx.drafts:
        apply_counts(draft, combine(owned[id(draft)]))
