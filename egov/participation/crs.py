"""Coordinate reference systems of a plan's geometry (pure, no I/O but the PROJ database
shipped inside pyproj).

A planning system gives the Geltungsbereich as GeoJSON; a German one often in its own CRS
(EPSG:25832, ETRS89 / UTM 32N, in Thuringia), named by the GeoJSON 2008 ``crs`` member
(``{"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}}``). Without a
``crs`` member a geometry is EPSG:4326 (RFC 7946). egov keeps the geometry as given and
transforms it on the way out: EPSG:4326 for web maps (RFC 7946: no ``crs`` member), or any
other EPSG CRS, then with the ``crs`` member naming it.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from typing import Any

from pyproj import CRS, Transformer
from pyproj.exceptions import ProjError

WGS84 = "EPSG:4326"
_EPSG = re.compile(
    r"^(?:EPSG:{1,2}|urn:ogc:def:crs:EPSG:[0-9.]*:|https?://www\.opengis\.net/def/crs/EPSG/0/)"
    r"(\d{4,6})$",
    re.IGNORECASE,
)
_CRS84 = {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "CRS84"}
Point = tuple[float, float]


def epsg(name: object) -> str | None:
    """``EPSG:<code>`` for the usual spellings of an EPSG CRS (and CRS84), else None."""
    if not isinstance(name, str):
        return None
    if name.strip() in _CRS84:
        return WGS84
    match = _EPSG.match(name.strip())
    return None if match is None else f"EPSG:{int(match.group(1))}"


def crs_of(geometry: dict[str, Any] | None) -> str | None:
    """The CRS a GeoJSON geometry is given in: its ``crs`` member's, else EPSG:4326; None
    when it names a CRS egov cannot read."""
    member = None if geometry is None else geometry.get("crs")
    if member is None:
        return WGS84
    properties = member.get("properties") if isinstance(member, dict) else None
    return epsg(properties.get("name")) if isinstance(properties, dict) else None


def known(name: str) -> bool:
    """An EPSG CRS that the PROJ database knows, for positions on a map (geographic or
    projected: not a vertical or an engineering one)."""
    try:
        crs = CRS.from_user_input(name)
    except ProjError:
        return False
    return bool(crs.is_geographic or crs.is_projected)


@functools.lru_cache(maxsize=32)
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)  # x east, y north, always


def point_to(point: Point, source: str, target: str) -> Point:
    if source == target:
        return point
    x, y = _transformer(source, target).transform(*point)
    if not (math.isfinite(x) and math.isfinite(y)):
        raise ValueError(f"{point} liegt außerhalb von {target}")
    return float(x), float(y)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _coordinates(value: Any, move: Callable[[Point], Point]) -> Any:
    if isinstance(value, list) and len(value) >= 2 and all(_number(c) for c in value):
        return [*move((float(value[0]), float(value[1]))), *value[2:]]
    if isinstance(value, list):
        return [_coordinates(item, move) for item in value]
    return value


def transform(geometry: dict[str, Any] | None, target: str) -> dict[str, Any] | None:
    """The GeoJSON geometry (or GeometryCollection) in `target`; None when its own CRS is
    unreadable or a coordinate cannot be transformed (the original stays in the case)."""
    source = crs_of(geometry)
    if geometry is None or source is None:
        return None
    try:
        places = 7 if target == WGS84 else 3  # about a centimetre, a millimetre
        moved = _moved(geometry, lambda p: _rounded(point_to(p, source, target), places))
    except (ProjError, ValueError, TypeError, ArithmeticError):
        return None
    if target != WGS84:
        moved["crs"] = {"type": "name", "properties": {"name": _urn(target)}}
    return moved


def _moved(geometry: dict[str, Any], move: Callable[[Point], Point]) -> dict[str, Any]:
    result = {key: value for key, value in geometry.items() if key != "crs"}
    if isinstance(geometry.get("geometries"), list):
        result["geometries"] = [
            _moved(g, move) for g in geometry["geometries"] if isinstance(g, dict)
        ]
    if "coordinates" in geometry:
        result["coordinates"] = _coordinates(geometry["coordinates"], move)
    return result


def _rounded(point: Point, places: int) -> Point:
    return round(point[0], places), round(point[1], places)


def asked(name: str | None) -> str | None:
    """The CRS a reader asks for (None: EPSG:4326) as ``EPSG:<code>``; None when it is no
    EPSG CRS the PROJ database knows."""
    if name is None:
        return WGS84
    found = epsg(name)
    return found if found is not None and known(found) else None


def _urn(name: str) -> str:
    return f"urn:ogc:def:crs:EPSG::{name.split(':', 1)[1]}"
