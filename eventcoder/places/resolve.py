"""Toponym resolution: which place a name in an article means.

Each mention gets its candidates from the gazetteer (names and alternate names, insensitive to case,
diacritics and hyphens). A candidate's score starts from a prior (feature kind, population, whether
the name is the place's own or an alternate one) and then takes the article into account, in two
rounds: the countries and admin1 units that the article's other places point to, places close to
the others, neighbouring countries, containers written with the name ("Paris, Texas", "Tieba
(Bankass, Mopti)": the name is read inside them, the container as the unit that holds it), the words
around it ("Wardak province"), and the country of the event's actors when they share one. A town
far smaller than a namesake abroad (Geneva, Washington vs Geneva) needs evidence of its own, not just
the countries the article names. A village (the postal layer: kind "village") is read only in a
country the article already points to (``gate_villages``). Every choice keeps the reasons that
decided it.

The weights live in ``data/resolve_weights.json`` (tuned on the even half of LGL, see
benchmarks/gazetteer.py). Those added with the place phrases were set by hand and checked on the
even halves of LGL and ACLED 2020 (benchmarks/acled_places.py): ``holds_named_place`` (a container
that holds the name written inside it), ``kind_hint`` ("village", "province"), ``skeleton_name``
(another transliteration, weaker than an alternate name), and ``dominant_population`` /
``dominant_ratio`` / ``dominated_local_evidence`` (a town is dominated by a namesake abroad at least
100,000 strong and 8 times its size, and then needs that much local evidence).
"""
from __future__ import annotations

import functools
import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Optional, Sequence

from eventcoder.places.gazetteer import (
    DATA_DIR,
    HOW_ALTERNATE,
    HOW_DEMONYM,
    HOW_NAME,
    HOW_SKELETON,
    Candidate,
    Gazetteer,
    LOCAL_TOWN_KINDS,
    TOWN_KINDS,
    Place,
    get_gazetteer,
    name_key,
    skeleton,
)
from eventcoder.places.phrases import words as phrase_words
from eventcoder.record import Location

# ACLED geo_precision of a place by its feature kind: 1 a town, 2 part of a region, 3 a region.
PRECISION_OF_KIND = {
    "city": 1, "capital": 1, "village": 1, "area": 2, "admin2": 2,
    "admin1": 3, "region": 3, "country": 3, "continent": 3, "water": 3,
}
KIND_LABEL = {
    "city": "town", "capital": "capital city", "village": "village", "area": "area", "admin2": "county/district",
    "admin1": "province/state", "region": "region", "country": "country", "continent": "continent", "water": "sea",
}
# Kinds that say where the rest of the article is (they vote for a country / admin1).
CONTAINER_KINDS = ("country", "admin1", "admin2", "region", "area")


@functools.lru_cache(maxsize=1)
def weights() -> dict[str, float]:
    return json.loads((DATA_DIR / "resolve_weights.json").read_text(encoding="utf-8"))


@dataclass
class Mention:
    """A place name at character offsets of the article, and the places it may mean."""

    start: int
    end: int
    text: str
    candidates: list[Candidate]
    output: bool = True  # False for context-only mentions (found by the gazetteer scan)
    inside: Optional[str] = None  # label of the non-place entity it sits in ("the Nagorno Karabakh authorities": ORG)
    hint: Optional[str] = None  # what the words around it say it is: settlement, admin2, admin1 (phrases.Slot)
    phrase: bool = False  # read from a place phrase ("in X (A, B)"): a place by the way it is written
    near: bool = False  # the phrase puts the event around it ("near X", "the outskirts of X")
    ner: bool = False  # spaCy labelled it a place (GPE/LOC/FAC) and the gazetteer knows the name


@dataclass
class Resolution:
    place: Place
    how: int
    score: float
    margin: float  # lead over the runner-up
    alternatives: int  # how many candidates there were
    reasons: list[str] = field(default_factory=list)


_POSSESSIVE = re.compile(r"['’]s$")
_ABBREVIATIONS = (("st ", "saint "), ("ft ", "fort "), ("mt ", "mount "))


_UNIT_WORDS = ((" township", ""), (" twp", ""), (" co", " county"), (" city", ""), (" area", ""), (" region", ""))
# "Ohioans", "Minnesotans", "Ontarians", "Londoners", "Gazans": people of a place, by its name.
_PEOPLE_ENDINGS = (("ians", "ia"), ("ians", "io"), ("ians", ""), ("ans", "a"), ("ans", ""), ("ns", ""), ("ers", ""),
                   ("er", ""), ("ites", ""), ("is", ""), ("s", ""), ("i", ""))  # "Dagestani" -> Dagestan


# A numbered settlement or mine of a town ("Zolote-5", "Shakhta 3" is no town): the town is the place.
_NUMBERED_PART = re.compile(r"^([a-z][a-z ]{2,}[a-z]) \d{1,2}$")
_ARTICLES = {"al", "el", "ad", "ar", "as", "ash", "at", "az", "an", "ath", "adh", "es", "ez", "ed", "er", "et"}


def lookup(gazetteer: Gazetteer, text: str, loose: bool = False) -> list[Candidate]:
    """Candidates for a surface form, trying the forms news text writes ("Tripoli's", "St. Louis",
    "Readington Township", "Pott Co."). ``loose`` (for names already known to be places) also reads
    a people's name as its place ("Ohioans" -> Ohio)."""
    key = name_key(_POSSESSIVE.sub("", text.strip()))
    found = list(gazetteer.lookup(key))
    if not found:
        for short, full in _ABBREVIATIONS:
            if key.startswith(short):
                found = list(gazetteer.lookup(full + key[len(short):]))
                break
    if not found:
        for word, replacement in _UNIT_WORDS:
            if key.endswith(word) and len(key) > len(word) + 2:
                found = list(gazetteer.lookup(key[: -len(word)] + replacement))
                if found:
                    break
    if not found:
        # Arabic names with and without their article ("Ar-Raqqa" / "Raqqa", "Yusufiyah" / "Al Yusufiyah")
        head, _, rest = key.partition(" ")
        if (head in _ARTICLES or head in phrase_words("romance_article")) and rest:
            found = list(gazetteer.lookup(rest))  # "La Colonia Tovar" / "Colonia Tovar" too
        elif " " not in key and len(key) > 3:
            found = [c for c in gazetteer.lookup("al " + key) if c.how == HOW_NAME]
    if not found and (numbered := _NUMBERED_PART.match(key)):
        found = list(gazetteer.lookup(numbered.group(1)))  # "Zolote-5": a numbered part of Zolote
    if not found and loose and " " not in key:
        for ending, replacement in _PEOPLE_ENDINGS:
            if key.endswith(ending) and len(key) > len(ending) + 3:
                # a place's own name, a state's short name ("Dagestani" -> Dagestan), or a
                # nationality in the singular ("Czechs" -> Czech)
                found = [c for c in gazetteer.lookup(key[: -len(ending)] + replacement)
                         if c.how in (HOW_NAME, HOW_DEMONYM)
                         or (c.how == HOW_ALTERNATE and c.place.kind in ("country", "admin1", "region"))]
                if found:
                    break
    return found


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))


def prior(candidate: Candidate) -> float:
    """Score before context: the kind of place, its size, and how the name reached it."""
    w = weights()
    place = candidate.place
    population = place.population or (10 ** w["curated_log_population"] if place.kind in ("region", "area", "water") else 0)
    score = w["kind"][place.kind] + w["population"] * math.log10(population + 1)
    if candidate.how == HOW_ALTERNATE:
        score -= w["alternate_name"]
    elif candidate.how == HOW_DEMONYM:
        score -= w["demonym"]
    elif candidate.how == HOW_SKELETON:
        score -= w["skeleton_name"]
    return score


def _ratios(scores: Sequence[float]) -> list[float]:
    """Each reading's plausibility relative to the best one: exp(score - best score)."""
    top = max(scores)
    return [math.exp(x - top) for x in scores]


_POINT_KINDS = TOWN_KINDS + ("admin2", "area")


class _Context:
    """What the article's names say about each other. Every reading of a name votes with its
    plausibility relative to that name's best reading (1 for the best), so an ambiguous name still
    lends weight to the readings that agree with the rest of the article ("Paris" and "Henry County"
    are both in Tennessee). A name never votes for itself, and a repeated name votes once."""

    def __init__(self, mentions: Sequence[Mention], keys: Sequence[str], ratios: Sequence[list[float]]) -> None:
        self.countries: dict[str, dict[str, float]] = {}
        self.units: dict[str, dict[tuple, float]] = {}  # (country, admin1[, admin2]) -> vote
        self.grid: dict[tuple[int, int], list[tuple[str, float, float, float, str, str]]] = defaultdict(list)
        for mention, key, weights_ in zip(mentions, keys, ratios):
            if key in self.countries or not mention.candidates:
                continue
            countries: dict[str, float] = defaultdict(float)
            units: dict[tuple, float] = defaultdict(float)
            for cand, r in zip(mention.candidates, weights_):
                place = cand.place
                if place.country and place.kind != "continent":
                    countries[place.country] = max(countries[place.country], r)
                if place.country and place.admin1:
                    unit = (place.country, place.admin1)
                    units[unit] = max(units[unit], r)
                    if place.admin2:
                        units[unit + (place.admin2,)] = max(units[unit + (place.admin2,)], r)
                if place.kind in _POINT_KINDS and cand.how != HOW_DEMONYM and r > 0.01:
                    self.grid[(math.floor(place.lat), math.floor(place.lon))].append(
                        (key, place.lat, place.lon, r, place.name, place.kind))
            self.countries[key] = countries
            self.units[key] = units

    def country_support(self, key: str, country: str) -> tuple[float, float]:
        """Votes of the other names for ``country``, and its share of all their country votes."""
        votes = total = 0.0
        for owner, countries in self.countries.items():
            if owner != key and countries:
                votes += countries.get(country, 0.0)
                total += max(countries.values())
        return votes, (votes / total if total else 0.0)

    def voted_countries(self, key: str, floor: float = 0.5) -> set[str]:
        return {c for owner, countries in self.countries.items() if owner != key for c, v in countries.items() if v >= floor}

    def unit_support(self, key: str, unit: tuple, floor: float = 0.0) -> float:
        """Votes of the other names for a unit; a vote under ``floor`` (a name's unlikely reading,
        "Washington" the state when it is the capital) does not count."""
        return sum(v for owner, units in self.units.items() if owner != key for v in [units.get(unit, 0.0)] if v >= floor)

    def nearby(self, key: str, lat: float, lon: float, km: float, close_km: float,
               skip: frozenset[str] = frozenset()) -> tuple[float, Optional[str]]:
        """For each other name, its most plausible reading within ``km`` (full weight within
        ``close_km``, fading to nothing at ``km``); summed, with the name of the best one. The
        district readings of the names in ``skip`` do not count."""
        best: dict[str, tuple[float, str]] = {}
        reach = max(1, math.ceil(km / 80))  # degrees of latitude to look around (longitude cells shrink)
        for dlat in range(-reach, reach + 1):
            for dlon in range(-reach * 2, reach * 2 + 1):
                for owner, plat, plon, r, name, kind in self.grid.get((math.floor(lat) + dlat, math.floor(lon) + dlon), ()):
                    if owner == key or (owner in skip and kind == "admin2"):
                        continue
                    d = haversine_km(lat, lon, plat, plon)
                    if d > km:
                        continue
                    v = r * (1.0 if d <= close_km else (km - d) / (km - close_km))
                    if v > best.get(owner, (0.0, ""))[0]:
                        best[owner] = (v, name)
        if not best:
            return 0.0, None
        top = max(best.values())
        return sum(v for v, _ in best.values()), top[1]


_CONTAINER_GAP = re.compile(r"\s*(?:,|\()\s*")


def comma_chains(text: str, mentions: Sequence[Mention]) -> list[list[int]]:
    """Containers written right after a name: "Paris, Texas", "Abu Salim (Tripoli)", "Tieba
    (Bankass, Mopti)". For each mention, the indices of the mentions that may contain it, the most
    specific first (``phrases.find_slots`` reads longer chains for the event-location stage)."""
    order = sorted(range(len(mentions)), key=lambda i: mentions[i].start)
    direct: dict[int, int] = {}
    for a, b in zip(order, order[1:]):
        if mentions[b].start > mentions[a].end and _CONTAINER_GAP.fullmatch(text[mentions[a].end:mentions[b].start]):
            direct[a] = b
    return [chain_of(direct, i) for i in range(len(mentions))]


def chain_of(direct: dict[int, int], index: int) -> list[int]:
    """Follow "contained in" links from ``index`` (a link to nowhere ends the chain; no cycles)."""
    chain: list[int] = []
    current = direct.get(index)
    while current is not None and current != index and current not in chain:
        chain.append(current)
        current = direct.get(current)
    return chain


# How far a town may lie from a container that is itself a town (an admin2 named after its seat,
# "Abu Salim (Tripoli)"), and from the centre of a curated region or area.
TOWN_REACH_KM = 40.0
# How far a town of the same admin1 may lie from the centre of a district that the gazetteer does not
# list it in: districts are redrawn ("Tirupati (Chittoor, AP)": Tirupati has its own district since
# 2022), and a large one reaches 70 km from its centre.
ADMIN2_REACH_KM = 80.0
REGION_REACH_KM = {"region": 400.0, "area": 60.0, "water": 400.0}


@functools.lru_cache(maxsize=20_000)
def _names_its_unit(town: Place) -> bool:
    """A town named like the admin1 unit it lies in (Aleppo in Aleppo governorate, Idlib, Mopti):
    written as a container, the name may mean the whole unit."""
    town_key = name_key(town.name)
    unit = town.admin1 or ""
    label = get_gazetteer().admin1_labels.get((town.country or "", unit), "")
    keys = {name_key(unit), name_key(label)}
    for text in (unit, label):
        short = re.sub(r"\s+(province|governorate|region|state|oblast|district|department)$", "", text, flags=re.I)
        keys.add(name_key(short))
    if town_key in keys:
        return True
    bone = skeleton(town_key)
    return bool(bone) and bone in {skeleton(k) for k in keys if k}


def contains(outer: Place, inner: Place) -> bool:
    """Whether ``inner`` lies in ``outer`` as far as the gazetteer can tell."""
    if outer.id == inner.id:
        return False
    if outer.kind == "continent":
        return False
    if outer.kind == "country":
        return inner.kind != "country" and inner.country == outer.country
    if outer.country and inner.country != outer.country:
        return False
    if outer.kind == "admin1":
        # a curated region lies in a first-level unit only where the table names the unit (the Ghab plain, Hama)
        return inner.kind not in ("admin1", "country") and inner.admin1 == outer.admin1
    if outer.kind == "admin2":
        return inner.kind not in ("admin1", "admin2", "country", "region") and (
            inner.admin2 == outer.admin2 or (inner.admin1 == outer.admin1 and
                                             haversine_km(outer.lat, outer.lon, inner.lat, inner.lon) <= ADMIN2_REACH_KM))
    if outer.kind in TOWN_KINDS:
        if inner.kind not in TOWN_KINDS + ("area", "admin2"):
            return False
        if outer.admin1 and inner.admin1 == outer.admin1 and _names_its_unit(outer):
            return True  # "al-Hasakeh" the city also names al-Hasakeh the governorate
        if inner.kind == "admin2":
            return False
        if outer.admin2 and inner.admin2 == outer.admin2:
            return True
        return haversine_km(outer.lat, outer.lon, inner.lat, inner.lon) <= TOWN_REACH_KM
    reach = REGION_REACH_KM.get(outer.kind)
    return reach is not None and inner.kind not in ("country", "continent") and \
        haversine_km(outer.lat, outer.lon, inner.lat, inner.lon) <= reach


def _largest_towns(mention: Mention) -> dict[Optional[str], int]:
    """Population of the mention's largest town of that very name, by country."""
    largest: dict[Optional[str], int] = {}
    for c in mention.candidates:
        if c.how == HOW_NAME and c.place.kind in TOWN_KINDS:
            largest[c.place.country] = max(largest.get(c.place.country, 0), c.place.population or 0)
    return largest


def _score(
    candidate: Candidate,
    key: str,
    ctx: Optional[_Context],
    container_readings: Sequence[Sequence[tuple[Place, float]]],
    inner_readings: Sequence[tuple[Place, float]],
    hint: Optional[str],
    largest: dict[Optional[str], int],
    actor_countries: frozenset[str],
    gazetteer: Gazetteer,
    inner_keys: frozenset[str] = frozenset(),
) -> tuple[float, list[str]]:
    w = weights()
    place = candidate.place
    score = prior(candidate)
    reasons: list[str] = []
    # the containers written with the name, the most specific that says anything first
    for readings in container_readings:
        fit = max((r for other, r in readings if contains(other, place)), default=0.0)
        if fit > 0:
            holder = max((other for other, r in readings if contains(other, place) and r == fit), key=lambda p: p.population or 0)
            score += (w["comma_country"] if holder.kind == "country" else w["comma_admin1"]) * fit
            reasons.append(f"written with {holder.name}, which contains it")
            break
    if inner_readings:
        fit = max((r for other, r in inner_readings if contains(place, other)), default=0.0)
        if fit > 0:
            score += w["holds_named_place"] * fit
            reasons.append("contains the place named with it")
    if hint and (place.kind in HINT_KINDS.get(hint, ()) or (hint == "settlement" and place.kind == "capital")):
        score += w["kind_hint"]
    # a town far smaller than a big city of the same name in another country (Geneva, Washington
    # vs Geneva) needs
    # evidence of its own (its state named, a neighbour named, a container written with it) before
    # the countries the article names or its actors come from count for it: those say whose news
    # it is, not which of two towns is meant
    dominant = max((n for country, n in largest.items() if country != place.country), default=0)
    dominated = (place.kind in TOWN_KINDS + ("admin2",) and dominant >= w["dominant_population"]
                 and (place.population or 0) * w["dominant_ratio"] <= dominant)
    country_level = 0.0
    country_reasons: list[str] = []
    local = 0.0
    local_reasons: list[str] = []
    if ctx is not None and place.country:
        votes, share = ctx.country_support(key, place.country)
        if votes >= 0.05:
            country_level += w["context_country"] * min(1.0, votes) + w["context_country_share"] * share
            if votes >= 0.5:
                country_reasons.append(f"the article's other places are in {place.country}")
        elif gazetteer.neighbours.get(place.country, frozenset()) & ctx.voted_countries(key):
            country_level += w["context_neighbour"]
            country_reasons.append("borders the article's other countries")
        if place.admin1:
            votes = ctx.unit_support(key, (place.country, place.admin1))
            if votes >= 0.05:
                local += w["context_admin1"] * min(1.0, votes)
                if votes >= 0.5:
                    local_reasons.append(f"the article's other places are in {place.admin1}")
            if place.admin2:
                votes = ctx.unit_support(key, (place.country, place.admin1, place.admin2))
                if votes >= 0.05:
                    local += w["context_admin2"] * min(1.0, votes)
                    if votes >= 0.5:
                        local_reasons.append(f"the article's other places are in {place.admin2}")
        if place.kind in _POINT_KINDS:
            # a district written inside this name ("Nihm (Nihm, Sanaa)") speaks for the readings
            # that hold it (``holds_named_place``), not for those that merely lie near it (Sanaa the
            # city); a town written inside it may (near Opytne, Donetsk: the city or the oblast)
            support, name = ctx.nearby(key, place.lat, place.lon, w["near_km"], w["close_km"], inner_keys)
            if support >= 0.05:
                local += w["context_near"] * min(w["near_cap"], support)
                if support >= 0.3:
                    local_reasons.append(f"near {name}, also named in the article")
    if place.country and place.country in actor_countries:
        country_level += w["actor_country"]
        country_reasons.append(f"country of the event's actors ({place.country})")
    if dominated and local < w["dominated_local_evidence"] and not reasons:
        # nor does its kind count for it: a district of 12,000 (San Miguel canton, Ecuador) does not
        # outrank the city of 250,000 that bears the name (San Miguel, El Salvador)
        return score - w["kind"][place.kind], [BLOCKED]
    # a province or department far smaller than a big city of that name abroad (La Paz of El
    # Salvador vs La Paz, Bolivia) needs the article to point to its country at least: the
    # unit's country is evidence enough for a unit, not for a town. Without it the unit's kind
    # earns it nothing: it weighs no more than a town of its size
    if place.kind == "admin1" and dominant >= w["dominant_population"] \
            and (place.population or 0) * w["dominant_ratio"] <= dominant \
            and local + country_level < w["dominated_local_evidence"] and not reasons:
        return score - w["kind"]["admin1"], [BLOCKED]
    return score + local + country_level, reasons + country_reasons + local_reasons


BLOCKED = "a much larger town has this name and the article says nothing of this one"

# Feature kinds that the words around a name point to ("Menakuru village", "Wardak province").
HINT_KINDS = {"settlement": LOCAL_TOWN_KINDS, "admin2": ("admin2",), "admin1": ("admin1", "region"),
              "area": LOCAL_TOWN_KINDS + ("area",)}


def _prefer_cities(mention: Mention) -> Mention:
    """Drop an admin unit when a city of that exact name lies inside it: "Lviv" is the city, not
    Lviv oblast; "Paris" is the city, not the Paris département (same area, more precise). Not when
    the words around the name say it is a unit ("Wardak province", "Bungudu LGA")."""
    if mention.hint in ("admin1", "admin2"):
        return mention
    cities = [c.place for c in mention.candidates if c.place.kind in TOWN_KINDS and c.how == HOW_NAME]
    if not cities:
        return mention
    kept = [
        c for c in mention.candidates
        if not (c.place.kind == "admin1" and any(p.country == c.place.country and p.admin1 == c.place.name for p in cities))
        and not (c.place.kind == "admin2" and any(p.country == c.place.country and p.admin2 == c.place.name for p in cities))
    ]
    return _with_candidates(mention, kept)


def resolve_mentions(
    text: str,
    mentions: Sequence[Mention],
    actor_countries: Iterable[str] = (),
    gazetteer: Optional[Gazetteer] = None,
    chains: Optional[Sequence[Sequence[int]]] = None,
) -> list[Optional[Resolution]]:
    """Resolve the mentions of one article jointly (each one's context is all the others).
    ``chains[i]`` lists the mentions that mention i is written inside, the most specific first
    ("Tieba (Bankass, Mopti)"); by default the containers right after a comma or parenthesis.
    Village readings take part only where the article points to their country (``gate_villages``)."""
    gazetteer = gazetteer or get_gazetteer()
    known_actors = frozenset(c for c in actor_countries if c and gazetteer.country(c) is not None)
    if chains is None:
        chains = comma_chains(text, mentions)
    if not any(c.place.kind == "village" for m in mentions for c in m.candidates):
        return _resolve_jointly(text, mentions, known_actors, gazetteer, chains)
    towns = [_with_candidates(m, [c for c in m.candidates if c.place.kind != "village"]) for m in mentions]
    first = _resolve_jointly(text, towns, known_actors, gazetteer, chains)
    gated, set_aside = gate_villages(mentions, first, known_actors, chains)
    resolved = _resolve_jointly(text, gated, known_actors, gazetteer, chains)
    for mention, resolution, countries in zip(mentions, resolved, set_aside):
        if resolution is None:
            continue
        if resolution.place.kind == "village":
            resolution.reasons.append(f"a village in {resolution.place.country}, a country the article points to")
        if countries:
            resolution.alternatives = len(mention.candidates)  # the reason says what was set aside
            resolution.reasons.append(f"the village of that name in {', '.join(sorted(countries))} set aside: "
                                      "the article points to no place there")
    return resolved


# A town this size that bears a name outweighs the postal layer's hamlets of that name abroad.
VILLAGE_YIELDS_TO_TOWN = 20_000


def gate_villages(mentions: Sequence[Mention], towns_read: Sequence[Optional[Resolution]],
                  actor_countries: frozenset[str],
                  chains: Sequence[Sequence[int]] = ()) -> tuple[list[Mention], list[set[str]]]:
    """Keep a mention's village readings (the postal layer: many small namesakes the world over)
    only in a country the article already points to: a country or nationality it names, the
    country of another of its places as read without villages (a container written with the
    name, "Vodiane (Donetsk)", among them), an actor's country, or the country of a village of
    another name in the same place phrase ("Kakchira (Gulishakhali)": two names that only villages
    bear, in one country, vouch for each other). Returns the mentions and, for each, the
    countries of the village readings set aside."""
    named = {c.place.country for m in mentions for c in m.candidates
             if c.place.kind == "country" and c.how in (HOW_NAME, HOW_DEMONYM) and c.place.country}
    read = [r.place.country if r is not None else None for r in towns_read]
    gated: list[Mention] = []
    set_aside: list[set[str]] = []
    for i, mention in enumerate(mentions):
        villages = [c for c in mention.candidates if c.place.kind == "village"]
        if not villages:
            gated.append(mention)
            set_aside.append(set())
            continue
        others_read = {country for j, country in enumerate(read) if j != i and country}
        context = named | actor_countries | others_read
        context |= _villages_of_its_phrase(i, mentions, chains)
        dropped = [c for c in villages if c.place.country not in context]
        # a town of some size bears the very name ("Kotli", a district seat of Azad Kashmir): a
        # nameless hamlet of the postal layer in another country is not the likelier reading because
        # that country is named or acts ("Indian troops fired in Kotli"); only another place of the
        # article in that country keeps it
        towns = {c.place.country for c in mention.candidates if c.how == HOW_NAME and c.place.kind in TOWN_KINDS
                 and (c.place.population or 0) >= VILLAGE_YIELDS_TO_TOWN}
        if towns:
            places_read = {r.place.country for j, r in enumerate(towns_read)
                           if j != i and r is not None and r.place.kind not in ("country", "continent")}
            dropped += [c for c in villages if c not in dropped and c.place.country not in towns
                        and c.place.country not in places_read
                        and c.place.country not in _villages_of_its_phrase(i, mentions, chains)]
        gated.append(_with_candidates(mention, [c for c in mention.candidates if c not in dropped]))
        set_aside.append({c.place.country for c in dropped if c.place.country})
    return gated, set_aside


def _villages_of_its_phrase(i: int, mentions: Sequence[Mention], chains: Sequence[Sequence[int]]) -> set[str]:
    """The countries of the village readings of the other names in mention i's place phrase (its
    containers and the names written inside it), other spellings of its own name apart."""
    phrase = set(chains[i]) if i < len(chains) else set()
    phrase |= {j for j, chain in enumerate(chains) if i in chain}
    own = name_key(mentions[i].text)
    return {c.place.country for j in phrase - {i} if j < len(mentions) and name_key(mentions[j].text) != own
            for c in mentions[j].candidates if c.place.kind == "village" and c.place.country}


def _with_candidates(mention: Mention, candidates: list[Candidate]) -> Mention:
    if len(candidates) == len(mention.candidates):
        return mention
    return Mention(mention.start, mention.end, mention.text, candidates, mention.output, mention.inside, mention.hint,
                   mention.phrase, mention.near, mention.ner)


def _resolve_jointly(
    text: str,
    mentions: Sequence[Mention],
    known_actors: frozenset[str],
    gazetteer: Gazetteer,
    chains: Sequence[Sequence[int]],
) -> list[Optional[Resolution]]:
    # the actors' country says where a domestic event happened; actors of several countries (a
    # meeting of two ministers) say nothing about where they met
    actors = known_actors if len(known_actors) == 1 else frozenset()
    held_by = {i: chain[0] for i, chain in enumerate(chains) if chain}
    inners: dict[int, list[int]] = defaultdict(list)
    for inner, outer in held_by.items():
        inners[outer].append(inner)
    # a name that contains another is read as a unit where it is one ("Celaya, Guanajuato")
    mentions = [m if i in inners else _prefer_cities(m) for i, m in enumerate(mentions)]
    keys = [name_key(m.text) for m in mentions]
    inner_keys = [frozenset(keys[j] for j in inners.get(i, ())) - {keys[i]} for i in range(len(mentions))]
    largest = [_largest_towns(m) for m in mentions]
    temperature = weights()["temperature"]
    ratios = [_ratios([prior(c) / temperature for c in m.candidates]) if m.candidates else [] for m in mentions]
    ctx: Optional[_Context] = None
    scored: list[list[tuple[float, list[str], Candidate]]] = []
    for _round in range(weights()["rounds"]):  # prior only, then context from the previous round
        readings = [[(c.place, r) for c, r in zip(m.candidates, rs)] for m, rs in zip(mentions, ratios)]
        scored = [
            [(*_score(c, key, ctx, [readings[j] for j in chains[i]], [pr for j in inners.get(i, ()) for pr in readings[j]],
                      mention.hint, largest[i], actors, gazetteer, inner_keys[i]), c) for c in mention.candidates]
            for i, (mention, key) in enumerate(zip(mentions, keys))
        ]
        ratios = [_ratios([s / temperature for s, _, _ in items]) if items else [] for items in scored]
        # a reading held back by a much larger namesake lends no support to the others either
        # (else "Geneva" and "Washington" would read each other as the small Geneva in Washington)
        ratios = [[0.0 if reasons == [BLOCKED] else r for r, (_, reasons, _) in zip(rs, items)]
                  for rs, items in zip(ratios, scored)]
        ctx = _Context(mentions, keys, ratios)
    chosen: list[Optional[Resolution]] = []
    for items in scored:
        if not items:
            chosen.append(None)
            continue
        items = sorted(items, key=lambda item: (-item[0], -(item[2].place.population or 0), item[2].place.id))
        best_score, best_reasons, best = items[0]
        margin = best_score - items[1][0] if len(items) > 1 else 10.0
        chosen.append(Resolution(best.place, best.how, best_score, margin, len(items), best_reasons))
    return chosen


def describe(resolution: Resolution, text: str) -> str:
    """The reason for a resolution, in words."""
    place = resolution.place
    label = KIND_LABEL.get(place.kind, place.kind)
    where = ", ".join(x for x in (place.admin1 if place.admin1 != place.name else None, place.country) if x)
    head = f"'{text}' read as {place.name} ({label}{', ' + where if where else ''})"
    if resolution.alternatives == 1:
        return head + ": the only place of that name"
    if resolution.reasons:
        return head + ": " + "; ".join(dict.fromkeys(resolution.reasons))
    return head + f": the most prominent of {resolution.alternatives} places of that name"


def admin1_name(place: Place, gazetteer: Optional[Gazetteer] = None) -> Optional[str]:
    """The admin1 name to report for a place: the name the curated table reports it by, else the
    unit's English name where the gazetteer has one ("Aleppo" for Ḩalab), else its GeoNames name."""
    if place.kind in ("country", "continent", "water") or not place.admin1:
        return None
    gazetteer = gazetteer or get_gazetteer()
    reported = reported_admin1(place, gazetteer)
    if reported:
        return reported
    if place.kind == "admin1" and place.label:
        return place.label
    return gazetteer.admin1_labels.get((place.country, place.admin1), place.admin1)


def reported_admin1(place: Place, gazetteer: Optional[Gazetteer] = None) -> Optional[str]:
    """The name monitoring datasets report the place's admin1 unit by, where the curated table
    has one ("Grad Zagreb" -> "City of Zagreb", a Serbian okrug -> "Central Serbia", Dahuk inside
    the Kurdistan Region -> "Dahuk")."""
    if not place.country or not place.admin1:
        return None
    table = (gazetteer or get_gazetteer()).admin1_reported
    return table.get((place.country, place.admin1, place.admin2 or "")) or table.get((place.country, place.admin1, ""))


def to_location(mention: Mention, resolution: Resolution, admin1: Optional[str] = None) -> Location:
    """The Location of a resolved mention; ``admin1`` overrides the reported admin1 name (the
    article's own spelling of the unit)."""
    place = resolution.place
    return Location(
        text=mention.text,
        name=place.name,
        geonameid=place.geonameid,
        lat=place.lat,
        lon=place.lon,
        country=place.country,
        admin1=admin1 or admin1_name(place),
        precision=PRECISION_OF_KIND.get(place.kind, 3),
        reason=describe(resolution, mention.text),
        start=mention.start,
        end=mention.end,
    )


def _context_mentions(text: str, taken: Sequence[tuple[int, int]], gazetteer: Gazetteer) -> list[Mention]:
    """Countries, states, regions, big cities and demonyms elsewhere in the text: context only."""
    from eventcoder.places.mentions import overlaps, scan  # mentions builds on this module

    return [m for m in scan(text, gazetteer, demonyms=True) if not any(overlaps((m.start, m.end), t) for t in taken)]


# Words that make a name a water feature ("Red River", "Catawba River"): such a name is not the
# county or parish that a data package names after the river ("Red River Parish").
_WATER_WORDS = {"river", "creek", "bay", "harbor", "harbour", "lake", "gulf", "sea", "strait", "canal", "reservoir"}


def _water_name(key: str) -> bool:
    words = key.split()
    return len(words) > 1 and (words[-1] in _WATER_WORDS or words[0] in ("lake", "gulf"))


def _feature_candidates(key: str, candidates: list[Candidate]) -> list[Candidate]:
    """A water feature's name keeps only water features and places that bear the whole name as
    their own ("Fall River" the city), not a unit it was shortened from ("Red River Parish")."""
    if not _water_name(key):
        return candidates
    return [c for c in candidates if c.place.kind == "water" or name_key(c.place.name) == key]


def _article_place(mentions: Sequence[Mention], resolved: Sequence[Optional[Resolution]]) -> Optional[Resolution]:
    """The place the article is about: the town or district it names most often (the first named
    on a tie), else its most named province or state."""
    for kinds in (TOWN_KINDS + ("admin2",), ("admin1",)):
        counts: dict[int, list[Resolution]] = {}
        for mention, resolution in zip(mentions, resolved):
            if resolution is not None and resolution.place.kind in kinds and resolution.how != HOW_DEMONYM:
                counts.setdefault(resolution.place.id, []).append(resolution)
        if counts:
            return max(counts.values(), key=len)[0]
    return None


def resolve_spans(
    text: str,
    spans: list[tuple[int, int]],
    date: Optional[str] = None,
    actor_countries: Iterable[str] = (),
) -> list[Optional[Location]]:
    """Resolve the place names at the given character spans, with the whole text as context.
    ``date`` is the story date (kept for time-aware names; the gazetteer holds current names).
    A name no gazetteer holds (a lake, a park, a district, a hamlet) is a place the article
    locates: it stands in at the place the article names most, precision 2 (local news names the
    lakes and neighbourhoods of its own town)."""
    gazetteer = get_gazetteer()
    targets = []
    for s, e in spans:
        key = name_key(text[s:e])
        targets.append(Mention(s, e, text[s:e], _feature_candidates(key, lookup(gazetteer, text[s:e], loose=True))))
    mentions = targets + _context_mentions(text, spans, gazetteer)
    resolved = resolve_mentions(text, mentions, actor_countries, gazetteer)
    found: list[Optional[Location]] = [to_location(m, r) if r is not None else None for m, r in zip(targets, resolved)]
    if any(loc is None for loc in found):
        holder = _article_place(mentions, resolved)
        if holder is not None:
            for i, (mention, loc) in enumerate(zip(targets, found)):
                if loc is None:
                    found[i] = to_location(mention, holder).model_copy(update={
                        "precision": 2, "reason": f"'{mention.text}' {unknown_because(mention)}; the article's own "
                                                  f"place, {holder.place.name}, stands in for it"})
    return found


def unknown_because(mention: Mention) -> str:
    """Why a name was read as no place: no gazetteer holds it, or only villages in countries the
    article does not point to bear it (``gate_villages``)."""
    abroad = sorted({c.place.country for c in mention.candidates if c.place.kind == "village" and c.place.country})
    if abroad:
        return f"names only villages in countries the article does not point to ({', '.join(abroad)})"
    return "is in no gazetteer"


def find_toponyms(text: str, date: Optional[str] = None, actor_countries: Iterable[str] = ()) -> list[Location]:
    """Find and resolve the place names of a raw text (spaCy NER plus the gazetteer scan).
    Nationalities ("Azerbaijani") are context here, not toponyms."""
    from eventcoder.nlp import load_model
    from eventcoder.places.mentions import mentions_in_doc, propagate

    gazetteer = get_gazetteer()
    doc = load_model()(text)
    mentions = propagate(text, mentions_in_doc(doc, gazetteer), doc)
    mentions += _context_mentions(text, [(m.start, m.end) for m in mentions], gazetteer)
    resolved = resolve_mentions(text, mentions, actor_countries, gazetteer)
    found = [to_location(m, r) for m, r in zip(mentions, resolved) if m.output and r is not None]
    return sorted(found, key=lambda loc: loc.start)
