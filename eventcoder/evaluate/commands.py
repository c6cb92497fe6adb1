"""CLI commands of the evaluation: ``eventcoder eval`` and ``eventcoder gold convert``.

``register(app)`` adds them to the main typer app (eventcoder/cli.py calls it).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from eventcoder.evaluate.convert import FORMATS, convert_file
from eventcoder.evaluate.gold import read_gold
from eventcoder.evaluate.report import print_report, write_json


def load_coder():  # -> eventcoder.coder.Coder; imported late so `gold convert` needs no spaCy
    from eventcoder.coder import Coder

    return Coder()


def eval_command(
    gold: Path = typer.Argument(..., exists=True, dir_okay=False, help="gold JSONL (see DESIGN.md)"),
    json_path: Optional[Path] = typer.Option(None, "--json", help="write the report as JSON here"),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="score only the first N documents"),
    errors: Optional[Path] = typer.Option(None, "--errors", help="write each miss (text, gold, prediction) as JSONL"),
) -> None:
    """Score the coder against a gold file: per-field figures with counts, per category, confusion."""
    from eventcoder.evaluate.runner import evaluate

    console = Console()
    try:
        docs = read_gold(gold)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2)
    coder = None
    if any(doc.events for doc in docs[:limit]):
        try:
            coder = load_coder()
        except ImportError as exc:
            console.print(f"[red]the coder is not available ({exc})[/red]")
            raise typer.Exit(2)
    report = evaluate(docs, coder, limit=limit, errors_path=errors, progress=True)
    report["gold"] = str(gold)
    print_report(report, console, title=gold.name)
    if json_path:
        write_json(report, json_path)
        console.print(f"report written to {json_path}")
    if errors:
        console.print(f"misses written to {errors}")


def convert_command(
    fmt: str = typer.Argument(..., metavar="FORMAT", help=f"one of: {', '.join(FORMATS)}"),
    source: Path = typer.Argument(..., exists=True, dir_okay=False, metavar="IN"),
    target: Path = typer.Argument(..., metavar="OUT", help="gold JSONL to write"),
    use_event_date_as_story_date: bool = typer.Option(
        False, "--use-event-date-as-story-date",
        help="old-layout ACLED only: take the event date as the story date (otherwise dates are not scored)"),
) -> None:
    """Convert a human-coded data set (ACLED CSV, PLOVER gold records, LGL/GeoWebNews XML) to gold JSONL."""
    console = Console(stderr=True)
    if fmt not in FORMATS:
        console.print(f"[red]unknown format {fmt!r}; known: {', '.join(FORMATS)}[/red]")
        raise typer.Exit(2)
    try:
        conversion = convert_file(fmt, source, target, use_event_date_as_story_date)
    except (ValueError, KeyError) as exc:
        console.print(f"[red]{source}: {exc}[/red]")
        raise typer.Exit(1)
    console.print(f"{conversion.records_read} records read, {len(conversion.docs)} documents written to {target}, "
                  f"{len(conversion.skipped)} left out")
    for record_id, reason in conversion.skipped[:20]:
        console.print(f"  left out {record_id}: {reason}")
    if len(conversion.skipped) > 20:
        console.print(f"  … and {len(conversion.skipped) - 20} more")
    for note in conversion.notes:
        console.print(f"  note: {note}")


def register(app: typer.Typer) -> None:
    """Add ``eval`` and the ``gold`` sub-app (``gold convert``) to ``app``."""
    app.command("eval")(eval_command)
    gold_app = typer.Typer(help="Gold data: convert human-coded data sets to the gold JSONL format.",
                           no_args_is_help=True)
    gold_app.command("convert")(convert_command)
    app.add_typer(gold_app, name="gold")
