"""Actors: dictionary, resolution of mentions to name/country/sector, coreference."""
from eventcoder.actors.resolve import Resolution, resolve_mention, resolve_text

__all__ = ["Resolution", "resolve_mention", "resolve_text"]
