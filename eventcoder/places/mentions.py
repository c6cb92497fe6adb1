"""Finding place names in text: spaCy's GPE/LOC/FAC entities plus a gazetteer scan.

The scan matters because a stock NER model misses or mislabels places it has not seen ("Nagorno
Karabakh" comes out as a PERSON), and because context needs the countries, states and demonyms of
the whole article even where only some spans are to be resolved.
"""
from __future__ import annotations

import functools
import re
from typing import Iterable, Optional

from spacy.tokens import Doc

from eventcoder.places.gazetteer import DATA_DIR, HOW_ALTERNATE, HOW_DEMONYM, HOW_NAME, Gazetteer
from eventcoder.places.resolve import Mention, lookup

PLACE_LABELS = ("GPE", "LOC", "FAC")
# Kinds a capitalised name may be taken for without NER's agreement.
SCAN_KINDS = ("country", "admin1", "region", "area", "water", "continent")
# A city found only by the scan must be at least this big (small towns share names with words).
SCAN_CITY_POPULATION = 100_000
MAX_WORDS = 4
# A name NER called a person counts as a town after "to"/"from" only from this size ("a letter from Michael").
PERSON_TOWN_POPULATION = 10_000
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿĀ-ž][\w'’.\-]*")
_CONNECTORS = {"of", "de", "del", "la", "le", "el", "al", "and", "du", "des", "upon", "on"}


@functools.lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    lines = (DATA_DIR / "scan_stopwords.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _acceptable(candidates: Iterable, single_word: bool, demonyms: bool) -> bool:
    for cand in candidates:
        place = cand.place
        if cand.how == HOW_DEMONYM:
            if demonyms:
                return True
            continue
        if place.kind in SCAN_KINDS and cand.how == HOW_NAME:
            return True
        if place.kind in SCAN_KINDS and cand.how == HOW_ALTERNATE and not single_word:
            return True
        if place.kind in ("city", "capital") and cand.how == HOW_NAME and (place.population or 0) >= SCAN_CITY_POPULATION:
            return True
    return False


def scan(text: str, gazetteer: Gazetteer, demonyms: bool = False, offset: int = 0) -> list[Mention]:
    """Capitalised word sequences (up to 4 words) that name a country, state, curated region,
    sizeable city, or (with ``demonyms``) a nationality; longest match first, no overlaps."""
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    # trailing periods belong to the sentence, not the name (except abbreviations like "U.S.")
    words = [(s, e - 1, w[:-1]) if w.endswith(".") and w.count(".") == 1 else (s, e, w) for s, e, w in words]
    found: list[Mention] = []
    i = 0
    while i < len(words):
        start, _, first = words[i]
        if not first[0].isupper():
            i += 1
            continue
        match: Optional[tuple[int, list]] = None
        for n in range(min(MAX_WORDS, len(words) - i), 0, -1):
            span = words[i:i + n]
            last = span[-1][2]
            if not last[0].isupper() or any(not w[0].isupper() and w.lower() not in _CONNECTORS for _, _, w in span):
                continue
            # the words must be adjacent (one space or hyphen between them)
            if any(span[k + 1][0] - span[k][1] > 1 for k in range(n - 1)):
                continue
            surface = text[start:span[-1][1]]
            if n == 1 and surface.lower() in stopwords():
                continue
            candidates = lookup(gazetteer, surface)
            # "Va.", "Tenn.", "W.Va.": a state abbreviation (an alternate name, but a deliberate one)
            abbreviation = n == 1 and len(surface) <= 6 and (text[span[-1][1]:span[-1][1] + 1] == "." or "." in surface)
            if candidates and _acceptable(candidates, n == 1 and not abbreviation, demonyms):
                match = (n, candidates)
                break
        if match is None:
            i += 1
            continue
        n, candidates = match
        end = words[i + n - 1][1]
        if n > 1 and first.lower() == "the":  # "The Hague" keeps it; "the Gaza Strip" does not need it
            if not any(c.place.name.lower().startswith("the ") for c in candidates):
                start = words[i + 1][0]
        found.append(Mention(offset + start, offset + end, text[start:end], candidates, output=False))
        i += n
    return found


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


LOCATIVE_PREPS = {"in", "at", "near", "outside", "to", "from", "into", "towards", "toward", "around", "across"}


AREA_NOUNS = {"region", "area", "outskirts", "vicinity", "suburbs", "city", "town", "village", "district", "province"}


def _locative_object(ent) -> bool:
    """The object of a locative preposition, directly or as "in the region of X"."""
    root = ent.root
    if root.dep_ != "pobj":
        return False
    prep = root.head
    if prep.lower_ == "of" and prep.head.lemma_.lower() in AREA_NOUNS:
        return True
    return prep.lower_ in LOCATIVE_PREPS


def mentions_in_doc(doc: Doc, gazetteer: Gazetteer, offset: int = 0, demonyms: bool = False) -> list[Mention]:
    """Place mentions of a parsed text: NER places the gazetteer knows, then scan matches NER missed.
    A scan match inside another entity is a toponym when it is a country, state or curated region
    that NER took for a person ("Nagorno Karabakh"), or a place that names an organisation ("the
    Gainesville Police Department"); it is marked with the entity's label (``inside``) so that the
    event-location stage can leave organisations' places aside. Other matches inside entities are
    context only; nationalities are kept only when ``demonyms`` is set."""
    mentions: list[Mention] = []
    other_entities: list[tuple[int, int, str]] = []
    for ent in doc.ents:
        if ent.label_ == "PERSON" and _locative_object(ent):
            # "flee to Goris": NER took an unfamiliar town for a person; the preposition says place
            candidates = [c for c in lookup(gazetteer, ent.text) if c.how == HOW_NAME and c.place.kind != "continent"]
            if ent.root.head.lower_ in ("to", "from"):  # "a letter from Michael": only towns of some size
                candidates = [c for c in candidates if (c.place.population or 0) >= PERSON_TOWN_POPULATION]
            if candidates:
                mentions.append(Mention(offset + ent.start_char, offset + ent.end_char, ent.text, candidates))
                continue
        if ent.label_ in PLACE_LABELS and ent.text.lower() in stopwords():
            continue  # "North" (avenue), "Region", "Metro"
        if ent.label_ in PLACE_LABELS:
            # an alternate name of a small place is too weak on its own ("Kristina" -> Ristiina)
            candidates = [c for c in lookup(gazetteer, ent.text) if c.how == HOW_NAME or c.place.kind in SCAN_KINDS
                          or (c.place.population or 0) >= PERSON_TOWN_POPULATION]
            if candidates:
                mentions.append(Mention(offset + ent.start_char, offset + ent.end_char, ent.text, candidates))
            else:
                other_entities.append((offset + ent.start_char, offset + ent.end_char, ent.label_))
        else:
            other_entities.append((offset + ent.start_char, offset + ent.end_char, ent.label_))
    taken = [(m.start, m.end) for m in mentions]
    for found in scan(doc.text, gazetteer, demonyms=demonyms, offset=offset):
        span = (found.start, found.end)
        if any(overlaps(span, t) for t in taken):
            continue
        inside = {label for s, e, label in other_entities if overlaps(span, (s, e))}
        is_demonym = all(c.how == HOW_DEMONYM for c in found.candidates)
        if not inside:
            found.output = not is_demonym
        elif is_demonym:
            found.output = False
            if not (demonyms and "NORP" in inside):
                continue
        else:
            # only a name no person bears: a country, a curated region, a big state ("Michael" is also
            # a parish of the Isle of Man)
            strong = any(c.how == HOW_NAME and (c.place.kind in ("country", "region", "area") or
                                                (c.place.kind == "admin1" and (c.place.population or 0) >= 500_000))
                         for c in found.candidates)
            if strong and inside <= {"PERSON", "NORP", "GPE", "LOC"}:
                found.output = True  # NER's mistake: the name is the place
            else:
                found.inside = sorted(inside)[0]
                found.output = inside <= {"ORG", "FAC"}
        mentions.append(found)
    mentions.sort(key=lambda m: m.start)
    return mentions


def _prominent(mention: Mention) -> bool:
    return any(
        c.how == HOW_NAME and (c.place.kind in SCAN_KINDS or (c.place.population or 0) >= SCAN_CITY_POPULATION)
        for c in mention.candidates
    )


def propagate(text: str, mentions: list[Mention], doc: Doc) -> list[Mention]:
    """One sense per article: other occurrences of a name already found as a place are places too
    (NER often labels the second "Gainesville" a person or an organisation), unless a capitalised
    word comes right before it ("coach Ripley", "Jesse Jackson") or it sits inside a longer person name."""
    people = [(e.start_char, e.end_char) for e in doc.ents if e.label_ == "PERSON"]
    # a name the article also uses for a person ("Holroyd died Monday", "coach Darren Ripley") is a
    # person throughout, unless it is a country, a state, a curated region or a big city
    found = {(m.start, m.end) for m in mentions}
    persons = [e for e in doc.ents if e.label_ == "PERSON" and (e.start_char, e.end_char) not in found]
    person_names = {e.text for e in persons} | {e[0].text for e in persons} | {e[-1].text for e in persons}
    mentions = [m for m in mentions if m.text not in person_names or _prominent(m)]
    taken = [(m.start, m.end) for m in mentions]
    added: list[Mention] = []
    for name in {m.text for m in mentions if m.output and m.inside is None}:
        source = next(m for m in mentions if m.text == name and m.output)
        for match in re.finditer(r"(?<![\w'’])" + re.escape(name) + r"(?![\w'’])", text):
            span = match.span()
            if any(overlaps(span, t) for t in taken):
                continue
            before = text[:span[0]].rstrip()
            previous = re.search(r"([A-Za-z][\w.'’-]*)$", before)
            if previous and previous.group(1)[0].isupper() and not before.endswith((".", "!", "?", ":", '"', "“")):
                continue
            if any(overlaps(span, p) and (p[1] - p[0]) > len(name) for p in people):
                continue
            added.append(Mention(span[0], span[1], name, source.candidates))
            taken.append(span)
    return sorted(mentions + added, key=lambda m: m.start)
