"""Score every gold set under ../shared/data and write the figures into the README (``make eval``).

    python -m eventcoder.evaluate.run_all --readme README.md [--limit 300] [--data ../shared/data]

For each set in ``data/sets.json``: convert it, code and score it, save the gold JSONL, the JSON
report and the misses under ``out/eval/``, and rewrite the table between ``<!-- eval:start -->``
and ``<!-- eval:end -->`` in the README. A set that is absent on this machine is reported and
keeps the row it had. The block also states the team's rule on tuning, so it travels with the
figures.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from importlib import resources
from pathlib import Path
from typing import Any, Optional

from eventcoder.evaluate.convert import convert
from eventcoder.evaluate.gold import select_part, write_gold
from eventcoder.evaluate.report import print_report, write_json

START, END = "<!-- eval:start -->", "<!-- eval:end -->"
# (field, metric, column heading): the figure of each field shown in the README table
HEADLINES = (
    ("event_type", "accuracy", "event type"),
    ("mode", "accuracy", "mode"),
    ("acled_event_type", "accuracy", "ACLED type"),
    ("acled_sub_event_type", "macro_f1", "ACLED sub-type (macro-F1)"),
    ("actor_country", "accuracy", "actor country"),
    ("actor_sector", "accuracy", "actor sector"),
    ("recipient_country", "accuracy", "recipient country"),
    ("event_date", "accuracy", "date exact"),
    ("event_date", "within_1_day", "date ±1 day"),
    ("country", "accuracy", "country"),
    ("admin1", "accuracy", "admin1"),
    ("location", "within_25km", "place ≤25 km"),
    ("location", "within_161km", "place ≤161 km"),
    ("dead", "exact", "dead exact"),
    ("dead", "within_10pct", "dead ±10 %"),
    ("injured", "exact", "injured exact"),
    ("arrested", "exact", "arrested exact"),
    ("toponym", "accuracy_161km", "toponym acc@161 km"),
    ("toponym", "f1", "toponym F1 (end to end)"),
)
RULE = ("Rule for the team: whoever tunes or trains a lexicon, table, weights or model on a gold set "
        "declares it in `eventcoder/evaluate/data/sets.json` (`tuned`, `part`) in the same commit, tunes "
        "on the even half of the set only and reports on the odd half (`eventcoder.evaluate.gold.select_part`); "
        "figures on a set used for tuning carry †. Each figure is the share of the set's gold events or "
        "toponyms (counts in `out/eval/*.json`); \"—\" means the set does not annotate that field. "
        "Weights trained on ACLED data must not be shipped (ACLED's terms restrict reuse).")


def load_sets() -> list[dict[str, Any]]:
    text = resources.files("eventcoder.evaluate").joinpath("data", "sets.json").read_text(encoding="utf-8")
    return json.loads(text)["sets"]


def table_row(spec: dict[str, Any], report: dict[str, Any]) -> str:
    tuned = spec.get("tuned", "no")
    mark = "" if tuned == "no" else "†"
    cells = [spec["name"], _size(spec, report), tuned]
    for field, metric, _ in HEADLINES:
        entry = report["fields"].get(field, {})
        cells.append(f"{entry[metric]:.3f}{mark}" if entry.get("n") and metric in entry else "—")
    cells.append(report.get("measured", ""))
    return "| " + " | ".join(cells) + " |"


def _size(spec: dict[str, Any], report: dict[str, Any]) -> str:
    size = f"{report['n_documents']:,} docs"
    if spec.get("part", "all") != "all":
        size += f" ({spec['part'].replace('-', ' half by ')})"  # "odd half by position"
    if report.get("limit") is not None:
        size += f" (first {report['limit']} only)"
    return size


def render_block(rows: list[str]) -> str:
    header = ["set", "size", "tuned on it?"] + [h for _, _, h in HEADLINES] + ["measured"]
    lines = [START, "", RULE, "",
             "| " + " | ".join(header) + " |",
             "|" + "---|" * len(header),
             *rows, "",
             "Rerun: `make eval` (or `python -m eventcoder.evaluate.run_all --readme README.md`).", "", END]
    return "\n".join(lines)


def existing_rows(readme_text: str) -> dict[str, str]:
    """Rows of the current table by set name, to keep for sets absent on this machine."""
    match = re.search(re.escape(START) + r"(.*?)" + re.escape(END), readme_text, re.S)
    rows = {}
    for line in (match.group(1).splitlines() if match else []):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and cells and cells[0] not in ("set", ""):
            rows[cells[0]] = line
    return rows


def write_readme(path: Path, rows: list[str]) -> None:
    block = render_block(rows)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if START in text and END in text:
        text = re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _: block, text, count=1, flags=re.S)
    else:
        text = text.rstrip() + ("\n\n" if text.strip() else "") + "## Accuracy\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


def run(data: Path, out: Path, readme: Optional[Path], limit: Optional[int], only: Optional[list[str]]) -> int:
    from eventcoder.evaluate.runner import evaluate

    coder = None
    previous = existing_rows(readme.read_text(encoding="utf-8")) if readme and readme.exists() else {}
    rows = []
    for spec in load_sets():
        if only and spec["slug"] not in only:
            if spec["name"] in previous:
                rows.append(previous[spec["name"]])
            continue
        source = data / spec["path"]
        if not source.exists():
            print(f"{spec['name']}: {source} is absent on this machine, skipped", file=sys.stderr)
            if spec["name"] in previous:
                rows.append(previous[spec["name"]])
            continue
        conversion = convert(spec["format"], source)
        docs = conversion.docs
        docs = select_part(docs, spec.get("part", "all"))
        write_gold(docs, out / f"{spec['slug']}.gold.jsonl")
        if coder is None and any(doc.events for doc in docs):
            from eventcoder.coder import Coder

            coder = Coder()
        print(f"{spec['name']}: {len(docs)} documents from {source}", file=sys.stderr)
        report = evaluate(docs, coder, limit=limit, errors_path=out / f"{spec['slug']}.errors.jsonl", progress=True)
        report.update({"set": spec["name"], "source": str(source), "tuned": spec.get("tuned", "no"),
                       "part": spec.get("part", "all"), "conversion_skipped": len(conversion.skipped)})
        write_json(report, out / f"{spec['slug']}.json")
        print_report(report, title=spec["name"])
        rows.append(table_row(spec, report))
    if readme is not None:
        write_readme(readme, rows)
        print(f"table written to {readme}", file=sys.stderr)
    return 0


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readme", type=Path, help="README whose eval table to rewrite")
    parser.add_argument("--data", type=Path, default=Path("../shared/data"), help="folder holding the gold sets")
    parser.add_argument("--out", type=Path, default=Path("out/eval"), help="where reports and gold JSONL go")
    parser.add_argument("--limit", type=int, help="score only the first N documents of each set")
    parser.add_argument("--sets", nargs="*", help="slugs of the sets to run (default: all)")
    args = parser.parse_args(argv)
    return run(args.data, args.out, args.readme, args.limit, args.sets)


if __name__ == "__main__":
    sys.exit(main())
