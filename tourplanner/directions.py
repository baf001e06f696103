"""Turn-by-turn walking directions computed from a leg's geometry.

Directions are data first and text last, in the style of OSRM's route steps:
each :class:`Step` is a maneuver (``depart``, ``turn``, ``continue``, ``new
name``, ``roundabout``, ``arrive``) with a modifier (``straight``, ``slight
left``, ``left``, ``sharp left``, ``uturn`` and the right-hand ones), the
bearings before and after it, and the distance walked from it to the next
maneuver, on one street. :func:`narrate` turns steps into sentences in the
manner of Valhalla's narrative ("After 80 m, turn left onto Postikatu").

How a leg becomes steps:

1. The leg's edges (:attr:`tourplanner.routing.Leg.edges`) are laid along its
   geometry as :class:`Stretch` es, each with the bearing it starts and ends
   with (measured over :data:`BEARING_SAMPLE_M` metres from the junction, so a
   kink in the middle of a way does not count).
2. At each junction the change of bearing gives the modifier, with OSRM's
   thresholds (:data:`TURN_THRESHOLDS`): within 20 degrees is straight, up to
   40 slight, up to 120 a turn, then sharp, and from 170 a U-turn.
3. Stretches of one street are merged unless the walker turns at a junction
   that offers another way on; a change of way without a turn is merged when
   either side is unnamed (a footway that becomes steps and then a footway
   again is one step, called by the longest piece) and is a ``new name`` step
   between two named streets. A roundabout is one step with its exit number.
4. Steps shorter than :data:`MIN_STEP_M` that are not turns are merged into
   their neighbour; the distances always add up to the leg's length.

Unnamed ways are called by what they are ("footpath", "steps", "crossing");
a way inside a named park or square (``areas``) is "the footpath through
Esplanadi park", and a named pedestrian area is walked "across" it. Street
names follow the map language: ``name:en`` or ``name:zh`` when mapped, the
local ``name`` otherwise; in English sentences a street with both is
"Xinghua North Street (兴华北街)", since the local name is what the signs say.

Examples
--------
>>> modifier_for(5.0), modifier_for(-30.0), modifier_for(90.0), modifier_for(175.0)
('straight', 'slight left', 'right', 'uturn')
>>> round_distance(83.0), round_distance(436.0), round_distance(1260.0)
('80 m', '450 m', '1.3 km')
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final, Literal

import networkx as nx
from shapely import LineString, Point
from shapely.geometry.base import BaseGeometry

from tourplanner.routing import Leg
from tourplanner.tour import Stop, Tour

__all__ = [
    "BEARING_SAMPLE_M",
    "JOG_M",
    "MAIN_ROADS",
    "MIN_STEP_M",
    "TURN_THRESHOLDS",
    "Language",
    "NamedArea",
    "Step",
    "Stretch",
    "bearing_name",
    "leg_destinations",
    "leg_directions",
    "leg_stretches",
    "main_road_share",
    "merge_stretches",
    "modifier_for",
    "narrate",
    "round_distance",
    "steps_from_stretches",
    "tour_directions",
]

#: Highway values counted as main roads (for the share of a walk along traffic).
MAIN_ROADS: Final = frozenset(
    {"trunk", "trunk_link", "primary", "primary_link", "secondary", "secondary_link"}
)
#: Bearings at a junction are measured over this many metres of each way.
BEARING_SAMPLE_M: Final = 15.0
#: Steps shorter than this are merged into a neighbour unless they are turns.
MIN_STEP_M: Final = 10.0
#: Two turns this close that cancel out (a sidestep) are one maneuver.
JOG_M: Final = 25.0
#: Upper bounds (degrees of bearing change) of OSRM's turn modifiers; beyond the
#: last bound the walker turns back ("uturn").
TURN_THRESHOLDS: Final[tuple[tuple[float, str], ...]] = (
    (20.0, "straight"),
    (40.0, "slight"),
    (120.0, ""),
    (170.0, "sharp"),
)

Language = Literal["en", "zh", "local"]
ManeuverType = Literal["depart", "turn", "continue", "new name", "roundabout", "arrive"]
_TURNS: Final = frozenset({"turn", "continue", "roundabout"})
_NO_TURN: Final = frozenset({"straight", "slight left", "slight right"})

_KIND_LABELS: Final[dict[str, str]] = {
    "footway": "footpath",
    "pedestrian": "pedestrian street",
    "path": "path",
    "steps": "steps",
    "service": "service road",
    "track": "track",
    "living_street": "living street",
    "residential": "residential street",
    "unclassified": "minor road",
    "tertiary": "road",
    "secondary": "main road",
    "primary": "main road",
    "trunk": "main road",
    "cycleway": "cycle path",
    "corridor": "indoor corridor",
    "bridleway": "bridleway",
}
_FOOTWAY_LABELS: Final[dict[str, str]] = {
    "crossing": "crossing",
    "sidewalk": "pavement",
    "traffic_island": "traffic island",
}
_COMPASS: Final = ("north", "north-east", "east", "south-east", "south", "south-west", "west")


@dataclass(frozen=True)
class NamedArea:
    """A named park, square or other area that ways can lie in.

    Attributes
    ----------
    name, name_en, name_zh
        Its OpenStreetMap names.
    kind
        ``"park"`` (a way in it is walked "through") or ``"square"`` ("across").
    geometry
        Its outline in WGS-84 (lon, lat).
    """

    name: str
    kind: Literal["park", "square"]
    geometry: BaseGeometry
    name_en: str | None = None
    name_zh: str | None = None

    def label(self, language: Language) -> str:
        """Return the name in ``language`` (the local name if not mapped)."""
        return _pick(self.name, self.name_en, self.name_zh, language)


@dataclass(frozen=True)
class Stretch:
    """A stretch of one way walked between two junctions (or a site and a junction).

    Attributes
    ----------
    name, name_en, name_zh
        The way's OpenStreetMap ``name``, ``name:en`` and ``name:zh`` ("" / ``None``
        when not mapped).
    highway
        The OSM ``highway`` value.
    distance_m
        Metres walked on it.
    footway
        The OSM ``footway`` value (``crossing``, ``sidewalk``...), if any.
    roundabout
        The way is part of a roundabout (``junction=roundabout|circular``).
    area
        A named park or square the stretch lies in, if known.
    pedestrian_area
        The way is a pedestrian area (``area=yes``): it is walked across.
    """

    name: str
    name_en: str | None
    highway: str
    distance_m: float
    name_zh: str | None = None
    footway: str | None = None
    roundabout: bool = False
    area: NamedArea | None = None
    pedestrian_area: bool = False

    def street(self, language: Language = "en") -> str:
        """Return the street's name in ``language`` ("" for an unnamed way)."""
        return _pick(self.name, self.name_en, self.name_zh, language)

    @property
    def kind(self) -> str:
        """What the way is: "footpath", "steps", "crossing", "pedestrian street"..."""
        if self.footway in _FOOTWAY_LABELS:
            return _FOOTWAY_LABELS[self.footway]
        return _KIND_LABELS.get(self.highway, f"unnamed {self.highway.replace('_', ' ')}")

    def label(self, language: Language = "en") -> str:
        """Return what to call the way: its name, or what it is and where it lies."""
        street = self.street(language)
        if language == "en" and self.name_en and self.name and self.name_en != self.name:
            street = f"{self.name_en} ({self.name})"  # the local name is on the signs
        if street:
            if self.pedestrian_area:
                return f"across {street}"
            return street
        if self.area is not None:
            word = "across" if self.area.kind == "square" else "through"
            return f"the {self.kind} {word} {self.area.label(language)}"
        return f"the {self.kind}"

    @property
    def identity(self) -> tuple[str, ...]:
        """Stretches with the same identity are one street (or one kind of unnamed way)."""
        if self.name or self.name_en or self.name_zh:
            return ("named", self.name, self.name_en or "", self.name_zh or "")
        area = self.area.name if self.area is not None else ""
        return ("unnamed", self.kind, area)

    @property
    def named(self) -> bool:
        """Whether the way has a name."""
        return self.identity[0] == "named"


@dataclass(frozen=True)
class Step:
    """One maneuver and the walk that follows it, up to the next maneuver.

    Attributes
    ----------
    maneuver
        OSRM's maneuver type: ``depart``, ``turn``, ``continue`` (a turn to stay
        on the same street), ``new name`` (straight on into another street),
        ``roundabout`` or ``arrive``.
    modifier
        ``straight``, ``slight left``, ``left``, ``sharp left``, ``uturn``,
        ``slight right``, ``right``, ``sharp right``; for ``arrive`` the side of
        the destination (``left``, ``right``) or ``straight`` when it cannot be
        told; ``None`` for ``depart``.
    bearing_before, bearing_after
        Compass bearings (degrees clockwise from north) walking into and out of
        the maneuver (``bearing_before`` is 0 for ``depart``; ``bearing_after``
        is 0 for ``arrive``).
    distance_m
        Metres walked from this maneuver to the next (0 for ``arrive``).
    stretches
        The ways walked in this step, in order.
    location
        Where the maneuver is (lon, lat, WGS-84).
    exit
        The exit taken, for a ``roundabout``.
    """

    maneuver: ManeuverType
    modifier: str | None
    bearing_before: float
    bearing_after: float
    distance_m: float
    stretches: tuple[Stretch, ...]
    location: tuple[float, float]
    exit: int | None = None

    @property
    def way(self) -> Stretch | None:
        """The way the maneuver leads onto: the first stretch of at least :data:`MIN_STEP_M`.

        (The longest when none is that long; the exit for a roundabout; not a
        street crossing when more follows, see :attr:`crosses`; ``None`` for
        ``arrive``.)
        """
        stretches = self.stretches
        if self.maneuver == "roundabout":  # named by the exit
            stretches = tuple(s for s in stretches if not s.roundabout) or stretches
        stretches = tuple(s for s in stretches if s.footway != "crossing") or stretches
        if not stretches:
            return None
        totals: dict[tuple[str, ...], float] = {}
        for stretch in stretches:
            totals[stretch.identity] = totals.get(stretch.identity, 0.0) + stretch.distance_m
        for stretch in stretches:
            if totals[stretch.identity] >= MIN_STEP_M:
                return stretch
        return max(stretches, key=lambda s: s.distance_m)

    @property
    def crosses(self) -> bool:
        """Whether the step begins by crossing a street (a ``footway=crossing``)."""
        way = self.way
        return bool(
            self.stretches
            and self.stretches[0].footway == "crossing"
            and way is not None
            and way.footway != "crossing"
        )

    def street(self, language: Language = "en") -> str:
        """Return the step's street name in ``language`` ("" if unnamed)."""
        way = self.way
        return way.street(language) if way is not None else ""

    def label(self, language: Language = "en") -> str:
        """Return the step's way as said in a sentence ("Postikatu", "the steps")."""
        way = self.way
        return way.label(language) if way is not None else ""


def _pick(name: str, name_en: str | None, name_zh: str | None, language: Language) -> str:
    if language == "en" and name_en:
        return name_en
    if language == "zh" and name_zh:
        return name_zh
    return name or name_en or name_zh or ""


def _first(value: Any) -> str | None:
    if isinstance(value, list | tuple):
        values = [str(v) for v in value if v]
        return values[0] if values else None
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def modifier_for(angle: float) -> str:
    """Return OSRM's modifier for a change of bearing of ``angle`` degrees.

    Parameters
    ----------
    angle
        Bearing after minus bearing before, in degrees (positive: right).

    Returns
    -------
    str
        ``straight``, ``slight left``, ``left``, ``sharp left``, ``uturn``, or
        the right-hand equivalents.
    """
    angle = (angle + 180.0) % 360.0 - 180.0
    side = "right" if angle > 0 else "left"
    for bound, word in TURN_THRESHOLDS:
        if abs(angle) <= bound:
            if word == "straight":
                return word
            return f"{word} {side}" if word else side
    return "uturn"


def bearing_name(bearing: float) -> str:
    """Return the compass direction of ``bearing`` ("north", "south-east"...)."""
    return (*_COMPASS, "north-west")[round((bearing % 360.0) / 45.0) % 8]


def round_distance(metres: float) -> str:
    """Round a walking distance the way people say it.

    Under 200 m to the nearest 10 m (at least 10 m), under 1 km to the nearest
    50 m, beyond to a tenth of a kilometre.
    """
    if metres < 195.0:
        return f"{max(10, round(metres / 10.0) * 10)} m"
    if metres < 975.0:
        return f"{round(metres / 50.0) * 50} m"
    return f"{metres / 1000.0:.1f} km"


# --- geometry ---------------------------------------------------------------------------


class _Track:
    """A leg's geometry in local metres, for positions and bearings by distance."""

    def __init__(self, geometry: LineString) -> None:
        coords = list(geometry.coords)
        self.origin = coords[0]
        lat0 = math.radians(coords[0][1])
        self.kx = 111_320.0 * math.cos(lat0)
        self.ky = 110_540.0
        self.line = LineString(
            [((x - self.origin[0]) * self.kx, (y - self.origin[1]) * self.ky) for x, y in coords]
        )
        self.length = float(self.line.length)

    def point(self, s: float) -> tuple[float, float]:
        p = self.line.interpolate(min(max(s, 0.0), self.length))
        return float(p.x), float(p.y)

    def lonlat(self, s: float) -> tuple[float, float]:
        x, y = self.point(s)
        return (round(self.origin[0] + x / self.kx, 7), round(self.origin[1] + y / self.ky, 7))

    def bearing(self, start: float, end: float) -> float | None:
        """Compass bearing from the point at ``start`` to the point at ``end``."""
        (x0, y0), (x1, y1) = self.point(start), self.point(end)
        if math.hypot(x1 - x0, y1 - y0) < 0.5:
            return None
        return math.degrees(math.atan2(x1 - x0, y1 - y0)) % 360.0


@dataclass(frozen=True)
class _Piece:
    stretch: Stretch
    start: float  # metres along the track
    end: float
    bearing_in: float  # walking direction where the piece starts
    bearing_out: float  # and where it ends
    choice: bool  # the junction at its start offers another way


def _bearings(track: _Track, start: float, end: float) -> tuple[float, float] | None:
    sample = min(BEARING_SAMPLE_M, end - start)
    b_in = track.bearing(start, start + sample)
    b_out = track.bearing(end - sample, end)
    if b_in is None or b_out is None:
        whole = track.bearing(start, end)
        if whole is None:
            return None
        return (b_in if b_in is not None else whole, b_out if b_out is not None else whole)
    return b_in, b_out


def _neighbours(graph: nx.MultiDiGraph, node: int) -> set[int]:
    return set(graph.successors(node)) | set(graph.predecessors(node))


def leg_stretches(
    graph: nx.MultiDiGraph, leg: Leg, *, areas: Sequence[NamedArea] = ()
) -> tuple[Stretch, ...]:
    """Return the ways ``leg`` walks, one :class:`Stretch` per edge, in order.

    Parameters
    ----------
    graph
        The graph the leg was routed on.
    leg
        The leg.
    areas
        Named parks and squares; an unnamed way whose middle lies in one is
        described by it.

    Returns
    -------
    tuple of Stretch
        Their distances sum to ``leg.distance_m``.
    """
    out = []
    for u, v, key, metres in leg.edges:
        data = graph.edges[u, v, key]
        middle = _edge_middle(graph, u, v, data) if areas else None
        area = next((a for a in areas if middle is not None and a.geometry.contains(middle)), None)
        out.append(
            Stretch(
                name=_first(data.get("name")) or "",
                name_en=_first(data.get("name:en")),
                name_zh=_first(data.get("name:zh")),
                highway=_first(data.get("highway")) or "road",
                distance_m=float(metres),
                footway=_first(data.get("footway")),
                roundabout=_first(data.get("junction")) in {"roundabout", "circular"},
                area=area,
                pedestrian_area=_first(data.get("area")) == "yes"
                and _first(data.get("highway")) == "pedestrian",
            )
        )
    return tuple(out)


def _edge_middle(graph: nx.MultiDiGraph, u: int, v: int, data: dict[str, Any]) -> Point:
    line = data.get("geometry")
    if line is None:
        a, b = graph.nodes[u], graph.nodes[v]
        line = LineString([(a["x"], a["y"]), (b["x"], b["y"])])
    return line.interpolate(0.5, normalized=True)


def _pieces(graph: nx.MultiDiGraph, leg: Leg, stretches: Sequence[Stretch]) -> list[_Piece]:
    track = _Track(leg.geometry)
    total = sum(s.distance_m for s in stretches)
    scale = track.length / total if total > 0 else 0.0
    pieces: list[_Piece] = []
    s = 0.0
    for index, stretch in enumerate(stretches):
        start, end = s, s + stretch.distance_m * scale
        s = end
        bearings = _bearings(track, start, end)
        if bearings is None:  # a piece too short to have a direction
            if pieces:
                last = pieces[-1]
                bearings = (last.bearing_out, last.bearing_out)
            else:
                later = track.bearing(start, min(track.length, start + BEARING_SAMPLE_M))
                bearings = (later or 0.0, later or 0.0)
        u, v, _key, _metres = leg.edges[index]
        came_from = leg.edges[index - 1][0] if index > 0 else None
        choice = index > 0 and bool(_neighbours(graph, u) - {came_from, v})
        pieces.append(_Piece(stretch, start, end, bearings[0], bearings[1], choice))
    return pieces


def _side(track: _Track, destination: tuple[float, float] | None) -> str:
    """Which side of the end of the walk ``destination`` lies on."""
    if destination is None or track.length < 1.0:
        return "straight"
    end = track.point(track.length)
    before = track.point(track.length - min(BEARING_SAMPLE_M, track.length))
    dx = (destination[0] - track.origin[0]) * track.kx - end[0]
    dy = (destination[1] - track.origin[1]) * track.ky - end[1]
    if math.hypot(dx, dy) < 3.0:
        return "straight"
    cross = (end[0] - before[0]) * dy - (end[1] - before[1]) * dx
    return "left" if cross > 0 else "right"


# --- steps ------------------------------------------------------------------------------


@dataclass
class _Draft:
    maneuver: ManeuverType
    modifier: str | None
    bearing_before: float
    bearing_after: float
    start: float
    pieces: list[_Piece]
    exit: int | None = None

    @property
    def length(self) -> float:
        return sum(p.end - p.start for p in self.pieces)

    @property
    def identity(self) -> tuple[str, ...]:
        return self.pieces[-1].stretch.identity


def steps_from_stretches(
    graph: nx.MultiDiGraph,
    leg: Leg,
    stretches: Sequence[Stretch],
    *,
    destination: tuple[float, float] | None = None,
) -> tuple[Step, ...]:
    """Turn a leg's stretches into maneuvers (see the module notes for the rules).

    Parameters
    ----------
    graph
        The graph the leg was routed on (junctions: does a node offer another way?).
    leg
        The leg (its geometry gives the bearings).
    stretches
        From :func:`leg_stretches`.
    destination
        The place walked to (lon, lat), for the side of the ``arrive`` step.

    Returns
    -------
    tuple of Step
        ``depart`` first, ``arrive`` last; the distances sum to the leg's length.
    """
    track = _Track(leg.geometry)
    if not stretches or track.length <= 0:
        here = track.lonlat(0.0)
        return (
            Step("depart", None, 0.0, 0.0, leg.distance_m, tuple(stretches), here),
            Step("arrive", "straight", 0.0, 0.0, 0.0, (), here),
        )
    pieces = _pieces(graph, leg, stretches)
    first = pieces[0]
    drafts = [_Draft("depart", None, 0.0, first.bearing_in, first.start, [first])]
    for prev, piece in itertools.pairwise(pieces):
        current = drafts[-1]
        modifier = modifier_for(piece.bearing_in - prev.bearing_out)
        same = piece.stretch.identity == current.identity
        if prev.stretch.roundabout and piece.stretch.roundabout:
            current.pieces.append(piece)
            if piece.choice and current.exit is not None:
                current.exit += 1
            continue
        if piece.stretch.roundabout:
            drafts.append(
                _Draft("roundabout", None, prev.bearing_out, piece.bearing_in, piece.start,
                       [piece], exit=0)
            )  # fmt: skip
            continue
        if current.maneuver == "roundabout" and current.pieces[-1].stretch.roundabout:
            current.exit = (current.exit or 0) + 1
            current.modifier = modifier_for(piece.bearing_in - current.bearing_before)
            current.bearing_after = piece.bearing_in
            current.pieces.append(piece)
            continue
        named = (current.pieces[-1].stretch.named, piece.stretch.named)
        if modifier == "uturn":  # always said, even where there is no other way
            kind: ManeuverType = "continue" if same else "turn"
        elif same:
            if modifier in _NO_TURN or not piece.choice:
                current.pieces.append(piece)
                continue
            kind = "continue"
        elif modifier == "straight":
            if not all(named):  # an unnamed way changing kind: nothing to say
                current.pieces.append(piece)
                continue
            kind = "new name"
        elif not piece.choice and not any(named) and current.length >= JOG_M:
            current.pieces.append(piece)  # an unnamed way bending where it is the only way
            continue
        else:
            kind = "turn"
        drafts.append(
            _Draft(kind, modifier, prev.bearing_out, piece.bearing_in, piece.start, [piece])
        )
    drafts = _absorb_short(drafts)
    steps = [
        Step(
            maneuver=d.maneuver,
            modifier=d.modifier,
            bearing_before=round(d.bearing_before, 1),
            bearing_after=round(d.bearing_after, 1),
            distance_m=0.0,
            stretches=tuple(p.stretch for p in d.pieces),
            location=track.lonlat(d.start),
            exit=d.exit if d.maneuver == "roundabout" else None,
        )
        for d in drafts
    ]
    # distances from the stretches (the graph's lengths), so they sum to the leg's
    steps = [replace(s, distance_m=sum(x.distance_m for x in s.stretches)) for s in steps]
    for i in range(1, len(steps)):  # a turn back onto the street just walked stays on it
        way, before = steps[i].way, steps[i - 1].way
        if steps[i].maneuver == "turn" and way and before and way.identity == before.identity:
            steps[i] = replace(steps[i], maneuver="continue")
    last = pieces[-1]
    steps.append(
        Step(
            "arrive",
            _side(track, destination),
            round(last.bearing_out, 1),
            0.0,
            0.0,
            (),
            track.lonlat(track.length),
        )
    )
    return tuple(steps)


def _is_jog(short: _Draft, following: _Draft) -> bool:
    """Whether ``short`` is too short to be its own step before ``following``.

    Under :data:`MIN_STEP_M` always; under :data:`JOG_M` when the two turns
    cancel out (a sidestep across a street or along a park path).
    """
    if short.length < MIN_STEP_M:
        return True
    if short.maneuver == "depart" or short.length >= JOG_M:
        return False
    return modifier_for(following.bearing_after - short.bearing_before) in _NO_TURN


def _absorb_short(drafts: list[_Draft]) -> list[_Draft]:
    """Merge steps under :data:`MIN_STEP_M` into their neighbours.

    A short straight step joins the step before it; a short step at the start
    (a site by a corner) becomes part of the departure; a short turn followed
    by another turn (a jog across a street, a crossing) becomes one maneuver
    from the bearing before the first to the bearing after the second, which
    disappears when the two cancel out on an unnamed way or the same street.
    """
    out: list[_Draft] = []
    for draft in drafts:
        if out and draft.maneuver == "new name" and draft.length < MIN_STEP_M:
            out[-1].pieces.extend(draft.pieces)
            continue
        if out and _is_jog(out[-1], draft):
            short = out[-1]
            if short.maneuver == "depart":  # leaving a site at a corner: just head off
                out.pop()
                draft.pieces[:0] = short.pieces
                draft.start = short.start
                draft.maneuver, draft.modifier, draft.bearing_before = "depart", None, 0.0
                draft.exit = None
            elif short.maneuver in {"turn", "continue", "new name"} and len(out) >= 2:
                out.pop()
                draft.pieces[:0] = short.pieces
                draft.start = short.start
                draft.bearing_before = short.bearing_before
                if draft.maneuver != "roundabout":
                    draft.modifier = modifier_for(draft.bearing_after - draft.bearing_before)
                    before = out[-1]
                    if draft.modifier == "straight":
                        if draft.identity == before.identity or not (
                            draft.pieces[-1].stretch.named and before.pieces[-1].stretch.named
                        ):
                            before.pieces.extend(draft.pieces)
                            continue
                        draft.maneuver = "new name"
                    else:
                        same = draft.identity == before.identity
                        draft.maneuver = "continue" if same else "turn"
        out.append(draft)
    # a short last turn just before arriving is part of the arrival walk
    if len(out) >= 2 and out[-1].length < MIN_STEP_M and out[-1].maneuver != "roundabout":
        last = out.pop()
        out[-1].pieces.extend(last.pieces)
    return out


def leg_directions(
    graph: nx.MultiDiGraph,
    leg: Leg,
    *,
    destination: tuple[float, float] | None = None,
    areas: Sequence[NamedArea] = (),
) -> tuple[Step, ...]:
    """Return the turn-by-turn directions of ``leg``.

    Parameters
    ----------
    graph
        The graph the leg was routed on.
    leg
        The leg.
    destination
        The place walked to (lon, lat), for the side of arrival.
    areas
        Named parks and squares, to describe unnamed ways in them.

    Returns
    -------
    tuple of Step
        ``depart`` ... ``arrive``; the distances sum to ``leg.distance_m``.
    """
    return steps_from_stretches(
        graph, leg, leg_stretches(graph, leg, areas=areas), destination=destination
    )


def tour_directions(
    graph: nx.MultiDiGraph,
    legs: Sequence[Leg],
    *,
    destinations: Sequence[tuple[float, float] | None] | None = None,
    areas: Sequence[NamedArea] = (),
) -> list[tuple[Step, ...]]:
    """Return the directions of every leg, in order.

    Parameters
    ----------
    graph
        The graph the legs were routed on.
    legs
        The legs (e.g. ``tour.legs``).
    destinations
        The place each leg walks to (e.g. the stops' positions), for the side
        of arrival.
    areas
        Named parks and squares.

    Returns
    -------
    list of tuple of Step
        One entry per leg.
    """
    ends = list(destinations) if destinations is not None else [None] * len(legs)
    return [
        leg_directions(graph, leg, destination=end, areas=areas)
        for leg, end in zip(legs, ends, strict=True)
    ]


def leg_destinations(tour: Tour) -> list[Stop]:
    """Return the stop each of ``tour.legs`` walks to, in order."""
    return [day.stops[i + 1] for day in tour.days for i in range(len(day.legs))]


def merge_stretches(stretches: Iterable[Stretch]) -> tuple[Stretch, ...]:
    """Merge consecutive stretches of the same way (and drop empty ones).

    Parameters
    ----------
    stretches
        Stretches in walking order.

    Returns
    -------
    tuple of Stretch
        Merged, distances added.
    """
    merged: list[Stretch] = []
    for stretch in stretches:
        if stretch.distance_m <= 0:
            continue
        if merged and (merged[-1].identity, merged[-1].highway) == (
            stretch.identity,
            stretch.highway,
        ):
            merged[-1] = replace(merged[-1], distance_m=merged[-1].distance_m + stretch.distance_m)
        else:
            merged.append(stretch)
    return tuple(merged)


def narrate(
    steps: Sequence[Step], *, destination: str | None = None, language: Language = "en"
) -> list[str]:
    """Return one sentence per step ("After 80 m, turn left onto Postikatu").

    Parameters
    ----------
    steps
        From :func:`leg_directions`.
    destination
        What is arrived at (a stop's name).
    language
        Which street names to use.

    Returns
    -------
    list of str
        Plain text (escape it for HTML).
    """
    out: list[str] = []
    previous: Step | None = None
    for step in steps:
        label = step.label(language)
        lead = f"After {round_distance(previous.distance_m)}, " if previous is not None else ""
        if step.maneuver == "depart":
            text = f"Head {bearing_name(step.bearing_after)} on {label}" if label else "Set off"
        elif step.maneuver == "arrive":
            place = destination or "your destination"
            side = f", on the {step.modifier}" if step.modifier in {"left", "right"} else ""
            text = f"{lead}arrive at {place}{side}"
        elif step.maneuver == "roundabout":
            nth = _ordinal(step.exit or 1)
            text = f"{lead}at the roundabout take the {nth} exit onto {label}"
        elif step.maneuver == "new name":
            text = f"{lead}continue onto {label}"
        else:
            modifier = step.modifier or "straight"
            if modifier == "uturn":
                verb = "turn back"
            elif modifier == "straight":
                verb = "go straight on"
            else:
                verb = f"turn {modifier}"
            word = "to stay on" if step.maneuver == "continue" else "onto"
            if label.startswith("across "):
                word = "and walk"
            if step.crosses:
                text = f"{lead}{verb}, cross the street and continue on {label}"
            else:
                text = f"{lead}{verb} {word} {label}"
        out.append(text[:1].upper() + text[1:])
        previous = step
    return out


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def main_road_share(graph: nx.MultiDiGraph, legs: Sequence[Leg]) -> float:
    """Return the share of walking distance along main roads (primary/secondary/trunk).

    Parameters
    ----------
    graph
        The graph the legs were routed on.
    legs
        The legs.

    Returns
    -------
    float
        A fraction in [0, 1] (0 for an empty walk).
    """
    total = main = 0.0
    for leg in legs:
        for u, v, key, metres in leg.edges:
            total += metres
            if _first(graph.edges[u, v, key].get("highway")) in MAIN_ROADS:
                main += metres
    return main / total if total > 0 else 0.0
