"""The command line: code, query, export, eval, gold, serve."""
from __future__ import annotations

import collections
import json
import re
import sys
from pathlib import Path
from typing import Iterator, List, Optional

import duckdb
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from eventcoder import __version__, store
from eventcoder.read import Article, ReadError, batched, read_inputs

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Code dated news articles into political event records.")
err = Console(stderr=True, soft_wrap=True)  # errors stay one line each: scripts grep them
out = Console()




@app.command()
def code(
    inputs: List[str] = typer.Argument(..., help="Files, directories, globs, or - for stdin."),
    db: str = typer.Option(store.DEFAULT_DB, help="DuckDB file to write."),
    jsonl: Optional[str] = typer.Option(None, help="Also write event records as JSONL to this file (- for stdout)."),
    batch_size: int = typer.Option(32, help="Articles per parse batch and per store transaction."),
    engine: str = typer.Option("local", help="local, or dask to spread articles over a Dask cluster."),
    scheduler: Optional[str] = typer.Option(None, help="Dask scheduler address (tcp://HOST:PORT)."),
    workers: int = typer.Option(2, help="Dask LocalCluster workers when no scheduler is given."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
) -> None:
    """Code ARTICLES into event records in the store (and optionally JSONL)."""
    if engine not in ("local", "dask"):
        raise typer.BadParameter("engine must be 'local' or 'dask'", param_hint="--engine")
    sink = None
    if jsonl:
        sink = sys.stdout if jsonl == "-" else open(jsonl, "a", encoding="utf-8")
    stats = collections.Counter()
    by_type: collections.Counter = collections.Counter()
    failures: list[ReadError] = []
    try:
        if engine == "dask":
            from eventcoder.distributed import code_with_dask

            result = code_with_dask(list(inputs), db, scheduler=scheduler, n_workers=workers, jsonl=sink, batch_size=batch_size)
            stats.update(result.stats)
            by_type.update(result.by_type)
            failures.extend(result.failures)
        else:
            _code_local(inputs, db, sink, batch_size, quiet, stats, by_type, failures)
            if len(failures) > MAX_SKIP_LINES:
                err.print(f"[yellow]skipped[/yellow] {len(failures) - MAX_SKIP_LINES:,} more inputs, not listed here:"
                          f" all are in the read_errors table of {_shown(db)}")
    except store.StoreBusy as exc:
        err.print(f"[red]error:[/red] {_shown(str(exc))}")
        raise typer.Exit(3)
    except store.StoreError as exc:
        err.print(f"[red]error:[/red] {_shown(str(exc))}")
        raise typer.Exit(4)
    except (duckdb.Error, OSError) as exc:  # a later step's write (disk full), or the JSONL file
        err.print(f"[red]error:[/red] {_shown(f'{db}: {exc.__class__.__name__}: {exc}')}")
        raise typer.Exit(4)
    finally:
        if sink not in (None, sys.stdout):
            sink.close()
    if failures:
        try:
            store.log_read_errors(db, [(f.origin, f.reason) for f in failures])
        except (store.StoreError, store.StoreBusy, duckdb.Error, OSError) as exc:
            err.print(f"[red]error:[/red] could not log the skipped inputs: {_shown(str(exc))}")
            raise typer.Exit(4)
    if not quiet:
        _summary(stats, by_type, failures)
    if failures:
        raise typer.Exit(1)


MAX_SKIP_LINES = 200  # skipped inputs named one by one on stderr; the rest are counted
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _shown(text: str) -> str:
    """Input-derived text (file names, reasons) for the terminal: control characters such as
    ESC sequences or a newline in a file name are written as escapes, and rich markup is shown
    as typed, never applied."""
    return escape(_CONTROL.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), text))


def _code_local(inputs, db, sink, batch_size, quiet, stats, by_type, failures) -> None:
    from eventcoder import dedup  # issue 7: cross-article deduplication
    from eventcoder.coder import Coder

    coder = Coder()
    progress = Progress(TextColumn("coding"), BarColumn(), MofNCompleteColumn(), TextColumn("articles"),
                        TimeElapsedColumn(), console=err, disable=quiet, transient=True)
    with progress:
        task = progress.add_task("code", total=None)
        for batch in batched(read_inputs(inputs), batch_size):
            articles = [a for a in batch if isinstance(a, Article)]
            for bad in (b for b in batch if isinstance(b, ReadError)):
                failures.append(bad)
                if len(failures) <= MAX_SKIP_LINES:  # a feed of a million bad lines must not flood the terminal
                    # names and reasons quote the input: print them as text, never as rich markup
                    err.print(f"[yellow]skipped[/yellow] {_shown(bad.origin)}: {_shown(bad.reason)}")
            stats["read"] += len(batch)
            stored = store.existing_article_ids(db, [a.id for a in articles])
            todo, seen = [], set()
            for art in articles:
                if art.id in stored or art.id in seen:
                    stats["already stored"] += 1
                else:
                    seen.add(art.id)
                    todo.append(art)
            coded = _code_safely(coder, todo, failures)
            stats["coded"] += store.write_batch(db, coded)
            dedup.link_pending(db)  # issue 7: link the new mentions into event clusters (incremental)
            for _, events in coded:
                by_type.update(e.event_type for e in events if e.realized)
                stats["events"] += len(events)
                if sink:
                    for e in events:
                        sink.write(e.model_dump_json() + "\n")
            if sink:
                sink.flush()
            progress.update(task, advance=len(batch))


def _code_safely(coder, articles: list[Article], failures: list[ReadError]) -> list:
    """Code a batch; if the batch fails, code one by one so that one bad article fails alone."""
    try:
        return coder.code_batch(articles)
    except Exception:  # noqa: BLE001  isolate the culprit below
        coded = []
        for art in articles:
            try:
                coded.extend(coder.code_batch([art]))
            except Exception as exc:  # noqa: BLE001  reported by name, the run goes on
                failures.append(ReadError(art.origin, f"coding failed: {exc.__class__.__name__}: {exc}"))
                err.print(f"[red]failed[/red] {_shown(art.origin)}: {exc.__class__.__name__}: {_shown(str(exc))}")
        return coded


def _summary(stats: collections.Counter, by_type: collections.Counter, failures: list[ReadError]) -> None:
    table = Table(title="eventcoder: summary", show_header=False)
    for key in ("read", "coded", "already stored", "events"):
        table.add_row(key, str(stats.get(key, 0)))
    table.add_row("skipped", str(len(failures)))
    err.print(table)
    if by_type:
        types = Table(title="events by type (realized)")
        types.add_column("type")
        types.add_column("n", justify="right")
        for etype, n in by_type.most_common():
            types.add_row(etype, str(n))
        err.print(types)
    reasons = collections.Counter(f.reason.split(" (")[0][:60] for f in failures)
    for reason, n in reasons.most_common(10):
        err.print(f"  skipped {n}: {_shown(reason)}")


@app.command()
def query(
    db: str = typer.Option(store.DEFAULT_DB, help="DuckDB file."),
    type: Optional[str] = typer.Option(None, "--type", help="PLOVER event type, e.g. ASSAULT."),
    country: Optional[str] = typer.Option(None, help="ISO alpha-3 of the place or an actor."),
    since: Optional[str] = typer.Option(None, help="First event day (YYYY-MM-DD)."),
    until: Optional[str] = typer.Option(None, help="Last event day (YYYY-MM-DD)."),
    include_unrealized: bool = typer.Option(False, help="Also list negated and hypothetical events."),
    limit: int = typer.Option(50, help="Rows to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSONL records instead of a table."),
    mentions: bool = typer.Option(False, "--mentions", help="List every report, not one row per real event (cluster)."),
) -> None:
    """List coded events: one row per real event (reports merged), or every report with --mentions."""
    if not mentions:  # issue 7: clusters of reports are the default view
        _query_clusters(db, store.EventQuery(type, country, since, until, include_unrealized, limit), as_json)
        return
    try:
        events = store.query_events(db, store.EventQuery(type, country, since, until, include_unrealized, limit))
    except (store.StoreError, store.StoreBusy) as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2)
    if as_json:
        for e in events:
            print(e.model_dump_json())
        return
    table = Table(title=f"{len(events)} events")
    for col in ("date", "type", "mode", "actors", "recipients", "place", "dead", "evidence"):
        table.add_column(col, overflow="fold")
    for e in events:
        # names and evidence quote the articles: escape them so brackets print as text, not markup
        table.add_row(e.date or e.story_date, e.event_type, e.mode or "",
                      escape(", ".join(f"{a.name or a.text} ({a.country or '?'})" for a in e.actors)),
                      escape(", ".join(f"{a.name or a.text} ({a.country or '?'})" for a in e.recipients)),
                      escape(e.location.name if e.location and e.location.name else ""),
                      "" if e.dead is None else str(e.dead), escape(e.evidence.text[:90]))
    out.print(table)



def _query_clusters(db: str, q: store.EventQuery, as_json: bool) -> None:
    """Issue 7: print clusters (one per real event) with their report counts."""
    from eventcoder.dedup import query_clusters

    try:
        clusters = query_clusters(db, q)
    except (store.StoreError, store.StoreBusy) as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2)
    if as_json:
        for c in clusters:
            print(c.model_dump_json())
        return
    table = Table(title=f"{len(clusters)} events (reports merged; --mentions lists each report)")
    for col in ("date", "type", "mode", "actors", "place", "dead", "reports", "sources", "reported", "evidence"):
        table.add_column(col, overflow="fold")
    for c in clusters:
        e = c.event
        table.add_row(e.date or e.story_date, e.event_type, e.mode or "",
                      escape(", ".join(f"{a.name or a.text} ({a.country or '?'})" for a in e.actors)),
                      escape(e.location.name if e.location and e.location.name else ""),
                      "" if e.dead is None else str(e.dead), str(c.n_articles), str(c.n_sources),
                      c.first_report if c.first_report == c.last_report else f"{c.first_report} to {c.last_report}",
                      escape(e.evidence.text[:90]))
    out.print(table)

@app.command()
def export(
    db: str = typer.Option(store.DEFAULT_DB, help="DuckDB file."),
    format: str = typer.Option("jsonl", "--format", help="jsonl, csv, parquet or acled-csv."),
    output: Optional[str] = typer.Option(None, "-o", "--output", help="File to write (default: stdout for text formats)."),
    include_unrealized: bool = typer.Option(False, help="Also export negated and hypothetical events."),
) -> None:
    """Export the stored events."""
    from eventcoder.export import export_events

    try:
        n = export_events(db, format, output, include_unrealized)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--format")
    except (store.StoreError, store.StoreBusy) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2)
    err.print(f"exported {n} events as {format}" + (f" to {output}" if output else ""))


@app.command()
def version() -> None:
    """Print the coder version."""
    print(__version__)


def _register_optional() -> None:
    """Commands whose modules live in their own packages (evaluation, serving)."""
    try:
        from eventcoder.evaluate.commands import register
    except ImportError:
        pass
    else:
        register(app)
    try:
        from eventcoder.api.server import serve as _serve
    except ImportError:
        return

    @app.command()
    def serve(db: str = typer.Option(store.DEFAULT_DB), host: str = typer.Option("127.0.0.1"),
              port: int = typer.Option(8000), allow_store: bool = typer.Option(False, help="Let POST /code store articles when asked.")) -> None:
        """Serve the REST API and the dashboard."""
        _serve(db, host, port, allow_store)


_register_optional()

if __name__ == "__main__":
    app()
