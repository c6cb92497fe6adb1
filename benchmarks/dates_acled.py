"""Event-date accuracy of eventcoder.dates on ACLED notes, and resolver speed.

    .venv/bin/python benchmarks/dates_acled.py [--csv PATH] [--limit N] [--no-parse] [--coder N]

ACLED notes open with the event day ("On 9 May 2020, ...", "Around 8 May 2020 (as reported),
..."); the gold is ``event_date`` (and ``time_precision``). The story date is the row's upload
``timestamp`` (2 to 14 days after the event), else the event day itself. Two measurements:

- resolver: ``resolve_date`` on the first date expression ``find_dates`` finds in the note;
- event: ``find_event_date`` on the note's first sentence, parsed with the project's spaCy
  model, with a stand-in trigger: the first full verb after the date that is not a reporting
  verb (the coder's own triggers come from the events stage).

- coder (``--coder N``): the whole coder on the first N notes, its own triggers and stages.

This is a quick check of the dates module, not the evaluation command (``eventcoder eval``,
which takes the event day itself as the story date of an ACLED note).
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import time
from collections import Counter
from pathlib import Path

from eventcoder import dates

DEFAULT_CSV = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "acled_global_2020" / "acled.csv"
REPORTING_LEMMAS = {"report", "say", "claim", "state", "announce", "confirm", "allege"}


def load_rows(path: Path, limit: int | None) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return rows[:limit] if limit else rows


def story_date(row: dict) -> dt.date:
    gold = dt.datetime.strptime(row["event_date"], "%d-%b-%y").date()
    if row.get("timestamp"):
        return dt.datetime.fromtimestamp(int(row["timestamp"]), dt.timezone.utc).date()
    return gold


def event_trigger(doc, after: int):
    """A stand-in for the coder's event trigger: the first full verb after the date expression
    that is not a reporting verb ("reported", "said"), else the sentence's root."""
    for token in doc:
        if token.idx >= after and token.pos_ == "VERB" and token.lemma_ not in REPORTING_LEMMAS and token.dep_ != "amod":
            return token
    return next((t for t in doc if t.dep_ == "ROOT"), doc[0])


def measure_resolver(rows: list[dict]) -> dict:
    """``resolve_date`` on each note's first date expression against the gold event day."""
    golds = [gold_date(r) for r in rows]
    results = []
    for row in rows:
        mentions = dates.find_dates(row["notes"])
        results.append(dates.resolve_date(mentions[0].text, story_date(row)) if mentions else None)
    exact = sum(r is not None and r.date == g for r, g in zip(results, golds))
    precision = sum(r is not None and str(r.precision) == row["time_precision"] for r, row in zip(results, rows))
    misses = [(row["notes"][:110], g, r and r.date) for row, g, r in zip(rows, golds, results) if not (r and r.date == g)]
    return {"n": len(rows), "exact": exact, "precision_agrees": precision, "misses": misses}


def measure_events(rows: list[dict]) -> dict:
    """``find_event_date`` on each note's parsed first sentence, with the stand-in trigger."""
    from eventcoder.nlp import load_model, split_sentences
    from eventcoder.pipeline import Sentence

    firsts = []
    for row in rows:
        spans = split_sentences(row["notes"])
        start, end = spans[0] if spans else (0, len(row["notes"]))
        firsts.append((start, end, row["notes"][start:end]))
    outcome: Counter = Counter()
    misses = []
    docs = load_model().pipe([f[2] for f in firsts], batch_size=64)
    for (start, end, text), doc, row in zip(firsts, docs, rows):
        gold = gold_date(row)
        if not len(doc):
            outcome["fallback"] += 1
            continue
        mentions = dates.find_dates(text)
        trigger = event_trigger(doc, mentions[0].end if mentions else 0)
        result = dates.find_event_date(Sentence(0, start, end, text, doc), trigger, story_date(row))
        key = "exact" if result.date == gold else ("fallback" if result.from_story_date else "wrong")
        outcome[key] += 1
        outcome["within_1_day"] += abs((dt.date.fromisoformat(result.date) - dt.date.fromisoformat(gold)).days) <= 1
        if key != "exact":
            misses.append(f"({key}) {text[:110]!r} trigger {trigger.text!r} gold {gold} got {result.date} from {result.text!r}")
    counts = {key: outcome[key] for key in ("exact", "within_1_day", "fallback", "wrong")}
    return {"n": len(rows), **counts, "misses": misses}


def measure_coder(rows: list[dict]) -> dict:
    """The whole coder (its own triggers, the dates stage) on each note dated by its upload day:
    the date of the note's first event, and of all its events, against the gold day."""
    from eventcoder.coder import Coder
    from eventcoder.read import Article, make_article

    items = [make_article(story_date(r).isoformat(), r["notes"], f"acled:{i}") for i, r in enumerate(rows)]
    rows = [r for r, item in zip(rows, items) if isinstance(item, Article)]  # an empty note is no article
    coded = Coder().code_batch([item for item in items if isinstance(item, Article)])
    first_exact = with_events = events_exact = events_total = 0
    for (_, events), row in zip(coded, rows):
        gold = gold_date(row)
        if events:
            with_events += 1
            first_exact += events[0].date == gold
        events_total += len(events)
        events_exact += sum(e.date == gold for e in events)
    return {"n": len(rows), "with_events": with_events, "first_exact": first_exact,
            "events": events_total, "events_exact": events_exact}


def gold_date(row: dict) -> str:
    return dt.datetime.strptime(row["event_date"], "%d-%b-%y").date().isoformat()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--no-parse", action="store_true", help="resolver only (no spaCy)")
    parser.add_argument("--show", type=int, default=10, help="misses to print")
    parser.add_argument("--coder", type=int, default=0, metavar="N", help="also run the whole coder on the first N notes")
    args = parser.parse_args()
    if not args.csv.exists():
        raise SystemExit(f"no ACLED file at {args.csv}")
    rows = load_rows(args.csv, args.limit)

    began = time.perf_counter()
    resolver = measure_resolver(rows)
    resolver_s = time.perf_counter() - began
    n = resolver["n"]
    print(f"notes: {n}")
    print(f"resolver: event_date exact {resolver['exact'] / n:.4f} ({resolver['exact']}/{n}); "
          f"time_precision agrees {resolver['precision_agrees'] / n:.4f} ({resolver_s:.1f} s)")
    for miss in resolver["misses"][: args.show]:
        print("   miss:", miss)

    # speed: uncached (distinct expression, story date pairs; parsers already built) and cached
    pairs = list({(m[0].text, story_date(r)) for r in rows if (m := dates.find_dates(r["notes"]))})
    dates._resolve_cached.cache_clear()
    began = time.perf_counter()
    for text, day in pairs:
        dates.resolve_date(text, day)
    uncached = len(pairs) / (time.perf_counter() - began)
    began = time.perf_counter()
    for _ in range(20):
        for text, day in pairs:
            dates.resolve_date(text, day)
    cached = 20 * len(pairs) / (time.perf_counter() - began)
    print(f"speed: {uncached:,.0f} resolve_date calls/s uncached ({len(pairs)} distinct pairs), {cached:,.0f} calls/s cached")

    if args.no_parse:
        return
    began = time.perf_counter()
    events = measure_events(rows)
    print(f"event (find_event_date, first sentence, stand-in trigger): exact {events['exact'] / n:.4f} "
          f"({events['exact']}/{n}); within 1 day {events['within_1_day'] / n:.4f}; fell back to the story date "
          f"{events['fallback']}; other wrong {events['wrong']}; {time.perf_counter() - began:.1f} s with parsing")
    for miss in events["misses"][: args.show]:
        print("   miss:", miss)
    if args.coder:
        began = time.perf_counter()
        coder = measure_coder(rows[: args.coder])
        print(f"coder (first {coder['n']} notes, story date = upload day): first event's date exact "
              f"{coder['first_exact'] / max(coder['with_events'], 1):.4f} ({coder['first_exact']}/{coder['with_events']} notes with events); "
              f"all events {coder['events_exact'] / max(coder['events'], 1):.4f} ({coder['events_exact']}/{coder['events']}); "
              f"{time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
