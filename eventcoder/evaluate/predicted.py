"""The scored view of a coded Event: the values each gold field is compared with.

One place says where every predicted field comes from, so the mapping can be checked against
the record schema (eventcoder/record.py) in one reading.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from eventcoder.evaluate.codes import comparable_country, sector_code
from eventcoder.evaluate.gold import GoldActor, GoldEvent
from eventcoder.record import ActorRef, Event


@dataclass(frozen=True)
class Prediction:
    event_type: Optional[str]
    mode: Optional[str]
    acled_event_type: Optional[str]
    acled_sub_event_type: Optional[str]
    actor_country: frozenset[str]
    actor_sector: frozenset[str]
    recipient_country: frozenset[str]
    event_date: Optional[str]
    country: Optional[str]
    admin1: Optional[str]
    lat: Optional[float]
    lon: Optional[float]
    dead: Optional[int]
    injured: Optional[int]
    arrested: Optional[int]
    event: Optional[Event] = None  # the record it came from, for the errors file


def _codes(actors: list[ActorRef] | list[GoldActor], attr: str) -> frozenset[str]:
    values = (getattr(actor, attr) for actor in actors)
    if attr == "sector":
        return frozenset(filter(None, (sector_code(v) for v in values)))
    return frozenset(comparable_country(v) for v in values if v and v.strip())


def prediction(event: Event) -> Prediction:
    """Event → Prediction: type and mode, the ACLED view, actors, date, location, counts."""
    location = event.location
    return Prediction(
        event_type=event.event_type,
        mode=event.mode,
        acled_event_type=event.acled.event_type,
        acled_sub_event_type=event.acled.sub_event_type,
        actor_country=_codes(event.actors, "country"),
        actor_sector=_codes(event.actors, "sector"),
        recipient_country=_codes(event.recipients, "country"),
        event_date=event.date,
        country=location.country if location else None,
        admin1=location.admin1 if location else None,
        lat=location.lat if location else None,
        lon=location.lon if location else None,
        dead=event.dead,
        injured=event.injured,
        arrested=event.arrested,
        event=event,
    )


def gold_sets(gold: GoldEvent) -> dict[str, frozenset[str]]:
    """The gold actor fields as sets of codes, keyed by report field name."""
    return {
        "actor_country": _codes(gold.actors, "country"),
        "actor_sector": _codes(gold.actors, "sector"),
        "recipient_country": _codes(gold.recipients, "country"),
    }


def claimed(events: list[Event]) -> list[Event]:
    """The events the coder claims happened: negated and hypothetical ones are stored by the
    coder but are not predictions of an event."""
    return [event for event in events if event.realized]
