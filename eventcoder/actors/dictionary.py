"""The actor dictionary: countries, capitals, demonyms, organisations and office-holders.

Everything comes from data files beside this module (``data/``); this module only indexes them.
Keys are normalised (lower-case, no leading article, no punctuation between words) so that
"the U.S.", "US" and "U.S" meet.
"""
from __future__ import annotations

import csv
import functools
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

DATA = Path(__file__).resolve().parent / "data"
REGIONS_FILE = Path(__file__).resolve().parents[1] / "places" / "data" / "regions.tsv"


@dataclass(frozen=True)
class Entry:
    """A dictionary name and what it stands for."""

    name: str
    country: Optional[str]
    sector: Optional[str]
    kind: str  # country | capital | demonym | organization | person
    start: Optional[str] = None  # ISO day the name first stands for this (None: always)
    end: Optional[str] = None  # ISO day it stops standing for this (exclusive; None: still does)

    def holds_on(self, day: Optional[str]) -> bool:
        """Whether the name stands for this entry on ``day`` ("Houthis" are Yemen's de facto state
        forces from 2015 in ACLED's coding, rebels before). Undated mentions take every entry."""
        if not day:
            return True
        return (self.start is None or self.start <= day) and (self.end is None or day < self.end)


@dataclass(frozen=True)
class Tenure:
    holder: str
    office: str
    country: str
    sector: str
    start: str
    end: Optional[str]

    def holds_on(self, day: str) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclass
class ActorDictionary:
    names: dict[str, list[Entry]] = field(default_factory=dict)
    tenures: list[Tenure] = field(default_factory=list)
    sector_words: dict[str, str] = field(default_factory=dict)
    country_names: dict[str, str] = field(default_factory=dict)  # alpha3 -> common name
    demonym_of: dict[str, str] = field(default_factory=dict)  # normalised demonym -> alpha3
    # keys that only ever come from a name written in capitals ("CAR", "US", "CV"): "a car" is no
    # country and "the cv" no gang, so such a key matches only text written in capitals
    caps_only: set[str] = field(default_factory=set)
    _mixed_case_keys: set[str] = field(default_factory=set)

    def add(self, key: str, entry: Entry) -> None:
        norm = normalise(key)
        if norm:
            bucket = self.names.setdefault(norm, [])
            if entry not in bucket:
                bucket.append(entry)
            if _is_acronym(key) and norm not in self._mixed_case_keys:
                self.caps_only.add(norm)
            elif not _is_acronym(key):
                self._mixed_case_keys.add(norm)
                self.caps_only.discard(norm)

    def lookup(self, text: str, day: Optional[str] = None) -> list[Entry]:
        """Entries for a name; with ``day``, only those the name stands for on that day."""
        return [e for e in self.names.get(normalise(text), []) if e.holds_on(day)]

    def near_miss(self, word: str) -> list[Entry]:
        """Country or demonym entries one typing slip away from ``word`` ("Ethopia", "Quatar",
        "Afganistan"): a letter dropped, added, changed or two swapped. Only for words of five letters
        or more, matched against names as long, so short words do not collide. Not capitals: town
        names are too alike ("Valle" is not "The Valley", "Santa" not "Sanaa")."""
        found = self._near_cache.get(word)
        if found is None:
            found = [e for key in _near_keys(self, word) for e in self.names[key] if e.kind in ("country", "demonym")]
            if len(self._near_cache) > 200_000:  # a long run's vocabulary: keep the memory bounded
                self._near_cache.clear()
            self._near_cache[word] = found
        return found

    @functools.cached_property
    def _near_cache(self) -> dict[str, list[Entry]]:
        return {}  # word -> its near misses: the scan is slow and articles repeat words

    @functools.cached_property
    def slip_candidates(self) -> dict[tuple[str, int], list[str]]:
        """Single-word country and demonym names of five letters or more, by first letter and length
        (what a slip can match: ``near_miss`` returns only those kinds)."""
        index: dict[tuple[str, int], list[str]] = {}
        for key, entries in self.names.items():
            if " " not in key and len(key) >= MIN_SLIP_LENGTH and \
                    any(e.kind in ("country", "demonym") for e in entries):
                index.setdefault((key[0], len(key)), []).append(key)
        return index

    def holders(self, person: str, day: str) -> list[Tenure]:
        return [t for t in self.tenures if t.holder == person and t.holds_on(day)]

    def office_holder(self, country: str, office: str, day: str) -> Optional[Tenure]:
        """Who held ``office`` of ``country`` on ``day`` (ISO), if the dictionary knows."""
        for tenure in self.tenures:
            if tenure.country == country and tenure.office == office and tenure.holds_on(day):
                return tenure
        return None


MIN_SLIP_LENGTH = 5
LONGEST_NAME_WORDS = 5  # organisation names longer than this are read by their shorter aliases
_WORD = re.compile(r"[\w'’-]+")


def organisations_in(text: str, day: Optional[str] = None) -> list[tuple[int, int, Entry]]:
    """The dictionary's organisations the text names anywhere, as (start, end, entry), the longest
    name at each place first: written with a capital, and an acronym in capitals ("IS", not "is")."""
    d = load_dictionary()
    words = list(_WORD.finditer(text))
    found: list[tuple[int, int, Entry]] = []
    i = 0
    while i < len(words):
        step = 1
        if words[i].group()[0].isupper():
            for n in range(min(LONGEST_NAME_WORDS, len(words) - i), 0, -1):
                start, end = words[i].start(), words[i + n - 1].end()
                key = normalise(text[start:end])
                if key in d.caps_only and not text[start:end].isupper():
                    continue
                entries = [e for e in d.lookup(key, day) if e.kind == "organization"]
                if entries:
                    found.append((start, end, entries[0]))
                    step = n
                    break
        i += step
    return found


def _is_acronym(key: str) -> bool:
    """A name written in capitals only, dots allowed: "CAR", "U.S.", "CPI(M)", "MS-13"."""
    letters = [ch for ch in key if ch.isalpha()]
    return bool(letters) and all(ch.isupper() for ch in letters) and " " not in key.strip()


def one_slip_apart(a: str, b: str) -> bool:
    """True when ``b`` is ``a`` with one letter dropped, added, changed, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k in range(len(short)) if short[k] != long_[k]), len(short))
    return short[i:] == long_[i + 1:]


def _near_keys(d: "ActorDictionary", word: str) -> list[str]:
    word = normalise(word)
    if len(word) < MIN_SLIP_LENGTH or " " in word or word in d.names:
        return []
    # a name plus a letter ("Korean", "Sudani") is a word of its own, left out of the tables on purpose
    return [key for length in (len(word) - 1, len(word), len(word) + 1)
            for key in d.slip_candidates.get((word[0], length), ())
            if not word.startswith(key) and one_slip_apart(word, key)]


_PUNCT = re.compile(r"[^\w\s'-]")


_LEADING_ARTICLE = re.compile(r"^(the|a|an)\s+")
_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=65_536)  # the same names and phrases recur across and within articles
def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("’", "'").replace("-", " ")
    text = _PUNCT.sub("", text.lower())
    text = _LEADING_ARTICLE.sub("", text.strip())
    text = text.removesuffix("'s")
    return _SPACES.sub(" ", text).strip()


def _rows(path: Path) -> Iterator[list[str]]:
    with path.open(encoding="utf-8") as handle:
        for row in csv.reader(handle, delimiter="\t"):
            if row and not row[0].startswith("#"):
                yield row


def _split(cell: str) -> list[str]:
    return [c for c in cell.split("|") if c]


@functools.lru_cache(maxsize=1)
def load_dictionary() -> ActorDictionary:
    d = ActorDictionary()
    rows = list(_rows(DATA / "countries.tsv"))[1:]
    extra = {r[0]: r for r in _rows(DATA / "country_extra.tsv")}
    # a name the curated table gives to one country is not another's ("American" is the USA's)
    claimed = {normalise(k): a3 for a3, r in extra.items() for cell in r[1:4] for k in _split(cell)}
    listed = {r[0] for r in rows}
    # a state the country table lacks (Kosovo, XKX) is named by its curated row alone
    rows += [[a3, (_split(r[1]) or [a3])[0], "", "", ""] for a3, r in extra.items() if a3 not in listed]
    for alpha3, name, aliases, demonyms, capital, *_ in rows:
        more = extra.get(alpha3, [alpha3, "", "", ""]) + [""] * 4
        demonyms = "|".join(k for k in _split(demonyms) if claimed.get(normalise(k), alpha3) == alpha3)
        aliases = "|".join(k for k in _split(aliases) if claimed.get(normalise(k), alpha3) == alpha3)
        capital = capital if claimed.get(normalise(capital), alpha3) == alpha3 else ""
        common = _common_name(name, _split(more[1]))
        d.country_names[alpha3] = common
        country = Entry(common, alpha3, "GOV", "country")
        for key in [name, common, *_split(aliases), *_split(more[1])]:
            d.add(key, country)
        for key in [*_split(demonyms), *_split(more[2])]:
            d.add(key, Entry(common, alpha3, None, "demonym"))
            d.demonym_of.setdefault(normalise(key), alpha3)
        for key in [capital, *_split(more[3])]:
            if key:
                d.add(key, Entry(f"Government of {common}", alpha3, "GOV", "capital"))
    for line in (DATA / "organizations.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            org = json.loads(line)
            entry = Entry(org["name"], org["country"], org["sector"], "organization",
                          org.get("start"), org.get("end"))
            for key in [org["name"], *org["aliases"]]:
                d.add(key, entry)
    for line in (DATA / "officeholders.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            person = json.loads(line)
            entry = Entry(person["name"], person["country"], person["sector"], "person")
            for key in [person["name"], *person["aliases"]]:
                d.add(key, entry)
            for office in person["offices"]:
                d.tenures.append(Tenure(person["name"], office["office"], person["country"],
                                        person["sector"], office["start"], office["end"]))
    for alias, name, country, sector in _figures():
        d.add(alias, Entry(name, country, sector, "person"))
    for word, sector, *_ in _rows(DATA / "sectors.tsv"):
        d.sector_words[word] = sector
    return d


def _figures() -> Iterator[tuple[str, str, str, str]]:
    """(alias, full name, country, sector) for each name in data/figures.tsv: well-known leaders whose
    dated tenures the dictionary does not hold; a name alone says whose side they speak for."""
    for name, aliases, country, sector, *_ in _rows(DATA / "figures.tsv"):
        for alias in _split(aliases) or [name]:
            yield alias, name, country, sector


def _common_name(official: str, aliases: list[str]) -> str:
    # "Iran, Islamic Republic of", "Russian Federation", "Türkiye": news text says Iran, Russia, Turkey
    awkward = "," in official or "(" in official or official.endswith("Federation") or not official.isascii()
    better = [a for a in aliases if len(a) > 4 and " " not in a or a.count(" ") == 1 and len(a) > 6]
    return better[0] if awkward and better else official


def _region_names() -> list[str]:
    """Names of the curated regions (places package), labelled as places by the entity ruler."""
    if not REGIONS_FILE.exists():
        return []
    names: list[str] = []
    with REGIONS_FILE.open(encoding="utf-8") as handle:
        reader = csv.DictReader((l for l in handle if not l.startswith("#")), delimiter="\t")
        for row in reader:
            names.append(row.get("name") or "")
            names.extend(_split(row.get("aliases") or ""))
    return [n for n in names if n]


# aliases kept out of the entity ruler: common words, places, or letters with other meanings
# ("AA" batteries, "CV" a résumé); the resolver still reads them inside a phrase the parser found
RULER_SKIP = frozenset({"IS", "AP", "AU", "WHO", "Brussels", "Wagner", "AA", "CV", "RR", "HM", "NAS", "SOG", "SoG",
                        "OPS", "G9", "Ambas", "Amba", "Hashd", "Maoist", "Shene", "Fano"})


def ruler_patterns() -> list[dict]:
    """Entity-ruler patterns so known names get the right label before the statistical NER runs."""
    d = load_dictionary()
    label_of = {"country": "GPE", "capital": "GPE", "demonym": "NORP", "organization": "ORG", "person": "PERSON"}
    patterns: list[dict] = []
    seen: set[tuple[str, str]] = set()

    def add(label: str, text: str) -> None:
        # short all-caps acronyms are risky as patterns only when they are also common words
        if len(text) < 2 or (label, text) in seen:
            return
        seen.add((label, text))
        patterns.append({"label": label, "pattern": text})

    rows = list(_rows(DATA / "countries.tsv"))[1:]
    extra = {r[0]: r for r in _rows(DATA / "country_extra.tsv")}
    listed = {r[0] for r in rows}
    # a state the country table lacks (Kosovo, XKX) is named by its curated row alone
    rows += [[a3, (_split(r[1]) or [a3])[0], "", "", ""] for a3, r in extra.items() if a3 not in listed]
    for alpha3, name, aliases, demonyms, capital, *_ in rows:
        more = extra.get(alpha3, [alpha3, "", "", ""]) + [""] * 4
        for key in [name, *_split(more[1])]:
            add("GPE", key)
        for key in [capital, *_split(more[3])]:
            if key and not key.startswith("the "):
                add("GPE", key)
        for key in [*_split(demonyms), *_split(more[2])]:
            if key not in ("US", "U.S."):
                add("NORP", key)
    for line in (DATA / "organizations.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            org = json.loads(line)
            for key in [org["name"], *org["aliases"]]:
                if key not in RULER_SKIP:
                    add("ORG", key)
    for line in (DATA / "officeholders.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            person = json.loads(line)
            for key in [person["name"], *person["aliases"]]:
                add("PERSON", key)
    for alias, *_ in _figures():
        add("PERSON", alias)
    for name in _region_names():
        add("LOC", name)
        if "-" in name:
            add("LOC", name.replace("-", " "))
    return patterns
