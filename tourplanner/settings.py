"""Settings of the environment: cache folder, Overpass endpoint, walking speed.

Algorithm parameters are function arguments, not settings. Each setting can be
overridden by an environment variable, read when the setting is used.

- ``TOURPLANNER_CACHE_DIR``: where built street graphs and HTTP responses are
  cached (default: the user's cache directory from :mod:`platformdirs`).
- ``TOURPLANNER_OVERPASS_URL``: the Overpass API endpoint
  (default ``https://overpass-api.de/api``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

import platformdirs

__all__ = [
    "DEFAULT_OVERPASS_URL",
    "DEFAULT_WALKING_SPEED_KMH",
    "cache_dir",
    "overpass_url",
]

#: Walking speed used to turn metres into seconds, in km/h.
DEFAULT_WALKING_SPEED_KMH: Final = 4.5

#: The public Overpass API endpoint osmnx queries by default.
DEFAULT_OVERPASS_URL: Final = "https://overpass-api.de/api"


def cache_dir() -> Path:
    """Return the cache folder (``TOURPLANNER_CACHE_DIR`` or the user cache).

    Returns
    -------
    pathlib.Path
        The folder; it is created when something is first written to it.
    """
    override = os.environ.get("TOURPLANNER_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_cache_dir("tourplanner", appauthor=False))


def overpass_url() -> str:
    """Return the Overpass API endpoint (``TOURPLANNER_OVERPASS_URL`` or the default).

    Returns
    -------
    str
        Base URL without the ``/interpreter`` suffix.
    """
    return os.environ.get("TOURPLANNER_OVERPASS_URL") or DEFAULT_OVERPASS_URL
