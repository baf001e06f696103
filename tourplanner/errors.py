"""The small family of exceptions that tourplanner raises.

Every error a user can cause derives from :class:`TourplannerError`. Messages
name the input, the bad value and the fix, on one line; the command line prints
them without a traceback and exits with status 2.
"""

from __future__ import annotations

__all__ = [
    "CatalogueError",
    "InfeasibleTourError",
    "NetworkDataError",
    "OutputError",
    "TourError",
    "TourplannerError",
    "UnreachableSiteError",
]


class TourplannerError(Exception):
    """Base class of every error caused by the user's input or environment."""


class CatalogueError(TourplannerError):
    """A site catalogue is missing, unreadable or invalid."""


class NetworkDataError(TourplannerError):
    """No usable street network: a bad OSM file, no network access, no streets."""


class UnreachableSiteError(TourplannerError):
    """Sites cannot be reached on the walking network (all of them off it)."""


class TourError(TourplannerError):
    """A tour request is invalid: unknown stop or start ids, too few stops."""


class InfeasibleTourError(TourError):
    """No tour satisfies the constraints (must-visit sites, windows, budget)."""


class OutputError(TourplannerError):
    """An output file cannot be written where the user asked."""
