"""Catalogue search and a non-blocking availability check, through eodag 4.

Search results become ``ProductRecord``s for planning. Only what every
provider understands is sent to the catalogue (collection, geometry,
period, orbit direction, a single relative orbit); every criterion is also
checked on the answer, so a provider ignoring a parameter cannot slip in
products we did not ask for (EW mode, SLC, another unit...).

``product_status`` answers at once: a search by id and its ``order:status``
(``succeeded`` online, ``ordered`` staging, ``orderable`` offline), placing
the order of an offline product. The Airflow sensor pokes it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from s1ops.cache.layout import CacheLayout
from s1ops.catalogue.gateway import EODAG_COLLECTION, EodagSource, gateway
from s1ops.catalogue.translate import translate, with_retries
from s1ops.contracts import FieldReader
from s1ops.errors import ProductNameError, ProductNotFoundError
from s1ops.sentinel1.ids import ProductId
from s1ops.sentinel1.records import ProductRecord

if TYPE_CHECKING:
    from s1ops.config.request import S1Config

log = logging.getLogger(__name__)

# eodag 4's order:status values -> (our status, ProductRecord availability).
_STATUSES = {
    "succeeded": ("online", "online"),
    "ordered": ("staging", "ordered"),
    "orderable": ("offline", "offline"),
}
STATUSES = ("on_disk", "online", "staging", "offline", "failed")
_DIRECTIONS = {"ascending": "ASC", "descending": "DES"}
_STATE_NAMES = {"ASC": "ascending", "DES": "descending"}


@dataclass(frozen=True)
class SearchCriteria:
    """What to search: an area (lon/lat), inclusive days and the request's filters."""

    geometry: BaseGeometry
    first_date: date
    last_date: date  # inclusive
    polarisations: tuple[str, ...] = ()  # lower case; (): any
    platforms: tuple[str, ...] = ()  # 'S1A'...; (): any
    orbit_direction: str | None = None  # 'ASC' / 'DES'
    relative_orbits: tuple[int, ...] = ()

    def eodag_kwargs(self) -> dict[str, Any]:
        """Search parameters for eodag (end exclusive: the day after ``last_date``)."""
        end = datetime.combine(self.last_date + timedelta(days=1), time())
        kwargs: dict[str, Any] = {
            "geom": self.geometry,
            "start": datetime.combine(self.first_date, time()).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if self.orbit_direction is not None:
            kwargs["sat:orbit_state"] = _STATE_NAMES[self.orbit_direction]
        if len(self.relative_orbits) == 1:
            kwargs["sat:relative_orbit"] = self.relative_orbits[0]
        return kwargs

    def accepts(self, record: ProductRecord) -> bool:
        """Whether a record meets every criterion (checked again on the catalogue's answer)."""
        pid = record.product_id
        day = pid.start.date()
        return (
            pid.mode == "IW"
            and pid.product_type == "GRD"
            and self.first_date <= day <= self.last_date
            and (not self.platforms or pid.unit in self.platforms)
            and (self.orbit_direction is None or record.orbit_direction == self.orbit_direction)
            and (not self.relative_orbits or record.relative_orbit in self.relative_orbits)
            and (
                not self.polarisations or bool(set(self.polarisations) & set(record.polarisations))
            )
        )


def criteria_from_config(
    cfg: S1Config, tile_id: str, first: date | None = None, last: date | None = None
) -> SearchCriteria:
    """The search of one tile for a request file (dates default to its first/last_date)."""
    from s1ops.grid import parse_tile_id

    ds = cfg.data_source
    return SearchCriteria(
        geometry=parse_tile_id(tile_id).footprint_lonlat(),
        first_date=first or ds.first_date,
        last_date=last or ds.last_date,
        polarisations=ds.polarisations,
        platforms=ds.platforms,
        orbit_direction=ds.orbit_direction,
        relative_orbits=ds.relative_orbits,
    )


def to_record(product: Any) -> ProductRecord:
    """A planning record from an eodag ``EOProduct`` (STAC property names)."""
    props = product.properties
    pid = ProductId.parse(str(props["id"]))
    state = str(props.get("sat:orbit_state") or "").lower()
    if state not in _DIRECTIONS:
        raise ProductNameError(pid.format(), f"sat:orbit_state={state!r} from the catalogue")
    relative = props.get("sat:relative_orbit") or pid.relative_orbit
    if relative is None:
        raise ProductNameError(pid.format(), "no sat:relative_orbit from the catalogue")
    pols = tuple(str(p).lower() for p in props.get("sar:polarizations") or ()) or pid.polarisations
    geometry = product.geometry
    if not isinstance(geometry, BaseGeometry):
        geometry = shape(geometry)
    return ProductRecord(
        product_id=pid,
        footprint=geometry,
        relative_orbit=int(relative),
        orbit_direction=_DIRECTIONS[state],
        polarisations=pols,
        availability=_STATUSES.get(str(props.get("order:status")), ("", "unknown"))[1],
        download_link=props.get("eodag:download_link"),
    )


def search_products(
    source: EodagSource, criteria: SearchCriteria, *, attempts: int = 3, backoff_s: float = 2.0
) -> list[ProductRecord]:
    """Every product (all pages) matching ``criteria``, sorted by id.

    Transient errors (5xx, timeouts) are retried ``attempts`` times with a
    doubling back-off; authentication and quota errors are raised at once.
    """
    dag = gateway(source)

    def run() -> Any:
        return dag.search_all(
            collection=EODAG_COLLECTION,
            provider=source.provider,
            raise_errors=True,
            **criteria.eodag_kwargs(),
        )

    found = with_retries(
        run,
        product_id=None,
        provider=source.provider,
        attempts=attempts,
        backoff_s=backoff_s,
        origin=source.credentials_origin,
    )
    records: dict[str, ProductRecord] = {}
    for product in found:
        try:
            record = to_record(product)
        except (ProductNameError, KeyError) as exc:
            log.warning("skipping catalogue entry %s: %s", product.properties.get("id"), exc)
            continue
        if criteria.accepts(record):
            records[record.name] = record
    log.info("%d product(s) found, %d kept", len(found), len(records))
    return [records[name] for name in sorted(records)]


def find_product(
    source: EodagSource, product_id: str, *, attempts: int = 2, backoff_s: float = 0.5
) -> Any:
    """The eodag product of ``product_id`` (a search by id); ``ProductNotFoundError`` if none."""
    dag = gateway(source)

    def run() -> Any:
        return dag.search(
            collection=EODAG_COLLECTION, provider=source.provider, raise_errors=True, id=product_id
        )

    found = with_retries(
        run,
        product_id=product_id,
        provider=source.provider,
        attempts=attempts,
        backoff_s=backoff_s,
        origin=source.credentials_origin,
    )
    matching = [p for p in found if p.properties.get("id") == product_id]
    if not matching:
        raise ProductNotFoundError(product_id, source.provider)
    return matching[0]


@dataclass(frozen=True)
class Availability:
    """Where a product stands now; ``status`` is one of ``STATUSES``.

    Crosses from the triggerer to the ``fetch`` task in the trigger's event
    (``to_dict``/``from_dict``), and is what ``s1ops product status`` prints.
    """

    product_id: str
    status: str
    order_placed: bool = False  # an order was placed by this check
    detail: str = ""
    local_path: Path | None = None
    download_link: str | None = None

    @property
    def ready(self) -> bool:
        """On disk, or downloadable now."""
        return self.status in ("on_disk", "online")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "product_id": self.product_id,
            "status": self.status,
            "ready": self.ready,
            "order_placed": self.order_placed,
            "detail": self.detail,
            "local_path": None if self.local_path is None else str(self.local_path),
            "download_link": self.download_link,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Availability:
        """Inverse of ``to_dict``, every field checked (``ready`` is derived and ignored)."""
        f = FieldReader("Availability", data)
        local = f.optional_text("local_path", default=None)
        return cls(
            product_id=f.text("product_id"),
            status=f.text("status", choices=STATUSES),
            order_placed=f.flag("order_placed", default=False),
            detail=f.string("detail", default=""),
            local_path=None if local is None else Path(local),
            download_link=f.optional_text("download_link", default=None),
        )


def _place_order(product: Any, source: EodagSource) -> str:
    """Order an offline product once, without waiting; returns a detail for the report."""
    from eodag.utils.exceptions import EodagError, NotAvailableError
    from requests import RequestException

    downloader = product.downloader
    try:
        # Inside the try: missing credentials are raised by authenticate().
        auth = product.downloader_auth.authenticate() if product.downloader_auth else None
        # timeout=0: exactly one order request and one status request.
        downloader.order(product, auth=auth, wait=0, timeout=0)
    except NotAvailableError:
        pass  # expected: ordered, not ready yet
    except (EodagError, RequestException) as exc:
        pid = product.properties["id"]
        raise translate(exc, pid, source.provider, source.credentials_origin) from exc
    return f"order placed, order:status now {product.properties.get('order:status')!r}"


def product_status(
    source: EodagSource, product_id: str, s1_images: str | Path | None = None
) -> Availability:
    """Whether ``product_id`` is on disk, online, staging, offline or failed — at once.

    On disk means found by ``CacheLayout.locate`` in ``s1_images`` (a SAFE folder,
    or a zip put there by hand, either one level down); ``local_path`` is where.
    An offline product whose provider supports ordering is ordered (the
    answer is then ``staging``). Never waits for staging.
    """
    pid = ProductId.parse(product_id).format()
    if s1_images is not None:
        found = CacheLayout.of(s1_images).locate(pid)
        if found is not None:
            return Availability(pid, "on_disk", local_path=found)
    product = find_product(source, pid)
    raw = str(product.properties.get("order:status") or "")
    link = product.properties.get("eodag:download_link")
    # eodag counts a product without order:status as online.
    status = _STATUSES.get(raw, ("failed", ""))[0] if raw else "online"
    if status == "failed":
        return Availability(pid, "failed", detail=f"order:status={raw!r}", download_link=link)
    orderable = getattr(product.downloader.config, "order_enabled", False) and bool(
        product.properties.get("eodag:order_link")
    )
    if status == "offline" and orderable:
        detail = _place_order(product, source)
        return Availability(pid, "staging", order_placed=True, detail=detail, download_link=link)
    return Availability(pid, status, detail=f"order:status={raw!r}", download_link=link)


def records_json(records: Sequence[ProductRecord]) -> list[dict[str, Any]]:
    """Records as JSON-ready dicts (what ``s1ops search`` prints)."""
    return [record.to_dict() for record in records]
