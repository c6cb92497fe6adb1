"""Issue 8: hard stops. A run killed with SIGKILL anywhere, then restarted, ends with exactly the
records of an uninterrupted run; a disk that fills up mid-run gives a clear error and a whole
database.

Loading spaCy takes most of a short run, so the kill trials fork their runs from a "zygote"
process that has loaded the coder once: each run is the real ``eventcoder code`` command
(``eventcoder.cli.app``) in its own process, killed with SIGKILL at a seeded random moment
between its start and the length of an uninterrupted run. Two more trials kill the plain
``python -m eventcoder.cli code`` process, model loading included.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator, Optional

import duckdb
import pytest

from hostile_corpus import Corpus

REPO = Path(__file__).resolve().parents[1]
SEED = 20
N_ARTICLES = 30
BATCH = 2
FORKED_TRIALS = 20
CLI_TRIALS = 2

pytestmark = pytest.mark.slow

# Reads one JSON command per line: {"db", "inputs", "log", "kill_after" (seconds or null)};
# forks a child that runs the code command; answers {"rc", "killed", "seconds"}.
ZYGOTE = r"""
import json, os, signal, sys, time, traceback
from eventcoder.cli import app
from eventcoder.coder import Coder
from eventcoder.read import make_article
Coder().code(make_article("2023-05-02", "Police arrested three students in Dhaka on Monday.", "warm-up"))
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    cmd = json.loads(line)
    began = time.monotonic()
    pid = os.fork()
    if pid == 0:
        log = os.open(cmd["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        os.dup2(log, 1)
        os.dup2(log, 2)
        try:
            rc = app(["code", *cmd["inputs"], "--db", cmd["db"], "--batch-size", str(cmd["batch"]), "-q"],
                     standalone_mode=False)
        except BaseException:
            traceback.print_exc()
            rc = 99
        sys.stderr.flush()
        os._exit(rc or 0)
    killed = False
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if cmd["kill_after"] is not None and time.monotonic() - began >= cmd["kill_after"]:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            killed = True
            break
        time.sleep(0.002)
    print(json.dumps({"rc": os.waitstatus_to_exitcode(status), "killed": killed,
                      "seconds": time.monotonic() - began}), flush=True)
"""


class Zygote:
    """The zygote process and its command pipe."""

    def __init__(self, log: Path) -> None:
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        self.proc = subprocess.Popen([sys.executable, "-c", ZYGOTE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=open(log, "wb"), cwd=REPO, env=env, text=True)
        ready = self.proc.stdout.readline()
        assert ready.strip() == '{"ready": true}', log.read_text()[-3000:]

    def run(self, db: Path, inputs: list[str], log: Path, kill_after: Optional[float] = None) -> dict:
        cmd = {"db": str(db), "inputs": inputs, "log": str(log), "kill_after": kill_after, "batch": BATCH}
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        assert answer, f"zygote died: {self.proc.poll()}"
        return json.loads(answer)

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Thirty short articles (seed format) written from the test templates."""
    root = tmp_path_factory.mktemp("hardstop")
    c = Corpus(root / "articles", SEED)
    for i in range(N_ARTICLES):
        c.seed_file("wire", f"story-{i:02d}.txt", c.seed_text(*c.valid(3)))
    return root / "articles"


@pytest.fixture(scope="module")
def zygote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Zygote]:
    z = Zygote(tmp_path_factory.mktemp("zygote") / "zygote.log")
    yield z
    z.close()


def snapshot(db: Path) -> dict:
    """Everything a run leaves that must match: articles, event records, their counts."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        articles = con.execute("SELECT id, n_events FROM articles").fetchall()
        records = [r[0] for r in con.execute("SELECT record FROM events").fetchall()]
        short = con.execute("SELECT count(*) FROM articles a WHERE n_events !="
                            " (SELECT count(*) FROM events e WHERE e.article_id = a.id)").fetchone()[0]
        orphans = con.execute("SELECT count(*) FROM events WHERE article_id NOT IN (SELECT id FROM articles)").fetchone()[0]
        errors = con.execute("SELECT count(*) FROM read_errors").fetchone()[0]
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        unclustered = None
        if "cluster_members" in tables:  # issue 7's clusters: every stored event in exactly one
            unclustered = con.execute(
                "SELECT count(*) FROM events e WHERE (SELECT count(*) FROM cluster_members m"
                " WHERE m.event_id = e.id) != 1").fetchone()[0]
    finally:
        con.close()
    return {"articles": dict(articles), "n_article_rows": len(articles), "records": records, "short": short,
            "orphans": orphans, "errors": errors, "unclustered": unclustered}


def assert_whole(snap: dict, reference: dict) -> None:
    """A database a kill left behind: whole articles only, each event as in the reference run."""
    assert snap["short"] == 0 and snap["orphans"] == 0
    assert set(snap["articles"]) <= set(reference["articles"])
    assert set(snap["records"]) <= set(reference["records"])
    assert len(snap["records"]) == len(set(snap["records"]))


def assert_same(snap: dict, reference: dict) -> None:
    assert snap["n_article_rows"] == reference["n_article_rows"] == N_ARTICLES
    assert snap["articles"] == reference["articles"]
    assert len(snap["records"]) == len(set(snap["records"])) == len(reference["records"])  # no duplicates
    assert set(snap["records"]) == set(reference["records"])  # no loss, nothing different
    assert snap["short"] == snap["orphans"] == snap["errors"] == 0
    assert snap["unclustered"] in (None, 0)


def test_sigkill_at_random_points_then_restart_gives_the_uninterrupted_records(
        corpus: Path, zygote: Zygote, tmp_path: Path) -> None:
    reference_db = tmp_path / "reference.duckdb"
    ref_run = zygote.run(reference_db, [str(corpus)], tmp_path / "reference.log")
    assert ref_run["rc"] == 0 and not ref_run["killed"], (tmp_path / "reference.log").read_text()[-3000:]
    reference = snapshot(reference_db)
    assert reference["n_article_rows"] == N_ARTICLES and reference["records"]

    rng = random.Random(SEED)
    full = ref_run["seconds"]
    outcomes = []
    for trial in range(FORKED_TRIALS):
        db = tmp_path / f"trial-{trial:02d}.duckdb"
        log = tmp_path / f"trial-{trial:02d}.log"
        delay = rng.uniform(0.0, full)
        killed = zygote.run(db, [str(corpus)], log, kill_after=delay)
        stored_at_kill = 0
        if killed["killed"] and db.exists():
            left = snapshot(db)
            assert_whole(left, reference)
            stored_at_kill = left["n_article_rows"]
        again = zygote.run(db, [str(corpus)], log)
        assert again["rc"] == 0, log.read_text()[-3000:]
        assert_same(snapshot(db), reference)
        outcomes.append((round(delay, 2), killed["killed"], stored_at_kill))
    kills = [o for o in outcomes if o[1]]
    print(f"\n{FORKED_TRIALS} trials, uninterrupted run {full:.1f} s; (delay s, killed, articles stored at the kill):")
    print(outcomes)
    # the seeded delays must really cut runs short, and at different stages of the writing
    assert len(kills) >= FORKED_TRIALS // 2
    assert len({o[2] for o in kills}) >= 3


def run_cli(db: Path, corpus: Path, log: Path, kill_after: Optional[float] = None) -> tuple[int, bool, float]:
    began = time.monotonic()
    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "eventcoder.cli", "code", str(corpus), "--db", str(db),
                                 "--batch-size", str(BATCH), "-q"], stdout=out, stderr=out, cwd=REPO)
        try:
            proc.wait(timeout=kill_after if kill_after is not None else 600)
            return proc.returncode, False, time.monotonic() - began
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return proc.returncode, True, time.monotonic() - began


def test_sigkill_of_the_cli_process_then_restart(corpus: Path, tmp_path: Path) -> None:
    reference_db = tmp_path / "reference.duckdb"
    rc, _, full = run_cli(reference_db, corpus, tmp_path / "reference.log")
    assert rc == 0, (tmp_path / "reference.log").read_text()[-3000:]
    reference = snapshot(reference_db)
    rng = random.Random(SEED + 1)
    for trial in range(CLI_TRIALS):
        db, log = tmp_path / f"cli-{trial}.duckdb", tmp_path / f"cli-{trial}.log"
        # the second half of a run: by then the model is loaded and batches are being written
        _, killed, _ = run_cli(db, corpus, log, kill_after=rng.uniform(full / 2, full))
        if killed and db.exists():
            assert_whole(snapshot(db), reference)
        rc, _, _ = run_cli(db, corpus, log)
        assert rc == 0, log.read_text()[-3000:]
        assert_same(snapshot(db), reference)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB tmpfs; skipped where mounting is not permitted."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {proc.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_full_disk_gives_a_clear_error_and_a_whole_database(small_disk: Path, tmp_path: Path) -> None:
    c = Corpus(tmp_path / "big", SEED + 2)
    for i in range(300):  # 1.2 MB of text: more than the disk holds
        c.seed_file("wire", f"story-{i:03d}.txt", c.seed_text(*c.valid(8)))
    db = small_disk / "events.duckdb"
    proc = subprocess.run([sys.executable, "-m", "eventcoder.cli", "code", str(tmp_path / "big"), "--db", str(db),
                           "--batch-size", "16", "-q"], capture_output=True, text=True, cwd=REPO, timeout=900,
                          env={**os.environ, "COLUMNS": "300"})
    print(f"\nexit status {proc.returncode}; stderr: {proc.stderr.strip()[:400]}")
    assert proc.returncode == 4, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert "error:" in proc.stderr and "No space left on device" in proc.stderr.replace("\n", " ")

    # the database opens where it is, and a copy opens for writing elsewhere; whole articles only
    here = snapshot(db)
    assert here["short"] == 0 and here["orphans"] == 0 and 0 < here["n_article_rows"] < 300
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(db.read_bytes())
    wal = Path(str(db) + ".wal")
    if wal.exists():
        Path(str(copy) + ".wal").write_bytes(wal.read_bytes())
    con = duckdb.connect(str(copy))  # replays the log and checkpoints
    con.close()
    assert snapshot(copy)["articles"] == here["articles"]

    # with room again, the same command finishes the job without duplicates
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    proc = subprocess.run([sys.executable, "-m", "eventcoder.cli", "code", str(tmp_path / "big"), "--db", str(db),
                           "--batch-size", "64", "-q"], capture_output=True, text=True, cwd=REPO, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    done = snapshot(db)
    assert done["n_article_rows"] == 300 and done["short"] == done["orphans"] == 0
    assert len(done["records"]) == len(set(done["records"]))
    assert set(here["records"]) <= set(done["records"])
