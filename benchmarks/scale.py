"""Throughput: stories per second on the Reuters-21578 corpus, single process vs Dask.

    .venv/bin/python benchmarks/scale.py --n 2000

Runs, in one process and on the same stories, each into a fresh store:
  1. the local engine (``eventcoder code``'s loop: code a batch, write it, link its mentions);
  2. the Dask engine on a LocalCluster with 1 worker;
  3. the Dask engine on a LocalCluster with 2 workers;
and prints stories/s for each and the speed-up from 1 to 2 workers. Model loading and cluster
start-up are timed apart (each worker loads the pipeline once, when it starts); the rates are
for the coding run itself: reading, coding, Parquet, store writes and deduplication.

The corpus is Reuters-21578 (``../shared/data/reuters21578/*.sgm``, read by
``benchmarks/reuters.py``: ``DATE`` gives the story date, ``BODY`` the text; stories without a
body are skipped). It is written to a JSONL file first, so every engine reads the same input
through ``eventcoder.read``.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator, Optional

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere: import benchmarks.reuters
    sys.path.insert(0, str(ROOT))

from benchmarks.reuters import CITATION, REUTERS_DIR, available, load_stories  # noqa: E402


def reuters_stories(limit: Optional[int] = None) -> Iterator[dict]:
    """The first ``limit`` stories with a body, as reader-ready JSONL mappings."""
    for story in load_stories(limit):
        yield {"id": f"reuters-{story.newid}", "date": story.date, "title": story.title,
               "text": story.text, "source": "Reuters"}


def run_local(inputs: list[str], db: str) -> tuple[float, float, collections.Counter]:
    """The CLI's local loop, exactly as `eventcoder code` runs it: (wall s, CPU s, stats)."""
    from eventcoder.cli import _code_local

    stats: collections.Counter = collections.Counter()
    by_type: collections.Counter = collections.Counter()
    failures: list = []
    began, cpu = time.perf_counter(), time.process_time()
    _code_local(inputs, db, None, 32, True, stats, by_type, failures)
    return time.perf_counter() - began, time.process_time() - cpu, stats


def _cpu_seconds() -> float:
    import psutil

    times = psutil.Process().cpu_times()
    return times.user + times.system


def run_dask(inputs: list[str], db: str, n_workers: int) -> dict:
    """One Dask run on a fresh LocalCluster: wall and CPU seconds of the workers and the client."""
    from distributed import Client

    from eventcoder.distributed import CoderPlugin, code_with_dask, local_cluster, pipeline_spec

    began = time.perf_counter()
    with local_cluster(n_workers) as cluster, Client(cluster) as client:
        spec = pipeline_spec()
        client.register_plugin(CoderPlugin(spec), name=f"eventcoder-coder-{spec.fingerprint}")  # waits for every worker
        startup = time.perf_counter() - began
        workers_before = sum(client.run(_cpu_seconds).values())
        client_before = time.process_time()
        snapshots: list[tuple[int, int]] = []  # (articles linked, pairs compared) as the store grows
        result = code_with_dask(inputs, db, client=client,
                                on_progress=lambda r: snapshots.append((r.link.articles, r.link.pairs_compared)))
        client_cpu = time.process_time() - client_before
        worker_cpu = sum(client.run(_cpu_seconds).values()) - workers_before
    snapshots.append((result.link.articles, result.link.pairs_compared))
    return {"startup_s": startup, "seconds": result.seconds, "worker_cpu_s": worker_cpu, "client_cpu_s": client_cpu,
            "pairs_per_article_by_quarter": _by_quarter(snapshots), "result": result}


def _by_quarter(snapshots: list[tuple[int, int]]) -> list[float]:
    """Dedup pairs compared per article in each quarter of the run: flat means linking cost does
    not grow with the store (blocking works), rising means it does."""
    total = snapshots[-1][0] if snapshots else 0
    rates, last = [], (0, 0)
    for quarter in (1, 2, 3, 4):
        point = next((s for s in snapshots if s[0] >= total * quarter / 4), snapshots[-1] if snapshots else (0, 0))
        articles, pairs = point[0] - last[0], point[1] - last[1]
        rates.append(round(pairs / articles, 1) if articles else 0.0)
        last = point
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="stories to code (default 2000)")
    parser.add_argument("--skip-local", action="store_true", help="only the Dask runs")
    parser.add_argument("--workers", default="1,2", help="Dask worker counts to run (default 1,2)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    if not available():
        sys.exit(f"{CITATION} not found at {REUTERS_DIR}")

    os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core per process: the comparison is by process
    with tempfile.TemporaryDirectory(prefix="eventcoder-scale-") as tmp:
        corpus = os.path.join(tmp, "reuters.jsonl")
        with open(corpus, "w", encoding="utf-8") as out:
            n = sum(out.write(json.dumps(story) + "\n") > 0 for story in reuters_stories(limit=args.n))
        print(f"{n} stories with a body from {CITATION}; {os.cpu_count()} CPU cores here", flush=True)
        figures: dict[str, dict] = {}

        if not args.skip_local:
            began = time.perf_counter()
            from eventcoder.nlp import load_model

            load_model()
            load_s = time.perf_counter() - began
            load_before = os.getloadavg()[0]
            seconds, cpu, stats = run_local([corpus], os.path.join(tmp, "local.duckdb"))
            figures["local"] = {"stories": stats["coded"], "seconds": seconds, "rate": stats["coded"] / seconds,
                                "cpu_s": cpu, "per_cpu_second": stats["coded"] / cpu, "startup_s": load_s,
                                "events": stats["events"], "load_avg": [load_before, os.getloadavg()[0]]}
            print(f"local engine      : {stats['coded']} stories in {seconds:.1f} s = {stats['coded'] / seconds:.2f} stories/s;"
                  f" {stats['coded'] / cpu:.2f} stories per CPU-second (model load {load_s:.1f} s, {stats['events']} events;"
                  f" machine load {load_before:.1f} -> {os.getloadavg()[0]:.1f})", flush=True)

        for workers in (int(w) for w in args.workers.split(",")):
            load_before = os.getloadavg()[0]
            run = run_dask([corpus], os.path.join(tmp, f"dask{workers}.duckdb"), workers)
            result, seconds = run.pop("result"), run["seconds"]
            coded = result.stats["coded"]
            figures[f"dask{workers}"] = {**run, "stories": coded, "rate": coded / seconds,
                                         "per_worker_cpu_second": coded / run["worker_cpu_s"],
                                         "events": result.stats["events"],
                                         "pairs_per_article": result.link.pairs_per_article,
                                         "client_steps_s": dict(result.timings),
                                         "load_avg": [load_before, os.getloadavg()[0]]}
            print(f"dask, {workers} worker{'s' if workers > 1 else ' '}: {coded} stories in {seconds:.1f} s = "
                  f"{coded / seconds:.2f} stories/s; workers {run['worker_cpu_s']:.1f} CPU-s "
                  f"({coded / run['worker_cpu_s']:.2f} stories per CPU-second), client {run['client_cpu_s']:.1f} CPU-s "
                  f"(cluster start + model load {run['startup_s']:.1f} s; "
                  f"{result.link.pairs_per_article:.1f} dedup pairs compared per article, by quarter "
                  f"{run['pairs_per_article_by_quarter']}; "
                  f"machine load {load_before:.1f} -> {os.getloadavg()[0]:.1f})", flush=True)

        if "dask1" in figures and "dask2" in figures:
            one, two = figures["dask1"], figures["dask2"]
            speedup = two["rate"] / one["rate"]
            # On two otherwise idle cores, one worker takes its own CPU time (the client has the other
            # core) and two workers with the client take half their summed CPU time: the speed-up the
            # CPU seconds allow, free of the other processes sharing this machine.
            one_wall = one["worker_cpu_s"] / one["stories"]
            two_wall = max(two["worker_cpu_s"] / 2, (two["worker_cpu_s"] + two["client_cpu_s"]) / 2) / two["stories"]
            figures["speedup_1_to_2"] = speedup
            figures["speedup_1_to_2_from_cpu"] = one_wall / two_wall
            print(f"speed-up 1 -> 2 workers: {speedup:.2f}x measured wall-clock (goal >= 1.7x on 2 cores); "
                  f"{one_wall / two_wall:.2f}x from the CPU seconds used (2 idle cores, workers + client)")
        if "local" in figures and "dask1" in figures:
            print(f"per core: local {figures['local']['per_cpu_second']:.2f} stories per CPU-second, "
                  f"dask worker {figures['dask1']['per_worker_cpu_second']:.2f}")
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
