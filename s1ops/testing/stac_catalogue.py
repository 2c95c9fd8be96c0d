"""The state behind the local STAC API: products of a folder, their failure modes, counters.

``Catalogue`` answers searches, item and order requests and download
attempts as plain Python values; ``s1ops.testing.stac_server`` turns them
into HTTP. All methods are thread-safe.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shapely.geometry.base import BaseGeometry

from s1ops.errors import StacRequestError
from s1ops.sentinel1.safe import SafeProduct, scan_safe_dir
from s1ops.testing.stac_failures import FailureMode, ProductState, Reply
from s1ops.testing.stac_items import (
    COLLECTION_ID,
    STORAGE_FIELD,
    STORAGE_STATES,
    SearchQuery,
    item_from_safe,
    matches,
    sort_items,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CatalogueStats:
    """Request counters, as tests read them."""

    searches: int = 0
    item_requests: int = 0
    orders: int = 0
    downloads: int = 0
    bad_requests: int = 0
    polls_by_product: Mapping[str, int] = field(default_factory=dict)
    orders_by_product: Mapping[str, int] = field(default_factory=dict)
    downloads_by_product: Mapping[str, int] = field(default_factory=dict)


class Catalogue:
    """The zipped SAFE products of a folder, served as one STAC collection."""

    def __init__(
        self,
        products_dir: str | Path,
        failures: Mapping[str, FailureMode] | None = None,
        collection: str = COLLECTION_ID,
    ) -> None:
        self.products_dir = Path(products_dir)
        self.collection = collection
        self._lock = threading.Lock()
        self._products: dict[str, SafeProduct] = {}
        self._states: dict[str, ProductState] = {}
        self._counts: Counter[str] = Counter()
        self.reload()
        for product_id, mode in (failures or {}).items():
            self.set_failure(product_id, mode)

    def reload(self) -> None:
        """Rescan the folder; products already known keep their state."""
        products, errors = scan_safe_dir(self.products_dir)
        for error in errors:
            log.warning("catalogue skips unreadable product %s", error)
        zipped = {p.product_id.format(): p for p in products if p.is_zip}
        with self._lock:
            self._products = zipped
            for product_id in zipped:
                self._states.setdefault(product_id, ProductState())
        log.info("catalogue serves %d product(s) from %s", len(zipped), self.products_dir)

    @property
    def product_ids(self) -> list[str]:
        """Ids of the products served, sorted."""
        with self._lock:
            return sorted(self._products)

    def _state(self, product_id: str) -> ProductState:
        if product_id not in self._products:
            raise StacRequestError(
                "product_id", product_id, f"not a zipped product of {self.products_dir}"
            )
        return self._states[product_id]

    def set_failure(self, product_id: str, mode: FailureMode) -> None:
        """Make ``product_id`` misbehave as ``mode`` says; its counts restart."""
        with self._lock:
            self._state(product_id).set_mode(mode)

    def clear_failures(self) -> None:
        """Every product back to normal, counts restarted."""
        with self._lock:
            for state in self._states.values():
                state.set_mode(FailureMode())

    def count_bad_request(self) -> None:
        """Count a request answered with HTTP 400."""
        with self._lock:
            self._counts["bad_requests"] += 1

    def stats(self) -> CatalogueStats:
        """A snapshot of the counters."""
        with self._lock:
            states = self._states.items()
            return CatalogueStats(
                searches=self._counts["searches"],
                item_requests=self._counts["item_requests"],
                orders=self._counts["orders"],
                downloads=self._counts["downloads"],
                bad_requests=self._counts["bad_requests"],
                polls_by_product={k: s.polls for k, s in states if s.polls},
                orders_by_product={k: s.orders for k, s in states if s.orders},
                downloads_by_product={k: s.downloads for k, s in states if s.downloads},
            )

    def _item(self, product_id: str, base_url: str, storage: str) -> dict[str, Any]:
        return item_from_safe(self._products[product_id], base_url, storage, self.collection)

    def search(self, query: SearchQuery, base_url: str) -> tuple[list[dict[str, Any]], int]:
        """One page of the items matching ``query``, and how many match in all.

        Only the items on the page count as polled.
        """
        with self._lock:
            self._counts["searches"] += 1
            found: list[tuple[dict[str, Any], BaseGeometry]] = []
            for product_id, product in self._products.items():
                state = self._states[product_id].storage()
                item = self._item(product_id, base_url, state)
                if matches(item, product.footprint, query):
                    found.append((item, product.footprint))
            ordered = sort_items([item for item, _ in found], query.sortby)
            page = ordered[query.offset : query.offset + query.limit]
            for item in page:
                item["properties"][STORAGE_FIELD] = self._states[item["id"]].poll()
            return page, len(ordered)

    def item(self, product_id: str, base_url: str) -> dict[str, Any]:
        """The item of ``product_id`` (a poll)."""
        with self._lock:
            self._counts["item_requests"] += 1
            state = self._state(product_id).poll()
            return self._item(product_id, base_url, state)

    def order(self, product_id: str, base_url: str) -> dict[str, Any]:
        """Order ``product_id`` out of long-term archive; returns its item."""
        with self._lock:
            self._counts["orders"] += 1
            state = self._state(product_id).order()
            return self._item(product_id, base_url, state)

    def download(self, product_id: str) -> Reply:
        """What a download attempt of ``product_id`` gets (a poll)."""
        with self._lock:
            self._counts["downloads"] += 1
            state = self._state(product_id)
            return state.download(self._products[product_id].path)

    def collection_doc(self, base_url: str) -> dict[str, Any]:
        """The STAC collection document, with the products' extent."""
        with self._lock:
            products = list(self._products.values())
        url = f"{base_url}/collections/{self.collection}"
        platforms = {f"sentinel-1{p.product_id.unit[-1].lower()}" for p in products}
        return {
            "type": "Collection",
            "stac_version": "1.0.0",
            "id": self.collection,
            "title": "Sentinel-1 Level-1 GRD (local synthetic catalogue)",
            "description": f"Zipped SAFE products of {self.products_dir}",
            "license": "proprietary",
            "extent": _extent(products),
            "summaries": {
                "constellation": ["sentinel-1"],
                "platform": sorted(platforms),
                "instruments": ["c-sar"],
            },
            "links": [
                {"rel": "self", "href": url},
                {"rel": "items", "href": f"{url}/items"},
                {"rel": "queryables", "href": f"{url}/queryables"},
                {"rel": "root", "href": f"{base_url}/"},
            ],
        }


def _extent(products: list[SafeProduct]) -> dict[str, Any]:
    if not products:
        return {
            "spatial": {"bbox": [[-180, -90, 180, 90]]},
            "temporal": {"interval": [[None, None]]},
        }
    bounds = [p.footprint.bounds for p in products]
    bbox = [min(b[0] for b in bounds), min(b[1] for b in bounds)]
    bbox += [max(b[2] for b in bounds), max(b[3] for b in bounds)]
    start = min(p.start for p in products).isoformat()
    stop = max(p.stop for p in products).isoformat()
    return {"spatial": {"bbox": [bbox]}, "temporal": {"interval": [[start, stop]]}}


def queryables_doc(url: str) -> dict[str, Any]:
    """The JSON Schema of the properties a search may filter on (STAC API Filter)."""
    return {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": url,
        "type": "object",
        "title": "Queryables",
        "properties": {
            "datetime": {"type": "string", "format": "date-time", "title": "Acquisition time"},
            "geometry": {"$ref": "https://geojson.org/schema/Geometry.json", "title": "Footprint"},
            "platform": {
                "type": "string",
                "enum": ["sentinel-1a", "sentinel-1b", "sentinel-1c", "sentinel-1d"],
            },
            "sat:orbit_state": {"type": "string", "enum": ["ascending", "descending"]},
            "sat:relative_orbit": {"type": "integer", "minimum": 1, "maximum": 175},
            "sat:absolute_orbit": {"type": "integer", "minimum": 1},
            "sar:instrument_mode": {"type": "string", "enum": ["IW", "EW", "SM", "WV"]},
            "sar:product_type": {"type": "string", "enum": ["GRD", "SLC"]},
            "sar:polarizations": {
                "type": "array",
                "items": {"type": "string", "enum": ["VV", "VH", "HH", "HV"]},
            },
            STORAGE_FIELD: {"type": "string", "enum": list(STORAGE_STATES)},
        },
        "additionalProperties": True,
    }
