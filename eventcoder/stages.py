"""Imports every stage module so that its ``@stage`` registration runs.

The order in which stages run is ``pipeline.STAGE_ORDER``; this file only makes them known.
"""
import eventcoder.actors.stage  # noqa: F401  actors
import eventcoder.events.derived  # noqa: F401  derived (accusations, victims' side)
import eventcoder.events.stage  # noqa: F401  events
import eventcoder.views  # noqa: F401  records (ACLED and CAMEO views)
import eventcoder.incidents  # noqa: F401  incidents (same-incident reports merged)
import eventcoder.dates  # noqa: F401  dates
import eventcoder.places.locate  # noqa: F401  places
import eventcoder.counts  # noqa: F401  counts (dead, injured, arrested)
import eventcoder.attribution  # noqa: F401  attribution (sources, quotes, contested figures)
