"""Load check of the API: N concurrent clients on /events and /stats for a fixed time.

    python benchmarks/load.py --db events.duckdb --clients 16 --seconds 20
    python benchmarks/load.py --url http://127.0.0.1:8000          # a server already running
    python benchmarks/load.py --db events.duckdb --scale 500       # a copy with 500x the events

With ``--db`` it starts ``eventcoder serve`` on a free loopback port for the run and stops it
afterwards; ``--scale K`` serves a temporary copy in which every event is repeated K times
(new ids, days shifted, places nudged) to see the API at a size the test articles do not reach.
It prints requests/s, latency percentiles and errors per endpoint and overall, and
exits 1 if any request failed. Only loopback addresses are accepted as targets. The clients
run on the same machine as the server, so on a small machine they share its cores.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit

import httpx

REPO = Path(__file__).resolve().parents[1]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)


def targets(first_cursor: Optional[str], sample_type: Optional[str], sample_country: Optional[str]) -> list[tuple[str, str, dict]]:
    """(label, path, params) of the requests the clients cycle through."""
    out = [
        ("events", "/events", {"limit": 100}),
        ("events?include_unrealized", "/events", {"limit": 100, "include_unrealized": "true"}),
        ("events?q", "/events", {"limit": 100, "q": "the"}),
        ("events?bbox", "/events", {"limit": 100, "bbox": "-20,-40,60,60"}),
        ("stats", "/stats", {}),
    ]
    if sample_type:
        out.append(("events?type", "/events", {"limit": 100, "type": sample_type}))
        out.append(("stats?type", "/stats", {"type": sample_type}))
    if sample_country:
        out.append(("events?country", "/events", {"limit": 100, "country": sample_country}))
    if first_cursor:
        out.append(("events?cursor", "/events", {"limit": 100, "cursor": first_cursor}))
    return out


async def client(http: httpx.AsyncClient, plan: list, offset: int, deadline: float, tallies: dict) -> None:
    i = offset
    while time.monotonic() < deadline:
        label, path, params = plan[i % len(plan)]
        i += 1
        started = time.perf_counter()
        try:
            r = await http.get(path, params=params)
            ok = r.status_code == 200
            kind = None if ok else f"HTTP {r.status_code}"
        except httpx.HTTPError as exc:
            kind = exc.__class__.__name__
        elapsed = (time.perf_counter() - started) * 1000
        tally = tallies[label]
        if kind is None:
            tally.latencies_ms.append(elapsed)
        else:
            tally.errors[kind] += 1


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def run(base: str, clients: int, seconds: float) -> dict:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as http:
        first = (await http.get("/events", params={"limit": 100})).json()
        stats = (await http.get("/stats")).json()
        sample_type = stats["by_type"][0]["key"] if stats["by_type"] else None
        sample_country = next((c["key"] for c in stats["by_country"] if c["key"]), None)
        plan = targets(first.get("next_cursor"), sample_type, sample_country)
        tallies: dict[str, Tally] = defaultdict(Tally)
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(*(client(http, plan, n, deadline, tallies) for n in range(clients)))
        wall = time.monotonic() - started
    every = Tally()
    rows = {}
    for label, tally in sorted(tallies.items()):
        every.latencies_ms += tally.latencies_ms
        every.errors.update(tally.errors)
        rows[label] = summarise(tally, wall)
    return {"base": base, "clients": clients, "seconds": round(wall, 2), "events_in_db": stats["total"],
            "total": summarise(every, wall), "by_endpoint": rows}


def summarise(tally: Tally, wall: float) -> dict:
    n_ok = len(tally.latencies_ms)
    n_err = sum(tally.errors.values())
    return {
        "requests": n_ok + n_err, "per_s": round((n_ok + n_err) / wall, 1),
        "p50_ms": round(percentile(tally.latencies_ms, 50), 1), "p99_ms": round(percentile(tally.latencies_ms, 99), 1),
        "mean_ms": round(statistics.fmean(tally.latencies_ms), 1) if n_ok else None,
        "errors": n_err, "error_kinds": dict(tally.errors),
    }


def server_cpu_s(proc: Optional[subprocess.Popen]) -> float:
    if proc is None:
        return 0.0
    import psutil

    times = psutil.Process(proc.pid).cpu_times()
    return times.user + times.system


def print_report(result: dict) -> None:
    print(f"{result['clients']} clients for {result['seconds']} s against {result['base']} "
          f"({result['events_in_db']} realized events in the database)")
    header = f"{'endpoint':<28}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
    print(header)
    print("-" * len(header))
    for label, row in list(result["by_endpoint"].items()) + [("ALL", result["total"])]:
        print(f"{label:<28}{row['requests']:>9}{row['per_s']:>9}{row['p50_ms']:>9}{row['p99_ms']:>9}{row['errors']:>8}")
    if "server_cpu_ms_per_request" in result:
        print(f"server CPU per request: {result['server_cpu_ms_per_request']} ms")
    if result["total"]["error_kinds"]:
        print("errors:", result["total"]["error_kinds"])


def start_server(db: Path, startup_s: float = 60.0) -> tuple[subprocess.Popen, str]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code = "import sys; from eventcoder.api.server import serve; serve(sys.argv[1], '127.0.0.1', int(sys.argv[2]))"
    proc = subprocess.Popen([sys.executable, "-c", code, str(db), str(port)], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + startup_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with status {proc.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return proc, base
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    proc.terminate()
    raise SystemExit(f"the server did not answer within {startup_s} s")


def scaled_copy(db: Path, factor: int, workdir: Path) -> Path:
    """A copy of ``db`` with each event repeated ``factor`` times: synthetic volume, real records."""
    import shutil

    import duckdb

    copy = workdir / f"scaled-{factor}x.duckdb"
    shutil.copyfile(db, copy)
    con = duckdb.connect(str(copy))
    try:
        new_id = "e.id || '-x' || k"
        con.execute(f"""
            INSERT INTO events SELECT e.* REPLACE (
                {new_id} AS id,
                story_date + CAST(k % 730 AS INTEGER) AS story_date,
                event_date + CAST(k % 730 AS INTEGER) AS event_date,
                lat + (k % 20) * 0.05 AS lat, lon + (k % 17) * 0.05 AS lon,
                CAST(json_merge_patch(record, json_object('id', {new_id})) AS JSON) AS record)
            FROM events e, range(1, ?) t(k)""", [factor])
        n = con.execute("SELECT count(*) FROM events").fetchone()[0]
    finally:
        con.close()
    print(f"serving a scaled copy: {n:,} events ({factor}x {db})")
    return copy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", type=Path, help="start a server on this database for the run")
    where.add_argument("--url", help="a running server on this machine (loopback only)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--scale", type=int, default=1, help="with --db: serve a copy with every event repeated K times")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if not 1 <= args.clients <= 256 or not 0 < args.seconds <= 600:
        raise SystemExit("--clients must be 1..256 and --seconds 0..600")
    proc = None
    workdir = tempfile.TemporaryDirectory(prefix="eventcoder-load-")
    if args.db:
        if not args.db.exists():
            raise SystemExit(f"{args.db}: no such database")
        db = scaled_copy(args.db, args.scale, Path(workdir.name)) if args.scale > 1 else args.db
        proc, base = start_server(db)
    else:
        base = args.url.rstrip("/")
        if urlsplit(base).hostname not in LOOPBACK:
            raise SystemExit("load is only sent to a server on this machine (127.0.0.1, localhost, ::1)")
    try:
        cpu_before = server_cpu_s(proc)
        result = asyncio.run(run(base, args.clients, args.seconds))
        if proc is not None:
            # CPU time the server spent per request: unlike wall time, other work on the machine barely moves it
            spent = server_cpu_s(proc) - cpu_before
            result["server_cpu_ms_per_request"] = round(spent * 1000 / max(result["total"]["requests"], 1), 2)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)
        workdir.cleanup()
    print_report(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    sys.exit(1 if result["total"]["errors"] else 0)


if __name__ == "__main__":
    main()
