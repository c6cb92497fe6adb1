"""Build eventcoder/actors/data/countries.tsv from pycountry and countryinfo (run once; output committed).

One row per country: ISO alpha-3, common name, aliases, demonyms, capital and its coordinates.
Curated additions that these packages lack live in country_extra.tsv and are merged at load time.
"""
from __future__ import annotations

import csv
import sys
from pathlib import Path

import pycountry
from countryinfo import CountryInfo

OUT = Path(__file__).resolve().parents[1] / "eventcoder" / "actors" / "data" / "countries.tsv"


def plural(demonym: str) -> list[str]:
    # "Armenian" -> "Armenians", "Azerbaijani" -> "Azerbaijanis"; "French", "Swiss" have no plural
    return [demonym + "s"] if demonym[-1:] in ("n", "i") else []


def main() -> int:
    rows = []
    for country in pycountry.countries:
        alpha3 = country.alpha_3
        name = getattr(country, "common_name", None) or country.name
        aliases = {country.name, name, getattr(country, "official_name", "") or ""}
        demonyms: set[str] = set()
        capital, lat, lon = "", "", ""
        try:
            info = CountryInfo(alpha3)
            aliases.update(a for a in info.alt_spellings() or [] if len(a) > 3 and a.isascii())
            dem = info.demonym() or ""
            if dem:
                demonyms.add(dem)
                demonyms.update(plural(dem))
            capital = info.capital() or ""
            latlng = info.capital_latlng() or []
            if len(latlng) == 2:
                lat, lon = f"{latlng[0]:.4f}", f"{latlng[1]:.4f}"
        except Exception:  # countryinfo lacks a few territories; pycountry's facts still stand
            pass
        aliases.discard("")
        aliases.discard(name)
        rows.append([alpha3, name, "|".join(sorted(aliases)), "|".join(sorted(demonyms)), capital, lat, lon])
    with OUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["alpha3", "name", "aliases", "demonyms", "capital", "capital_lat", "capital_lon"])
        writer.writerows(sorted(rows))
    print(f"wrote {len(rows)} countries to {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
