"""The Dask engine: same records as the local engine, Parquet partitions, failures.

Real LocalClusters of worker processes (threads_per_worker=1, at most 2 workers: the machine
has 2 cores). The corpus is the project's own test articles: tests/data/dedup/*.jsonl and the
seed-format files in tests/data/dedup/engine/ (two of which are broken on purpose).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from eventcoder import dedup, store
from eventcoder.cli import app
from eventcoder.coder import Coder
from eventcoder.distributed import (CoderPlugin, PartRow, code_with_dask, local_cluster, partition_key,
                                    pipeline_spec, read_part, write_part)
from eventcoder.read import Article, ReadError, read_inputs

DATA = Path(__file__).resolve().parent / "data" / "dedup"
CORPUS = [str(DATA)]  # the JSONL sets and the engine/ seed files (directories are read recursively)
BROKEN = {"corrupt-bytes.txt": "not valid UTF-8", "no-date-line.txt": "no date line"}
runner = CliRunner()

pytestmark = pytest.mark.slow  # each test starts a cluster of worker processes that load spaCy


def stored_records(db: str) -> dict[str, str]:
    with duckdb.connect(db, read_only=True) as con:
        return dict(con.execute("SELECT id, CAST(record AS VARCHAR) FROM events ORDER BY id").fetchall())


def stored_articles(db: str) -> list[str]:
    with duckdb.connect(db, read_only=True) as con:
        return [r[0] for r in con.execute("SELECT id FROM articles ORDER BY id").fetchall()]


def cluster_partition(db: str) -> set[frozenset[str]]:
    with duckdb.connect(db, read_only=True) as con:
        rows = con.execute("SELECT cluster_id, list(event_id) FROM cluster_members GROUP BY cluster_id").fetchall()
    return {frozenset(members) for _, members in rows}


def test_dask_engine_stores_the_same_records_as_the_local_engine(tmp_path: Path) -> None:
    local_db, dask_db = str(tmp_path / "local.duckdb"), str(tmp_path / "dask.duckdb")
    local = runner.invoke(app, ["code", *CORPUS, "--db", local_db, "--quiet"])
    dask = runner.invoke(app, ["code", *CORPUS, "--db", dask_db, "--quiet", "--engine", "dask", "--workers", "2"])
    # the two broken files fail alone, with their reasons, under either engine
    assert local.exit_code == dask.exit_code == 1, (local.output, dask.output)
    for db in (local_db, dask_db):
        with duckdb.connect(db, read_only=True) as con:
            errors = dict(con.execute("SELECT origin, reason FROM read_errors").fetchall())
        assert {Path(o).name for o in errors} == set(BROKEN)
        for origin, reason in errors.items():
            assert BROKEN[Path(origin).name] in reason
    good = [a for a in read_inputs(CORPUS) if isinstance(a, Article)]
    assert stored_articles(local_db) == stored_articles(dask_db) == sorted({a.id for a in good})
    local_records, dask_records = stored_records(local_db), stored_records(dask_db)
    assert len(local_records) > len(good)  # the corpus has events to compare
    assert dask_records == local_records  # byte for byte, record JSON included
    assert cluster_partition(dask_db) == cluster_partition(local_db)  # same order of loads: same clusters
    # running again adds nothing: every article is already stored
    again = runner.invoke(app, ["code", *CORPUS, "--db", dask_db, "--engine", "dask", "--workers", "1"])
    assert "already stored" in again.stderr and stored_records(dask_db) == dask_records


def redated_corpus(path: Path, copies: int) -> list[Article]:
    """The JSONL test articles, each also re-dated by whole weeks: distinct articles (the id is
    a hash of date and text) with the same kind of text, enough to keep two workers busy."""
    rows = [json.loads(line) for f in sorted(DATA.glob("*.jsonl")) for line in f.read_text().splitlines()]
    with path.open("w", encoding="utf-8") as out:
        for week in range(copies):
            for row in rows:
                day = time.strftime("%Y-%m-%d", time.gmtime(time.mktime(time.strptime(row["date"], "%Y-%m-%d")) + week * 7 * 86400 + 43200))
                out.write(json.dumps({**row, "date": day, "id": f"{row['id']}-w{week}"}) + "\n")
    return [a for a in read_inputs([str(path)]) if isinstance(a, Article)]


def test_worker_killed_mid_run_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    corpus = tmp_path / "redated.jsonl"
    articles = redated_corpus(corpus, copies=3)
    assert len({a.id for a in articles}) == len(articles) == 36
    expected = {e.id: e.model_dump_json() for _, events in Coder().code_batch(articles) for e in events}

    db, parts = str(tmp_path / "events.duckdb"), str(tmp_path / "parts")
    box: dict = {}
    with local_cluster(2) as cluster, cluster.get_client() as client:
        spec = pipeline_spec(batch_size=2)
        client.register_plugin(CoderPlugin(spec), name=f"eventcoder-coder-{spec.fingerprint}")  # workers warm
        pids = client.run(os.getpid)

        def run() -> None:
            try:
                box["result"] = code_with_dask([str(corpus)], db, client=client, batch_size=2,
                                               parts_dir=parts, keep_parts=True)
            except BaseException as exc:  # noqa: BLE001  re-raised in the test thread
                box["error"] = exc

        thread = threading.Thread(target=run)
        thread.start()
        victim = None
        deadline = time.monotonic() + 300
        while victim is None and time.monotonic() < deadline and thread.is_alive():
            written = list(Path(parts).glob("run-*/part-*.parquet"))
            busy = [addr for addr, keys in client.processing().items()
                    if any(str(k).startswith("eventcoder-code-") for k in keys)]
            if written and busy:  # coding is under way: kill a worker that holds a partition
                victim = pids[busy[0]]
                os.kill(victim, signal.SIGKILL)
            time.sleep(0.05)
        thread.join(timeout=600)
        assert victim is not None, "no worker was caught coding"
        assert not thread.is_alive() and "error" not in box, box.get("error")
        client.wait_for_workers(2, timeout=120)
        assert victim not in client.run(os.getpid).values()  # the killed process is gone (its nanny made a new one)

    result = box["result"]
    assert result.failures == []
    assert result.stats["coded"] == 36 and result.stats["read"] == 36
    assert stored_articles(db) == sorted(a.id for a in articles)  # none lost
    records = stored_records(db)
    assert records == expected  # none duplicated, none altered
    with duckdb.connect(db, read_only=True) as con:
        n_events, n_members = con.execute(
            "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM cluster_members)").fetchone()
    assert n_events == n_members == len(expected)
    # one whole Parquet file per partition, no temporary leftovers, every article in exactly one
    files = sorted(Path(result.parts_dir).iterdir())
    assert all(f.suffix == ".parquet" for f in files) and len(files) == result.partitions == 18
    ids = [row.article.id for f in files for row in read_part(str(f))]
    assert sorted(ids) == sorted(a.id for a in articles)


def test_partition_files_are_whole_and_keyed_by_content(tmp_path: Path) -> None:
    articles = [a for a in read_inputs([str(DATA / "engine")]) if isinstance(a, Article)]
    spec = pipeline_spec()
    assert partition_key(spec, articles) == partition_key(spec, list(articles))
    assert partition_key(spec, articles) != partition_key(spec, articles[:-1])
    coded = Coder().code_batch(articles)
    rows = [PartRow(art, events, None, [dedup.text_features(e) for e in events]) for art, events in coded]
    rows.append(PartRow(articles[0], None, "coding failed: ValueError: example"))
    path = str(tmp_path / "part-x.parquet")
    write_part(path, rows)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["part-x.parquet"]  # the temporary name is gone

    def as_json(parts: list[PartRow]) -> list:
        return [(r.article, None if r.events is None else [e.model_dump_json() for e in r.events], r.error, r.features)
                for r in parts]

    back = read_part(path)
    assert as_json(back) == as_json(rows)
    assert pq.read_schema(path).names[-3:] == ["error", "events", "features"]
    with open(path, "rb") as handle:  # the same content read from bytes (a worker's file, fetched)
        assert as_json(read_part(handle.read())) == as_json(rows)
    # a mention made from the shipped features is the mention made from the record alone
    event = rows[0].events[0]
    shipped, fresh = dedup.make_mention(event, "x", features=back[0].features[0]), dedup.make_mention(event, "x")
    assert (shipped.names, shipped.words, shipped.keys()) == (fresh.names, fresh.words, fresh.keys())


def test_standalone_scheduler_and_worker_processes(tmp_path: Path) -> None:
    """A cluster deployed as on several machines: `dask scheduler` and `dask worker` processes
    (here on loopback), the CLI given the scheduler's address."""
    dask_cli = Path(sys.executable).parent / "dask"
    if not dask_cli.exists():
        pytest.skip(f"no dask command beside {sys.executable}")
    address_file = tmp_path / "scheduler.json"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": tmp_path}
    processes = [subprocess.Popen([str(dask_cli), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                   "--scheduler-file", str(address_file)], **quiet)]
    try:
        deadline = time.monotonic() + 120
        while not address_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        processes.append(subprocess.Popen([str(dask_cli), "worker", "--scheduler-file", str(address_file),
                                           "--nworkers", "1", "--nthreads", "1", "--no-dashboard"], **quiet))
        address = json.loads(address_file.read_text())["address"]
        db = str(tmp_path / "events.duckdb")
        result = runner.invoke(app, ["code", str(DATA / "attack_five_outlets.jsonl"), "--db", db, "--quiet",
                                     "--engine", "dask", "--scheduler", address])
        assert result.exit_code == 0, result.output
        assert len(stored_articles(db)) == 5
        with duckdb.connect(db, read_only=True) as con:
            assert con.execute("SELECT max(n_sources) FROM clusters").fetchone()[0] == 5
    finally:
        for process in reversed(processes):  # the worker first, then the scheduler
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_parts_folder_workers_cannot_make_falls_back_to_their_temporary_folder(tmp_path: Path) -> None:
    """As on a worker machine that lacks the client's path: here the folder lies under a plain
    file, so neither side can make it; workers write to their temporary folder instead, and
    the loaded files are removed after loading."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file, not a folder\n")
    db = str(tmp_path / "events.duckdb")
    result = code_with_dask([str(DATA / "two_attacks_same_day.jsonl")], db, n_workers=1,
                            parts_dir=str(blocker / "parts"), batch_size=2)
    assert result.failures == [] and result.stats["coded"] == 4
    assert len(stored_articles(db)) == 4
    assert result.part_dirs and all(not d.startswith(str(tmp_path)) for d in result.part_dirs)
    assert not any(Path(d).exists() for d in result.part_dirs)  # emptied and removed
