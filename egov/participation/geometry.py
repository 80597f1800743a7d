"""GeoJSON checks of a statement's location (pure): a point (EPSG:4326, RFC 7946), inside the
plan's area when the plan has one (Polygon or MultiPolygon, holes respected), checked in the
area's own CRS (`crs.py`: EPSG:25832 and the like)."""

from __future__ import annotations

import math
from typing import Any

from pyproj.exceptions import ProjError

from egov.participation.crs import WGS84, crs_of, point_to

Ring = list[list[float]]


def point_of(value: Any) -> tuple[float, float] | None:
    """(lon, lat) of a GeoJSON Point with finite coordinates in range, else None."""
    if not isinstance(value, dict) or value.get("type") != "Point":
        return None
    coordinates = value.get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) not in (2, 3):
        return None
    if not all(isinstance(c, int | float) and math.isfinite(c) for c in coordinates):
        return None
    lon, lat = float(coordinates[0]), float(coordinates[1])
    return (lon, lat) if -180 <= lon <= 180 and -90 <= lat <= 90 else None


def _in_ring(lon: float, lat: float, ring: Ring) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > lat) != (y2 > lat) and lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _in_polygon(lon: float, lat: float, rings: list[Ring]) -> bool:
    outer, *holes = [[[float(c[0]), float(c[1])] for c in ring] for ring in rings]
    return _in_ring(lon, lat, outer) and not any(_in_ring(lon, lat, hole) for hole in holes)


def inside(point: tuple[float, float], area: dict[str, Any] | None) -> bool:
    """True when there is no area to check against, or the point lies in it."""
    if area is None or area.get("type") not in ("Polygon", "MultiPolygon"):
        return True
    crs = crs_of(area)
    if crs is None:  # a CRS egov cannot read checks nothing
        return True
    try:
        where = point_to(point, WGS84, crs)
    except (ProjError, ValueError):
        return False
    polygons = area["coordinates"] if area["type"] == "MultiPolygon" else [area["coordinates"]]
    try:
        return any(_in_polygon(*where, polygon) for polygon in polygons if polygon)
    except (TypeError, ValueError, IndexError):  # a malformed area checks nothing
        return True
