"""Country and sector codes as gold data spells them → the codes eventcoder compares.

Gold sets spell countries as names ("Ivory Coast"), ISO alpha-2 ("CH"), ISO alpha-3, or old
codes ("ROM", "JAP"). The converters normalise all of them to ISO alpha-3 here, with pycountry
for the standard names and ``data/country_aliases.tsv`` for the rest, so that a figure never
depends on a spelling.
"""
from __future__ import annotations

import functools
import unicodedata
from importlib import resources
from typing import Optional

import pycountry

NOT_A_COUNTRY = ""  # alias value for names that must not resolve (regions, unrecognised entities)


def fold(text: str) -> str:
    """Lower case without accents or extra spaces: the key for name lookups."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().replace("’", "'").split())


def _rows(name: str) -> list[list[str]]:
    text = resources.files("eventcoder.evaluate").joinpath("data", name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")]


@functools.lru_cache(maxsize=1)
def _country_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name", "alpha_3", "alpha_2"):
            value = getattr(country, attr, None)
            if value:
                index.setdefault(fold(value), country.alpha_3)
    for row in _rows("country_aliases.tsv"):
        index[fold(row[0])] = row[1].strip() if len(row) > 1 else NOT_A_COUNTRY
    return index


def country_code(value: Optional[str]) -> Optional[str]:
    """ISO alpha-3 for a country name or code, or None when it is not (known as) a country."""
    if not value or not value.strip():
        return None
    key = fold(value.strip())
    code = _country_index().get(key)
    if code is None and key.startswith("the "):
        code = _country_index().get(key[4:])
    return code or None


@functools.lru_cache(maxsize=1)
def _actor_codes() -> dict[str, tuple[str, str]]:
    return {row[0].strip(): (row[1].strip(), row[2].strip() if len(row) > 2 else "")
            for row in _rows("actor_codes.tsv")}


def actor_code(code: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    """(country, sector) for a CAMEO-style actor code such as "USA", "JAP", "IGO".

    Organisation codes (IGO, NGO, IMG, ...) stay as they are, as DESIGN.md allows them in the
    country field; a code that is neither listed nor an ISO country gives (None, None).
    """
    if not code or not code.strip():
        return None, None
    code = code.strip().upper()
    if code in _actor_codes():
        country, sector = _actor_codes()[code]
        return country or None, sector or None
    if len(code) == 3:
        return country_code(code), None
    return None, None


@functools.lru_cache(maxsize=1)
def _equivalents() -> dict[str, str]:
    return {row[0].strip(): row[1].strip() for row in _rows("country_equivalents.tsv")}


def comparable_country(code: str) -> str:
    """The form a country or organisation code is compared in (UNO and EUR count as IGO)."""
    code = code.strip().upper()
    return _equivalents().get(code, code)


@functools.lru_cache(maxsize=1)
def _sector_aliases() -> dict[str, str]:
    return {row[0].strip(): (row[1].strip() if len(row) > 1 else "") for row in _rows("sector_aliases.tsv")}


def sector_code(value: Optional[str]) -> Optional[str]:
    """A sector as three upper-case letters ("CVLalb" → "CVL"), or None for placeholders."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if value in _sector_aliases():
        return _sector_aliases()[value] or None
    head = value[:3].upper()
    if head in _sector_aliases():
        return _sector_aliases()[head] or None
    return head if head.isalpha() and len(head) == 3 else None
