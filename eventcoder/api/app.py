"""The HTTP API over the event store, and the dashboard's files.

``create_app(db_path)`` builds the FastAPI application; ``eventcoder serve`` runs it under
uvicorn (see ``server.py``). Read endpoints open the database read-only per request; the
only write is ``POST /code?store=true`` on a server started with ``allow_store``.
Errors are JSON: ``{"detail": ...}``; a 422's detail lists each bad field with its location.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import math
import threading
from typing import Annotated, Any, Literal, Optional, Sequence

from fastapi import FastAPI, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, field_validator
from starlette.exceptions import HTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from eventcoder import __version__
from eventcoder.api.filters import PAGE_DEFAULT, PAGE_MAX, BBox, Cursor, EventFilter
from eventcoder.api.reads import EventStore, QueryTimeout, StoreUnavailable
from eventcoder.api.spans import Span, article_spans
from eventcoder.read import safe_text, Article, ReadError, check_date, check_text, make_article
from eventcoder.record import Event
from eventcoder.web import DASHBOARD_FILES, WEB_DIR

log = logging.getLogger("eventcoder.api")

MAX_BODY_BYTES = 1_000_000
QUERY_TIMEOUT_S = 5.0
MAX_TERM_CHARS = 200  # text search and actor terms
# The dashboard loads nothing from elsewhere and runs no inline script: even a slip in
# escaping article text could not run code there.
DASHBOARD_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                 "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                 "frame-ancestors 'none'")


# ---- request and response models (they also make the OpenAPI document) ----

class ArticleIn(BaseModel):
    """One article in the input JSON format (as in the JSONL input files)."""

    model_config = ConfigDict(extra="ignore")
    id: Optional[str | int] = None
    date: str
    text: str
    title: Optional[str] = None
    url: Optional[str] = None
    source: Optional[str] = None

    @field_validator("date")
    @classmethod
    def _day(cls, value: str) -> str:
        return check_date(value)

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return check_text(value)


class ArticleMeta(BaseModel):
    id: str
    date: str
    title: Optional[str] = None
    url: Optional[str] = None
    source: Optional[str] = None
    external_id: Optional[str] = None


class CodeResult(BaseModel):
    article: ArticleMeta
    events: list[Event]
    stored: bool  # whether this request wrote to the database
    new: Optional[bool] = None  # when stored: False if the article was already there


class EventPage(BaseModel):
    events: list[Event]
    count: int
    next_cursor: Optional[str] = None


class EventSummary(BaseModel):
    id: str
    event_type: str
    mode: Optional[str] = None
    realized: bool
    evidence_start: int
    evidence_end: int


class ArticleOut(ArticleMeta):
    origin: Optional[str] = None
    coder_version: Optional[str] = None
    text: str
    events: list[EventSummary]
    spans: list[Span]
    dropped_spans: int  # spans whose offsets fell outside the text


class Count(BaseModel):
    key: Optional[str] = None
    n: int
    dead: int


class DayCount(BaseModel):
    day: str
    event_type: str
    n: int
    dead: int


class PlaceCount(BaseModel):
    lat: float
    lon: float
    event_type: str
    n: int
    dead: int
    name: Optional[str] = None
    country: Optional[str] = None


class Stats(BaseModel):
    total: int
    dead: int
    first_day: Optional[str] = None
    last_day: Optional[str] = None
    by_day: list[DayCount]
    by_type: list[Count]
    by_country: list[Count]
    by_acled: list[Count]
    by_place: list[PlaceCount]


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    articles: int
    events: int
    allow_store: bool


class Problem(BaseModel):
    detail: Any


# ---- helpers ----

def field_error(where: str, name: str, message: str, value: object = None) -> RequestValidationError:
    """A 422 in FastAPI's own shape, for checks that parameter types cannot express."""
    err = {"type": "value_error", "loc": (where, name) if name else (where,), "msg": message}
    if isinstance(value, str):
        err["input"] = value[:200]
    return RequestValidationError([err])


def _clean_errors(errors: list[dict]) -> list[dict]:
    """Location, message and type of each error; inputs are cut short, never echoed whole."""
    out = []
    for err in errors:
        item = {"loc": list(err.get("loc", ())), "msg": str(err.get("msg", "")), "type": err.get("type", "")}
        value = err.get("input")
        # echo back only what JSON can carry: no NaN/Infinity, no lone surrogates
        if isinstance(value, str):
            item["input"] = safe_text(value[:200])
        elif isinstance(value, bool) or (isinstance(value, (int, float)) and math.isfinite(value)):
            item["input"] = value
        out.append(item)
    return out


class _CoderHolder:
    """The Coder, loaded once per process on first use; coding is serialised (spaCy state)."""

    def __init__(self) -> None:
        self._coder = None
        self._lock = threading.Lock()

    def code(self, article: Article) -> list[Event]:
        with self._lock:
            if self._coder is None:
                from eventcoder.coder import Coder  # heavy: spaCy and the lexicons

                self._coder = Coder()
            return self._coder.code(article)


CODER = _CoderHolder()


async def read_limited_body(request: Request, limit: int) -> bytes:
    """The request body, or a 413 as soon as it is known to pass ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise HTTPException(400, "Content-Length is not a number") from None
        if size > limit:  # refused before a byte of it is read
            raise HTTPException(413, f"request body is {size:,} bytes, over the {limit:,} byte limit")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"request body is over the {limit:,} byte limit")
        chunks.append(chunk)
    return b"".join(chunks)


def _event_filter(type_: Optional[list[str]], mode: Optional[str], country: Optional[list[str]],
                  actor: Optional[str], since: Optional[dt.date], until: Optional[dt.date],
                  bbox: Optional[str], q: Optional[str], include_unrealized: bool) -> EventFilter:
    if since and until and since > until:
        raise field_error("query", "since", f"since ({since}) is after until ({until})")
    box = None
    if bbox is not None:
        try:
            box = BBox.parse(bbox)
        except ValueError as exc:
            raise field_error("query", "bbox", str(exc), bbox) from None
    return EventFilter(types=[t for t in type_ or [] if t], mode=mode or None,
                       countries=[c for c in country or [] if c], actor=actor or None, since=since,
                       until=until, bbox=box, q=q or None, include_unrealized=include_unrealized)


# Query parameters shared by /events and /stats. Repeatable ones constrain each value.
TypeCode = Annotated[str, StringConstraints(max_length=40, pattern=r"^[A-Za-z_]*$")]
CountryCode = Annotated[str, StringConstraints(max_length=3, pattern=r"^([A-Za-z]{3})?$")]
TypeQ = Query(None, alias="type", description="PLOVER event type (repeat for several), e.g. ASSAULT")
ModeQ = Query(None, max_length=40, pattern=r"^[A-Za-z_-]*$", description="PLOVER mode, e.g. demo")
CountryQ = Query(None, description="ISO alpha-3 (or IGO/UNO/...): where it happened or a party's country; repeatable")
ActorQ = Query(None, max_length=MAX_TERM_CHARS, description="substring of an actor's or recipient's name or words")
SinceQ = Query(None, description="first day (YYYY-MM-DD), by event date or else story date")
UntilQ = Query(None, description="last day (YYYY-MM-DD), inclusive")
BBoxQ = Query(None, max_length=100, description="minlon,minlat,maxlon,maxlat")
TextQ = Query(None, max_length=MAX_TERM_CHARS, description="substring of the evidence text")
UnrealizedQ = Query(False, description="also negated and hypothetical events")


def create_app(db_path: str, allow_store: bool = False, *, query_timeout_s: float = QUERY_TIMEOUT_S,
               max_body_bytes: int = MAX_BODY_BYTES, open_wait_s: float = 5.0,
               allowed_hosts: Optional[Sequence[str]] = None) -> FastAPI:
    """The API and dashboard over ``db_path``; ``allow_store`` lets ``POST /code`` write to it.

    ``allowed_hosts`` limits the Host header the server answers to (``serve`` passes the
    loopback names when it listens on loopback), so a web page whose domain is made to resolve
    to 127.0.0.1 cannot read the API from the user's browser (DNS rebinding).
    """
    events_db = EventStore(db_path, query_timeout_s=query_timeout_s, open_wait_s=open_wait_s)
    app = FastAPIOffline(
        title="eventcoder", version=__version__,
        description="Political event records (PLOVER/ACLED) coded from news articles, with the "
                    "article offsets every field came from.",
        static_url="/docs-static",
    )
    if allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
    app.state.events_db = events_db
    app.state.allow_store = allow_store

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _clean_errors(list(exc.errors()))}, status_code=422)

    @app.exception_handler(StoreUnavailable)
    async def _unavailable(request: Request, exc: StoreUnavailable) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": "2"})

    @app.exception_handler(QueryTimeout)
    async def _timeout(request: Request, exc: QueryTimeout) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": f"internal error ({exc.__class__.__name__})"}, status_code=500)

    errors = {404: {"model": Problem}, 422: {"model": Problem}, 503: {"model": Problem}}

    # ---- dashboard ----

    @app.get("/", include_in_schema=False)
    def dashboard() -> FileResponse:
        return FileResponse(WEB_DIR / "index.html", media_type="text/html",
                            headers={"Content-Security-Policy": DASHBOARD_CSP, "X-Content-Type-Options": "nosniff"})

    @app.get("/static/{name}", include_in_schema=False)
    def dashboard_file(name: str) -> FileResponse:
        if name not in DASHBOARD_FILES:  # an allow-list: the package folder also holds Python files
            raise HTTPException(404, f"no dashboard file {name!r}")
        return FileResponse(WEB_DIR / name, media_type=DASHBOARD_FILES[name],
                            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "max-age=300"})

    # ---- API ----

    @app.get("/healthz", response_model=Health, responses={503: {"model": Problem}}, tags=["service"])
    def healthz() -> dict:
        """The service is up and its database can be read."""
        return {"status": "ok", "version": __version__, "allow_store": allow_store, **events_db.health()}

    @app.get("/events", response_model=None, responses={200: {"model": EventPage}, **errors}, tags=["events"])
    def list_events(
        type_: Optional[list[TypeCode]] = TypeQ, mode: Optional[str] = ModeQ,
        country: Optional[list[CountryCode]] = CountryQ, actor: Optional[str] = ActorQ,
        since: Optional[dt.date] = SinceQ, until: Optional[dt.date] = UntilQ,
        bbox: Optional[str] = BBoxQ, q: Optional[str] = TextQ, include_unrealized: bool = UnrealizedQ,
        limit: int = Query(PAGE_DEFAULT, ge=1, le=PAGE_MAX, description=f"page size, at most {PAGE_MAX}"),
        cursor: Optional[str] = Query(None, max_length=400, description="next_cursor of the previous page"),
        order: Literal["asc", "desc"] = Query("desc", description="by event day, then id"),
    ) -> Response:
        """Event records matching every given filter, a page at a time (newest first by default)."""
        filt = _event_filter(type_, mode, country, actor, since, until, bbox, q, include_unrealized)
        after = None
        if cursor:
            try:
                after = Cursor.decode(cursor)
            except ValueError as exc:
                raise field_error("query", "cursor", str(exc), cursor) from None
            if after.order != order:
                raise field_error("query", "cursor", f"cursor was made for order={after.order}, not {order}")
        records, nxt = events_db.list_events(filt, order, limit, after)
        # the records are stored as the Event model's JSON: pass them through unparsed
        tail = json.dumps({"count": len(records), "next_cursor": nxt.encode() if nxt else None})
        body = '{"events":[' + ",".join(records) + "]," + tail[1:]
        return Response(body, media_type="application/json")

    @app.get("/events/{event_id}", response_model=None, responses={200: {"model": Event}, **errors},
             tags=["events"])
    def get_event(event_id: str = Path(..., max_length=100)) -> Response:
        """One event record."""
        record = events_db.get_event(event_id)
        if record is None:
            raise HTTPException(404, f"no event {event_id!r}")
        return Response(record, media_type="application/json")

    @app.get("/articles/{article_id}", response_model=ArticleOut, responses=errors, tags=["articles"])
    def get_article(article_id: str = Path(..., max_length=100)) -> ArticleOut:
        """The article's text and every span its events were coded from, as character offsets."""
        found = events_db.get_article(article_id)
        if found is None:
            raise HTTPException(404, f"no article {article_id!r}")
        row, events = found
        spans, dropped = article_spans(row["text"], events)
        summaries = [EventSummary(id=e.id, event_type=e.event_type, mode=e.mode, realized=e.realized,
                                  evidence_start=e.evidence.start, evidence_end=e.evidence.end) for e in events]
        return ArticleOut(id=row["id"], date=row["story_date"], title=row["title"], url=row["url"],
                          source=row["source"], external_id=row["external_id"], origin=row["origin"],
                          coder_version=row["coder_version"], text=row["text"], events=summaries,
                          spans=spans, dropped_spans=dropped)

    @app.get("/stats", response_model=Stats, responses=errors, tags=["events"])
    def stats(
        type_: Optional[list[TypeCode]] = TypeQ, mode: Optional[str] = ModeQ,
        country: Optional[list[CountryCode]] = CountryQ, actor: Optional[str] = ActorQ,
        since: Optional[dt.date] = SinceQ, until: Optional[dt.date] = UntilQ,
        bbox: Optional[str] = BBoxQ, q: Optional[str] = TextQ, include_unrealized: bool = UnrealizedQ,
    ) -> dict:
        """Counts (and deaths) by day and type, by type, by country, by ACLED type and by place,
        over the events the same filters as ``/events`` select."""
        return events_db.stats(_event_filter(type_, mode, country, actor, since, until, bbox, q,
                                             include_unrealized))

    @app.post("/code", response_model=CodeResult, tags=["coding"],
              responses={403: {"model": Problem}, 413: {"model": Problem}, 415: {"model": Problem},
                         422: {"model": Problem}, 503: {"model": Problem}},
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": ArticleIn.model_json_schema()}}}})
    async def code(request: Request, store: bool = Query(
            False, description="also store the article and events (server started with --allow-store)")
    ) -> CodeResult:
        """Code one article (``{id, date, text, title, url, source}``) and return its events."""
        if store and not allow_store:
            raise HTTPException(403, "this server does not store: start it with --allow-store to use store=true")
        # JSON only: a cross-site form or text/plain post cannot reach this endpoint without a
        # CORS preflight, which this server never grants
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/json":
            raise HTTPException(415, f"send the article as application/json, not {media_type or 'no content type'}")
        raw = await read_limited_body(request, max_body_bytes)
        try:
            payload = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
            raise field_error("body", "", f"body is not JSON ({exc.__class__.__name__})") from None
        try:
            item = ArticleIn.model_validate(payload)
        except ValidationError as exc:
            raise RequestValidationError(
                [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]) from None
        article = make_article(item.date, item.text, "api", external_id=item.id, title=item.title,
                               url=item.url, source=item.source)
        if isinstance(article, ReadError):  # both checks passed above, so this is unexpected
            raise field_error("body", "text", article.reason)
        try:
            events = await run_in_threadpool(CODER.code, article)
        except ImportError as exc:
            raise StoreUnavailable(f"the coder is not available in this installation ({exc})") from exc
        new = None
        if store:
            new = await run_in_threadpool(events_db.write, [(article, events)]) == 1
        meta = ArticleMeta(id=article.id, date=article.date, title=article.title, url=article.url,
                           source=article.source, external_id=article.external_id)
        return CodeResult(article=meta, events=events, stored=bool(store), new=new)

    return app
