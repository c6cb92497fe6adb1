"""The event record: one per coded event, every field traceable to article offsets.

The record is a pydantic model so that the store, the JSONL output, the API and the
evaluator all share one schema. ACLED and CAMEO views are derived here, from the
PLOVER coding, through data tables in ``events/data``.
"""
from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, Field

from eventcoder import __version__


class ActorRef(BaseModel):
    """An actor as written in the article and as resolved."""

    text: str
    name: Optional[str] = None
    country: Optional[str] = None  # ISO alpha-3, or IGO/UNO/EUR/NGO/IMG
    sector: Optional[str] = None  # GOV, MIL, REB, COP, PTY, CVL, JRN, UAF, ...
    start: int
    end: int
    reason: Optional[str] = None  # how it was resolved (dictionary, demonym, coreference, ...)


class Location(BaseModel):
    text: Optional[str] = None
    name: Optional[str] = None
    geonameid: Optional[int] = None
    lat: Optional[float] = None
    lon: Optional[float] = None
    country: Optional[str] = None
    admin1: Optional[str] = None
    precision: Optional[int] = None  # ACLED geo_precision: 1 town, 2 near town / part of region, 3 region
    reason: Optional[str] = None
    start: Optional[int] = None
    end: Optional[int] = None


class Source(BaseModel):
    """Who a claim comes from (attribution)."""

    text: str
    name: Optional[str] = None
    country: Optional[str] = None
    sector: Optional[str] = None
    party_to_conflict: bool = False
    citing: Optional["Source"] = None  # "X, citing Y": Y is the original source
    start: Optional[int] = None
    end: Optional[int] = None


class Quote(BaseModel):
    text: str
    start: int
    end: int
    speaker: Optional[ActorRef] = None


class Account(BaseModel):
    """One source's version of an event's figures (contested facts)."""

    reported_by: Optional[Source] = None
    dead: Optional[int] = None
    injured: Optional[int] = None
    arrested: Optional[int] = None
    qualifiers: dict[str, str] = Field(default_factory=dict)
    evidence: Optional[str] = None


class Evidence(BaseModel):
    text: str
    start: int
    end: int


class AcledView(BaseModel):
    event_type: Optional[str] = None
    sub_event_type: Optional[str] = None
    fatalities: Optional[int] = None
    geo_precision: Optional[int] = None
    time_precision: Optional[int] = None


class Event(BaseModel):
    id: str
    article_id: str
    story_date: str
    event_type: str
    mode: Optional[str] = None
    context: list[str] = Field(default_factory=list)
    quad_class: int
    goldstein: float
    actors: list[ActorRef] = Field(default_factory=list)
    recipients: list[ActorRef] = Field(default_factory=list)
    date: Optional[str] = None
    date_precision: Optional[int] = None
    date_text: Optional[str] = None
    date_reason: Optional[str] = None
    location: Optional[Location] = None
    dead: Optional[int] = None
    injured: Optional[int] = None
    arrested: Optional[int] = None
    qualifiers: dict[str, str] = Field(default_factory=dict)
    civilians_dead: Optional[int] = None
    accounts: list[Account] = Field(default_factory=list)
    reported_by: list[Source] = Field(default_factory=list)
    quote: Optional[Quote] = None
    negated: bool = False
    hypothetical: bool = False
    trigger: Optional[Evidence] = None  # the word(s) that signalled the event
    acled: AcledView = Field(default_factory=AcledView)
    cameo: Optional[str] = None
    evidence: Evidence
    confidence: float = 0.5
    reasons: list[str] = Field(default_factory=list)  # every fallback a stage took, in words
    coder_version: str = __version__

    @property
    def realized(self) -> bool:
        """An event that is reported as having happened (not negated, not hypothetical)."""
        return not (self.negated or self.hypothetical)


Source.model_rebuild()
