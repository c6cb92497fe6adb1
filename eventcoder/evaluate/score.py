"""Score a gold set against the coder's output, document by document, into the report dict.

``Scorer`` knows nothing about how the predictions were made: the runner codes the documents
and hands each one's events (and resolved/found places) here, and tests hand it events built by
hand. The report shape is stable (other tools read it):

``{"n_documents": N, "fields": {FIELD: {"n": …, METRIC: …}}, "per_category": {FIELD: {LABEL:
{tp, fp, fn, precision, recall, f1}}}, "confusion": {FIELD: {GOLD: {PREDICTED: count}}},
"events": {…}, "slowest": [...], "seconds": …, "notes": [...]}``
"""
from __future__ import annotations

import heapq
from typing import Any, Optional

from eventcoder.evaluate.gold import GoldDoc
from eventcoder.evaluate.match import match_events
from eventcoder.evaluate.metrics import FIELD_ORDER, EventScores
from eventcoder.evaluate.predicted import claimed, prediction
from eventcoder.evaluate.toponyms import Place, ToponymTally
from eventcoder.record import Event

SLOWEST_KEPT = 10


class Scorer:
    """Accumulates one gold set. ``add_document`` returns the document's misses (for --errors)."""

    def __init__(self) -> None:
        self.events = EventScores()
        self.toponyms = ToponymTally()
        self.n_documents = 0
        self.counts = {"gold": 0, "predicted": 0, "matched": 0, "missed": 0, "false_positives": 0,
                       "not_claimed": 0}
        self.events_scored = False
        self.seconds = 0.0
        self._slowest: list[tuple[float, str, int]] = []
        self.notes: list[str] = []

    def add_document(self, doc: GoldDoc, events: Optional[list[Event]] = None, seconds: float = 0.0,
                     resolved: Optional[list[Optional[Place]]] = None,
                     found: Optional[list[Place]] = None) -> list[dict[str, Any]]:
        """Score one document. ``events`` None: events were not coded (a toponym-only set);
        ``resolved`` is aligned with the doc's toponyms that have coordinates; ``found`` is the
        end-to-end geoparse. Returns one error record per miss group."""
        self.n_documents += 1
        self.seconds += seconds
        heapq.heappush(self._slowest, (seconds, doc.id, len(doc.text)))
        if len(self._slowest) > SLOWEST_KEPT:
            heapq.heappop(self._slowest)
        errors: list[dict[str, Any]] = []
        if events is not None:
            errors += self._score_events(doc, events)
        if resolved is not None:
            misses = self.toponyms.add_resolved([t for t in doc.toponyms if t.scored], resolved)
            if found is not None:
                misses += self.toponyms.add_found(doc, found)
            if misses:
                errors.append({"doc_id": doc.id, "kind": "toponyms", "text": doc.text, "misses": misses})
        return errors

    def _score_events(self, doc: GoldDoc, events: list[Event]) -> list[dict[str, Any]]:
        self.events_scored = True
        kept = claimed(events)
        predictions = [prediction(e) for e in kept]
        self.counts["gold"] += len(doc.events)
        self.counts["predicted"] += len(kept)
        self.counts["not_claimed"] += len(events) - len(kept)
        dated = doc.date is not None
        matching = match_events(doc.events, predictions, dated)
        errors = []
        for gi, pi in matching.pairs:
            misses = self.events.add_pair(doc.events[gi], predictions[pi], dated)
            self.counts["matched"] += 1
            if misses:
                errors.append({"doc_id": doc.id, "kind": "wrong_fields", "fields": misses, "text": doc.text,
                               "gold": doc.events[gi].model_dump(exclude_none=True),
                               "prediction": kept[pi].model_dump(mode="json")})
        for gi in matching.unmatched_gold:
            self.events.add_pair(doc.events[gi], None, dated)
            self.counts["missed"] += 1
            errors.append({"doc_id": doc.id, "kind": "missed_event", "text": doc.text,
                           "gold": doc.events[gi].model_dump(exclude_none=True), "prediction": None})
        for pi in matching.unmatched_predictions:
            self.events.add_false_positive(predictions[pi])
            self.counts["false_positives"] += 1
            errors.append({"doc_id": doc.id, "kind": "false_positive", "text": doc.text, "gold": None,
                           "prediction": kept[pi].model_dump(mode="json")})
        return errors

    def report(self) -> dict[str, Any]:
        fields = self.events.fields()
        if self.toponyms.n or self.toponyms.end_to_end_docs:
            fields["toponym"] = self.toponyms.report()
        fields = {name: fields[name] for name in FIELD_ORDER if name in fields}
        report: dict[str, Any] = {
            "n_documents": self.n_documents,
            "fields": fields,
            "per_category": self.events.per_category(),
            "confusion": self.events.confusion(),
        }
        if self.events_scored:
            report["events"] = dict(self.counts)
        report["seconds"] = round(self.seconds, 3)
        report["slowest"] = [{"id": doc_id, "seconds": round(sec, 3), "chars": chars}
                             for sec, doc_id, chars in sorted(self._slowest, reverse=True)]
        report["notes"] = list(self.notes)
        return report
