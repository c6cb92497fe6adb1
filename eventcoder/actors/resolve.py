"""Resolve an actor mention's words to a name, a country and a sector.

Order of evidence: the whole phrase as a dictionary name (person, organisation, country,
capital as metonym, demonym); then names inside the phrase plus an office title ("the American
Secretary of State" → the holder on the story date) or a sector word ("the Armenian army").
"""
from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from typing import Optional

from eventcoder.actors.dictionary import DATA, Entry, load_dictionary, normalise
from eventcoder.record import ActorRef
from eventcoder.wordlists import word_set

KIND_RANK = {"person": 0, "organization": 1, "country": 2, "capital": 3, "demonym": 4}
SECTOR_NAMES = {
    "MIL": "Military of {c}", "GOV": "Government of {c}", "COP": "Police of {c}", "REB": "Rebels ({c})",
    "CVL": "Civilians ({c})", "PTY": "Political party ({c})", "JRN": "Media ({c})", "UAF": "Unidentified armed group ({c})",
    "NGO": "NGO ({c})", "IGO": "{c}",
}
MAX_NGRAM = 6
ANAPHORIC = ("the ", "this ", "that ", "these ", "those ")  # a phrase that points back to one named before


@dataclass(frozen=True)
class Resolution:
    name: str
    country: Optional[str]
    sector: Optional[str]
    reason: str
    kind: str = "group"  # person | organization | country | group


@functools.lru_cache(maxsize=1)
def _offices() -> list[tuple[str, str]]:
    with (DATA / "offices.tsv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.reader(handle, delimiter="\t") if r and not r[0].startswith("#")]
    return [(normalise(r[0]), r[1]) for r in rows]


def _best(entries: list[Entry]) -> Entry:
    return sorted(entries, key=lambda e: KIND_RANK.get(e.kind, 9))[0]


@functools.lru_cache(maxsize=1)
def collective_nouns() -> frozenset[str]:
    """Nouns for a body of people (actors/data/collectives.txt)."""
    return word_set(DATA / "collectives.txt")


@functools.lru_cache(maxsize=1)
def armed_bodies() -> frozenset[str]:
    """Nouns for an armed body whose sector an armed word qualifying them overrides
    (actors/data/armed_bodies.txt): "police forces" are police, "rebel troops" rebels."""
    return word_set(DATA / "armed_bodies.txt")


ARMED_SECTORS = ("COP", "REB", "UAF")  # the qualifiers that say whose armed body it is


def _forms(word: str) -> tuple[str, ...]:
    """The word and its singulars by plain English rules ("forces", "militias")."""
    return (word, word[:-1] if word.endswith("s") else word, word[:-2] if word.endswith("es") else word)


def _sector_word(words: list[str], head: Optional[str]) -> Optional[str]:
    """The sector a phrase's words name: a two-word name first ("military police", "armed group"),
    then its head; a collective head ("a group of citizens") comes last, after the words for its
    members; an armed body ("police forces", "rebel troops") takes the sector of an armed word
    qualifying it."""
    table = load_dictionary().sector_words
    for first, second in zip(words, words[1:]):
        for form in _forms(second):
            if f"{first} {form}" in table:
                return table[f"{first} {form}"]
    candidates = ([head.lower()] if head else []) + list(reversed(words))
    if candidates and candidates[0] in armed_bodies():
        for word in candidates[1:]:
            found = next((table[f] for f in _forms(word) if f in table), None)
            if found in ARMED_SECTORS:
                return found
    collective = [w for w in candidates if w in collective_nouns()]
    candidates = [w for w in candidates if w not in collective_nouns()] + collective
    for word in candidates:
        for form in _forms(word):
            if form in table:
                return table[form]
    return None


def _names_capitalised(entries: list[Entry], text: str, phrase: str) -> list[Entry]:
    """Organisations and people only where their name is written with a capital: "an amnesty" is
    not Amnesty International. A short name the dictionary only knows in capitals ("CAR", "US",
    "CV") only where it is written in capitals: "a car" is no country."""
    if not entries:
        return entries
    key = normalise(phrase)
    caps_only = key in load_dictionary().caps_only
    # a country or capital written in lower case is a word ("male", "victoria"), not the place
    if not caps_only and not any(e.kind in ("organization", "person", "country", "capital") for e in entries):
        return entries
    found = re.search(r"\b" + r"\W+".join(map(re.escape, phrase.split())), text, re.IGNORECASE)
    if found is None:
        return entries
    written = found.group(0)
    run = _name_around(text, found.start(), found.end())
    # "The PRC demanded …": a sentence's capitalised article is no part of the name it precedes
    bare = re.sub(r"^(the|a|an)\s+", "", run, flags=re.IGNORECASE)
    if run != written and bare != written and any(e.kind in ("country", "capital") for e in entries):
        # "Valle de Santiago", "Victoria de Durango": a capital's name inside a longer place name
        entries = [e for e in entries if e.kind not in ("country", "capital") or not _place_elsewhere(run, e.country)]
    if caps_only and len(key.replace(" ", "")) <= 3 and not written.isupper():
        return []
    if not written.islower():
        return entries
    return [e for e in entries if e.kind not in ("organization", "person", "country", "capital") and not caps_only]


NAME_LINKS = {"de", "del", "do", "da", "di", "la", "el", "dos", "das", "des"}


def _name_around(text: str, start: int, end: int) -> str:
    """The run of capitalised words (joined by "de", "del", …) that the words at start:end are part of."""
    words = [(m.start(), m.end(), m.group(0)) for m in re.finditer(r"[\w'-]+", text)]
    inside = [i for i, (s, e, _) in enumerate(words) if s < end and e > start]
    if not inside:
        return text[start:end]
    first, last = inside[0], inside[-1]

    def capital(i: int) -> bool:
        return words[i][2][:1].isupper()

    def joined(i: int) -> bool:  # word i and word i + 1 are separated by spaces only, no comma
        return not text[words[i][1]:words[i + 1][0]].strip()

    def linked(a: int, b: int) -> bool:  # word b continues the name left or right of word a
        lo, hi = min(a, b), max(a, b)
        if not 0 <= lo or hi >= len(words) or not all(joined(k) for k in range(lo, hi)):
            return False
        return capital(b) and (hi - lo == 1 or words[(lo + hi) // 2][2] in NAME_LINKS)

    while True:
        step = 1 if linked(first, first - 1) else 2 if linked(first, first - 2) else 0
        if not step:
            break
        first -= step
    while True:
        step = 1 if linked(last, last + 1) else 2 if linked(last, last + 2) else 0
        if not step:
            break
        last += step
    return text[words[first][0]:words[last][1]]


def _place_elsewhere(word: str, country: Optional[str]) -> bool:
    """A town or region of another country goes by this spelling ("Marawi" is not Malawi)."""
    from eventcoder.places.gazetteer import get_gazetteer, name_key

    return any(c.place.country != country for c in get_gazetteer().lookup(name_key(word)))


def _head_sector(head: Optional[str]) -> Optional[str]:
    """The sector the head word alone names ("forces" → MIL), if any."""
    if not head:
        return None
    table = load_dictionary().sector_words
    return next((table[f] for f in _forms(head.lower()) if f in table), None)


@functools.lru_cache(maxsize=1)
def currency_words() -> frozenset[str]:
    """Currency words ("dollar", "pound"): a country named before one names a currency, no side."""
    from eventcoder.places.phrases import words  # places reads this table; actors only borrow it

    return words("currency")


@functools.lru_cache(maxsize=1)
def foreign_mission_words() -> frozenset[str]:
    """Embassy words ("embassy", "consulate"): a country named before one names the state whose
    mission it is, which stands abroad; it says nothing of who acted there."""
    from eventcoder.places.phrases import words

    return words("foreign_mission_noun")


def resolve_text(text: str, story_date: str, head: Optional[str] = None) -> Optional[Resolution]:
    """Resolve the words of a mention; ``head`` is the lemma of its syntactic head, if known."""
    d = load_dictionary()
    norm = normalise(text)
    if not norm:
        return None
    whole = _names_capitalised(d.lookup(norm, story_date), text, norm)
    if whole:
        e = _best(whole)
        if e.kind == "demonym":
            plural = norm.endswith("s") or norm in ("french", "british", "swiss", "dutch", "chinese", "japanese")
            person = text.strip().lower().startswith(("a ", "an "))  # "a Palestinian": one person
            sector = "CVL" if plural or person else None
            return Resolution(text.strip(), e.country, sector, "demonym", "group")
        if e.kind == "capital":
            return Resolution(e.name, e.country, "GOV", f"capital '{text.strip()}' stands for its government", "country")
        return Resolution(e.name, e.country, e.sector, f"dictionary {e.kind}", e.kind)
    words = norm.split()
    currency = currency_words()
    found: list[Entry] = []
    used: set[int] = set()
    for n in range(min(MAX_NGRAM, len(words)), 0, -1):
        for i in range(len(words) - n + 1):
            if used & set(range(i, i + n)):
                continue
            hits = _names_capitalised(d.lookup(" ".join(words[i:i + n]), story_date), text, " ".join(words[i:i + n]))
            if i + n < len(words) and words[i + n] in currency:
                # "the US dollar exchange rate": a currency's country names no side
                hits = [e for e in hits if e.kind not in ("country", "demonym", "capital")]
            if hits:
                found.append(_best(hits))
                used |= set(range(i, i + n))
    if not found:  # "Ethopia", "Quatar": a country's name with a typing slip, written as a name
        for word in text.split():
            word = word.strip(".,;:'\"()").removesuffix("'s").removesuffix("’s")
            common = _sector_word([word.lower()], None) is not None  # "Child", "Police": words, not slips
            slips = [e for e in d.near_miss(word) if not _place_elsewhere(word, e.country)] \
                if word[:1].isupper() and not common else []
            if slips:
                found.append(_best(slips))
    named = [e for e in found if e.kind in ("person", "organization")]
    if named:
        e = named[0]
        armed = _head_sector(head or words[-1])
        if e.sector in ("GOV", "PTY") and armed in ("MIL", "COP", "REB", "UAF"):
            # "pro-Hadi forces", "GNA troops", "CNDD-FDD militia": the armed body of whoever is named
            return Resolution(f"Forces of {e.name}", e.country, armed, f"armed body of {e.kind} named in the phrase",
                              "group")
        return Resolution(e.name, e.country, e.sector, f"{e.kind} named in the phrase", e.kind)
    country = next((e.country for e in found if e.kind in ("country", "demonym", "capital")), None)
    if country:
        for phrase, office in _offices():
            if f" {phrase} " in f" {norm} ":
                tenure = d.office_holder(country, office, story_date)
                if tenure:
                    return Resolution(tenure.holder, country, tenure.sector,
                                      f"{office} of {country} on {story_date}", "person")
    sector = _sector_word(words, head)
    if sector == "CVL" and {"group", "groups"} & set(words) and text.strip().lower().startswith(ANAPHORIC) \
            and _sector_word([w for w in words if w not in ("group", "groups")], None) is None:
        sector = None  # "the group claimed …": a group named before, whose kind this phrase does not say
    if sector in (None, "CVL") and ("armed" in words or "gunmen" in words):
        sector = "UAF"  # "armed men": not civilians
    if country and sector:
        cname = d.country_names.get(country, country)
        return Resolution(SECTOR_NAMES.get(sector, "{c}").format(c=cname), country, sector,
                          "country word + sector word", "group")
    if country:
        e = next(e for e in found if e.country == country)
        # "two Palestinians": people of that nationality, as a plural demonym alone is
        plural_people = e.kind == "demonym" and words[-1].endswith("s") and len(words) <= 3
        sector = "GOV" if e.kind in ("country", "capital") else ("CVL" if plural_people else None)
        return Resolution(d.country_names.get(country, country), country, sector, f"{e.kind} in the phrase", "group")
    if sector:
        return Resolution(text.strip(), None, sector, "sector word only; country unknown", "group")
    return None


def resolve_mention(text: str, story_date: str, start: int = 0, end: Optional[int] = None) -> Optional[ActorRef]:
    """An ActorRef for a mention's text, or None when nothing in it is known."""
    res = resolve_text(text, story_date)
    if res is None:
        return None
    return ActorRef(text=text, name=res.name, country=res.country, sector=res.sector,
                    start=start, end=start + len(text) if end is None else end, reason=res.reason)
