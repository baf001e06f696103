"""Keep every pytest run away from the user's real cache and from real Overpass servers.

Loaded as a plugin at start-up (``-p _isolation`` in ``pyproject.toml``), so it
holds for any selection of tests, for notebooks run alone with ``--nbmake``
(their kernels get no fixtures and inherit the environment), and before any
fixture of any scope.
"""

from __future__ import annotations

import os
import tempfile

import pytest

_SESSION_CACHE: tempfile.TemporaryDirectory[str] | None = None


def pytest_configure(config: pytest.Config) -> None:
    """Point the cache at a temporary folder and Overpass at an address that never resolves."""
    global _SESSION_CACHE  # noqa: PLW0603 - one temporary folder per test run
    _SESSION_CACHE = tempfile.TemporaryDirectory(prefix="tourplanner-tests-")
    os.environ["TOURPLANNER_CACHE_DIR"] = _SESSION_CACHE.name
    os.environ["TOURPLANNER_OVERPASS_URL"] = "https://overpass.invalid/api"


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the run's temporary cache."""
    if _SESSION_CACHE is not None:
        _SESSION_CACHE.cleanup()
