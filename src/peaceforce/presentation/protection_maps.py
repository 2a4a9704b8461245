"""Maps of coverage and threat: GeoJSON layers for the web page, PNG and SVG for briefings.

Every shape is built in ``METRIC_CRS`` (engagement rings are true circles of
each system's defended radius against every threat class of the mission's mix,
threat bands are buffers of the line in km) and turned back
into lon/lat, so the layers are plain GeoJSON. The pictures are drawn from the
same layers with matplotlib's object API (no pyplot state), in lon/lat with the
aspect of Ukraine's mid-latitude. :func:`write_maps` projects the scenario's
geometry and simplifies the Natural Earth background once for all the results
it draws.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely import ops, wkt
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from peaceforce.geo.crs import lonlat_to_metric, to_lonlat, to_metric
from peaceforce.geo.frontline import natural_earth_land, natural_earth_ukraine
from peaceforce.outputs import write_atomic
from peaceforce.presentation.figures import HERE, Drawing, FigurePool
from peaceforce.protection.data import ProtectionData
from peaceforce.protection.geometry import Frontier
from peaceforce.protection.result import AssetKind, ProtectionResult
from peaceforce.scenario.model import Scenario
from peaceforce.scenario.names import IDS, Names

#: Map extent (lon/lat): Ukraine and the host-nation border regions.
EXTENT = (21.0, 43.5, 41.0, 53.0)
#: Threat bands wider than this are not drawn: they cover the whole map anyway.
_MAX_BAND_KM = 600.0
#: Simplification of drawn shapes, metres (far below what a map shows).
_SIMPLIFY_M = 500.0
_SIMPLIFY_DEG = 0.01

Layers = dict[str, dict[str, Any]]


def _feature(geometry: BaseGeometry, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": mapping(geometry), "properties": properties}


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def _circle(lon: float, lat: float, radius_km: float) -> BaseGeometry:
    x, y = lonlat_to_metric([lon], [lat])
    return to_lonlat(shapely.Point(float(x[0]), float(y[0])).buffer(radius_km * 1000.0, 64))


def coverage_rings(result: ProtectionResult) -> dict[str, Any]:
    """One engagement ring per placement and threat class of the mission's mix (true circles)."""
    sites = {s.id: s for s in result.coverage.sites}
    return _collection(
        [
            _feature(
                _circle(sites[p.site_id].lon, sites[p.site_id].lat, p.radius_km(c.threat)),
                placement=p.id,
                unit_type=p.unit_type,
                nation=p.nation,
                threat=c.threat.value,
                share=c.share,
                radius_km=p.radius_km(c.threat),
            )
            for p in result.coverage.placements
            for c in result.coverage.by_threat
            if c.share > 0 and p.radius_km(c.threat) > 0
        ]
    )


def map_layers(
    result: ProtectionResult,
    scenario: Scenario,
    data: ProtectionData,
    frontier: Frontier,
    names: Names = IDS,
) -> Layers:
    """Every layer of the coverage and threat maps, as GeoJSON FeatureCollections.

    ``frontier`` is ``Frontier.of(scenario, data)``, built once by the caller. Features
    keep their ids and carry display names (``name``; ``unit_name`` of a placed unit).
    """
    sites = {s.id: s for s in result.coverage.sites}
    placements = result.coverage.placements
    layers: Layers = {
        "line_of_contact": _collection(
            [_feature(wkt.loads(scenario.line_of_contact.geometry_wkt), name="line of contact")]
        ),
        "occupied": _collection(
            [_feature(wkt.loads(data.occupied_territory.geometry_wkt), name="occupied territory")]
            if data.occupied_territory
            else []
        ),
        "ad_sites": _collection(
            [
                _feature(
                    shapely.Point(sites[p.site_id].lon, sites[p.site_id].lat),
                    **p.model_dump(mode="json", exclude={"covered_assets", "radii"}),
                    **{f"radius_km_{r.threat.value}": r.km for r in p.radii},
                    site_name=sites[p.site_id].name,
                    unit_name=_unit_name(p.nation, p.unit_type, names),
                    name=f"{_unit_name(p.nation, p.unit_type, names)} at {sites[p.site_id].name}",
                )
                for p in placements
            ]
        ),
        "ad_coverage": coverage_rings(result),
        "assets": _collection(
            [
                _feature(
                    shapely.Point(a.lon, a.lat),
                    id=a.id,
                    name=a.name,
                    kind=a.kind.value,
                    value=a.value,
                    weight=round(a.weight, 3),
                    covered=a.covered,
                    covered_by=list(a.covered_by),
                    covered_against=[t.value for t in a.covered_against],
                )
                for a in result.coverage.assets
            ]
        ),
        "positions": _collection(
            [
                _feature(shapely.Point(p.lon, p.lat), **p.model_dump(mode="json"))
                for p in result.threat.positions
            ]
        ),
        "cap_stations": _collection(
            [
                _feature(
                    shapely.Point(c.lon, c.lat),
                    id=c.id,
                    name=c.name,
                    sustained=c.sustained,
                    squadrons=list(c.squadrons),
                    bases=[b.base_id for b in c.bases],
                )
                for c in result.presence.cap_stations
            ]
        ),
    }
    free = frontier.free_land
    origins = shapely.union_all([frontier.line, *(g for _, g in frontier.origins)])
    layers["threat_bands"] = _collection(
        [
            _feature(
                to_lonlat(
                    origins.buffer(c.reach_km * 1000.0).intersection(free).simplify(_SIMPLIFY_M)
                ),
                id=c.id,
                name=c.name,
                reach_km=c.reach_km,
                severity=c.severity,
            )
            for c in sorted(result.threat.classes, key=lambda c: -c.reach_km)
            if c.reach_km <= _MAX_BAND_KM
        ]
    )
    corridor = result.presence.corridor
    if data.corridor is not None and corridor is not None:
        route = to_metric(wkt.loads(data.corridor.route_wkt))
        swept = ops.substring(route, 0.0, corridor.swept_km * 1000.0)
        layers["corridor"] = _collection(
            [
                _feature(to_lonlat(route), part="route", route_km=corridor.route_km),
                *(
                    [_feature(to_lonlat(swept), part="swept", swept_km=corridor.swept_km)]
                    if corridor.swept_km > 0
                    else []
                ),
            ]
        )
    return layers


def _unit_name(nation: str, unit_type: str, names: Names) -> str:
    return f"{names.nation(nation)} {names.unit_type(unit_type)}"


class MapLayers:
    """Each result's map layers, made once: the maps, the layer files and KML share them."""

    def __init__(self, scenario: Scenario, data: ProtectionData) -> None:
        self._scenario = scenario
        self._data = data
        self.names = Names.of(scenario, data)
        self._frontier: Frontier | None = None
        self._made: dict[str, Layers] = {}

    def __call__(self, result: ProtectionResult) -> Layers:
        """The result's layers (:func:`map_layers`)."""
        key = map_stem(result)
        if key not in self._made:
            if self._frontier is None:
                self._frontier = Frontier.of(self._scenario, self._data)
            self._made[key] = map_layers(
                result, self._scenario, self._data, self._frontier, self.names
            )
        return self._made[key]


def map_stem(result: ProtectionResult) -> str:
    """The file stem of a result's maps and layers: ``protection-<mission>-<framework>``."""
    return f"protection-{result.mission_id}-{result.framework_id}"


# --- pictures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Basemap:
    """Land and Ukraine within the map, simplified to about a kilometre (drawing only)."""

    land: BaseGeometry
    ukraine: BaseGeometry

    @classmethod
    def natural_earth(cls) -> Basemap:
        """Cut and simplify Natural Earth 1:10m (some tens of ms: once per batch of maps)."""
        return cls(
            land=natural_earth_land().intersection(shapely.box(*EXTENT)).simplify(_SIMPLIFY_DEG),
            ukraine=natural_earth_ukraine().simplify(_SIMPLIFY_DEG),
        )


@functools.cache
def _basemap() -> Basemap:
    """The basemap, made once per process (each drawing worker makes its own)."""
    return Basemap.natural_earth()


def _axes(title: str) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    basemap = _basemap()
    figure = Figure(figsize=(11, 7.5), layout="constrained")
    axes = figure.add_subplot()
    west, south, east, north = EXTENT
    axes.set_xlim(west, east)
    axes.set_ylim(south, north)
    axes.set_aspect(1.0 / math.cos(math.radians((south + north) / 2)))
    axes.set_facecolor("#dfeaf2")
    _draw(axes, basemap.land, facecolor="#f4f1ea", edgecolor="#b0a89a", linewidth=0.4)
    _draw(axes, basemap.ukraine, facecolor="#fbfaf5", edgecolor="#555555", linewidth=0.8)
    axes.set_title(title, fontsize=11)
    axes.set_xlabel("longitude")
    axes.set_ylabel("latitude")
    return figure, axes


def _draw(axes: Any, geometry: BaseGeometry | dict[str, Any], **style: Any) -> None:
    """Draw polygons (filled) and lines of a shapely geometry or GeoJSON geometry."""
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    shape = shapely.geometry.shape(geometry) if isinstance(geometry, dict) else geometry
    for part in shapely.get_parts(shape):
        if part.geom_type == "Polygon":
            rings = [part.exterior, *part.interiors]
            vertices = [xy for ring in rings for xy in ring.coords]
            codes = [
                code
                for ring in rings
                for code in [MplPath.MOVETO] + [MplPath.LINETO] * (len(ring.coords) - 1)
            ]
            axes.add_patch(PathPatch(MplPath(vertices, codes), **style))
        elif part.geom_type in {"LineString", "LinearRing"}:
            xs, ys = part.xy
            axes.plot(
                xs, ys, color=style.get("edgecolor", "black"), linewidth=style.get("linewidth", 1)
            )
        elif part.geom_type in {"MultiPolygon", "MultiLineString", "GeometryCollection"}:
            _draw(axes, part, **style)


def _context(axes: Any, layers: Layers) -> None:
    for feature in layers["occupied"]["features"]:
        _draw(axes, feature["geometry"], facecolor="#e8c4c4", edgecolor="none", alpha=0.8)
    for feature in layers["line_of_contact"]["features"]:
        _draw(axes, feature["geometry"], edgecolor="#b00000", linewidth=1.6)


#: Line style of an engagement ring per threat class (the fill is the unit type's colour).
_THREAT_LINES = {
    "aircraft": "-.",
    "drone": "-",
    "cruise_missile": "--",
    "ballistic_missile": ":",
}
_UNIT_COLOURS = ("#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")


def draw_coverage_map(result: ProtectionResult, layers: Layers, names: Names = IDS) -> Any:
    """Engagement rings, defended and undefended assets, the line and the occupied area."""
    totals = result.coverage.totals
    mix = ", ".join(
        f"{c.threat.value.replace('_', ' ')} {100 * c.share:.0f}%"
        for c in sorted(result.coverage.by_threat, key=lambda c: -c.share)
        if c.share > 0
    )
    figure, axes = _axes(
        f"Air-defence coverage — {_under(result, names)}\n"
        f"{totals.population_covered / 1e6:.1f} of {totals.population / 1e6:.1f} M people, "
        f"{totals.mw_covered:,.0f} of {totals.mw:,.0f} MW against the threat mix ({mix})",
    )
    _context(axes, layers)
    types = sorted({f["properties"]["unit_type"] for f in layers["ad_coverage"]["features"]})
    colour = {t: _UNIT_COLOURS[i % len(_UNIT_COLOURS)] for i, t in enumerate(types)}
    threats = [
        t
        for t in _THREAT_LINES
        if any(f["properties"]["threat"] == t for f in layers["ad_coverage"]["features"])
    ]
    for feature in layers["ad_coverage"]["features"]:
        c = colour[feature["properties"]["unit_type"]]
        _draw(
            axes,
            feature["geometry"],
            facecolor=c,
            edgecolor=c,
            alpha=0.12,
            linewidth=1.0,
            linestyle=_THREAT_LINES[feature["properties"]["threat"]],
        )
    for threat in threats:
        axes.plot(
            [],
            [],
            color="black",
            linewidth=1.0,
            linestyle=_THREAT_LINES[threat],
            label=f"ring against {threat.replace('_', ' ')}",
        )
    markers = {
        AssetKind.CITY.value: "o",
        AssetKind.ENERGY.value: "^",
        AssetKind.PORT.value: "s",
        AssetKind.FORCE_BASE.value: "*",
    }
    for kind, marker in markers.items():
        for covered in (False, True):
            points = [
                f
                for f in layers["assets"]["features"]
                if f["properties"]["kind"] == kind and f["properties"]["covered"] is covered
            ]
            if not points:
                continue
            sizes = [
                8 + 60 * math.sqrt(f["properties"]["value"] / 3e6) if kind == "city" else 40
                for f in points
            ]
            axes.scatter(
                [f["geometry"]["coordinates"][0] for f in points],
                [f["geometry"]["coordinates"][1] for f in points],
                s=sizes,
                marker=marker,
                c="#1a7f37" if covered else "#9a9a9a",
                edgecolors="black",
                linewidths=0.3,
                zorder=3,
                label=f"{kind} ({'defended' if covered else 'not defended'})",
            )
    for feature in layers["ad_sites"]["features"]:
        x, y = feature["geometry"]["coordinates"]
        p = feature["properties"]
        axes.scatter(
            [x], [y], marker="D", s=45, c=colour[p["unit_type"]], edgecolors="black", zorder=4
        )
        axes.annotate(
            p["unit_name"],
            (x, y),
            fontsize=6,
            xytext=(4, 3),
            textcoords="offset points",
        )
    axes.legend(loc="lower left", fontsize=7, framealpha=0.9)
    return figure


def draw_threat_map(result: ProtectionResult, layers: Layers, names: Names = IDS) -> Any:
    """Threat bands by class and every position coloured by its risk score."""
    from matplotlib import colormaps

    figure, axes = _axes(
        f"Threat — {_under(result, names)}\nreach of each class past "
        "the line of contact and Russia's border; positions by risk (0-100)",
    )
    bands = layers["threat_bands"]["features"]
    shades = colormaps["OrRd"]
    for i, feature in enumerate(bands):
        _draw(
            axes,
            feature["geometry"],
            facecolor=shades(0.25 + 0.6 * (i + 1) / max(1, len(bands))),
            edgecolor="none",
            alpha=0.55,
        )
    _context(axes, layers)
    positions = layers["positions"]["features"]
    scatter = axes.scatter(
        [f["geometry"]["coordinates"][0] for f in positions],
        [f["geometry"]["coordinates"][1] for f in positions],
        c=[f["properties"]["risk"] for f in positions],
        cmap="RdYlGn_r",
        vmin=0,
        vmax=100,
        s=28,
        edgecolors="black",
        linewidths=0.3,
        zorder=4,
    )
    figure.colorbar(scatter, ax=axes, label="risk score", shrink=0.6)
    for feature in positions:
        if feature["properties"]["kind"] == "area":
            x, y = feature["geometry"]["coordinates"]
            axes.annotate(
                feature["properties"]["name"],
                (x, y),
                fontsize=6,
                xytext=(4, 3),
                textcoords="offset points",
            )
    labels = ", ".join(
        f"{f['properties']['name'].split(' (')[0]} {f['properties']['reach_km']:g} km"
        for f in bands
    )
    axes.text(0.01, 0.99, labels, transform=axes.transAxes, fontsize=7, va="top", wrap=True)
    return figure


def _under(result: ProtectionResult, names: Names) -> str:
    return f"{names.mission(result.mission_id)},\nunder {names.framework(result.framework_id)}"


def protection_drawings(
    result: ProtectionResult, layers: Layers, names: Names = IDS
) -> list[Drawing]:
    """The result's coverage and threat maps, drawn from its layers."""
    stem = map_stem(result)
    return [
        Drawing(f"{stem}-{name}", draw, (result, layers, names), {"dpi": 130})
        for name, draw in (("coverage", draw_coverage_map), ("threat", draw_threat_map))
    ]


def write_maps(
    results: Sequence[ProtectionResult],
    scenario: Scenario,
    data: ProtectionData,
    folder: Path,
    *,
    figures: FigurePool = HERE,
    layers: MapLayers | None = None,
) -> tuple[Path, ...]:
    """Write each result's coverage and threat maps (PNG, SVG) and map layers (JSON).

    The maps come from ``figures`` when they were submitted there; otherwise they
    are drawn now. ``layers`` shares layers already made for the same results.
    """
    layers_of = layers or MapLayers(scenario, data)
    written = []
    for result in results:
        for drawing in protection_drawings(result, layers_of(result), layers_of.names):
            written += figures.write(drawing, folder)
        path = folder / f"{map_stem(result)}-layers.json"
        write_atomic(path, json.dumps(layers_of(result)))
        written.append(path)
    return tuple(written)
