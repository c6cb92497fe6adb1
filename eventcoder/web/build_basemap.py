"""Build the dashboard's country outlines (``countries.json``) from the npm package world-atlas.

world-atlas (ISC licence, © Michael Bostock) republishes Natural Earth's public-domain
Admin-0 boundaries as TopoJSON. This script decodes its arcs and writes one SVG path per
country in plain degrees (x = longitude, y = -latitude), so the browser draws the map with
no library and no request beyond the server it came from. The output is committed; rebuild
it with::

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python -m eventcoder.web.build_basemap package/countries-50m.json
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Optional

import pycountry

from eventcoder.web import WEB_DIR

OUTPUT = WEB_DIR / "countries.json"
# Natural Earth features with no ISO numeric code, and the codes event data uses for them.
UNCODED_NAMES = {"Kosovo": "XKX", "N. Cyprus": "CYP", "Somaliland": "SOM"}


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Absolute lon/lat points of every arc (TopoJSON stores quantized deltas)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring_points(ring: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]  # ~i marks arc i reversed
        points.extend(arc[1:] if points else arc)  # consecutive arcs share their join point
    return points


def ring_path(points: list[tuple[float, float]], digits: int) -> str:
    out, last = [], None
    for lon, lat in points:
        xy = (round(lon, digits), round(-lat, digits))
        if xy != last:
            out.append(f"{xy[0]:g} {xy[1]:g}")
            last = xy
    if len(out) < 3:
        return ""
    return "M" + "L".join(out) + "Z"


def iso3(numeric: Optional[str], name: str) -> Optional[str]:
    if numeric and numeric.isdigit():
        country = pycountry.countries.get(numeric=numeric.zfill(3))
        if country is not None:
            return country.alpha_3
    return UNCODED_NAMES.get(name)


def build(topojson_path: Path, digits: int = 2) -> dict:
    topology = json.loads(topojson_path.read_text(encoding="utf-8"))
    arcs = decode_arcs(topology)
    countries = []
    for geom in topology["objects"]["countries"]["geometries"]:
        if geom.get("type") == "Polygon":
            polygons = [geom["arcs"]]
        elif geom.get("type") == "MultiPolygon":
            polygons = geom["arcs"]
        else:
            continue
        path = "".join(ring_path(ring_points(ring, arcs), digits) for poly in polygons for ring in poly)
        name = geom.get("properties", {}).get("name", "")
        if path:
            countries.append({"iso3": iso3(geom.get("id"), name), "name": name, "d": path})
    countries.sort(key=lambda c: c["name"])
    return {
        "source": f"Natural Earth Admin-0 boundaries via world-atlas 2.0.2 ({topojson_path.name})",
        "license": "Natural Earth: public domain. world-atlas: ISC licence, Copyright 2013-2019 Michael Bostock.",
        "projection": "equirectangular degrees: x = longitude, y = -latitude",
        "countries": countries,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("topojson", type=Path, help="countries-50m.json (or -110m) from the world-atlas package")
    parser.add_argument("--digits", type=int, default=2, help="decimal places kept (2 ≈ 1 km)")
    parser.add_argument("--out", type=Path, default=OUTPUT)
    args = parser.parse_args()
    data = build(args.topojson, args.digits)
    args.out.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
    print(f"{args.out}: {len(data['countries'])} countries, {args.out.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
