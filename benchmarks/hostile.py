"""Figures for the README's reliability section: the hostile-input corpus through ``eventcoder code``.

    python benchmarks/hostile.py [--seed 8] [--keep DIR]

Builds the seeded corpus of tests/hostile_corpus.py (1,000+ files) in a temporary folder, codes
it in one run, and prints files, records in, coded, reported (by category), wall and CPU time and
the coder's peak memory. The same checks run as tests/test_hostile_inputs.py.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from hostile_corpus import DEFAULT_SEED, account, build_corpus, print_table, run_code  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--keep", type=Path, help="build and keep the corpus and database here")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="eventcoder-hostile-"))
    try:
        root = work / "corpus"
        planted = build_corpus(root, args.seed)
        run = run_code([str(root)], work / "hostile.duckdb", "--batch-size", "32")
        acc = account(root, planted, work / "hostile.duckdb")
        items_in = sum(p.items if p.items is not None else f.coded + f.reported for p, f in zip(planted, acc.files))
        print_table(acc, run, items_in)
        problems = [f for f in acc.files if f.problems()]
        for f in problems[:20]:
            print(f"PROBLEM {f.planted.name}: {'; '.join(f.problems())}")
        ok = not problems and not acc.stray_origins and items_in == acc.n_articles + acc.n_reported
        print("every file coded or reported: " + ("yes" if ok else "NO"))
        return 0 if ok and "Traceback" not in run.stderr else 1
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
