"""Finding place names in text: spaCy's GPE/LOC/FAC entities plus a gazetteer scan.

The scan matters because a stock NER model misses or mislabels places it has not seen ("Nagorno
Karabakh" comes out as a PERSON), and because context needs the countries, states and demonyms of
the whole article even where only some spans are to be resolved.
"""
from __future__ import annotations

import dataclasses
import difflib
import functools
import re
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

from spacy.tokens import Doc

from eventcoder.places.gazetteer import (
    DATA_DIR,
    HOW_ALTERNATE,
    HOW_DEMONYM,
    HOW_NAME,
    HOW_SKELETON,
    TOWN_KINDS,
    Candidate,
    Gazetteer,
    name_key,
    skeleton,
)
from eventcoder.places.phrases import TIME_WORDS, Slot, find_slots, unit_hints, words as phrase_words
from eventcoder.places.resolve import HINT_KINDS, Mention, chain_of, contains, lookup

PLACE_LABELS = ("GPE", "LOC", "FAC")
# Entity labels that a place phrase never overlaps ("in May 2020", "in 24 provinces").
NOT_PLACE_LABELS = ("DATE", "TIME", "MONEY", "PERCENT", "CARDINAL", "ORDINAL", "QUANTITY", "LAW", "LANGUAGE")
# Kinds a capitalised name may be taken for without NER's agreement.
SCAN_KINDS = ("country", "admin1", "region", "area", "water", "continent")
# A city found only by the scan must be at least this big (small towns share names with words).
SCAN_CITY_POPULATION = 100_000
MAX_WORDS = 4
ALTERNATE_MIN_LETTERS = 5  # shortest other spelling of a big city that the scan takes alone
# A name NER called a person counts as a town after "to"/"from" only from this size ("a letter from Michael").
PERSON_TOWN_POPULATION = 10_000
SPELLING_RATIO = 0.8  # how alike another spelling of a big city must be ("Quamishli", "Al Qāmishlī")
DOMINANT_SKELETON_MIN = 4  # a shorter skeleton ("nsr") is shared by too many names to pick a city
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿĀ-ž][\w'’.\-]*")
_CONNECTORS = {"of", "de", "del", "la", "le", "el", "al", "and", "du", "des", "upon", "on", "da", "do", "dos", "das", "di"}


@functools.lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    lines = (DATA_DIR / "scan_stopwords.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _acceptable(candidates: Iterable, single_word: bool, demonyms: bool, surface: str = "") -> bool:
    # another spelling of a big city ("Taizz", "Heraklion") counts when it is a word of some length,
    # not an abbreviation or a short word that some alternate name happens to match ("No", "JaS")
    long_enough = len(surface) >= ALTERNATE_MIN_LETTERS and not surface.isupper()
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
        if place.kind in TOWN_KINDS and (place.population or 0) >= SCAN_CITY_POPULATION and \
                (cand.how == HOW_NAME or cand.how == HOW_ALTERNATE and long_enough):
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
            # a name of three words or more joined by a connector ("Mocimboa da Praia") is a town's
            # own name, not a chance sequence of words: a town of any recorded size is taken
            joined = n >= 3 and any(w.lower() in _CONNECTORS for _, _, w in span[1:-1])
            if candidates and (_acceptable(candidates, n == 1 and not abbreviation, demonyms, surface) or joined and any(
                    c.how == HOW_NAME and c.place.kind in ("city", "capital", "admin2") and (c.place.population or 0) > 0
                    for c in candidates)):
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


AREA_NOUNS = {"region", "area", "outskirts", "vicinity", "suburbs", "city", "town", "village", "district", "province",
              "entrance", "coast",
              # a bearing from a place ("lands east of Khuzaa"): what follows "of" is the place
              "north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest",
              "north-east", "north-west", "south-east", "south-west"}


def _locative_object(ent) -> bool:
    """The object of a locative preposition, directly or as "in the region of X"."""
    root = ent.root
    if root.dep_ != "pobj":
        return False
    prep = root.head
    if prep.lower_ == "of" and (prep.head.lemma_.lower() in AREA_NOUNS or prep.head.lower_ in phrase_words("of_people_noun")
                                or prep.head.lemma_.lower() in phrase_words("of_owner_noun")):
        # "the outskirts of X", "residents of X", "the port of X"
        return True
    return prep.lower_ in LOCATIVE_PREPS


def _object_of_place_verb(ent) -> bool:
    """The direct object of a verb whose object is often a place ("attacked Ayorou", "stormed
    Kaga-Bandoro"), which NER may take for a person."""
    root = ent.root
    return root.dep_ == "dobj" and root.head.lemma_.lower() in phrase_words("place_object_verb")


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
        # NER takes an unfamiliar town attacked for a person or an organisation ("JNIM attacked Barsalogho")
        attacked = ent.label_ in ("PERSON", "ORG") and _object_of_place_verb(ent)
        # "residents of Derry", "residents of Safita": the people of a place, whatever label NER gave the name
        people_of = ent.label_ in ("PERSON", "ORG") and ent.root.dep_ == "pobj" and people_of_place(ent.root.head)
        if (ent.label_ == "PERSON" and _locative_object(ent) or attacked or people_of) and ent.text[:1].isupper():
            # "flee to Goris": NER took an unfamiliar town for a person; the preposition says place
            # (a lower-case word is no name: "fled into the bush")
            candidates = [c for c in lookup(gazetteer, ent.text) if c.place.kind != "continent" and
                          (c.how == HOW_NAME or people_of and (c.place.population or 0) >= PERSON_TOWN_POPULATION)]
            if attacked:  # "attacked Ayorou": a town of some size, not a district named like a person
                candidates = [c for c in candidates if c.place.kind in TOWN_KINDS]
            if attacked or ent.root.head.lower_ in ("to", "from"):
                # "a letter from Michael", "attacked Ayorou": only towns of some size
                candidates = [c for c in candidates if (c.place.population or 0) >= PERSON_TOWN_POPULATION]
            if candidates:
                mentions.append(Mention(offset + ent.start_char, offset + ent.end_char, ent.text, candidates))
                continue
        if ent.label_ in PLACE_LABELS and ent.text.lower() in stopwords() and not _with_its_container(ent, gazetteer):
            continue  # "North" (avenue), "Region", "Metro"; not "Nice (Alpes-Maritimes)"
        if ent.label_ in PLACE_LABELS:
            # an alternate name of a small place is too weak on its own ("Kristina" -> Ristiina)
            everything = lookup(gazetteer, ent.text)
            candidates = [c for c in everything if c.how == HOW_NAME or c.place.kind in SCAN_KINDS
                          or (c.place.population or 0) >= PERSON_TOWN_POPULATION]
            if candidates or (everything and _locative_object(ent)):
                # once the name is taken for a place, the weak readings stay for the context to
                # choose among ("near Komsomolets" in a note about Ukraine: the Ukrainian village
                # of that former name, not the Russian town); "in Braytal" is a place by its preposition
                candidates = everything
                mentions.append(Mention(offset + ent.start_char, offset + ent.end_char, ent.text, candidates, ner=True))
            else:
                other_entities.append((offset + ent.start_char, offset + ent.end_char, ent.label_))
        else:
            other_entities.append((offset + ent.start_char, offset + ent.end_char, ent.label_))
    taken = [(m.start, m.end) for m in mentions]
    for found in scan(doc.text, gazetteer, demonyms=demonyms, offset=offset):
        span = (found.start, found.end)
        clashing = [t for t in taken if overlaps(span, t)]
        if clashing:
            # NER cut a longer name into pieces at a lower-case connector ("Azad Jammu" + "Kashmir",
            # "Mocimboa da" + "Praia"): the whole name the gazetteer holds replaces the pieces inside
            # it ("Paris City Hall" keeps "Paris": no connector joins it to "City")
            words = len(found.text.split())
            whole = any(w in _CONNECTORS for w in found.text.split()[1:-1]) and all(span[0] <= s and e <= span[1] and len(doc.text[s - offset:e - offset].split()) < words
                        for s, e in clashing) and any(c.how == HOW_NAME for c in found.candidates)
            if not whole:
                continue
            mentions = [m for m in mentions if (m.start, m.end) not in clashing]
            taken = [t for t in taken if t not in clashing]
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
    mentions += _unlabelled_locative_names(doc, gazetteer, mentions, other_entities, offset)
    mentions.sort(key=lambda m: m.start)
    return mentions


# Labels the small NER model gives unfamiliar village names ("in Rmeish": LANGUAGE, "the town hall of
# Zitacuaro": NORP) that a locative preposition overrules (a people's name is never read: see the
# demonym test below); PERSON is handled with the places, ORG and the rest are kept.
ODD_LABELS_FOR_NAMES = {"LANGUAGE", "PRODUCT", "WORK_OF_ART", "EVENT", "NORP"}


@functools.lru_cache(maxsize=1)
def _language_names() -> frozenset[str]:
    import pycountry

    return frozenset(lang.name.lower() for lang in pycountry.languages)


def _language_name(text: str) -> bool:
    return text.lower() in _language_names()


# Prepositions after which an unlabelled proper name is read as a place ("killed two in Rmeish").
# "to"/"from" are left out: they also take people ("a letter from Hassan").
BARE_NAME_PREPS = {"in", "near", "at", "outside", "around"}


def _locative(preposition) -> bool:
    """A locative preposition, or "of" after a noun that a town's name completes ("the town hall of
    Zitacuaro", "the outskirts of Rmeish", "the mayor of Tafas")."""
    if preposition.lower_ in BARE_NAME_PREPS:
        return True
    head = preposition.head.lemma_.lower()
    return preposition.lower_ == "of" and (head in phrase_words("of_noun") or head in phrase_words("of_owner_noun")
                                           or head in phrase_words("of_people_noun"))


def people_of_place(preposition) -> bool:
    """ "of" after the people of a place ("residents of Hasbaya"): what follows is a place, whatever
    label NER gave it (an organisation has no residents)."""
    return preposition.lower_ == "of" and preposition.head.lemma_.lower() in phrase_words("of_people_noun")


def _bearing_from(preposition) -> bool:
    """ "of" after a bearing with a distance: "40 km north of", "12 miles south-east of"."""
    bearing = preposition.head
    return preposition.lower_ == "of" and bearing.lower_ in phrase_words("bearing") and \
        any(c.dep_ in ("npadvmod", "nmod", "nummod") and (c.like_num or any(g.like_num for g in c.children))
            for c in bearing.children)


def _unlabelled_locative_names(doc: Doc, gazetteer: Gazetteer, mentions: list[Mention],
                               other_entities: list[tuple[int, int, str]], offset: int) -> list[Mention]:
    """A proper name that NER labelled nothing, written as the object of a locative preposition
    ("gunmen killed two soldiers in Rmeish"), is a place when the gazetteer holds a town, village or
    unit of exactly that name: the preposition says place, the gazetteer says which. A small stock
    model leaves many village names unlabelled."""
    taken = [(m.start, m.end) for m in mentions]
    labelled = [(s, e) for s, e, label in other_entities if label not in ODD_LABELS_FOR_NAMES]
    found: list[Mention] = []
    for token in doc:
        # "Bsharri residents": a name before the people of a place names the place (not a people's
        # name NER knows: "Christian residents")
        people = token.dep_ in ("compound", "amod", "poss", "nmod") and token.head.lemma_.lower() in phrase_words("of_people_noun") \
            and token.pos_ == "PROPN" and token.text[:1].isupper() and token.ent_type_ != "NORP" \
            and token.head.tag_ == "NNS"  # the people acting, not one person's description ("a Micanopy resident")
        if not people and (token.dep_ != "pobj" or token.pos_ != "PROPN" or not _locative(token.head)):
            continue
        # the name: the object and the proper-noun compounds before it ("Kfar Tebnit", "Gorom-Gorom")
        first = token
        while first.i > 0:
            before = doc[first.i - 1]
            if before.text == "-" and first.i > 1 and doc[first.i - 2].head == token and doc[first.i - 2].pos_ == "PROPN":
                first = doc[first.i - 2]
            elif before.dep_ == "compound" and before.head == token and before.pos_ == "PROPN":
                first = before
            else:
                break
        span = doc[first.i:token.i + 1]
        if people and first.is_sent_start:
            continue  # "Only city residents may ...": a capital at the start of a sentence says nothing
        if not all(t.text[:1].isupper() for t in span if t.text != "-") or span.text.lower() in stopwords():
            continue
        start, end = offset + span.start_char, offset + span.end_char
        if any(overlaps((start, end), t) for t in taken):
            continue
        # "40 km north of Gorom-Gorom": a distance and a bearing say place, whatever label NER gave
        if not people and not _bearing_from(token.head) and not people_of_place(token.head) and \
                any(overlaps((start, end), t) for t in labelled):
            continue
        everything = lookup(gazetteer, span.text)
        exact = [c for c in everything if c.how == HOW_NAME and c.place.kind in TOWN_KINDS + ("village", "admin1", "admin2")]
        # "written in English": a language or a people is no village ("English", Indiana)
        if exact and not any(c.how == HOW_DEMONYM for c in everything) and not _language_name(span.text):
            # a state known by another spelling stays a reading ("in Michoacan": the state, not
            # the village of that exact name in Chiapas)
            units = [c for c in everything if c.how != HOW_NAME and c.place.kind in ("admin1", "admin2")]
            found.append(Mention(start, end, span.text, exact + units))
    return found


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


@dataclass
class UnknownPlace:
    """A name that a place phrase shows to be a place but that no gazetteer holds ("the village of
    Gadabo (Anzourou, Tillaberi)"): the event-location stage falls back to what contains it."""

    start: int
    end: int
    text: str
    container: Optional[int]  # index (in the mention list) of the nearest known container
    near: bool = False


def _other_spellings(text: str, outers: list[Mention], inners: list[Mention], countries: set[str],
                     gazetteer: Gazetteer, hint: Optional[str] = None) -> list[Candidate]:
    """Other spellings of a phrase name ("Saraqab" for Saraqib, "Galgaduud" for Galguduud), kept only
    where the text vouches for them: inside a container written with the name, holding a place
    written inside it, or, for the top of a phrase, a province or district of a country the text
    names ("Urozgan" in a note on Afghan forces). A skeleton alone matches too many unrelated places
    (measured on the even half of ACLED 2020: reading towns by skeleton alone did more harm than good)."""
    found = []
    similar = gazetteer.similar(text)
    # a name inside it that no gazetteer spells so may be spelt otherwise too ("Keav Seima district
    # of Mondul Kiri": Kaev Seima in Mondol Kiri); two such spellings that fit vouch for each other
    inside = [c for m in inners for c in (m.candidates or close_spellings(gazetteer.similar(m.text), m.text))]
    # a container vouches only as a place that says where it is: not as a village reading (a namesake
    # of no size, itself kept only where the article points: "Kamara chiefdom (Kono)" is not near a
    # hamlet Kono in Japan), and, where the container's name also names a place of a country the
    # text points to, only as that place ("Kamako (Kasai)" in a note on Kamuina Nsapu is not by
    # Kasai in Japan but in Kasai province)
    vouchers = []
    for m in outers:
        readings = [c for c in m.candidates if c.how != HOW_DEMONYM and c.place.kind != "village"]
        pointed = [c for c in readings if c.place.country in countries]
        vouchers += pointed or readings
    for cand in similar:
        vouched_inside = [inner for inner in inside if contains(cand.place, inner.place)]
        if any(contains(outer.place, cand.place) for outer in vouchers) \
                or any(inner.how != HOW_SKELETON for inner in vouched_inside) \
                or (vouched_inside and cand.place.kind in ("admin1", "admin2") and close_spellings([cand], text)) \
                or (not outers and cand.place.kind in ("admin1", "admin2") and cand.place.country in countries
                    and hint != "settlement"  # "Sulaym village" is no district spelt otherwise
                    and close_spellings([cand], text)):  # "Wadi al Shay" is no Dallas County
            found.append(cand)
    if not found and not outers:
        found = _dominant_city(similar, text) or _only_unit(similar, text, hint)
    return found


def close_spellings(similar: Sequence[Candidate], text: str) -> list[Candidate]:
    """The places of the same skeleton spelt closely to ``text``."""
    written = _bare_key(text)
    return [c for c in similar if difflib.SequenceMatcher(None, written, _bare_key(c.place.name)).ratio() >= SPELLING_RATIO]


def _only_unit(similar: tuple[Candidate, ...], text: str, hint: Optional[str]) -> list[Candidate]:
    """"in Sulaimaniyah province": a name the words around it call a province or district is
    another spelling of the one province or district anywhere spelt closely (As Sulaymaniyah)."""
    if hint not in ("admin1", "admin2"):
        return []
    written = _bare_key(text)
    close = [c for c in similar if c.place.kind in ("admin1", "admin2")
             and difflib.SequenceMatcher(None, written, _bare_key(c.place.name)).ratio() >= SPELLING_RATIO]
    return close if len({(c.place.country, c.place.admin1) for c in close}) == 1 else []


def _dominant_city(similar: tuple[Candidate, ...], text: str) -> list[Candidate]:
    """"in Quamishli city": with nothing around it to vouch, another spelling still names a big city
    when it is spelt closely (a skeleton alone drops most letters: "Semyhiria" and "Asmara" share
    one) and no other closely spelt place is a tenth as big."""
    if len(skeleton(name_key(text))) < DOMINANT_SKELETON_MIN:
        return []
    written = _bare_key(text)
    close = sorted((c for c in similar
                    if difflib.SequenceMatcher(None, written, _bare_key(c.place.name)).ratio() >= SPELLING_RATIO),
                   key=lambda c: -(c.place.population or 0))
    if not close or close[0].place.kind not in TOWN_KINDS \
            or (close[0].place.population or 0) < SCAN_CITY_POPULATION:
        return []
    runner_up = max((c.place.population or 0 for c in close[1:]), default=0)
    return [close[0]] if close[0].place.population >= 10 * runner_up else []


def _bare_key(name: str) -> str:
    key = name_key(name)
    return key[3:] if key.startswith(("al ", "el ", "ar ", "as ", "ad ", "an ", "at ")) else key


def _same_name(mention: Mention, span: tuple[int, int], text: str, offset: int) -> bool:
    """A mention is the slot's name, or the name with the unit words the slot reader set apart
    ("Hays city" found by NER, "Hays" + "city" read by the phrase reader)."""
    if (mention.start, mention.end) == span:
        return True
    if mention.start != span[0] or mention.end <= span[1]:
        return False
    rest = text[span[1] - offset:mention.end - offset].split()
    return bool(rest) and all(word.lower() in unit_hints() for word in rest)


def _trusted(candidates: list[Candidate], countries: frozenset[str] = frozenset(), ner: bool = False,
             hint: Optional[str] = None) -> list[Candidate]:
    """Without a container to vouch for it, an alternate name of a small place is too weak
    ("Camp" is not Camp County, Texas): the filter NER's own place names go through. A place
    phrase in a text that names the place's country vouches for it ("attacked Iraqi forces in
    Makhmur district": Mexmur, Iraq), and so does NER where no place bears the name as its own
    ("fighting in Braytal": Brîtel, Lebanon), and so does a unit word that names the place's kind
    ("in Kurram district": Kurram District, whose own name has the unit word in it)."""
    if ner and not any(c.how == HOW_NAME for c in candidates):
        return [c for c in candidates if c.how == HOW_ALTERNATE]
    unit_kinds = HINT_KINDS.get(hint or "", ()) if hint in ("admin1", "admin2") else ()
    return [c for c in candidates if c.how == HOW_NAME or c.place.kind in SCAN_KINDS
            or (c.place.population or 0) >= PERSON_TOWN_POPULATION
            or (c.how == HOW_ALTERNATE and (c.place.country in countries or c.place.kind in unit_kinds))]


def _named_countries(mentions: list[Optional[Mention]]) -> set[str]:
    """Countries the text names outright, as a country or a nationality."""
    return {c.place.country for m in mentions if m is not None for c in m.candidates
            if c.place.kind == "country" and c.how in (HOW_NAME, HOW_DEMONYM) and c.place.country}


def _within(candidates: list[Candidate], outers: list[Mention]) -> list[Candidate]:
    """The candidates that some reading of a container holds."""
    return [c for c in candidates if any(contains(o.place, c.place) for m in outers for o in m.candidates
                                         if o.how != HOW_DEMONYM)]


_CONTAINER_AFTER = re.compile(r"\s*[(,]\s*([A-Z][^(),;.]{1,40}?)\s*[),]")


def _with_its_container(ent, gazetteer: Gazetteer) -> bool:
    """A name that is also a common word ("Nice", "Reading") written with a unit that holds a
    town of that name ("Nice (Alpes-Maritimes)", "Reading, Berkshire") is the town."""
    found = _CONTAINER_AFTER.match(ent.doc.text, ent.end_char)
    if found is None:
        return False
    towns = [c.place for c in lookup(gazetteer, ent.text) if c.how == HOW_NAME and c.place.kind in TOWN_KINDS]
    units = [c.place for c in lookup(gazetteer, found.group(1)) if c.how != HOW_DEMONYM]
    return any(contains(unit, town) for unit in units for town in towns)


def _misread_date(ent) -> bool:
    """A date or time entity that is only capitalised names ("in Quneitra", "the Taalabaya highway":
    NER's DATE for an unfamiliar name) is NER's mistake: dates have digits, month or day names, or
    lower-case words ("last week"); feasts ("Ramadan") are among the scan's stopwords."""
    if ent.label_ not in ("DATE", "TIME") or any(ch.isdigit() for ch in ent.text):
        return False
    names = ent.text.split()
    return all(w[:1].isupper() and w.lower() not in TIME_WORDS and w.lower() not in stopwords() for w in names)


_DIRECTION_BEFORE = re.compile(r"\b(east|west|north|south|eastern|western|northern|southern) $", re.IGNORECASE)


def _with_its_direction(slot: Slot, text: str, gazetteer: Gazetteer) -> Slot:
    """"in east Jerusalem": a direction word the phrase reader set apart as a modifier is part of
    the name where the two make a place's name (East Jerusalem is not Jerusalem)."""
    found = _DIRECTION_BEFORE.search(text, max(0, slot.start - 10), slot.start)
    if found is None:
        return slot
    whole = text[found.start():slot.end]
    if not any(name_key(c.place.name) == name_key(whole) for c in lookup(gazetteer, whole)):
        return slot
    return dataclasses.replace(slot, start=found.start(), text=whole)


def _town_before_its_unit(name: str, gazetteer: Gazetteer) -> Optional[tuple[int, list[Candidate]]]:
    """Where an unknown name is a town's name followed by the name of the state or province that
    holds it ("Tijuana Baja California"): the offset of the state's name in ``name`` and its
    candidates. The town must be known there: "Dar'a Al Balad" or "Aweil East" are names of their
    own, not places in a unit called "Balad" or "East"."""
    for word in list(re.finditer(r"\S+", name))[1:]:
        units = [c for c in lookup(gazetteer, name[word.start():]) if c.place.kind == "admin1" and c.how == HOW_NAME]
        towns = [c for c in lookup(gazetteer, name[:word.start()].rstrip()) if c.place.kind in TOWN_KINDS]
        if any(contains(u.place, t.place) for u in units for t in towns):
            return word.start(), units
    return None


def _with_its_unit_word(slot: Slot, text: str, gazetteer: Gazetteer) -> Optional[Slot]:
    """"in Aida camp", "the Beach camp", "near the Erez crossing": a settlement's or a site's unit word is part of the name where the
    gazetteer knows the name with it as another place than the bare name, and the bare name is
    no town of some size ("Aida" alone is a village in Japan; "Surat city" is Surat). A word that
    is no name alone ("Beach") is dropped where it is not."""
    # a city's part by its unit word ("in Nejmeh square": the square, which the gazetteer holds as such;
    # "the Erez crossing")
    if slot.unit_end is None or slot.hint not in ("settlement", "area", "feature"):
        return None if slot.needs_unit else slot
    whole = text[slot.start:slot.unit_end]
    with_unit = {c.place.id for c in lookup(gazetteer, whole) if c.how != HOW_DEMONYM}
    bare = lookup(gazetteer, slot.text)
    if not with_unit or with_unit <= {c.place.id for c in bare} or any(
            c.how == HOW_NAME and c.place.kind in TOWN_KINDS and (c.place.population or 0) >= PERSON_TOWN_POPULATION
            for c in bare):
        return None if slot.needs_unit else slot
    return dataclasses.replace(slot, end=slot.unit_end, text=whole, unit_end=None, needs_unit=False)


def _without_idle_closing_words(slots: list[Optional[Slot]], gazetteer: Gazetteer) -> list[Optional[Slot]]:
    """A word that is no name alone, read as the last container in brackets ("(Saida, South)"),
    stays only where some place of that name contains a place named like what is written inside
    it ("(Nkhotakota, Central)": Malawi's region is "Central Region", no "Central" holds Nkhotakota)."""
    for index, slot in enumerate(slots):
        if slot is None or not slot.closing_word:
            continue
        inner = [c for s in slots if s is not None and s.container == index for c in lookup(gazetteer, s.text)]
        if any(contains(c.place, i.place) for c in lookup(gazetteer, slot.text) if c.how != HOW_DEMONYM for i in inner):
            continue
        slots = [None if j == index else dataclasses.replace(s, container=None) if s is not None and s.container == index
                 else s for j, s in enumerate(slots)]
    return slots


def with_phrases(text: str, offset: int, mentions: list[Mention], gazetteer: Gazetteer,
                 doc: Optional[Doc] = None, countries: frozenset[str] = frozenset(),
                 not_places: Sequence[tuple[int, int]] = (),
                 ) -> tuple[list[Mention], dict[int, int], list[UnknownPlace]]:
    """Add the names of the text's place phrases (``phrases.find_slots``) to its mentions.

    Returns the mentions (those of phrases marked ``phrase``, with the kind the words around them
    name), the "written inside" links between them (mention index -> container index), and the
    phrase names no gazetteer holds, each with its nearest known container. ``countries``: countries
    the article names elsewhere (a one-country mission), which vouch for alternate names there;
    ``not_places``: spans (article offsets) that are known to name no place (a bank, a party). A phrase name is read
    only as a place inside its containers ("Tieba (Bankass, Mopti)" is not Tieba in China); where
    no such place is known, it is unknown and its containers locate it."""
    slots = [_with_its_unit_word(_with_its_direction(slot, text, gazetteer), text, gazetteer) for slot in find_slots(text)]
    slots = _without_idle_closing_words(slots, gazetteer)
    if not slots:
        return mentions, {}, []
    blocked = [(offset + e.start_char, offset + e.end_char) for e in (doc.ents if doc is not None else ())
               if e.label_ in NOT_PLACE_LABELS and not _misread_date(e)] + list(not_places)
    # one entry per slot: the mention it is (existing or new), built over a working list
    work: list[Optional[Mention]] = list(mentions)
    of_slot: dict[int, int] = {}
    named_after: dict[int, int] = {}  # a site's mention -> the town mention its name starts with
    written_before: dict[int, int] = {}  # a town's mention -> the state mention written after it, no comma
    for index, slot in enumerate(slots):
        if slot is None:
            continue
        span = (offset + slot.start, offset + slot.end)
        if any(overlaps(span, b) for b in blocked):
            continue
        same = next((i for i, m in enumerate(work) if m is not None and _same_name(m, span, text, offset)), None)
        if same is not None:
            m = work[same]
            m.hint, m.phrase, m.near = slot.hint, True, slot.near
            if (m.start, m.end) != span:  # "Hays city": the towns named "Hays" too, not only "Hays City"
                known = {c.place.id for c in m.candidates}
                m.candidates = m.candidates + [c for c in lookup(gazetteer, slot.text)
                                               if c.how != HOW_DEMONYM and c.place.id not in known]
            if slot.hint in ("admin1", "admin2") and any(c.how != HOW_DEMONYM for c in m.candidates):
                # "(Somali region)": a unit word makes a people's name the unit's ("Somali" of Ethiopia)
                m.candidates = [c for c in m.candidates if c.how != HOW_DEMONYM]
                m.output = True
            if m.inside in ("ORG", "PERSON", "NORP") and m.candidates:
                m.inside, m.output = None, True  # NER's label for an unfamiliar town after "in"
            of_slot[index] = same
            continue
        inner = [i for i, m in enumerate(work) if m is not None and overlaps((m.start, m.end), span)]
        candidates = [c for c in lookup(gazetteer, slot.text) if c.how != HOW_DEMONYM]
        if not candidates and slot.alternative:  # "Inalabag [Tin Elebag]": the other spelling is known
            candidates = [c for c in lookup(gazetteer, slot.alternative) if c.how != HOW_DEMONYM]
        if slot.bare and not candidates:
            continue  # with no preposition, only a name the gazetteer knows is read as a place
        if slot.text.isupper() and len(slot.text) <= 4:
            # an acronym ("UN", "LNA") is no town's name; a few are known abbreviations of states ("UP")
            candidates = [c for c in candidates if c.place.kind == "admin1" and c.how == HOW_ALTERNATE]
        partial = [i for i in inner if span[0] <= work[i].start and work[i].end <= span[1]]
        if inner and not candidates and len(partial) == len(inner) and all(
                set(w.lower() for w in (text[slot.start:work[i].start - offset] + " " +
                                        text[work[i].end - offset:slot.end]).split()) <= phrase_words("name_modifier")
                for i in inner):
            of_slot[index] = max(inner, key=lambda i: work[i].end - work[i].start)  # "Rural Damascus": Damascus
            continue
        if inner and len(partial) < len(inner):
            continue  # the slot cuts across another name: leave both alone
        split = _town_before_its_unit(slot.text, gazetteer) if not candidates and slot.hint is None else None
        if split is not None:
            # "in Mojolo Sinaloa", "in Tijuana Baja California": a town written before its state with
            # no comma; the state contains the town
            at, unit_candidates = split
            for i in partial:
                work[i] = None
            town = slot.text[:at].rstrip()
            work.append(Mention(span[0], span[0] + len(town), town,
                                [c for c in lookup(gazetteer, town) if c.how != HOW_DEMONYM], phrase=True, near=slot.near))
            work.append(Mention(span[0] + at, span[1], slot.text[at:], unit_candidates, phrase=True))
            of_slot[index] = len(work) - 2
            written_before[len(work) - 2] = len(work) - 1
            continue
        head = next((i for i in partial if work[i].start == span[0]), None)
        hyphenated = head is not None and text[work[head].end - offset:work[head].end - offset + 1] == "-"
        if not candidates and head is not None and (slot.container is None or hyphenated) and \
                unit_hints().get(slot.text.split()[0].lower()) != "area":  # "Colonia Bivalvo" is not in Colonia
            # "near Donetsk Airport", "Donetsk Filtration Station": a site named after the town it
            # belongs to; the town stays a place and contains the site
            work.append(Mention(span[0], span[1], slot.text, [], hint=slot.hint, phrase=True, near=slot.near))
            of_slot[index] = len(work) - 1
            named_after[len(work) - 1] = head
            continue
        for i in partial:  # "Bali Doogle" is not Bali; "Lower Juba" is more than Juba
            work[i] = None
        work.append(Mention(span[0], span[1], slot.text, candidates, hint=slot.hint, phrase=True, near=slot.near))
        of_slot[index] = len(work) - 1
    links: dict[int, int] = {}
    strong: dict[int, bool] = {}
    for index, slot in enumerate(slots):
        if slot is None:
            continue
        here, up = of_slot.get(index), slot.container
        if here is None or up is None or of_slot.get(up) is None or of_slot[up] == here:
            continue
        links[here] = of_slot[up]
        strong[here] = slot.link in ("paren", "in", "of")
    for town, state in written_before.items():
        links[town], strong[town] = state, True
    for site, town in named_after.items():
        if site in links and town not in links:
            links[town] = links[site]  # "Belgrade-Stari Grad, Serbia": Belgrade is in Serbia too
            # and is read inside it as a phrase name is ("Nawa-e Barakzayi district, Helmand": not
            # Nawa in Cote d'Ivoire)
            work[town].phrase = True  # type: ignore[union-attr]
        links[site], strong[site] = town, True
    # a neighbourhood written without its town ("in the Vale Verde neighborhood") belongs to the
    # town the sentence has named before it, not to a distant town of the same name
    for index, slot in enumerate(slots):
        if slot is None:
            continue
        here = of_slot.get(index)
        if here is None or slot.hint != "area" or here in links:
            continue
        containers = set(links.values())
        towns = [i for i, m in enumerate(work) if m is not None and i != here and m.phrase and m.candidates
                 and m.end <= work[here].start and m.hint != "area" and i not in containers]
        if towns:
            links[here], strong[here] = max(towns, key=lambda i: work[i].start), True
    inners: dict[int, list[int]] = {}
    for a, b in links.items():
        inners.setdefault(b, []).append(a)
    named = frozenset(_named_countries(work)) | countries
    # read each phrase name inside its containers, most specific name first
    read = set(of_slot.values()) | set(named_after.values()) | set(written_before.values())
    for index in sorted(read, key=lambda i: len(chain_of(links, i))):  # containers first
        mention = work[index]
        if mention is None or not mention.phrase:
            continue
        outers = [work[j] for j in chain_of(links, index) if work[j] is not None and work[j].candidates]
        if outers and (strong.get(index) or any(c.place.kind in ("country", "admin1", "admin2", "region")
                                                for c in outers[0].candidates)):
            # a village (no population to vouch for it) must lie in the nearest container written,
            # not only in the province further out ("Tikiapara of Howrah city": not a namesake 240 km off)
            mention.candidates = [c for c in _within(mention.candidates, outers)
                                  if c.place.kind != "village" or _within([c], outers[:1])]
        else:
            mention.candidates = _trusted(mention.candidates, named, mention.ner, mention.hint)
            if outers:  # a village must lie in what is written around it, else the name is unknown there
                inside = {c.place.id for c in _within(mention.candidates, outers)}
                mention.candidates = [c for c in mention.candidates if c.place.kind != "village" or c.place.id in inside]
        if all(c.place.kind == "village" for c in mention.candidates):
            # a village reading counts only where the article points to its country (resolve.gate_villages):
            # another spelling of a known place is still worth a look
            mention.candidates = mention.candidates + _other_spellings(
                mention.text, outers, [work[j] for j in inners.get(index, ()) if work[j] is not None],
                _named_countries(work) | countries, gazetteer, mention.hint)
    unknown: list[UnknownPlace] = []
    keep = [i for i, m in enumerate(work) if m is not None and m.candidates]
    new_index = {old: new for new, old in enumerate(keep)}
    for i, m in enumerate(work):
        if m is not None and m.phrase and not m.candidates:
            known = next((j for j in chain_of(links, i) if j in new_index), None)
            unknown.append(UnknownPlace(m.start, m.end, m.text, new_index.get(known) if known is not None else None,
                                        m.near))
    # a known name links to its nearest known container, past unknown ones between them
    links = {new_index[a]: new_index[b] for a in keep for b in [next((j for j in chain_of(links, a) if j in new_index), None)]
             if b is not None}
    return [work[i] for i in keep], links, unknown  # type: ignore[misc]
