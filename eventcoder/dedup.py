"""Cross-article deduplication: the reports of one real event linked into one cluster.

A news stream tells one shelling in forty articles. Every report (a *mention*: one stored event
record) is kept; mentions of the same real event share a cluster, and the cluster carries a
canonical record, how many articles and outlets told it, when it was first and last reported,
and each article's figures ("accounts") with ACLED's rule for the canonical count: the lowest
reported number.

How two mentions are compared (``compare``):

- hard limits first: the same (or a compatible) PLOVER type, the same realized/negated/
  hypothetical status, date windows at most two days apart (a window's width follows the ACLED
  time precision), and, when both are located, a distance within the radius their geo precision
  allows and the same country;
- then evidence, added up as log-odds weights (Fellegi-Sunter record linkage): same day, same
  town, shared proper names, shared content words of the evidence sentences, close casualty
  counts, same mode, overlapping actors and recipients (country and sector), the same article.
  A pair whose weights reach the threshold is the same event. Every weight, window and word
  list is a data file (``eventcoder/data/dedup_*.tsv``).

Clustering is incremental (``link_pending``): after each store write, the mentions not yet in a
cluster are compared only with the mentions that share a blocking key with them within the date
window: the article, a participant or place country, a proper name, a one-degree grid cell
around the location, or a MinHash LSH band of the evidence words (``datasketch``). A key whose
block holds more than MAX_BLOCK_CLUSTERS events is skipped (block purging: "c:USA" in a wire
feed), and a cluster is met through at most REPS_PER_CLUSTER of its members. A mention joins the
cluster of its best-scoring match (if that cluster's canonical record does not contradict it)
or starts a new one; existing clusters are never re-clustered, so the cost per article depends
on how many reports fall in the date window, not on the size of the store.
``LinkStats.pairs_compared`` measures it. Linking after every batch or once after several gives
the same clusters and compares the same pairs (the order is the order of the writes).

Tables (in the store's DuckDB file): ``clusters`` (one row per cluster, with the canonical record
as JSON), ``cluster_members`` (event id -> cluster id, with the match it was linked by) and
``dedup_keys`` (the blocking index).
"""
from __future__ import annotations

import calendar
import collections
import contextlib
import csv
import datetime as dt
import functools
import hashlib
import math
import re
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterable, Optional, Sequence
from urllib.parse import urlparse

import duckdb
import pyarrow as pa
from pydantic import BaseModel, Field

from eventcoder import store
from eventcoder.record import Account, Event, Source

MAX_GAP_DAYS = 2  # date windows further apart than this are different events
TOWN_KM = 10.0  # two town-precision locations this close are the same town
GRID_DEG = 1.0  # blocking cell size for located mentions
MINHASH_PERM, LSH_ROWS = 48, 2  # 24 bands of 2 rows: J=0.25 pairs meet in a band ~80% of the time
# Block purging: a key shared by the mentions of more than MAX_BLOCK_CLUSTERS events in the
# window ("c:USA" in a wire feed) tells nothing and would make linking quadratic; it is skipped.
# Within a block, a cluster is met through at most REPS_PER_CLUSTER of its members, so an event
# told by 300 outlets costs a new report 5 comparisons, not 300.
MAX_BLOCK_CLUSTERS, REPS_PER_CLUSTER = 50, 5

SCHEMA = """
CREATE TABLE IF NOT EXISTS clusters (
    id VARCHAR NOT NULL,               -- 'cl-' + the id of the cluster's first mention
    canonical_event_id VARCHAR NOT NULL,
    event_type VARCHAR, mode VARCHAR, realized BOOLEAN,
    event_date DATE, date_precision INTEGER,
    country VARCHAR, location_name VARCHAR, lat DOUBLE, lon DOUBLE, geo_precision INTEGER,
    dead INTEGER, injured INTEGER, arrested INTEGER,
    n_mentions INTEGER, n_articles INTEGER, n_sources INTEGER, sources VARCHAR[],
    first_report DATE, last_report DATE,
    record JSON NOT NULL,              -- the canonical Event, with the accounts
    updated_at TIMESTAMP DEFAULT current_timestamp
);
CREATE TABLE IF NOT EXISTS cluster_members (
    event_id VARCHAR NOT NULL, cluster_id VARCHAR NOT NULL, article_id VARCHAR NOT NULL,
    linked_to VARCHAR,                 -- the mention it matched best (null: it started the cluster)
    score DOUBLE,
    linked_at TIMESTAMP DEFAULT current_timestamp
);
CREATE TABLE IF NOT EXISTS dedup_keys (
    event_id VARCHAR NOT NULL, key VARCHAR NOT NULL, event_type VARCHAR NOT NULL,
    status VARCHAR NOT NULL, lo DATE NOT NULL, hi DATE NOT NULL
);
"""


# --------------------------------------------------------------------------- rules (data files)

@dataclass(frozen=True)
class Rules:
    weights: dict[tuple[str, str], float]
    threshold: float
    halfwidth: dict[object, int]  # precision (1/2/3 or "missing") -> days
    radius_km: dict[int, float]
    compatible: frozenset[frozenset[str]]
    daily_types: frozenset[str]
    stopwords: frozenset[str]
    generic_names: frozenset[str]

    def w(self, feature: str, level: str) -> float:
        return self.weights[(feature, level)]

    def compatible_types(self, event_type: str) -> list[str]:
        others = {t for pair in self.compatible if event_type in pair for t in pair}
        return sorted(others | {event_type})


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("eventcoder").joinpath(f"data/{name}").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


@functools.lru_cache(maxsize=1)
def load_rules() -> Rules:
    from spacy.lang.en.stop_words import STOP_WORDS

    weights: dict[tuple[str, str], float] = {}
    for row in _rows("dedup_weights.tsv"):
        weights[(row["feature"], row["level"])] = float(row["weight"])
    halfwidth: dict[object, int] = {}
    radius: dict[int, float] = {}
    for row in _rows("dedup_windows.tsv"):
        key = row["precision"]
        if key == "missing":
            halfwidth["missing"] = int(row["date_halfwidth_days"])
        else:
            halfwidth[int(key)] = int(row["date_halfwidth_days"])
            radius[int(key)] = float(row["radius_km"])
    compatible = frozenset(frozenset((r["type_a"], r["type_b"])) for r in _rows("dedup_compatible_types.tsv"))
    extra = {r["word"].strip().lower() for r in _rows("dedup_stopwords.tsv")}
    calendar_words = {w for w in list(calendar.day_name) + list(calendar.month_name) + list(calendar.month_abbr) if w}
    generic = {r["word"].strip() for r in _rows("dedup_generic_names.tsv")} | calendar_words
    daily = frozenset(r["type"] for r in _rows("dedup_daily_types.tsv"))
    return Rules(weights, weights.pop(("link", "threshold")), halfwidth, radius, compatible, daily,
                 frozenset(STOP_WORDS) | frozenset(extra), frozenset(generic))


# --------------------------------------------------------------------------- mention features

_WORD = re.compile(r"[A-Za-z]+|\d+")
# a run of capitalised words ("Kaura Namoda", "Armed Forces of Armenia"); a possessive ends the
# run ("Nigeria's Zamfara State" holds two names), an inner apostrophe does not ("O'Neil")
_NAME_WORD = r"[A-Z][\w.\-]*(?:['’](?!s\b)[A-Za-z][\w.\-]*)?"
_NAME_RUN = re.compile(rf"{_NAME_WORD}(?:\s+(?:of\s+|de\s+|al[\s-]+)?{_NAME_WORD})*")


def _stem(word: str) -> str:
    """A crude suffix strip, so that 'killing', 'killed' and 'kills' meet."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_words(text: str, rules: Optional[Rules] = None) -> frozenset[str]:
    rules = rules or load_rules()
    words = (w.lower() for w in _WORD.findall(text))
    return frozenset(_stem(w) for w in words if w not in rules.stopwords and (len(w) > 2 or w.isdigit()))


def proper_names(text: str, rules: Optional[Rules] = None) -> frozenset[str]:
    """Runs of capitalised words, minus the sentence's first word and generic words at either end."""
    rules = rules or load_rules()
    names = set()
    for match in _NAME_RUN.finditer(text):
        words = [w.rstrip(".,").removesuffix("'s").removesuffix("’s") for w in match.group().split()]
        if match.start() == 0 or text[: match.start()].rstrip().endswith((".", "\"", "“")):
            words = words[1:]  # a sentence's first word is capitalised whatever it is
        while words and words[0] in rules.generic_names:
            words = words[1:]
        while words and words[-1] in rules.generic_names:
            words = words[:-1]
        if words and not (len(words) == 1 and len(words[0]) < 2):
            names.add(" ".join(words).lower())
    return frozenset(names)


def source_key(source: Optional[str], url: Optional[str]) -> Optional[str]:
    """The outlet an article came from: its source name, else its URL's domain."""
    if source and source.strip():
        return " ".join(source.lower().split())
    if url:
        host = urlparse(url if "//" in url else f"//{url}").netloc.lower().split(":")[0]
        return host.removeprefix("www.") or None
    return None


def _party_tokens(refs: Iterable) -> frozenset[str]:
    tokens = set()
    for ref in refs:
        if ref.sector:
            tokens.add(f"s:{ref.sector}")
        if ref.country:
            tokens.add(f"c:{ref.country}")
    return frozenset(tokens)


@dataclass
class Mention:
    """One stored event record with what the comparison needs, computed once."""

    event: Event
    source: Optional[str]
    story_date: dt.date
    lo: dt.date  # the event's date window
    hi: dt.date
    exact: bool  # dated to the day from words in the article (not a fallback)
    names: frozenset[str]
    words: frozenset[str]
    actors: frozenset[str]
    recipients: frozenset[str]
    countries: frozenset[str]  # participants' countries
    status: str  # realized, negated or hypothetical: only mentions of one status can be one event
    _keys: dict[object, frozenset[str]] = field(default_factory=dict, repr=False)

    def keys(self, probe: bool = False) -> frozenset[str]:
        """Blocking keys, computed once (the MinHash is the costly part)."""
        if probe not in self._keys:
            self._keys[probe] = frozenset(blocking_keys(self, probe))
        return self._keys[probe]

    @property
    def id(self) -> str:
        return self.event.id

    @property
    def article_id(self) -> str:
        return self.event.article_id

    @property
    def point(self) -> Optional[tuple[float, float]]:
        loc = self.event.location
        if loc is None or loc.lat is None or loc.lon is None:
            return None
        return loc.lat, loc.lon


def text_features(event: Event, rules: Optional[Rules] = None) -> dict[str, list[str]]:
    """The costly part of a mention, from its evidence text alone: proper names, content words
    and MinHash LSH bands. The Dask engine computes it on the workers, next to the coding."""
    rules = rules or load_rules()
    words = content_words(event.evidence.text, rules)
    return {"names": sorted(proper_names(event.evidence.text, rules)), "words": sorted(words),
            "bands": lsh_bands(words)}


def make_mention(event: Event, source: Optional[str], rules: Optional[Rules] = None,
                 features: Optional[dict[str, list[str]]] = None) -> Mention:
    """A stored (or about to be stored) event record, ready to compare; ``features`` are its
    ``text_features`` when already computed."""
    rules = rules or load_rules()
    story = dt.date.fromisoformat(event.story_date)
    day: Optional[dt.date] = None
    if event.date:
        with contextlib.suppress(ValueError):
            day = dt.date.fromisoformat(event.date[:10])
    if day is None:  # no date of its own: the story day or a few days before
        lo, hi, exact = story - dt.timedelta(days=rules.halfwidth["missing"]), story, False
    else:
        width = rules.halfwidth.get(event.date_precision or 1, 0)
        lo, hi = day - dt.timedelta(days=width), day + dt.timedelta(days=width)
        exact = (event.date_precision or 1) == 1 and not event.date_reason
    features = features or text_features(event, rules)  # the location is compared as a place, not a name
    countries = frozenset(r.country for r in [*event.actors, *event.recipients] if r.country)
    mention = Mention(event, source, story, lo, hi, exact, frozenset(features["names"]), frozenset(features["words"]),
                      _party_tokens(event.actors), _party_tokens(event.recipients), countries,
                      "negated" if event.negated else "hypothetical" if event.hypothetical else "realized")
    mention._keys["bands"] = frozenset(features["bands"])
    return mention


# --------------------------------------------------------------------------- comparison

@dataclass(frozen=True)
class Comparison:
    score: float
    levels: tuple[str, ...]  # "feature/level" for every weight that was added

    def __str__(self) -> str:
        return f"{self.score:+.1f} ({', '.join(self.levels)})"


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def _jaccard(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _ratio(a: int, b: int) -> float:
    return 1.0 if max(a, b) == 0 else min(a, b) / max(a, b)


def date_gap(a: Mention, b: Mention) -> int:
    """Days between the two date windows (0 when they overlap)."""
    return max(0, (max(a.lo, b.lo) - min(a.hi, b.hi)).days)


def hard_conflict(a: Mention, b: Mention, rules: Rules) -> Optional[str]:
    """Why the two cannot be one event, or None."""
    ta, tb = a.event.event_type, b.event.event_type
    if ta != tb and frozenset((ta, tb)) not in rules.compatible:
        return "type"
    if a.status != b.status:
        return "status"
    gap = date_gap(a, b)
    if gap > MAX_GAP_DAYS:
        return "date"
    if gap and a.exact and b.exact and (ta in rules.daily_types or tb in rules.daily_types):
        return "another day"
    la, lb = a.event.location, b.event.location
    if la and lb and la.country and lb.country and la.country != lb.country:
        return "country"
    pa_, pb_ = a.point, b.point
    if pa_ and pb_:
        coarser = max(la.precision or 3, lb.precision or 3)
        if haversine_km(pa_, pb_) > rules.radius_km[min(coarser, 3)]:
            return "distance"
    return None


def compare(a: Mention, b: Mention, rules: Optional[Rules] = None) -> Optional[Comparison]:
    """The evidence that a and b tell the same event, or None when they cannot."""
    rules = rules or load_rules()
    if hard_conflict(a, b, rules):
        return None
    levels: list[tuple[str, str]] = []
    if a.event.event_type != b.event.event_type:
        levels.append(("type", "compatible"))
    gap = date_gap(a, b)
    both_exact = a.exact and b.exact
    levels.append(("date", ("same_day" if both_exact else "overlap") if gap == 0
                   else f"exact_gap{gap}" if both_exact else f"gap{gap}"))
    if a.point and b.point:
        pa_, pb_ = a.event.location.precision or 3, b.event.location.precision or 3
        town = pa_ == 1 and pb_ == 1 and haversine_km(a.point, b.point) <= TOWN_KM
        levels.append(("place", "same_town" if town else "near"))
    names_level = None
    if a.names and b.names:
        jn = _jaccard(a.names, b.names)
        names_level = "agree" if jn >= 0.5 else "partial" if jn > 0 else "disagree"
        levels.append(("names", names_level))
    if a.words and b.words:
        jw = _jaccard(a.words, b.words)
        levels.append(("text", "high" if jw >= 0.5 else "medium" if jw >= 0.25 else "low" if jw >= 0.1 else "none"))
    for name in ("dead", "injured"):
        va, vb = getattr(a.event, name), getattr(b.event, name)
        if va is not None and vb is not None:
            r = _ratio(va, vb)
            if r >= 0.75:
                levels.append((name, "close"))
            elif r < 0.5:
                levels.append((name, "differ"))
    if a.event.mode and b.event.mode:
        levels.append(("mode", "same" if a.event.mode == b.event.mode else "differ"))
    for name in ("actors", "recipients"):
        sa, sb = getattr(a, name), getattr(b, name)
        if sa and sb:
            levels.append((name, "overlap" if sa & sb else "disjoint"))
    if a.countries and b.countries and not a.countries & b.countries:
        levels.append(("countries", "disjoint"))
    if a.article_id == b.article_id and gap == 0 and a.event.event_type == b.event.event_type and names_level != "disagree":
        levels.append(("article", "same"))
    score = sum(rules.w(f, lv) for f, lv in levels)
    return Comparison(score, tuple(f"{f}/{lv}" for f, lv in levels))


def same_event(a: Mention, b: Mention, rules: Optional[Rules] = None) -> bool:
    rules = rules or load_rules()
    cmp = compare(a, b, rules)
    return cmp is not None and cmp.score >= rules.threshold


# --------------------------------------------------------------------------- blocking keys

@functools.lru_cache(maxsize=1)
def _minhash_template():
    from datasketch import MinHash

    return MinHash(num_perm=MINHASH_PERM, seed=7)


def lsh_bands(words: frozenset[str]) -> list[str]:
    """MinHash LSH band signatures of a word set: similar sets share a band with high probability."""
    if not words:
        return []
    from datasketch import MinHash

    template = _minhash_template()
    mh = MinHash(num_perm=MINHASH_PERM, seed=7, permutations=template.permutations, scheme=template.scheme)
    mh.update_batch([w.encode("utf-8") for w in sorted(words)])
    values = mh.hashvalues
    bands = []
    for i in range(0, MINHASH_PERM, LSH_ROWS):
        digest = hashlib.blake2b(values[i:i + LSH_ROWS].tobytes(), digest_size=6, person=str(i).encode()).hexdigest()
        bands.append(f"h:{digest}")
    return bands


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / GRID_DEG), math.floor(lon / GRID_DEG)


def blocking_keys(m: Mention, probe: bool = False) -> set[str]:
    """Keys a mention is indexed under; with ``probe`` the keys to look up (grid neighbours too)."""
    keys = {f"a:{m.article_id}"}
    keys |= {f"c:{c}" for c in m.countries}
    loc = m.event.location
    if loc and loc.country:
        keys.add(f"c:{loc.country}")
    keys |= {f"n:{n}" for n in m.names}
    if m.point:
        y, x = _cell(*m.point)
        steps = (-1, 0, 1) if probe else (0,)
        keys |= {f"g:{y + dy}:{x + dx}" for dy in steps for dx in steps}
    return keys | m._keys["bands"]  # MinHash LSH bands of the words, made with the mention


# --------------------------------------------------------------------------- clusters

class Cluster(BaseModel):
    """One real event and its reports: the canonical record and how it was reported."""

    id: str
    event: Event  # canonical record; counts by the ACLED rule, accounts per article
    n_mentions: int
    n_articles: int
    n_sources: int  # distinct outlets (Article.source, else the URL's domain); articles with
    # neither count together as one unidentified outlet, so a cluster of reports never has 0
    sources: list[str] = Field(default_factory=list)
    first_report: str  # story date of the earliest report
    last_report: str
    members: list[str] = Field(default_factory=list)  # event ids of every report


def _informative(m: Mention) -> tuple:
    """Sort key: the most informative mention first (it becomes the canonical record)."""
    e = m.event
    loc_precision = e.location.precision if e.location and e.location.precision and m.point else 9
    n_countries = sum(1 for r in [*e.actors, *e.recipients] if r.country)
    return (not e.realized, not m.exact, loc_precision, e.dead is None, -n_countries, -e.confidence,
            m.story_date, e.id)


def _accounts(members: Sequence[Mention]) -> list[Account]:
    """One account per article: the highest figure the article gives for the event (its total;
    lower figures in the same article are usually parts of it)."""
    accounts = []
    by_article: dict[str, list[Mention]] = {}
    for m in members:
        by_article.setdefault(m.article_id, []).append(m)
    for article_id in sorted(by_article, key=lambda a: (min(x.story_date for x in by_article[a]), a)):
        group = by_article[article_id]
        figures: dict[str, Optional[int]] = {}
        qualifiers: dict[str, str] = {}
        evidence = None
        for name in ("dead", "injured", "arrested"):
            best = max((m for m in group if getattr(m.event, name) is not None),
                       key=lambda m: getattr(m.event, name), default=None)
            figures[name] = getattr(best.event, name) if best else None
            if best is not None:
                evidence = evidence or best.event.evidence.text
                if name in best.event.qualifiers:
                    qualifiers[name] = best.event.qualifiers[name]
        if all(v is None for v in figures.values()):
            continue
        outlet = next((m.source for m in group if m.source), None)
        accounts.append(Account(reported_by=Source(text=outlet or f"article {article_id}", name=outlet),
                                qualifiers=qualifiers, evidence=evidence, **figures))
    return accounts


def summarize(cluster_id: str, members: Sequence[Mention]) -> Cluster:
    """The cluster's canonical record and report statistics, from all its mentions."""
    canonical = min(members, key=_informative)
    accounts = _accounts(members)
    update: dict[str, object] = {"accounts": accounts}
    qualifiers = dict(canonical.event.qualifiers)
    for name in ("dead", "injured", "arrested"):
        reported = [(getattr(a, name), a) for a in accounts if getattr(a, name) is not None]
        if reported:  # ACLED: the lowest reported figure
            low, account = min(reported, key=lambda pair: pair[0])
            update[name] = low
            if name in account.qualifiers:
                qualifiers[name] = account.qualifiers[name]
            else:
                qualifiers.pop(name, None)
    update["qualifiers"] = qualifiers
    if "dead" in update:
        update["acled"] = canonical.event.acled.model_copy(update={"fatalities": update["dead"]})
    record = canonical.event.model_copy(update=update)
    sources = sorted({m.source for m in members if m.source})
    unidentified = any(m.source is None for m in members)
    days = [m.story_date for m in members]
    return Cluster(id=cluster_id, event=record, n_mentions=len(members),
                   n_articles=len({m.article_id for m in members}), n_sources=len(sources) + unidentified, sources=sources,
                   first_report=min(days).isoformat(), last_report=max(days).isoformat(),
                   members=sorted(m.id for m in members))


# --------------------------------------------------------------------------- store side

@dataclass
class LinkStats:
    mentions: int = 0  # mentions linked in this call
    articles: int = 0  # articles they came from
    pairs_compared: int = 0  # full comparisons made (after blocking)
    new_clusters: int = 0
    joined: int = 0  # mentions that joined an existing or earlier cluster
    purged_keys: int = 0  # blocking keys skipped: their block held more than MAX_BLOCK_CLUSTERS clusters
    seconds: float = 0.0

    @property
    def pairs_per_article(self) -> float:
        return self.pairs_compared / self.articles if self.articles else 0.0

    def add(self, other: "LinkStats") -> None:
        for name in ("mentions", "articles", "pairs_compared", "new_clusters", "joined", "purged_keys", "seconds"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA)


class _FeatureCache:
    """Mention features by (store, event id): a stored record never changes, so a long run parses
    and tokenizes each candidate once, not once per batch it is compared in."""

    def __init__(self, size: int = 200_000) -> None:
        self.size = size
        self.items: collections.OrderedDict[tuple[str, str], Mention] = collections.OrderedDict()

    def get(self, con: duckdb.DuckDBPyConnection, db: str, ids: Iterable[str], rules: Rules) -> dict[str, Mention]:
        found: dict[str, Mention] = {}
        missing = []
        for event_id in ids:
            hit = self.items.get((db, event_id))
            if hit is None:
                missing.append(event_id)
            else:
                self.items.move_to_end((db, event_id))
                found[event_id] = hit
        if missing:
            rows = con.execute("SELECT e.id, e.record, a.source, a.url FROM events e JOIN articles a ON a.id = e.article_id"
                               " WHERE e.id IN (SELECT unnest(?))", [missing]).fetchall()
            for event_id, record, source, url in rows:
                m = make_mention(Event.model_validate_json(record), source_key(source, url), rules)
                found[event_id] = self.items[(db, event_id)] = m
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return found


_FEATURES = _FeatureCache()


def remember(db: str, mentions: Iterable[Mention]) -> None:
    """Hand ``link_pending`` mentions already made for records just written to ``db`` (the Dask
    loader makes them from the features its workers computed), so that it need not read and
    tokenize them again."""
    key = str(Path(db).resolve())
    for m in mentions:
        _FEATURES.items[(key, m.id)] = m
        _FEATURES.items.move_to_end((key, m.id))
    while len(_FEATURES.items) > _FEATURES.size:
        _FEATURES.items.popitem(last=False)


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, list], types: dict[str, pa.DataType]) -> None:
    if not next(iter(columns.values())):
        return
    arrow = pa.table({name: pa.array(values, type=types.get(name, pa.string())) for name, values in columns.items()})
    con.register("_dedup_rows", arrow)
    try:
        con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM _dedup_rows")
    finally:
        con.unregister("_dedup_rows")


@dataclass
class _Found:
    """What the stored index holds for one pending mention: per blocking key, up to
    REPS_PER_CLUSTER members of each cluster in the key's block, and the keys purged because
    their block held more than MAX_BLOCK_CLUSTERS clusters."""

    reps: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # key -> [(event id, cluster id)]
    purged: set[str] = field(default_factory=set)


def _candidates(con: duckdb.DuckDBPyConnection, pending: Sequence[Mention], rules: Rules) -> dict[int, _Found]:
    """For each pending mention (by index), the linked mentions sharing a blocking key in its
    date window (same status, compatible type), as ``_Found``."""
    slack = dt.timedelta(days=MAX_GAP_DAYS)
    key_idx: list[int] = []
    keys: list[str] = []
    for i, m in enumerate(pending):
        mine = m.keys(probe=True)
        key_idx += [i] * len(mine)
        keys += mine
    if not keys:
        return {}
    lows, highs = [m.lo - slack for m in pending], [m.hi + slack for m in pending]
    probe_keys = pa.table({"idx": pa.array(key_idx, pa.int32()), "key": pa.array(keys)})
    probe_mentions = pa.table({
        "idx": pa.array(range(len(pending)), pa.int32()), "lo": pa.array(lows, pa.date32()),
        "hi": pa.array(highs, pa.date32()), "status": pa.array([m.status for m in pending]),
        "types": pa.array([rules.compatible_types(m.event.event_type) for m in pending], pa.list_(pa.string()))})
    con.register("_dedup_probe_keys", probe_keys)
    con.register("_dedup_probe", probe_mentions)
    try:
        # the constant date bounds let DuckDB skip the row groups of other periods (zone maps):
        # the index is appended in coding order, which for a news stream is close to date order
        rows = con.execute(
            "WITH hits AS (SELECT q.idx, q.key, k.event_id, m.cluster_id FROM _dedup_probe_keys q"
            "  JOIN _dedup_probe p ON p.idx = q.idx"
            "  JOIN dedup_keys k ON k.key = q.key AND k.lo <= p.hi AND k.hi >= p.lo AND k.status = p.status"
            "  JOIN cluster_members m ON m.event_id = k.event_id"
            "  WHERE list_contains(p.types, k.event_type) AND k.lo <= ? AND k.hi >= ?),"
            " ranked AS (SELECT *, count(DISTINCT cluster_id) OVER (PARTITION BY idx, key) AS n_clusters,"
            "  row_number() OVER (PARTITION BY idx, key, cluster_id ORDER BY event_id) AS rank FROM hits)"
            " SELECT idx, key, n_clusters > ? AS purged, event_id, cluster_id FROM ranked"
            " WHERE rank <= ? AND (n_clusters <= ? OR rank = 1)"
            " ORDER BY idx, key, event_id",
            [max(highs), min(lows), MAX_BLOCK_CLUSTERS, REPS_PER_CLUSTER, MAX_BLOCK_CLUSTERS]).fetchall()
    finally:
        con.unregister("_dedup_probe_keys")
        con.unregister("_dedup_probe")
    found: dict[int, _Found] = {}
    for idx, key, purged, event_id, cluster_id in rows:
        entry = found.setdefault(idx, _Found())
        if purged:
            entry.purged.add(key)
        else:
            entry.reps.setdefault(key, []).append((event_id, cluster_id))
    return found


def _block(m: Mention, key: str, found: _Found, batch_index: dict[str, list[Mention]], cluster_of: dict[str, str],
           types: set[str]) -> Optional[list[tuple[str, str]]]:
    """The members a pending mention is compared with through one key: up to REPS_PER_CLUSTER
    of each cluster (the lowest event ids: the same pick whether they are stored or pending),
    or None when the key's block holds too many clusters to tell anything (block purging)."""
    if key in found.purged:
        return None
    members = list(found.reps.get(key, ()))
    for c in batch_index.get(key, ()):
        # the SQL probe's filters, so that linking in one call or many compares the same pairs
        if c.status == m.status and c.event.event_type in types and date_gap(c, m) <= MAX_GAP_DAYS:
            members.append((c.id, cluster_of[c.id]))
    by_cluster: dict[str, list[str]] = {}
    for event_id, cluster_id in sorted(members):
        by_cluster.setdefault(cluster_id, []).append(event_id)
    if len(by_cluster) > MAX_BLOCK_CLUSTERS:
        return None
    return [(eid, cid) for cid, ids in by_cluster.items() for eid in ids[:REPS_PER_CLUSTER]]


def link_pending(db: str, max_mentions: int = 20_000, wait_s: float = 30.0) -> LinkStats:
    """Link every stored mention that is not yet in a cluster; one transaction per chunk.

    Call it after each store write (the CLI and the Dask loader do). A run killed between the
    write and the link leaves mentions pending, and the next call links them.
    """
    total = LinkStats()
    key = str(Path(db).resolve())
    while True:
        began = time.perf_counter()
        with store.opened(db, wait_s=wait_s) as con:
            ensure_schema(con)
            stats = _link_chunk(con, key, max_mentions)
        stats.seconds = time.perf_counter() - began
        total.add(stats)
        if stats.mentions < max_mentions:
            return total


def _link_chunk(con: duckdb.DuckDBPyConnection, db_key: str, limit: int) -> LinkStats:
    rules = load_rules()
    stats = LinkStats()
    try:
        con.execute("BEGIN TRANSACTION")
        pending_ids = [r[0] for r in con.execute(
            "SELECT e.id FROM events e JOIN articles a ON a.id = e.article_id"
            " WHERE NOT EXISTS (SELECT 1 FROM cluster_members m WHERE m.event_id = e.id)"
            " ORDER BY a.coded_at, e.article_id, e.id LIMIT ?", [limit]).fetchall()]
        if not pending_ids:
            con.execute("COMMIT")
            return stats
        by_id = _FEATURES.get(con, db_key, pending_ids, rules)
        pending = [by_id[i] for i in pending_ids]
        found = _candidates(con, pending, rules)
        cluster_of: dict[str, str] = {eid: cid for f in found.values() for reps in f.reps.values() for eid, cid in reps}
        known = _FEATURES.get(con, db_key, sorted(cluster_of), rules)
        heads = _cluster_heads(con, db_key, set(cluster_of.values()), rules)
        batch_index: dict[str, list[Mention]] = {}  # key -> pending mentions already linked in this call
        links: list[tuple[Mention, Optional[str], float]] = []
        touched: set[str] = set()
        for i, m in enumerate(pending):
            types = set(rules.compatible_types(m.event.event_type))
            chosen: dict[str, None] = {}  # candidate ids, in a stable order
            here = found.get(i, _Found())
            for key in sorted(k for k in m.keys(probe=True) if k in here.reps or k in here.purged or k in batch_index):
                block = _block(m, key, here, batch_index, cluster_of, types)
                if block is None:
                    stats.purged_keys += 1
                    continue
                chosen.update(dict.fromkeys(eid for eid, _ in block))
            candidates = [known[eid] for eid in chosen]
            best: Optional[tuple[float, Mention]] = None
            for c in candidates:
                stats.pairs_compared += 1
                cmp = compare(m, c, rules)
                if cmp is None or cmp.score < rules.threshold:
                    continue
                head = heads.get(cluster_of[c.id])
                if head is not None and head.id != c.id and hard_conflict(m, head, rules):
                    continue  # the cluster's canonical record says otherwise: no chaining drift
                if best is None or (cmp.score, c.id) > (best[0], best[1].id):
                    best = (cmp.score, c)
            if best is None:
                cluster_of[m.id] = f"cl-{m.id}"
                heads[cluster_of[m.id]] = m
                stats.new_clusters += 1
                links.append((m, None, 0.0))
            else:
                cid = cluster_of[m.id] = cluster_of[best[1].id]
                if cid in heads:  # keep the head what summarize() will make it: linking in one call or many gives one result
                    heads[cid] = min(heads[cid], m, key=_informative)
                stats.joined += 1
                links.append((m, best[1].id, best[0]))
            touched.add(cluster_of[m.id])
            known[m.id] = m
            for key in m.keys():
                batch_index.setdefault(key, []).append(m)
        stats.mentions = len(pending)
        stats.articles = len({m.article_id for m in pending})
        _insert(con, "cluster_members", {
            "event_id": [m.id for m, _, _ in links], "cluster_id": [cluster_of[m.id] for m, _, _ in links],
            "article_id": [m.article_id for m, _, _ in links], "linked_to": [t for _, t, _ in links],
            "score": [s if t else None for _, t, s in links]}, {"score": pa.float64()})
        keys: dict[str, list] = {"event_id": [], "key": [], "event_type": [], "status": [], "lo": [], "hi": []}
        for m in pending:
            mine = sorted(m.keys())
            keys["event_id"] += [m.id] * len(mine)
            keys["key"] += mine
            keys["event_type"] += [m.event.event_type] * len(mine)
            keys["status"] += [m.status] * len(mine)
            keys["lo"] += [m.lo] * len(mine)
            keys["hi"] += [m.hi] * len(mine)
        _insert(con, "dedup_keys", keys, {"lo": pa.date32(), "hi": pa.date32()})
        _rewrite_clusters(con, db_key, sorted(touched), rules)
        _add_totals(con, stats)
        con.execute("COMMIT")
        return stats
    except duckdb.Error as exc:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise store.StoreError(f"deduplication failed, rolled back ({exc})") from exc


def _cluster_heads(con: duckdb.DuckDBPyConnection, db_key: str, cluster_ids: set, rules: Rules) -> dict[str, Mention]:
    """The canonical mention of each cluster."""
    ids = sorted(c for c in cluster_ids if c)
    if not ids:
        return {}
    rows = con.execute("SELECT id, canonical_event_id FROM clusters WHERE id IN (SELECT unnest(?))", [ids]).fetchall()
    by_event = _FEATURES.get(con, db_key, [r[1] for r in rows], rules)
    return {cid: by_event[eid] for cid, eid in rows if eid in by_event}


def _rewrite_clusters(con: duckdb.DuckDBPyConnection, db_key: str, cluster_ids: list[str], rules: Rules) -> None:
    if not cluster_ids:
        return
    rows = con.execute("SELECT event_id, cluster_id FROM cluster_members WHERE cluster_id IN (SELECT unnest(?))"
                       " ORDER BY event_id", [cluster_ids]).fetchall()
    features = _FEATURES.get(con, db_key, [r[0] for r in rows], rules)
    grouped: dict[str, list[Mention]] = {}
    for event_id, cluster_id in rows:
        grouped.setdefault(cluster_id, []).append(features[event_id])
    con.execute("DELETE FROM clusters WHERE id IN (SELECT unnest(?))", [cluster_ids])
    cols: dict[str, list] = {name: [] for name in (
        "id", "canonical_event_id", "event_type", "mode", "realized", "event_date", "date_precision", "country",
        "location_name", "lat", "lon", "geo_precision", "dead", "injured", "arrested", "n_mentions",
        "n_articles", "n_sources", "sources", "first_report", "last_report", "record")}
    for cid in cluster_ids:
        c = summarize(cid, grouped[cid])
        e, loc = c.event, c.event.location
        values = (c.id, e.id, e.event_type, e.mode, e.realized, e.date or e.story_date, e.date_precision,
                  loc.country if loc else None, loc.name if loc else None, loc.lat if loc else None,
                  loc.lon if loc else None, loc.precision if loc else None, e.dead, e.injured, e.arrested,
                  c.n_mentions, c.n_articles, c.n_sources, c.sources, c.first_report, c.last_report,
                  c.model_dump_json())
        for name, value in zip(cols, values):
            cols[name].append(value)
    types = {"realized": pa.bool_(), "date_precision": pa.int32(), "lat": pa.float64(), "lon": pa.float64(),
             "geo_precision": pa.int32(), "dead": pa.int64(), "injured": pa.int64(), "arrested": pa.int64(),
             "n_mentions": pa.int32(), "n_articles": pa.int32(), "n_sources": pa.int32(),
             "sources": pa.list_(pa.string())}
    _insert(con, "clusters", cols, types)


def _add_totals(con: duckdb.DuckDBPyConnection, stats: LinkStats) -> None:
    """Keep running totals in the store's meta table, so pairs per article can be read back."""
    con.execute(
        "INSERT INTO meta (key, value) VALUES ('dedup.articles', ?), ('dedup.mentions', ?), ('dedup.pairs_compared', ?)"
        " ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(meta.value AS BIGINT) + CAST(excluded.value AS BIGINT) AS VARCHAR)",
        [str(stats.articles), str(stats.mentions), str(stats.pairs_compared)])


def relink_all(db: str) -> LinkStats:
    """Forget every cluster and link the whole store again (after changing the rules)."""
    with store.opened(db) as con:
        ensure_schema(con)
        con.execute("BEGIN TRANSACTION")
        for table in ("clusters", "cluster_members", "dedup_keys"):
            con.execute(f"DELETE FROM {table}")
        con.execute("DELETE FROM meta WHERE key LIKE 'dedup.%'")
        con.execute("COMMIT")
    return link_pending(db)


# --------------------------------------------------------------------------- queries

def _has_tables(con: duckdb.DuckDBPyConnection) -> bool:
    names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    return {"clusters", "cluster_members"} <= names


def query_clusters(db: str, q: store.EventQuery) -> list[Cluster]:
    """Clusters with at least one report matching the query, by event date.

    A store coded before deduplication existed (or interrupted before linking) is linked first.
    """
    with store.opened(db, read_only=True) as con:
        linked = _has_tables(con) and not con.execute(
            "SELECT count(*) FROM events e WHERE e.id NOT IN (SELECT event_id FROM cluster_members)").fetchone()[0]
    if not linked:
        link_pending(db)
    where, params = q.where()
    sql = (f"SELECT c.record FROM clusters c WHERE c.id IN (SELECT m.cluster_id FROM cluster_members m"
           f" JOIN (SELECT id FROM events{where}) e ON e.id = m.event_id)"
           f" ORDER BY c.event_date, c.id")
    if q.limit:
        sql += " LIMIT ?"
        params = [*params, int(q.limit)]
    with store.opened(db, read_only=True) as con:
        return [Cluster.model_validate_json(r[0]) for r in con.execute(sql, params).fetchall()]


def cluster_of(db: str, event_id: str) -> Optional[Cluster]:
    """The cluster a stored event (mention) belongs to."""
    with store.opened(db, read_only=True) as con:
        if not _has_tables(con):
            return None
        row = con.execute("SELECT c.record FROM clusters c JOIN cluster_members m ON m.cluster_id = c.id"
                          " WHERE m.event_id = ?", [event_id]).fetchone()
    return Cluster.model_validate_json(row[0]) if row else None


def dedup_totals(db: str) -> dict[str, int]:
    """Running totals of linking in this store: articles, mentions, pairs compared."""
    with store.opened(db, read_only=True) as con:
        rows = con.execute("SELECT key, value FROM meta WHERE key LIKE 'dedup.%'").fetchall()
    return {k.removeprefix("dedup."): int(v) for k, v in rows}
