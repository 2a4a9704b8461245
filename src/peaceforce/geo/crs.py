"""Metric geometry for Ukraine and its neighbours.

Distances in km decide caveats, buffers and coverage, so everything geometric is
projected once into a Lambert azimuthal equal-area CRS centred on Ukraine, where
the scale error stays below about 0.5% within 900 km of the centre; great-circle
(geodesic) distances on WGS84 are used where a pair of points is all we have.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pyproj import CRS, Geod, Transformer
from shapely import transform
from shapely.geometry.base import BaseGeometry

#: Lambert azimuthal equal-area centred on Ukraine; units are metres.
METRIC_CRS = CRS.from_proj4(
    "+proj=laea +lat_0=48.5 +lon_0=31.5 +x_0=0 +y_0=0 +ellps=WGS84 +units=m"
)
LONLAT_CRS = CRS.from_epsg(4326)
_GEOD = Geod(ellps="WGS84")


# One transformer per direction, built on first use (about 15 ms each, too slow for
# import time) and then kept: both CRSs are constants, so each cache holds exactly one
# entry whatever the input, and pyproj (>= 3.1) transformers are safe to share between
# threads.
@lru_cache(maxsize=1)
def _forward() -> Transformer:
    return Transformer.from_crs(LONLAT_CRS, METRIC_CRS, always_xy=True)


@lru_cache(maxsize=1)
def _inverse() -> Transformer:
    return Transformer.from_crs(METRIC_CRS, LONLAT_CRS, always_xy=True)


def _apply(transformer: Transformer, coords: NDArray[np.float64]) -> NDArray[np.float64]:
    x, y = transformer.transform(coords[:, 0], coords[:, 1])
    return np.column_stack([x, y])


def to_metric(geometry: BaseGeometry) -> BaseGeometry:
    """Project a lon/lat geometry into ``METRIC_CRS`` (metres)."""
    return transform(geometry, lambda c: _apply(_forward(), c))


def to_lonlat(geometry: BaseGeometry) -> BaseGeometry:
    """Project a ``METRIC_CRS`` geometry back to lon/lat."""
    return transform(geometry, lambda c: _apply(_inverse(), c))


def lonlat_to_metric(
    lon: ArrayLike, lat: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Project arrays of lon/lat to metric x/y in one vectorised call."""
    x, y = _forward().transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def geodesic_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle (WGS84 geodesic) distance in kilometres."""
    _, _, metres = _GEOD.inv(lon1, lat1, lon2, lat2)
    return float(metres) / 1000.0
