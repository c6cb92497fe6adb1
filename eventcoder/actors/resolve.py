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

KIND_RANK = {"person": 0, "organization": 1, "country": 2, "capital": 3, "demonym": 4}
SECTOR_NAMES = {
    "MIL": "Military of {c}", "GOV": "Government of {c}", "COP": "Police of {c}", "REB": "Rebels ({c})",
    "CVL": "Civilians ({c})", "PTY": "Political party ({c})", "JRN": "Media ({c})", "UAF": "Unidentified armed group ({c})",
    "NGO": "NGO ({c})", "IGO": "{c}",
}
MAX_NGRAM = 6


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
    lines = (DATA / "collectives.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(w for line in lines if not line.startswith("#") for w in line.split())


def _sector_word(words: list[str], head: Optional[str]) -> Optional[str]:
    """The sector a phrase's words name, its head first; a collective head ("a group of citizens")
    comes last, after the words for its members."""
    table = load_dictionary().sector_words
    candidates = ([head.lower()] if head else []) + list(reversed(words))
    collective = [w for w in candidates if w in collective_nouns()]
    candidates = [w for w in candidates if w not in collective_nouns()] + collective
    for word in candidates:
        for form in (word, word[:-1] if word.endswith("s") else word, word[:-2] if word.endswith("es") else word):
            if form in table:
                return table[form]
    return None


def _names_capitalised(entries: list[Entry], text: str, phrase: str) -> list[Entry]:
    """Organisations and people only where their name is written with a capital: "an amnesty" is
    not Amnesty International."""
    if not any(e.kind in ("organization", "person") for e in entries):
        return entries
    found = re.search(r"\b" + r"\W+".join(map(re.escape, phrase.split())), text, re.IGNORECASE)
    if found is None or not found.group(0).islower():
        return entries
    return [e for e in entries if e.kind not in ("organization", "person")]


def _place_elsewhere(word: str, country: Optional[str]) -> bool:
    """A town or region of another country goes by this spelling ("Marawi" is not Malawi)."""
    from eventcoder.places.gazetteer import get_gazetteer, name_key

    return any(c.place.country != country for c in get_gazetteer().lookup(name_key(word)))


def resolve_text(text: str, story_date: str, head: Optional[str] = None) -> Optional[Resolution]:
    """Resolve the words of a mention; ``head`` is the lemma of its syntactic head, if known."""
    d = load_dictionary()
    norm = normalise(text)
    if not norm:
        return None
    whole = _names_capitalised(d.lookup(norm), text, norm)
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
    found: list[Entry] = []
    used: set[int] = set()
    for n in range(min(MAX_NGRAM, len(words)), 0, -1):
        for i in range(len(words) - n + 1):
            if used & set(range(i, i + n)):
                continue
            hits = _names_capitalised(d.lookup(" ".join(words[i:i + n])), text, " ".join(words[i:i + n]))
            if hits:
                found.append(_best(hits))
                used |= set(range(i, i + n))
    if not found:  # "Ethopia", "Quatar": a country's name with a typing slip, written as a name
        for word in text.split():
            word = word.strip(".,;:'\"()").removesuffix("'s").removesuffix("’s")
            slips = [e for e in d.near_miss(word) if not _place_elsewhere(word, e.country)] if word[:1].isupper() else []
            if slips:
                found.append(_best(slips))
    named = [e for e in found if e.kind in ("person", "organization")]
    if named:
        e = named[0]
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
