"""benchmarks/load.py runs against a real server and reports zero errors on the test database."""
from __future__ import annotations

import json
import subprocess
import sys

from test_api_support import REPO, build_test_db


def test_load_check_runs_clean(tmp_path):
    db = tmp_path / "events.duckdb"
    build_test_db(db)
    out = tmp_path / "load.json"
    run = subprocess.run([sys.executable, str(REPO / "benchmarks" / "load.py"), "--db", str(db), "--scale", "10",
                          "--clients", "4", "--seconds", "2", "--json", str(out)],
                         capture_output=True, text=True, timeout=180, cwd=REPO)
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(out.read_text())
    assert result["total"]["errors"] == 0
    assert result["total"]["requests"] > 0
    assert {"events", "stats", "events?cursor"} <= set(result["by_endpoint"])
    assert result["server_cpu_ms_per_request"] > 0
    for label in ("req/s", "p50 ms", "p99 ms", "errors", "ALL"):
        assert label in run.stdout


def test_load_check_refuses_other_hosts():
    run = subprocess.run([sys.executable, str(REPO / "benchmarks" / "load.py"), "--url", "http://192.0.2.1:8000",
                          "--seconds", "1"], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert run.returncode != 0 and "only sent to a server on this machine" in run.stderr
