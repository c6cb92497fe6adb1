"""Issue 8: a generated corpus of hostile inputs goes through ``eventcoder code`` in one run.

Every file either codes or is reported with its reason, the run completes, the coder process
stays under 2 GB, and articles in = coded + reported. The corpus (1,000+ files, seeded) is
built by tests/hostile_corpus.py in a temporary folder; run that script to look at it.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from hostile_corpus import account, build_corpus, print_table, run_code

MEMORY_LIMIT_MB = 2048


@pytest.mark.slow
def test_hostile_corpus_codes_or_reports_every_file(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    planted = build_corpus(root)
    assert len(planted) >= 1000

    db = tmp_path / "hostile.duckdb"
    run = run_code([str(root)], db, "--batch-size", "32")
    acc = account(root, planted, db)
    items_in = sum(p.items if p.items is not None else f.coded + f.reported for p, f in zip(planted, acc.files))
    print_table(acc, run, items_in)

    # the run completed: no crash, and exit status 1 says "some inputs were skipped"
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert run.returncode == 1, run.stderr[-3000:]
    assert run.peak_rss_mb < MEMORY_LIMIT_MB

    # every file is accounted for, as its kind requires; nothing stored or reported from nowhere
    problems = {f.planted.name: (f.problems(), f.reasons[:3]) for f in acc.files if f.problems()}
    assert not problems
    assert not acc.stray_origins
    assert not acc.missing_ids  # valid articles (in UTF-8, UTF-16, UTF-32, CSV, JSONL) stored as written

    # articles in = coded + reported, by the run's own summary and by the database
    summary = run.summary()
    assert summary["already stored"] == 0  # the corpus holds no article twice
    assert summary["read"] == items_in == acc.n_articles + acc.n_reported
    assert summary["coded"] == acc.n_articles
    assert summary["skipped"] == acc.n_reported
    assert summary["events"] == acc.n_events

    # the database is whole: each article has all its events, and every report has a reason
    con = duckdb.connect(str(db), read_only=True)
    try:
        short = con.execute("SELECT count(*) FROM articles a WHERE n_events !="
                            " (SELECT count(*) FROM events e WHERE e.article_id = a.id)").fetchone()[0]
        orphans = con.execute("SELECT count(*) FROM events WHERE article_id NOT IN (SELECT id FROM articles)").fetchone()[0]
        no_reason = con.execute("SELECT count(*) FROM read_errors WHERE coalesce(trim(reason), '') = ''").fetchone()[0]
    finally:
        con.close()
    assert (short, orphans, no_reason) == (0, 0, 0)
