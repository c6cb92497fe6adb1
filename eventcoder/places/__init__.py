"""Places: the offline gazetteer, toponym resolution and the event location stage.

Public API: ``resolve_spans(text, spans, date=None)``, ``find_toponyms(text, date=None)`` and
``get_gazetteer()``; the ``places`` pipeline stage lives in ``eventcoder.places.locate``.
"""
from eventcoder.places.gazetteer import Gazetteer, Place, get_gazetteer
from eventcoder.places.resolve import find_toponyms, resolve_spans

__all__ = ["Gazetteer", "Place", "find_toponyms", "get_gazetteer", "resolve_spans"]
