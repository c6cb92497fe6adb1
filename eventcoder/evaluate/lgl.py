"""Geoparsing corpora (LGL and GeoWebNews XML) → gold documents with toponyms, no events.

Both files are ``<articles><article>…</article></articles>``; the layout is told apart per article:

- **LGL** (``<article docid>`` with ``dltime``, ``text``, ``toponyms/toponym`` holding ``start``,
  ``end``, ``phrase`` and, when the annotators resolved it, a ``gaztag`` with ``@geonameid``,
  ``lat``, ``lon``, ``fcode``). The download time ``dltime`` is the story-date proxy.
  A toponym without a gaztag stays as an unscored span.
- **GeoWebNews** (``<article file>`` with ``text`` and ``toponym`` holding ``extractedName``,
  ``type``, ``start``, ``end``, ``geonamesID``, ``latitude``, ``longitude``). There are no dates.
  Annotations typed as not being places (Non_Toponym, Demonym, Language, Homonym) are dropped, so
  a geoparser that tags them is charged a false positive; place expressions without coordinates
  stay as unscored spans.

A toponym whose offsets do not select its own phrase in the text is dropped and reported.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Optional

from eventcoder.evaluate.gold import Conversion, GoldDoc, GoldToponym

NOT_PLACES = {"Non_Toponym", "Demonym", "Language", "Homonym"}  # GeoWebNews types that are not toponyms


def _float(value: Optional[str]) -> Optional[float]:
    try:
        return float(value) if value and value.strip() else None
    except ValueError:
        return None


def _int(value: Optional[str]) -> Optional[int]:
    try:
        return int(value) if value and value.strip() else None
    except ValueError:
        return None


def _lgl_toponym(node: ET.Element) -> GoldToponym:
    tag = node.find("gaztag")
    return GoldToponym(
        start=int(node.findtext("start")),
        end=int(node.findtext("end")),
        name=node.findtext("phrase"),
        lat=_float(tag.findtext("lat")) if tag is not None else None,
        lon=_float(tag.findtext("lon")) if tag is not None else None,
        geonameid=_int(tag.get("geonameid")) if tag is not None else None,
        kind=tag.findtext("fcode") if tag is not None else None,
    )


def _gwn_toponym(node: ET.Element) -> Optional[GoldToponym]:
    kind = (node.findtext("type") or "").strip() or None
    if kind in NOT_PLACES:
        return None
    return GoldToponym(
        start=int(node.findtext("start")),
        end=int(node.findtext("end")),
        name=node.findtext("extractedName"),
        lat=_float(node.findtext("latitude")),
        lon=_float(node.findtext("longitude")),
        geonameid=_int(node.findtext("geonamesID")),
        kind=kind,
    )


def read_lgl(path: str | Path) -> Conversion:
    """Convert an LGL or GeoWebNews XML file (see the module docstring)."""
    root = ET.parse(Path(path)).getroot()
    docs: list[GoldDoc] = []
    skipped: list[tuple[str, str]] = []
    dropped_types = 0
    articles = root.findall("article")
    for number, article in enumerate(articles, start=1):
        is_lgl = article.get("docid") is not None
        doc_id = article.get("docid") if is_lgl else f"gwn-{article.get('file', number)}"
        text = article.findtext("text") or ""
        if not text.strip():
            skipped.append((doc_id, "no text"))
            continue
        toponyms = []
        for node in article.iter("toponym"):
            toponym = _lgl_toponym(node) if is_lgl else _gwn_toponym(node)
            if toponym is None:
                dropped_types += 1
                continue
            if toponym.start < 0 or text[toponym.start:toponym.end] != toponym.name:
                skipped.append((f"{doc_id}@{toponym.start}:{toponym.end}",
                                f"toponym offsets select {text[toponym.start:toponym.end]!r}, not {toponym.name!r}"))
                continue
            toponyms.append(toponym)
        dltime = (article.findtext("dltime") or "").strip()
        docs.append(GoldDoc(id=doc_id, date=dltime[:10] or None, text=text,
                            title=(article.findtext("title") or "").strip() or None, toponyms=toponyms))
    notes = [f"annotations typed as non-places dropped: {dropped_types}"] if dropped_types else []
    return Conversion(docs=docs, records_read=len(articles), skipped=skipped, notes=notes)
