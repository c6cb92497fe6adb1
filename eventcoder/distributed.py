"""The Dask runner: code articles on a cluster, write partitioned Parquet, load it into the store.

    result = code_with_dask(["news/"], "events.duckdb", n_workers=2)          # a LocalCluster
    result = code_with_dask(["news/"], "events.duckdb", scheduler="tcp://head:8786")

The client reads the inputs in batches (the local engine's batches, so both engines write the
store in the same order), drops articles already in the store, and submits each batch as one
partition task. Every worker process builds the coding pipeline once (``CoderPlugin``, run when
the worker starts and again when a restarted worker comes back) and codes its partitions into
Parquet files, one per partition, written under a temporary name and renamed, so a file is
whole or absent. A partition file holds each article, its event records as JSON (or the reason
it could not be coded) and the text features deduplication needs, computed on the worker.
The client loads the partitions in submission order, each in one store transaction
(``store.write_batch``, which skips articles already stored), and links the new mentions into
event clusters (``dedup.link_pending``) every few partitions.

Failures: a worker killed mid-partition loses nothing: the scheduler runs the task again on
another worker, and a rerun finds the file if it was already written. A partition that kills
workers over and over is split and its articles coded one by one, so that the article that
breaks a worker fails alone, with the reason. An article whose coding raises fails alone too.

Parquet partitions live in ``parts_dir`` (default ``<db>.parts/run-…``): on a multi-machine
cluster, a shared file system makes them visible to the client directly; without one, a worker
that cannot make the folder writes to its temporary folder, and the client fetches each file's
bytes from the worker that wrote it.
"""
from __future__ import annotations

import collections
import contextlib
import hashlib
import importlib
import json
import logging
import os
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, NamedTuple, Optional, Sequence, TextIO

import pyarrow as pa
import pyarrow.parquet as pq

from eventcoder import __version__, dedup, store
from eventcoder.read import Article, ReadError, batched, read_inputs
from eventcoder.record import Event

log = logging.getLogger(__name__)

PART_SCHEMA = pa.schema([
    ("id", pa.string()), ("date", pa.string()), ("text", pa.string()), ("title", pa.string()),
    ("url", pa.string()), ("source", pa.string()), ("external_id", pa.string()), ("origin", pa.string()),
    ("error", pa.string()),  # why this article could not be coded (null when it was)
    ("events", pa.list_(pa.string())),  # event records as JSON, in the coder's order
    ("features", pa.list_(pa.string())),  # per event, dedup.text_features as JSON (computed here, not on the client)
])
ARTICLE_FIELDS = ("id", "date", "text", "title", "url", "source", "external_id", "origin")


# --------------------------------------------------------------------------- the pipeline on workers

@dataclass(frozen=True)
class PipelineSpec:
    """The client's coding pipeline, so that workers run exactly the same stages."""

    stages: tuple[str, ...]
    modules: tuple[str, ...]  # modules whose import registers those stages
    batch_size: int = 32

    @property
    def fingerprint(self) -> str:
        return hashlib.sha1(f"{__version__}|{','.join(self.stages)}".encode()).hexdigest()[:8]


def pipeline_spec(stages: Optional[Sequence[str]] = None, batch_size: int = 32) -> PipelineSpec:
    from eventcoder.pipeline import STAGES, default_stages

    names = tuple(stages) if stages is not None else tuple(default_stages())
    modules = tuple(sorted({STAGES[name].__module__ for name in names if name in STAGES}))
    return PipelineSpec(names, modules, batch_size)


_CODERS: dict[PipelineSpec, object] = {}


def coder_for(spec: PipelineSpec):
    """This process's Coder for the spec, built on first use and then kept."""
    coder = _CODERS.get(spec)
    if coder is None:
        for module in spec.modules:
            importlib.import_module(module)
        from eventcoder.coder import Coder

        coder = _CODERS[spec] = Coder(stages=list(spec.stages), batch_size=spec.batch_size)
    return coder


try:
    from distributed import WorkerPlugin
except ImportError:  # dask is a dependency; this only keeps `import eventcoder.distributed` cheap to fail
    WorkerPlugin = object  # type: ignore[misc,assignment]


class CoderPlugin(WorkerPlugin):
    """Loads the pipeline (spaCy model, lexicons, gazetteer) when a worker starts, once."""

    name = "eventcoder-coder"
    idempotent = True

    def __init__(self, spec: PipelineSpec) -> None:
        self.spec = spec

    def setup(self, worker) -> None:  # noqa: ANN001  distributed.Worker
        coder = coder_for(self.spec)
        warm = Article(id="warmup", date="2024-01-01", text="Police arrested two protesters in the capital on Monday.")
        coder.code_batch([warm])  # loads the model and every lazily built table now, not in the first task


# --------------------------------------------------------------------------- one partition

@dataclass
class PartitionDone:
    """What a partition task returns: where its Parquet file is, and its counts."""

    key: str
    path: str
    articles: int
    failed: int
    reused: bool  # the file was already there (a rerun after a worker died)
    worker_pid: int


def partition_key(spec: PipelineSpec, articles: Sequence[Article]) -> str:
    digest = hashlib.sha1(spec.fingerprint.encode())
    for art in articles:
        digest.update(art.id.encode())
    return digest.hexdigest()[:16]


def _code_isolated(coder, articles: Sequence[Article]) -> list[PartRow]:
    """Code a batch; if it raises, code one by one so that one bad article fails alone."""
    try:
        return [PartRow(art, events, None) for art, events in coder.code_batch(list(articles))]
    except Exception:  # noqa: BLE001  find the culprit below
        results = []
        for art in articles:
            try:
                results.append(PartRow(art, coder.code_batch([art])[0][1], None))
            except Exception as exc:  # noqa: BLE001  reported with the article, the run goes on
                results.append(PartRow(art, None, f"coding failed: {exc.__class__.__name__}: {exc}"))
        return results


class PartRow(NamedTuple):
    """One article of a partition file: its events, or the reason it could not be coded."""

    article: Article
    events: Optional[list[Event]]
    error: Optional[str]
    features: Optional[list[dict]] = None  # dedup.text_features of each event


def write_part(path: str, rows: Sequence[PartRow]) -> None:
    """Write a partition's Parquet file atomically: a temporary name in the same folder, then rename."""
    columns: dict[str, list] = {name: [] for name in PART_SCHEMA.names}
    for art, events, error, features in rows:
        for name in ARTICLE_FIELDS:
            columns[name].append(getattr(art, name))
        columns["error"].append(error)
        columns["events"].append(None if events is None else [e.model_dump_json() for e in events])
        columns["features"].append(None if features is None else [json.dumps(f) for f in features])
    table = pa.table(columns, schema=PART_SCHEMA)
    tmp = f"{path}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)


def read_part(source) -> list[PartRow]:  # noqa: ANN001  a path, or the file's bytes
    table = pq.read_table(pa.BufferReader(source) if isinstance(source, bytes) else source)
    rows = []
    for rec in table.to_pylist():
        art = Article(**{name: rec[name] for name in ARTICLE_FIELDS})
        events = None if rec["events"] is None else [Event.model_validate_json(j) for j in rec["events"]]
        features = None if rec.get("features") is None else [json.loads(j) for j in rec["features"]]
        rows.append(PartRow(art, events, rec["error"], features))
    return rows


def worker_parts_dir(parts_dir: str) -> str:
    """The client's parts folder, or, on a machine where it cannot be made (another machine's
    path), a folder of the same name in this machine's temporary directory."""
    try:
        os.makedirs(parts_dir, exist_ok=True)
        return parts_dir
    except OSError:
        local = os.path.join(tempfile.gettempdir(), "eventcoder-parts", os.path.basename(parts_dir))
        os.makedirs(local, exist_ok=True)
        return local


def code_partition(key: str, articles: Sequence[Article], parts_dir: str, spec: PipelineSpec) -> PartitionDone:
    """The task each worker runs: code the articles and write ``part-<key>.parquet``."""
    path = os.path.join(worker_parts_dir(parts_dir), f"part-{key}.parquet")
    if os.path.exists(path):  # written by an earlier attempt of this task
        return PartitionDone(key, path, len(articles), 0, True, os.getpid())
    rows = _code_isolated(coder_for(spec), articles)
    # the mentions' text features for deduplication, made here so the client does not have to
    rows = [row if row.events is None else row._replace(features=[dedup.text_features(e) for e in row.events])
            for row in rows]
    write_part(path, rows)
    return PartitionDone(key, path, len(rows), sum(1 for row in rows if row.error), False, os.getpid())


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def _remove_file(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)


# --------------------------------------------------------------------------- the client

@dataclass
class DaskResult:
    stats: collections.Counter = field(default_factory=collections.Counter)  # read, coded, already stored, events
    by_type: collections.Counter = field(default_factory=collections.Counter)  # realized event types
    failures: list[ReadError] = field(default_factory=list)
    link: dedup.LinkStats = field(default_factory=dedup.LinkStats)
    partitions: int = 0
    reruns: int = 0  # partitions whose task ran again after a worker died
    parts_dir: str = ""
    seconds: float = 0.0  # from the first submission to the last load
    timings: collections.Counter = field(default_factory=collections.Counter)  # client seconds by step
    worker_pids: set[int] = field(default_factory=set)
    part_dirs: set[str] = field(default_factory=set)  # where this machine found partition files




# Dask's own periodic work, turned down: the statistical profiler samples every worker thread
# every 10 ms and the system monitor polls twice a second. On a small machine that is CPU taken
# from coding; tasks here run for seconds, so nothing is lost.
QUIET_DASK = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.admin.tick.interval": "200ms",
}


def local_cluster(n_workers: int = 2, **kwargs):
    """A LocalCluster of single-threaded worker processes (spaCy holds the GIL: threads do not help)."""
    import dask
    from distributed import LocalCluster

    threads = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    options = dict(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None,
                   silence_logs=logging.ERROR, env=threads)
    options.update(kwargs)
    with dask.config.set(QUIET_DASK):  # read when the scheduler, nannies and workers start
        return LocalCluster(**options)


def code_with_dask(
    inputs: list[str],
    db: str,
    scheduler: Optional[str] = None,
    n_workers: int = 2,
    jsonl: Optional[TextIO] = None,
    *,
    batch_size: int = 32,
    parts_dir: Optional[str] = None,
    keep_parts: bool = False,
    stages: Optional[Sequence[str]] = None,
    link: bool = True,
    client=None,  # noqa: ANN001  an existing distributed.Client to use
    on_progress: Optional[Callable[[DaskResult], None]] = None,
) -> DaskResult:
    """Code ``inputs`` on a Dask cluster into the store ``db``; see the module docstring."""
    from distributed import Client

    spec = pipeline_spec(stages, batch_size)
    # absolute: workers resolve paths against their own working directory
    run_dir = os.path.abspath(os.path.join(parts_dir or f"{db}.parts",
                                           f"run-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"))
    with contextlib.suppress(OSError):  # where it cannot be made, workers fall back to a temporary folder
        os.makedirs(run_dir, exist_ok=True)
    result = DaskResult(parts_dir=run_dir)
    with contextlib.ExitStack() as stack:
        if client is None:
            if scheduler:
                client = stack.enter_context(Client(scheduler))
            else:
                cluster = stack.enter_context(local_cluster(n_workers))
                client = stack.enter_context(Client(cluster))
        client.register_plugin(CoderPlugin(spec), name=f"eventcoder-coder-{spec.fingerprint}")
        _run(client, inputs, db, jsonl, spec, run_dir, link, keep_parts, result, on_progress)
    for folder in {run_dir, *result.part_dirs}:
        for leftover in Path(folder).glob("*.tmp-*"):  # a worker killed while writing leaves its temporary file
            leftover.unlink(missing_ok=True)
        if not keep_parts:  # the loaded files are removed as they are loaded; now the empty folders
            with contextlib.suppress(OSError):
                os.rmdir(folder)
                os.rmdir(os.path.dirname(folder))  # the parts folder, when no other run uses it
    return result


class _StoreSession:
    """Keeps the store open across a few partition loads. DuckDB shares one database instance
    between the connections of a process: while this one is open, the per-batch connections of
    ``store.write_batch`` and ``dedup.link_pending`` open at once and their closing does not
    checkpoint the file; the checkpoint comes once, when the session closes (after each
    LINK_EVERY partitions). Between sessions other processes (serve, query) can open the file."""

    def __init__(self, db: str) -> None:
        self.db = db
        self.con = None
        self.loads = 0

    def open(self) -> None:
        if self.con is None:
            self.con = store.connect(self.db, wait_s=60.0)

    def known(self, ids: list[str]) -> set[str]:
        self.open()
        return store.known_ids(self.con, ids)

    def loaded(self) -> None:
        self.loads += 1
        if self.loads >= LINK_EVERY:
            self.close()

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con, self.loads = None, 0


def _run(client, inputs, db, jsonl, spec, run_dir, link, keep_parts, result, on_progress) -> None:  # noqa: ANN001
    """Read, submit, load in submission order, link; see the module docstring."""
    queue: collections.deque = collections.deque()
    seen: set[str] = set()  # ids submitted in this run (an article may come twice, in two files)
    unlinked = 0  # partitions loaded whose mentions are not linked yet
    session = _StoreSession(db)
    began = time.perf_counter()

    def load_next() -> None:
        nonlocal unlinked
        session.open()
        _load(client, queue.popleft(), db, jsonl, spec, run_dir, result, keep_parts)
        unlinked = _maybe_link(db, link, unlinked + 1, result)
        session.loaded()  # closes (and so checkpoints) every LINK_EVERY loads, right after the link
        if on_progress:
            on_progress(result)

    try:
        # batches as the local engine makes them; the store is asked which articles it holds
        # once per CHECK_EVERY batches
        for group in batched(batched(read_inputs(inputs), spec.batch_size), CHECK_EVERY):
            # partitions in flight: enough to keep every worker thread busy while the client loads
            # (asked again for each group: workers may join or leave a running cluster)
            window = max(2, 3 * sum(client.nthreads().values()))
            stored = session.known([a.id for batch in group for a in batch if isinstance(a, Article)])
            for batch in group:
                result.stats["read"] += len(batch)
                result.failures.extend(b for b in batch if isinstance(b, ReadError))
                todo = []
                for art in (a for a in batch if isinstance(a, Article)):
                    if art.id in stored or art.id in seen:
                        result.stats["already stored"] += 1
                    else:
                        seen.add(art.id)
                        todo.append(art)
                if not todo:
                    continue
                queue.append(_submit(client, todo, run_dir, spec))
                result.partitions += 1
                while len(queue) >= window:
                    load_next()
        while queue:
            load_next()
        _maybe_link(db, link, unlinked, result, now=True)
    finally:
        session.close()
    result.seconds = time.perf_counter() - began


CHECK_EVERY = 8  # read batches per question to the store about which articles it holds
LINK_EVERY = 4  # partitions loaded before their mentions are linked


def _maybe_link(db: str, link: bool, unlinked: int, result: DaskResult, now: bool = False) -> int:
    """Link the mentions of the last LINK_EVERY loaded partitions in one call: the same clusters
    as linking each partition (see dedup.link_pending) at a fraction of the cost of opening the
    store and querying its index for each."""
    if not link or not unlinked or (unlinked < LINK_EVERY and not now):
        return unlinked
    clock = time.perf_counter()
    result.link.add(dedup.link_pending(db))
    _lap(result, "deduplicating", clock)
    return 0


def _submit(client, articles: list[Article], run_dir: str, spec: PipelineSpec, suffix: str = ""):  # noqa: ANN001
    key = partition_key(spec, articles)
    future = client.submit(code_partition, key, articles, run_dir, spec, key=f"eventcoder-code-{key}{suffix}", pure=False)
    return future, articles


MAX_REFETCH = 3  # partitions recoded when the only copy of their file went down with its worker


def _load(client, item, db, jsonl, spec, run_dir, result: DaskResult, keep_parts: bool = True,  # noqa: ANN001
          attempt: int = 0) -> None:
    """Wait for one partition and load its Parquet file into the store (one transaction)."""
    from distributed import KilledWorker

    future, articles = item
    clock = time.perf_counter()
    try:
        done: PartitionDone = future.result()
    except KilledWorker as exc:
        # the partition took workers down with it, more than once: code its articles singly
        if len(articles) > 1:
            log.warning("partition of %d articles killed workers (%s); coding them one by one", len(articles), exc)
            singles = [_submit(client, [art], run_dir, spec) for art in articles]
            for single in singles:
                _load(client, single, db, jsonl, spec, run_dir, result, keep_parts)
        else:
            art = articles[0]
            result.failures.append(ReadError(art.origin, f"coding failed: the worker process died while coding it ({exc})"))
        return
    result.reruns += done.reused
    result.worker_pids.add(done.worker_pid)
    clock = _lap(result, "waiting for workers", clock)
    source = _part_source(client, future, done, keep_parts)
    if source is None:  # written on a machine this one cannot see, whose worker has since gone
        if attempt >= MAX_REFETCH:
            raise FileNotFoundError(f"{done.path}: partition lost {attempt} times with its worker; "
                                    "give the run a parts folder that every machine shares")
        retry = _submit(client, articles, run_dir, spec, suffix=f"-again{attempt + 1}")
        _load(client, retry, db, jsonl, spec, run_dir, result, keep_parts, attempt + 1)
        return
    rows = read_part(source)
    if isinstance(source, str):
        result.part_dirs.add(os.path.dirname(source))
        if not keep_parts:
            _remove_file(source)
    coded, mentions = [], []
    for art, events, error, features in rows:
        if error is not None:
            result.failures.append(ReadError(art.origin, error))
            continue
        coded.append((art, events))
        outlet = dedup.source_key(art.source, art.url)
        mentions += [dedup.make_mention(e, outlet, features=f) for e, f in zip(events, features or [None] * len(events))]
    clock = _lap(result, "reading parquet", clock)
    # one transaction; it skips articles stored since they were submitted (by another process:
    # this run submits each article once)
    result.stats["coded"] += store.write_batch(db, coded)
    dedup.remember(db, mentions)  # linking will find them made
    clock = _lap(result, "writing the store", clock)
    for art, events in coded:
        result.stats["events"] += len(events)
        result.by_type.update(e.event_type for e in events if e.realized)
        if jsonl is not None:
            for e in events:
                jsonl.write(e.model_dump_json() + "\n")
    if jsonl is not None:
        jsonl.flush()


def _lap(result: DaskResult, step: str, since: float) -> float:
    now = time.perf_counter()
    result.timings[step] += now - since
    return now


def _part_source(client, future, done: PartitionDone, keep_parts: bool):  # noqa: ANN001
    """The partition's file path when this machine sees it (a shared or local folder), else its
    bytes fetched from the worker that wrote it (which then deletes it, unless parts are kept);
    None when that worker is gone."""
    from distributed import KilledWorker, fire_and_forget

    if os.path.exists(done.path):
        return done.path
    holders = list(client.who_has(future).get(future.key, ()))
    if not holders:
        return None
    try:
        data = client.submit(_read_bytes, done.path, workers=holders, allow_other_workers=False, pure=False).result()
    except (OSError, KilledWorker):
        return None
    if not keep_parts:
        fire_and_forget(client.submit(_remove_file, done.path, workers=holders, allow_other_workers=False, pure=False))
    return data
