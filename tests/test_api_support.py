"""Shared by the API and dashboard tests: a database of test articles and a real server.

The articles are in tests/data/api/articles (seed format, written for these tests). Their
events are hand-coded in tests/data/api/events.jsonl by quoting the words of each field; the
offsets are computed here from those quotes, so every span points at real characters.
This module holds no tests; pytest collects it and finds none.
"""
from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator, Optional

import httpx

from eventcoder import store
from eventcoder.read import Article, read_inputs
from eventcoder.record import AcledView, ActorRef, Event, Evidence, Location, Quote, Source

DATA = Path(__file__).resolve().parent / "data" / "api"
ARTICLES_DIR = DATA / "articles"
REPO = Path(__file__).resolve().parents[1]


def read_test_articles() -> dict[str, Article]:
    """File name → Article, with the extra metadata (title, source, url) of article_meta.json."""
    meta = json.loads((DATA / "article_meta.json").read_text(encoding="utf-8"))
    out = {}
    for item in read_inputs([str(ARTICLES_DIR)]):
        assert isinstance(item, Article), item
        name = Path(item.origin).name
        extra = meta.get(name, {})
        out[name] = Article(id=item.id, date=item.date, text=item.text, origin=item.origin,
                            title=extra.get("title"), url=extra.get("url"), source=extra.get("source"))
    return out


def _find(text: str, words: str, lo: int, hi: int) -> tuple[int, int]:
    """Offsets of ``words``, inside the evidence when it is there, else anywhere in the text."""
    pos = text.find(words, lo, hi)
    if pos < 0:
        pos = text.find(words)
    if pos < 0:
        raise ValueError(f"{words!r} is not in the article")
    return pos, pos + len(words)


def hand_coded_events(article: Article, annotations: list[dict]) -> list[Event]:
    """Event records for one article from its annotation lines."""
    text = article.text
    events = []
    for n, ann in enumerate(annotations):
        ev_start, ev_end = _find(text, ann["evidence"], 0, len(text))

        def ref(part: dict) -> ActorRef:
            start, end = _find(text, part["text"], ev_start, ev_end)
            return ActorRef(start=start, end=end, **part)

        def source(part: dict) -> Source:
            start, end = _find(text, part["text"], ev_start, ev_end)
            return Source(start=start, end=end, **part)

        loc = None
        if ann.get("location"):
            spec = dict(ann["location"])
            if spec.get("text"):
                spec["start"], spec["end"] = _find(text, spec["text"], ev_start, ev_end)
            loc = Location(**spec)
        quote = None
        if ann.get("quote"):
            q_start, q_end = _find(text, ann["quote"]["text"], 0, len(text))
            speaker = ann["quote"].get("speaker")
            quote = Quote(text=ann["quote"]["text"], start=q_start, end=q_end,
                          speaker=ref(speaker) if speaker else None)
        t_start, t_end = _find(text, ann["trigger"], ev_start, ev_end)
        events.append(Event(
            id=f"{article.id}-{n:02d}", article_id=article.id, story_date=article.date,
            event_type=ann["event_type"], mode=ann.get("mode"), quad_class=ann["quad_class"],
            goldstein=ann["goldstein"], actors=[ref(a) for a in ann.get("actors", [])],
            recipients=[ref(a) for a in ann.get("recipients", [])], date=ann.get("date"),
            date_precision=ann.get("date_precision"), date_text=ann.get("date_text"),
            date_reason=ann.get("date_reason"), location=loc, dead=ann.get("dead"),
            injured=ann.get("injured"), arrested=ann.get("arrested"), qualifiers=ann.get("qualifiers", {}),
            civilians_dead=ann.get("civilians_dead"), reported_by=[source(s) for s in ann.get("reported_by", [])],
            quote=quote, negated=ann.get("negated", False), hypothetical=ann.get("hypothetical", False),
            trigger=Evidence(text=text[t_start:t_end], start=t_start, end=t_end),
            acled=AcledView(**ann.get("acled", {})),
            evidence=Evidence(text=text[ev_start:ev_end], start=ev_start, end=ev_end),
            confidence=0.9,
        ))
    return events


def hand_coded_batch() -> list[tuple[Article, list[Event]]]:
    articles = read_test_articles()
    by_article: dict[str, list[dict]] = {name: [] for name in articles}
    for line in (DATA / "events.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            ann = json.loads(line)
            by_article[ann.pop("article")].append(ann)
    return [(articles[name], hand_coded_events(articles[name], anns)) for name, anns in sorted(by_article.items())]


def build_test_db(path: Path) -> list[tuple[Article, list[Event]]]:
    """Write the test articles and their events to a new DuckDB file at ``path``."""
    batch = hand_coded_batch()
    assert store.write_batch(str(path), batch) == len(batch)
    return batch


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(db: Path, allow_store: bool = False, log_path: Optional[Path] = None,
                   startup_s: float = 60.0) -> Iterator[str]:
    """``eventcoder.api.server.serve`` in a child process on a free loopback port; yields its base URL."""
    port = free_port()
    log_path = log_path or db.with_suffix(".server.log")
    code = ("import sys; from eventcoder.api.server import serve; "
            "serve(sys.argv[1], '127.0.0.1', int(sys.argv[2]), sys.argv[3] == '1')")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-c", code, str(db), str(port), "1" if allow_store else "0"],
                                stdout=log, stderr=subprocess.STDOUT, cwd=REPO,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited ({proc.returncode}):\n{log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code in (200, 503):
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not answer within {startup_s} s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
