"""The evaluation run: code every gold document with the Coder, resolve its toponyms, score.

A document's text and story date become an ``Article``. A document without a story date (PLOVER
records, GeoWebNews, old-layout ACLED) is coded against a placeholder date, and its event dates
are counted as not applicable rather than scored. Events are coded only when the set has gold
events, and toponyms are resolved only when it has gold toponyms, so a geoparsing corpus does
not pay for event coding.
"""
from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Protocol

from eventcoder import __version__
from eventcoder.evaluate.gold import GoldDoc
from eventcoder.evaluate.score import Scorer
from eventcoder.evaluate.toponyms import load_places_api
from eventcoder.read import Article, article_id
from eventcoder.record import Event

PLACEHOLDER_DATE = "2000-01-01"  # coding needs a story date; dates of undated documents are not scored


class EventCoder(Protocol):
    def code(self, article: Article) -> list[Event]: ...


def article_for(doc: GoldDoc) -> Article:
    date = doc.date or PLACEHOLDER_DATE
    return Article(id=article_id(date, doc.text), date=date, text=doc.text, title=doc.title,
                   external_id=doc.id, origin="gold")


def evaluate(gold_docs: Iterable[GoldDoc], coder: Optional[EventCoder], limit: Optional[int] = None,
             errors_path: Optional[str | Path] = None, progress: bool = False) -> dict[str, Any]:
    """Code and score ``gold_docs`` (the first ``limit`` of them) and return the report dict.

    ``coder`` may be None only for a set without gold events. ``errors_path`` receives one JSON
    line per miss group: the text, the gold and the prediction.
    """
    docs = list(gold_docs)[:limit] if limit is not None else list(gold_docs)
    score_events = any(doc.events for doc in docs)
    score_toponyms = any(doc.toponyms for doc in docs)
    if score_events and coder is None:
        raise ValueError("this gold set has events: a coder is needed")
    scorer = Scorer()
    places = None
    if score_toponyms:
        resolve_spans, find_toponyms, why_not = load_places_api()
        if why_not:
            scorer.notes.append(why_not)
        else:
            places = (resolve_spans, find_toponyms)
    undated = sum(doc.date is None for doc in docs)
    if undated and score_events:
        scorer.notes.append(f"{undated} documents have no story date: coded against {PLACEHOLDER_DATE}, "
                            "event dates not applicable")

    event_coder = coder if score_events else None
    if docs:  # untimed warm-up: loading the model and the gazetteer is not a slow document
        predict(docs[0], event_coder, places)

    errors_file = None
    if errors_path is not None:
        Path(errors_path).parent.mkdir(parents=True, exist_ok=True)
        errors_file = Path(errors_path).open("w", encoding="utf-8")
    try:
        for doc in _progress(docs, progress):
            began = time.perf_counter()
            events, resolved, found = predict(doc, event_coder, places)
            seconds = time.perf_counter() - began
            for error in scorer.add_document(doc, events, seconds, resolved, found):
                if errors_file is not None:
                    errors_file.write(json.dumps(error, ensure_ascii=False, default=str) + "\n")
    finally:
        if errors_file is not None:
            errors_file.close()

    report = scorer.report()
    report["coder_version"] = __version__
    report["measured"] = dt.date.today().isoformat()
    if limit is not None:
        report["limit"] = limit
    return report


def predict(doc: GoldDoc, coder: Optional[EventCoder], places: Optional[tuple[Callable, Callable]]
            ) -> tuple[Optional[list[Event]], Optional[list], Optional[list]]:
    """The coder's events (None: not coded), the resolver's answer for the scored gold spans and
    the end-to-end geoparse (None: not run) for one document."""
    events = coder.code(article_for(doc)) if coder is not None else None
    resolved = found = None
    if places is not None and doc.toponyms:
        resolve_spans, find_toponyms = places
        spans = [(t.start, t.end) for t in doc.toponyms if t.scored]
        resolved = resolve_spans(doc.text, spans, doc.date) if spans else []
        found = find_toponyms(doc.text, doc.date)
    return events, resolved, found


def _progress(docs: list[GoldDoc], show: bool) -> Iterable[GoldDoc]:
    if not show:
        yield from docs
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task("scoring", total=len(docs))
        for doc in docs:
            yield doc
            bar.advance(task)
