"""The report for people (rich tables) and for tools (JSON, the shape described in ``score``)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

# The counts and figures shown per field, in this order; the JSON holds every key.
COUNT_KEYS = ("n", "correct", "correct_within_1_day", "with_coordinates", "tp", "fp", "fn", "not_applicable")
FIGURE_KEYS = ("accuracy", "within_1_day", "exact", "within_10pct", "within_25km", "within_161km",
               "median_error_km", "accuracy_161km", "precision", "recall", "f1", "macro_f1")


def write_json(report: dict[str, Any], path: str | Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def fields_table(report: dict[str, Any], title: str = "Fields") -> Table:
    table = Table(title=f"{title} ({report['n_documents']} documents)")
    table.add_column("field")
    table.add_column("counts")
    table.add_column("figures")
    for name, entry in report["fields"].items():
        counts = "  ".join(f"{k}={entry[k]}" for k in COUNT_KEYS if k in entry)
        figures = "  ".join(f"{k}={entry[k]}" for k in FIGURE_KEYS if k in entry)
        table.add_row(name, counts, figures)
    return table


def category_table(field: str, categories: dict[str, dict[str, Any]]) -> Table:
    table = Table(title=f"Per category: {field}")
    for column in ("label", "TP", "FP", "FN", "precision", "recall", "F1"):
        table.add_column(column, justify="left" if column == "label" else "right")
    for label, c in sorted(categories.items(), key=lambda item: -(item[1]["tp"] + item[1]["fn"])):
        table.add_row(label, str(c["tp"]), str(c["fp"]), str(c["fn"]),
                      f"{c['precision']:.3f}", f"{c['recall']:.3f}", f"{c['f1']:.3f}")
    return table


def confusion_table(field: str, matrix: dict[str, dict[str, int]]) -> Table:
    predicted = sorted({p for row in matrix.values() for p in row})
    table = Table(title=f"Confusion: {field} (rows gold, columns predicted)")
    table.add_column("gold \\ predicted")
    for label in predicted:
        table.add_column(label[:12], justify="right")
    for gold in sorted(matrix):
        table.add_row(gold, *[str(matrix[gold].get(p, "")) for p in predicted])
    return table


def print_report(report: dict[str, Any], console: Console | None = None, title: str = "Fields") -> None:
    """Print the report as tables: fields, event counts, per category, confusion, slowest."""
    console = console or Console()
    console.print(fields_table(report, title))
    if "events" in report:
        console.print("events: " + "  ".join(f"{k}={v}" for k, v in report["events"].items()))
    for field, categories in report.get("per_category", {}).items():
        console.print(category_table(field, categories))
    for field in ("event_type", "acled_event_type"):
        if field in report.get("confusion", {}):
            console.print(confusion_table(field, report["confusion"][field]))
    if report.get("slowest"):
        slow = Table(title=f"Slowest documents (total {report.get('seconds', 0):.1f} s)")
        for column in ("id", "seconds", "chars"):
            slow.add_column(column)
        for row in report["slowest"]:
            slow.add_row(str(row["id"]), f"{row['seconds']:.3f}", str(row["chars"]))
        console.print(slow)
    for note in report.get("notes", []):
        console.print(f"[yellow]note:[/yellow] {note}")
