"""STAC items for SAFE products, and the STAC API search semantics over them.

Items carry the properties Copernicus's STAC catalogue gives Sentinel-1 GRD
products (``platform``, ``start_datetime``, ``sat:*``, ``sar:*``) plus a
storage field (``storage:tier``: online, offline or staging) that the eodag
provider config maps to ``order:status``.

Searches follow the STAC API item search: ``collections``, ``ids``, ``bbox``
or ``intersects``, ``datetime`` (an instant or an interval, open ends as
``..``), ``limit``, ``token`` (paging), the ``query`` extension and ``sortby``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import urlencode

from shapely.geometry import box, mapping, shape
from shapely.geometry.base import BaseGeometry

from s1ops.errors import StacRequestError
from s1ops.sentinel1.safe import SafeProduct

COLLECTION_ID = "sentinel-1-grd"
STORAGE_FIELD = "storage:tier"
STORAGE_STATES = ("online", "offline", "staging")
DEFAULT_LIMIT = 10
MAX_LIMIT = 1000  # STAC APIs cap page sizes; Copernicus's is in this range

_STAC_VERSION = "1.0.0"
_EXTENSIONS = (
    "https://stac-extensions.github.io/sat/v1.0.0/schema.json",
    "https://stac-extensions.github.io/sar/v1.0.0/schema.json",
    "https://stac-extensions.github.io/processing/v1.1.0/schema.json",
)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def item_from_safe(
    product: SafeProduct, base_url: str, storage: str, collection: str = COLLECTION_ID
) -> dict[str, Any]:
    """The STAC item of ``product`` served at ``base_url``, in storage state ``storage``."""
    pid = product.product_id
    name = pid.format()
    item_url = f"{base_url}/collections/{collection}/items/{name}"
    properties = {
        "datetime": _iso(product.start),
        "start_datetime": _iso(product.start),
        "end_datetime": _iso(product.stop),
        "platform": f"sentinel-1{pid.unit[-1].lower()}",
        "constellation": "sentinel-1",
        "instruments": ["c-sar"],
        "sat:orbit_state": product.orbit_pass.lower(),
        "sat:relative_orbit": product.relative_orbit,
        "sat:absolute_orbit": product.absolute_orbit,
        "sar:instrument_mode": pid.mode,
        "sar:product_type": pid.product_type,
        "sar:polarizations": [p.upper() for p in product.polarisations],
        "sar:frequency_band": "C",
        "processing:level": f"L{pid.level}",
        "processing:version": product.ipf_version,
        STORAGE_FIELD: storage,
    }
    geometry = mapping(product.footprint)
    return {
        "type": "Feature",
        "stac_version": _STAC_VERSION,
        "stac_extensions": list(_EXTENSIONS),
        "id": name,
        "collection": collection,
        "geometry": json.loads(json.dumps(geometry)),  # tuples -> lists
        "bbox": list(product.footprint.bounds),
        "properties": properties,
        "assets": {
            "product": {
                "href": f"{base_url}/download/{name}.zip",
                "type": "application/zip",
                "title": "Zipped SAFE product",
                "roles": ["data"],
            }
        },
        "links": [
            {"rel": "self", "href": item_url, "type": "application/geo+json"},
            {"rel": "collection", "href": f"{base_url}/collections/{collection}"},
            {"rel": "parent", "href": f"{base_url}/collections/{collection}"},
            {"rel": "root", "href": f"{base_url}/"},
            {"rel": "order", "href": f"{item_url}/order", "method": "POST"},
        ],
    }


@dataclass(frozen=True)
class SortKey:
    """One ``sortby`` entry."""

    field: str
    descending: bool = False


@dataclass(frozen=True)
class SearchQuery:
    """A parsed STAC item search."""

    collections: tuple[str, ...] | None = None
    ids: tuple[str, ...] | None = None
    geometry: BaseGeometry | None = None
    start: datetime | None = None  # None: open
    end: datetime | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    query: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    sortby: tuple[SortKey, ...] = ()
    body: Mapping[str, Any] | None = None  # the POST body, to build the next link

    def with_collection(self, collection: str) -> SearchQuery:
        """The same search restricted to ``collection`` (``/collections/{id}/items``)."""
        return replace(self, collections=(collection,))


def _parse_time(text: str, parameter: str) -> datetime | None:
    if text in ("", ".."):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise StacRequestError(parameter, text, "expected an RFC 3339 date-time") from exc
    if moment.tzinfo is None:
        raise StacRequestError(parameter, text, "expected a time zone (Z or +hh:mm)")
    return moment


def parse_datetime(text: str) -> tuple[datetime | None, datetime | None]:
    """``'a/b'``, ``'../b'``, ``'a/..'`` or an instant -> (start, end), None for open."""
    if "/" not in text:
        instant = _parse_time(text, "datetime")
        return instant, instant
    first, _, second = text.partition("/")
    start, end = _parse_time(first, "datetime"), _parse_time(second, "datetime")
    if start is not None and end is not None and end < start:
        raise StacRequestError("datetime", text, "the interval ends before it starts")
    return start, end


def _parse_bbox(values: Sequence[Any]) -> BaseGeometry:
    try:
        numbers = [float(v) for v in values]
    except (TypeError, ValueError) as exc:
        raise StacRequestError("bbox", values, "expected 4 or 6 numbers") from exc
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4:
        raise StacRequestError("bbox", values, "expected 4 or 6 numbers")
    return box(*numbers)


def _parse_geometry(value: Any) -> BaseGeometry:
    try:
        geometry = shape(value)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise StacRequestError("intersects", value, "expected a GeoJSON geometry") from exc
    if geometry.is_empty:
        raise StacRequestError("intersects", value, "the geometry is empty")
    return geometry


def _parse_int(value: Any, parameter: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise StacRequestError(parameter, value, "expected an integer") from exc
    if not low <= number <= high:
        raise StacRequestError(parameter, value, f"expected {low}..{high}")
    return number


def _parse_sortby(value: Any) -> tuple[SortKey, ...]:
    if isinstance(value, str):  # GET form: "+datetime,-id"
        keys = [v.strip() for v in value.split(",") if v.strip()]
        return tuple(SortKey(k.lstrip("+-"), k.startswith("-")) for k in keys)
    try:
        return tuple(
            SortKey(str(entry["field"]), str(entry.get("direction", "asc")).lower() == "desc")
            for entry in value
        )
    except (KeyError, TypeError) as exc:
        raise StacRequestError("sortby", value, "expected [{field, direction}, ...]") from exc


def _parse_query(value: Any) -> dict[str, dict[str, Any]]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise StacRequestError("query", value, "expected a JSON object") from exc
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise StacRequestError("query", value, 'expected {"property": {"op": value}}')
    for prop, ops in value.items():
        unknown = set(ops) - set(_OPERATORS)
        if unknown:
            raise StacRequestError(
                f"query.{prop}", sorted(unknown), f"operators are {', '.join(_OPERATORS)}"
            )
    return value


def _as_tuple(value: Any, parameter: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(v for v in value.split(",") if v)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise StacRequestError(parameter, value, "expected a list of strings")


def parse_search(params: Mapping[str, Any], body: Mapping[str, Any] | None = None) -> SearchQuery:
    """A search from GET parameters (one string each) or a POST body (JSON values)."""
    if "filter" in params:
        raise StacRequestError("filter", params["filter"], "CQL2 filters are not supported")
    if "bbox" in params and "intersects" in params:
        raise StacRequestError("bbox", params["bbox"], "give bbox or intersects, not both")
    geometry = None
    if "bbox" in params:
        raw = params["bbox"]
        geometry = _parse_bbox(raw.split(",") if isinstance(raw, str) else raw)
    elif "intersects" in params:
        raw = params["intersects"]
        geometry = _parse_geometry(json.loads(raw) if isinstance(raw, str) else raw)
    start, end = parse_datetime(params["datetime"]) if params.get("datetime") else (None, None)
    return SearchQuery(
        collections=_as_tuple(params["collections"], "collections")
        if "collections" in params
        else None,
        ids=_as_tuple(params["ids"], "ids") if "ids" in params else None,
        geometry=geometry,
        start=start,
        end=end,
        limit=_parse_int(params.get("limit", DEFAULT_LIMIT), "limit", 1, MAX_LIMIT),
        offset=_parse_int(params.get("token", 0), "token", 0, 10**9),
        query=_parse_query(params["query"]) if "query" in params else {},
        sortby=_parse_sortby(params["sortby"]) if "sortby" in params else (),
        body=body,
    )


def _equal(actual: Any, expected: Any) -> bool:
    if isinstance(actual, list):
        if isinstance(expected, list):
            return sorted(map(str, actual)) == sorted(map(str, expected))
        return expected in actual
    if isinstance(actual, str) and isinstance(expected, str):
        return actual.lower() == expected.lower()
    return actual == expected or str(actual) == str(expected)


def _compare(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def check(actual: Any, expected: Any) -> bool:
        try:
            return op(actual, type(actual)(expected))
        except (TypeError, ValueError):
            return False

    return check


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": _equal,
    "neq": lambda a, e: not _equal(a, e),
    "lt": _compare(lambda a, e: a < e),
    "lte": _compare(lambda a, e: a <= e),
    "gt": _compare(lambda a, e: a > e),
    "gte": _compare(lambda a, e: a >= e),
    "in": lambda a, e: any(_equal(a, v) for v in e),
}


def _in_period(item: Mapping[str, Any], query: SearchQuery) -> bool:
    props = item["properties"]
    start = datetime.fromisoformat(props["start_datetime"])
    end = datetime.fromisoformat(props["end_datetime"])
    if query.end is not None and start > query.end:
        return False
    return query.start is None or end >= query.start


def matches(item: Mapping[str, Any], footprint: BaseGeometry, query: SearchQuery) -> bool:
    """Whether ``item`` (whose geometry is ``footprint``) answers ``query``."""
    if query.collections is not None and item["collection"] not in query.collections:
        return False
    if query.ids is not None and item["id"] not in query.ids:
        return False
    if query.geometry is not None and not footprint.intersects(query.geometry):
        return False
    if not _in_period(item, query):
        return False
    props = item["properties"]
    for prop, ops in query.query.items():
        if prop not in props:
            return False
        if not all(_OPERATORS[op](props[prop], value) for op, value in ops.items()):
            return False
    return True


def _sort_value(name: str, item: Mapping[str, Any]) -> str:
    return str(item.get(name, item["properties"].get(name, "")))


def sort_items(items: list[dict[str, Any]], keys: Sequence[SortKey]) -> list[dict[str, Any]]:
    """Items sorted by ``keys`` (default: start time, then id); stable."""
    ordered = sorted(items, key=lambda i: (i["properties"]["start_datetime"], i["id"]))
    for key in reversed(keys):
        name = "start_datetime" if key.field in ("datetime", "properties.datetime") else key.field
        ordered.sort(
            key=partial(_sort_value, name.removeprefix("properties.")), reverse=key.descending
        )
    return ordered


def next_link(query: SearchQuery, search_url: str, params: Mapping[str, str]) -> dict[str, Any]:
    """The ``next`` link of a page: a GET URL or a POST body with the next token."""
    token = str(query.offset + query.limit)
    if query.body is not None:
        return {
            "rel": "next",
            "href": search_url,
            "type": "application/geo+json",
            "method": "POST",
            "body": {**query.body, "token": token},
            "merge": False,
        }
    return {
        "rel": "next",
        "href": f"{search_url}?{urlencode({**params, 'token': token})}",
        "type": "application/geo+json",
        "method": "GET",
    }


def item_collection(
    page: list[dict[str, Any]], matched: int, next_: dict[str, Any] | None, self_url: str
) -> dict[str, Any]:
    """A search answer (GeoJSON FeatureCollection with STAC API counts and links)."""
    links = [{"rel": "self", "href": self_url, "type": "application/geo+json"}]
    if next_ is not None:
        links.append(next_)
    return {
        "type": "FeatureCollection",
        "features": page,
        "numberMatched": matched,
        "numberReturned": len(page),
        "context": {"returned": len(page), "matched": matched},
        "links": links,
    }
