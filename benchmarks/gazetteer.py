"""Gazetteer and toponym-resolution figures.

    .venv/bin/python benchmarks/gazetteer.py speed            # build time, size, load time, lookups/s
    .venv/bin/python benchmarks/gazetteer.py lgl [--half odd]   # LGL: accuracy@161 km on gold spans
    .venv/bin/python benchmarks/gazetteer.py lgl --e2e          # ... and end-to-end toponym P/R/F1
    .venv/bin/python benchmarks/gazetteer.py gwn [--e2e]        # GeoWebNews, the same measures
    .venv/bin/python benchmarks/gazetteer.py tune --half even   # search the resolver's weights

The resolver's weights were tuned on the even docids of LGL; report the odd half (``--half odd``).
"""
from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
GOLD = ROOT.parent / "shared" / "data" / "geoparsing_gold"
KM = 161.0


@dataclass
class GoldToponym:
    start: int
    end: int
    text: str
    lat: Optional[float]
    lon: Optional[float]


@dataclass
class GoldDoc:
    id: str
    text: str
    toponyms: list[GoldToponym]


def read_lgl(path: Path) -> Iterator[GoldDoc]:
    for article in ET.parse(path).getroot().iter("article"):
        text = article.findtext("text") or ""
        toponyms = []
        for top in article.iter("toponym"):
            gaz = top.find("gaztag")
            lat = lon = None
            if gaz is not None and gaz.findtext("lat"):
                lat, lon = float(gaz.findtext("lat")), float(gaz.findtext("lon"))
            toponyms.append(GoldToponym(int(top.findtext("start")), int(top.findtext("end")), top.findtext("phrase") or "", lat, lon))
        yield GoldDoc(article.get("docid") or "", text, toponyms)


def read_gwn(path: Path) -> Iterator[GoldDoc]:
    """GeoWebNews: literal and metonymic toponyms with coordinates (the ones a geoparser resolves)."""
    for number, article in enumerate(ET.parse(path).getroot().iter("article")):
        text = article.findtext("text") or ""
        toponyms = []
        for top in article.iter("toponym"):
            kind = (top.findtext("type") or "").strip()
            if kind in ("Non_Toponym",) or (top.findtext("nonLocational") or "").strip().lower() == "true":
                continue
            lat, lon = top.findtext("latitude"), top.findtext("longitude")
            toponyms.append(GoldToponym(int(top.findtext("start")), int(top.findtext("end")), top.findtext("extractedName") or "",
                                        float(lat) if lat else None, float(lon) if lon else None))
        yield GoldDoc(str(number), text, toponyms)


def in_half(doc: GoldDoc, half: str) -> bool:
    if half == "all" or not doc.id.isdigit():
        return True
    return (int(doc.id) % 2 == 0) == (half == "even")


def evaluate(docs: list[GoldDoc], e2e: bool) -> dict[str, float]:
    from eventcoder.places import find_toponyms, resolve_spans
    from eventcoder.places.resolve import haversine_km

    hits = total = unresolved = 0
    errors: list[float] = []
    tp = fp = fn = 0
    began = time.perf_counter()
    for doc in docs:
        gold = [t for t in doc.toponyms if t.lat is not None]
        if gold:
            locations = resolve_spans(doc.text, [(t.start, t.end) for t in gold])
            for top, loc in zip(gold, locations):
                total += 1
                if loc is None:
                    unresolved += 1
                    errors.append(20000.0)
                    continue
                km = haversine_km(top.lat, top.lon, loc.lat, loc.lon)
                errors.append(km)
                hits += km <= KM
                if os.environ.get("SHOW_ERRORS") and km > KM:
                    print(f"  {doc.id} {top.text!r} -> {loc.name} {loc.country} {loc.admin1} ({km:.0f} km) | {loc.reason}")
        if e2e:
            found = find_toponyms(doc.text)
            matched_gold = set()
            for loc in found:
                match = next((i for i, t in enumerate(gold) if i not in matched_gold and t.start < loc.end and loc.start < t.end), None)
                if match is not None and haversine_km(gold[match].lat, gold[match].lon, loc.lat, loc.lon) <= KM:
                    tp += 1
                    matched_gold.add(match)
                elif match is None and any(t.start < loc.end and loc.start < t.end for t in doc.toponyms):
                    continue  # overlaps a gold toponym without coordinates: neither right nor wrong
                else:
                    fp += 1
            fn += len(gold) - len(matched_gold)
    result = {
        "docs": len(docs),
        "toponyms": total,
        "accuracy@161km": round(hits / total, 4) if total else 0.0,
        "unresolved": unresolved,
        "median_error_km": round(statistics.median(errors), 1) if errors else 0.0,
        "auc": round(sum(math.log(1 + min(e, 20038)) for e in errors) / (len(errors) * math.log(20039)), 4) if errors else 0.0,
        "seconds": round(time.perf_counter() - began, 1),
    }
    if e2e:
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        result.update({
            "e2e_precision": round(precision, 4),
            "e2e_recall": round(recall, 4),
            "e2e_f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
        })
    return result


def tune(docs: list[GoldDoc], rounds: int = 2) -> None:
    """Coordinate search over the resolver's weights on the given docs (use the even half); prints
    each improvement and the final weights. It does not write them: copy what you accept into
    eventcoder/places/data/resolve_weights.json."""
    import copy
    import json

    from eventcoder.places import resolve
    from eventcoder.places.gazetteer import get_gazetteer
    from eventcoder.places.resolve import Mention, _context_mentions, haversine_km, lookup, resolve_mentions

    gazetteer = get_gazetteer()
    prepared = []
    for doc in docs:
        gold = [t for t in doc.toponyms if t.lat is not None]
        spans = [(t.start, t.end) for t in gold]
        targets = [Mention(s, e, doc.text[s:e], lookup(gazetteer, doc.text[s:e], loose=True)) for s, e in spans]
        prepared.append((doc.text, gold, targets + _context_mentions(doc.text, spans, gazetteer)))

    def accuracy(w: dict) -> float:
        resolve.weights.cache_clear()
        original = resolve.weights
        resolve.weights = lambda: w  # type: ignore[assignment]
        try:
            hits = total = 0
            for text, gold, mentions in prepared:
                for top, res in zip(gold, resolve_mentions(text, mentions, (), gazetteer)):
                    total += 1
                    hits += res is not None and haversine_km(top.lat, top.lon, res.place.lat, res.place.lon) <= KM
            return hits / total
        finally:
            resolve.weights = original

    best = copy.deepcopy(resolve.weights())
    best_acc = accuracy(best)
    print(f"start {best_acc:.4f}")
    paths = [("kind", k) for k in best["kind"]] + [(k,) for k in best if k not in ("kind", "rounds")]
    for _ in range(rounds):
        for path in paths:
            for factor in (0.5, 0.75, 1.5, 2.0, -1):
                trial = copy.deepcopy(best)
                holder = trial["kind"] if path[0] == "kind" and len(path) == 2 else trial
                name = path[-1]
                holder[name] = (holder[name] * factor) if factor > 0 else holder[name] + 1.0
                acc = accuracy(trial)
                if acc > best_acc + 1e-9:
                    best, best_acc = trial, acc
                    print(f"{'/'.join(path)} -> {holder[name]:.3g}: {acc:.4f}")
    print(json.dumps(best, indent=1))


def speed() -> None:
    """Build the index into a temporary file (timed), then time a cold load and lookups."""
    from eventcoder.places.build import build_index
    from eventcoder.places.gazetteer import Gazetteer, name_key

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gazetteer.sqlite"
        figures = build_index(path)
        print(f"build: {figures['seconds']} s, {figures['bytes'] / 1e6:.1f} MB, "
              f"{figures['places']:,} places, {figures['names']:,} names")
        # a cold load in a fresh process: the import, then opening the index and a first lookup
        code = ("import time; t0=time.perf_counter(); from eventcoder.places.gazetteer import Gazetteer; "
                "t1=time.perf_counter(); "
                f"g=Gazetteer({str(path)!r}); g.candidates('Paris'); t2=time.perf_counter(); "
                "print(round((t1-t0)*1000,1), round((t2-t1)*1000,1))")
        import_ms, open_ms = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                                            check=True).stdout.split()
        print(f"load (fresh process): import {import_ms} ms, open + first lookup {open_ms} ms")
        gazetteer = Gazetteer(path)
        keys = [row[0] for row in gazetteer._conn.execute("SELECT key FROM names ORDER BY random() LIMIT 20000")]
        keys += [name_key(f"nowhere {i}") for i in range(5000)]  # misses cost a lookup too
        random.Random(0).shuffle(keys)
        began = time.perf_counter()
        for key in keys:
            gazetteer._lookup(key)  # uncached: each one a SQLite query
        cold = len(keys) / (time.perf_counter() - began)
        for key in keys:
            gazetteer.lookup(key)  # fill the cache
        began = time.perf_counter()
        for _ in range(4):
            for key in keys:
                gazetteer.lookup(key)
        warm = 4 * len(keys) / (time.perf_counter() - began)
        load = os.getloadavg()[0]
        print(f"lookups: {cold:,.0f}/s uncached (SQLite), {warm:,.0f}/s cached (repeated names); "
              f"machine load average {load:.1f} on {os.cpu_count()} cores")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["speed", "lgl", "gwn", "tune"])
    parser.add_argument("--half", choices=["even", "odd", "all"], default="all")
    parser.add_argument("--e2e", action="store_true", help="also find the toponyms (spaCy NER + gazetteer)")
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    if args.what == "speed":
        speed()
        return
    path = GOLD / ("GWN.xml" if args.what == "gwn" else "lgl.xml")
    if not path.exists():
        sys.exit(f"{path} is absent; nothing to measure")
    docs = [d for d in (read_gwn(path) if args.what == "gwn" else read_lgl(path)) if in_half(d, args.half)]
    if args.limit:
        docs = docs[: args.limit]
    if args.what == "tune":
        tune(docs)
        return
    print(args.what, f"half={args.half}", evaluate(docs, args.e2e))


if __name__ == "__main__":
    main()
