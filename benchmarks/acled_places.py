"""Event-location figures on ACLED 2020 notes, for tuning the places stage on the EVEN half only.

    .venv/bin/python benchmarks/acled_places.py [--half even] [--limit 300] [--errors FILE]

Codes the notes of ACLED rows at even (or odd) 0-based positions with the whole coder, pairs each
gold event with a predicted one exactly as ``eventcoder eval`` does (``evaluate.match``), and
reports the location fields: country, admin1, within 25 km / 161 km, and how often no location
came out. ``--errors`` writes one JSON line per miss with the note, the gold place (with ACLED's
geo_precision) and the predicted location with its reason. The figures the project reports come
from ``python -m eventcoder.evaluate.run_all --sets acled2020`` on the odd half.
"""
from __future__ import annotations

import argparse
import collections
import csv
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ACLED = ROOT.parent / "shared" / "data" / "acled_global_2020" / "acled.csv"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--half", choices=["even", "odd"], default="even")
    parser.add_argument("--limit", type=int, default=300)
    parser.add_argument("--errors", type=Path, help="write each location miss here (JSON lines)")
    args = parser.parse_args()
    if not ACLED.exists():
        sys.exit(f"{ACLED} is absent; nothing to measure")

    from eventcoder.coder import Coder
    from eventcoder.evaluate.acled import read_acled
    from eventcoder.evaluate.compare import place_error_km, same_admin1, same_country
    from eventcoder.evaluate.gold import select_part
    from eventcoder.evaluate.match import match_events
    from eventcoder.evaluate.predicted import claimed, prediction
    from eventcoder.evaluate.runner import article_for

    with ACLED.open(encoding="utf-8", newline="") as handle:
        rows = {row["event_id_cnty"]: row for row in csv.DictReader(handle)}
    docs = select_part(read_acled(ACLED).docs, f"{args.half}-position")[: args.limit]
    coder = Coder()
    began = time.perf_counter()
    coded = coder.code_batch([article_for(doc) for doc in docs])
    seconds = time.perf_counter() - began
    tally = collections.Counter()
    errors = []
    for doc, (_, events) in zip(docs, coded):
        gold = doc.events[0]
        kept = claimed(events)
        predictions = [prediction(e) for e in kept]
        pairs = match_events(doc.events, predictions).pairs
        event = kept[pairs[0][1]] if pairs else None
        loc = event.location if event else None
        km = place_error_km(gold.lat, gold.lon, loc.lat, loc.lon) if loc else None
        hits = {
            "country": same_country(gold.country, loc.country if loc else None),
            "admin1": same_admin1(gold.admin1, loc.admin1 if loc else None),
            "within_25km": km is not None and km <= 25,
            "within_161km": km is not None and km <= 161,
        }
        tally["n"] += 1
        tally["no_event"] += event is None
        tally["no_location"] += event is not None and loc is None
        for name, hit in hits.items():
            tally[name] += hit
        if not all(hits.values()):
            row = rows[doc.id]
            errors.append({
                "id": doc.id, "text": doc.text, "missed": [k for k, v in hits.items() if not v],
                "gold": {k: row[k] for k in ("country", "admin1", "admin2", "admin3", "location", "latitude",
                                             "longitude", "geo_precision")},
                "predicted": None if loc is None else {**loc.model_dump(include={"text", "name", "country", "admin1",
                                                                               "lat", "lon", "precision", "reason"}),
                                                       "km": None if km is None else round(km)},
                "event": None if event is None else event.event_type,
            })
    n = tally["n"]
    figures = {k: round(tally[k] / n, 3) for k in ("country", "admin1", "within_25km", "within_161km",
                                                    "no_event", "no_location")}
    print(json.dumps({"half": args.half, "docs": n, **figures, "seconds": round(seconds, 1)}))
    if args.errors:
        with args.errors.open("w", encoding="utf-8") as handle:
            for error in errors:
                handle.write(json.dumps(error, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
