"""An agreement's zones on a Natural Earth basemap, with towns and a legend.

One drawing serves the daily report's map (which adds the day's violations) and
the briefing pack's agreement map, so both show the buffer, the withdrawal
lines and the protected sites the same way.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Literal

import shapely
from shapely.geometry.base import BaseGeometry

from peaceforce.geo.crs import to_lonlat
from peaceforce.monitoring.agreement import CompiledZones, ZoneKind
from peaceforce.sources.cities import City

#: How each kind of zone is drawn: (colour, line style, fill alpha, legend label).
_ZONE_STYLES: dict[ZoneKind, tuple[str, Literal["-", "--", ":"], float, str]] = {
    ZoneKind.BUFFER: ("#e69f00", "-", 0.25, "demilitarised buffer"),
    ZoneKind.WITHDRAWAL: ("#6a3d9a", "--", 0.0, "withdrawal lines"),
    ZoneKind.MARITIME: ("#1f78b4", ":", 0.0, "maritime zone"),
    ZoneKind.SITE: ("#1f5fa8", "-", 0.15, "protected site and radius"),
}
_LINE = "#b00020"
_OCCUPIED = "#f3c5c5"
#: Towns named on a map, largest first.
_TOWNS = 25
#: A town closer than this (degrees, 15-22 km here) to a larger one already named is left
#: out: GeoNames lists city districts (Poltava's Kyivskyi, Kremenchuk's Avtozavodskyi) as
#: towns of their own, and their labels would sit on top of the city's.
_TOWN_SPACING_DEG = 0.2


def draw(axes: Any, geometry: BaseGeometry, **style: Any) -> None:
    """Polygons filled, lines stroked, collections part by part (lon/lat)."""
    for part in shapely.get_parts(geometry):
        if part.geom_type == "Polygon":
            axes.fill(*part.exterior.xy, **style)
        elif part.geom_type == "LineString":
            axes.plot(*part.xy, **style)
        elif hasattr(part, "geoms"):
            draw(axes, part, **style)


def frame_of(zones: CompiledZones, points: Iterable[tuple[float, float]] = ()) -> BaseGeometry:
    """A lon/lat box around the line (and ``points``), padded by 15 %."""
    line = to_lonlat(zones.line)
    west, south, east, north = shapely.union_all([line, *(shapely.Point(p) for p in points)]).bounds
    pad = max(east - west, north - south, 1.0) * 0.15
    return shapely.box(west - pad, south - pad, east + pad, north + pad)


def draw_agreement(axes: Any, zones: CompiledZones, frame: BaseGeometry) -> list[Any]:
    """Basemap (sea, land, Ukraine's border), occupied area, each kind of zone, the line,
    the largest towns by name and the protected sites; returns the legend's handles."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from peaceforce.geo.frontline import natural_earth_land, natural_earth_ukraine
    from peaceforce.sources.cities import ukrainian_cities

    axes.set_facecolor("#dcebf5")  # sea
    draw(axes, natural_earth_land().intersection(frame), color="#f4f1ea", linewidth=0)
    draw(axes, natural_earth_ukraine().boundary.intersection(frame), color="#555", linewidth=0.6)
    draw(axes, to_lonlat(zones.occupied).intersection(frame), color=_OCCUPIED, linewidth=0)
    handles: list[Any] = [Line2D([], [], color=_LINE, linewidth=1.5, label="line of contact")]
    if not zones.occupied.is_empty:  # a legend names only what the map shows
        handles.append(Patch(color=_OCCUPIED, label="occupied area"))
    for kind, (colour, style, alpha, label) in _ZONE_STYLES.items():
        shown = [z.geometry for z in zones.zones if z.kind is kind]
        if not shown:
            continue
        area = to_lonlat(shapely.union_all(shown)).intersection(frame)
        if alpha:
            draw(axes, area, color=colour, alpha=alpha, linewidth=0)
        draw(axes, area.boundary, color=colour, linestyle=style, linewidth=0.7)
        handles.append(
            Patch(facecolor=colour, alpha=max(alpha, 0.4), edgecolor=colour, label=label)
            if alpha
            else Line2D([], [], color=colour, linestyle=style, linewidth=0.7, label=label)
        )
    draw(axes, to_lonlat(zones.line), color=_LINE, linewidth=1.5)
    towns = _spaced_towns(
        c for c in ukrainian_cities() if frame.contains(shapely.Point(c.lon, c.lat))
    )
    axes.scatter([c.lon for c in towns], [c.lat for c in towns], s=6, c="#333", zorder=3)
    for town in towns:
        axes.annotate(town.name, (town.lon, town.lat), fontsize=6, xytext=(2, 2),
                      textcoords="offset points")  # fmt: skip
    handles.append(
        Line2D([], [], marker="o", color="#333", markersize=3, linestyle="", label="town")
    )
    if zones.sites:
        axes.scatter(
            [s.lon for s in zones.sites],
            [s.lat for s in zones.sites],
            marker="^",
            s=18,
            c="#1f5fa8",
            zorder=4,
        )
    west, south, east, north = frame.bounds
    axes.set_xlim(west, east)
    axes.set_ylim(south, north)
    axes.set_aspect(1 / max(math.cos(math.radians((south + north) / 2)), 0.2))
    axes.set_xlabel("longitude")
    axes.set_ylabel("latitude")
    return handles


def _spaced_towns(by_size: Iterable[City]) -> list[City]:
    """The largest towns, each at least :data:`_TOWN_SPACING_DEG` from a larger one kept."""
    kept: list[City] = []
    for town in by_size:
        if all(
            math.hypot(town.lon - other.lon, town.lat - other.lat) >= _TOWN_SPACING_DEG
            for other in kept
        ):
            kept.append(town)
            if len(kept) == _TOWNS:
                break
    return kept


def draw_agreement_map(zones: CompiledZones) -> Any:
    """The agreement's zones alone, as the briefing pack shows them (a matplotlib figure)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 6.5), layout="constrained")
    axes = figure.subplots()
    handles = draw_agreement(axes, zones, frame_of(zones))
    as_of = f", line of {zones.as_of:%Y-%m-%d}" if zones.as_of else ""
    axes.set_title(f"{zones.agreement.name}{as_of}", fontsize=9)
    place_legend(axes, handles)
    return figure


def place_legend(axes: Any, handles: list[Any]) -> None:
    """The legend beside the map, not on it: inside, it hid the line's southern end."""
    axes.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
