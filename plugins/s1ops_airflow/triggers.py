"""The trigger that waits for an S1 product to become downloadable, in the triggerer.

Its events carry the product's ``Availability`` (``to_dict``) to the
``fetch`` task, which reads it back with ``Availability.from_dict``.

``product_status`` answers at once (a search by id, ~25 ms on loopback) and
orders an offline product; it is synchronous (eodag), so it runs in a
thread, one check at a time per triggerer (eodag's gateway is shared).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from airflow.sdk.exceptions import AirflowFailException
from airflow.triggers.base import BaseTrigger, TriggerEvent

if TYPE_CHECKING:
    from s1ops.catalogue.credentials import ProviderCredentials
    from s1ops.catalogue.search import Availability

READY = "ready"
TIMEOUT = "timeout"
ERROR = "error"
_CHECK_LOCK = threading.Lock()


def check_product(
    config_path: str, product_id: str, credentials: ProviderCredentials | None = None
) -> Availability:
    """The product's availability now; orders it if offline (with ``credentials``, if any)."""
    from s1ops.catalogue.gateway import source_from_config
    from s1ops.catalogue.search import product_status
    from s1ops.config.request import load_config

    cfg = load_config(config_path)
    source = source_from_config(cfg, credentials=credentials)
    with _CHECK_LOCK:
        return product_status(source, product_id, cfg.paths.s1_images)


async def _connection_credentials(config_path: str) -> ProviderCredentials | None:
    """The provider's credentials from its Airflow Connection, read at each check: a
    rotated password is used at the next poll."""
    from s1ops.catalogue.gateway import source_from_config
    from s1ops.config.request import load_config
    from s1ops_airflow.credentials import aconnection_credentials

    cfg = load_config(config_path)
    return await aconnection_credentials(cfg, source_from_config(cfg).provider)


class ProductAvailableTrigger(BaseTrigger):
    """Fires once the product is online or on disk, fails, or ``deadline`` (ISO UTC) passes."""

    def __init__(
        self,
        config_path: str,
        product_id: str,
        poke_interval_s: float = 300.0,
        deadline: str | None = None,
    ) -> None:
        super().__init__()
        self.config_path = config_path
        self.product_id = product_id
        self.poke_interval_s = float(poke_interval_s)
        self.deadline = deadline

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "config_path": self.config_path,
                "product_id": self.product_id,
                "poke_interval_s": self.poke_interval_s,
                "deadline": self.deadline,
            },
        )

    def _event(self, status: str, **extra: Any) -> TriggerEvent:
        return TriggerEvent(
            {"status": status, "product_id": self.product_id, "deadline": self.deadline, **extra}
        )

    def _expired(self) -> bool:
        return self.deadline is not None and datetime.now(UTC) >= datetime.fromisoformat(
            self.deadline
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from s1ops.errors import DownloadFailedError, QuotaError, S1OpsError

        polls = 0
        while True:
            polls += 1
            found: Availability | None = None
            try:
                credentials = await _connection_credentials(self.config_path)
                found = await asyncio.to_thread(
                    check_product, self.config_path, self.product_id, credentials
                )
            except (DownloadFailedError, QuotaError) as exc:
                # Transient: the catalogue is down or throttling; ask again later.
                self.log.warning("%s: status check failed, will retry: %s", self.product_id, exc)
            except (S1OpsError, AirflowFailException) as exc:
                # Refused credentials, a missing named Connection: waiting cannot help.
                yield self._event(ERROR, message=str(exc), polls=polls)
                return
            # The event carries the Availability (to_dict): Availability.from_dict reads it.
            availability = None if found is None else found.to_dict()
            if found is not None and found.ready:
                yield self._event(READY, availability=availability, polls=polls)
                return
            if found is not None and found.status == "failed":
                yield self._event(ERROR, message=f"catalogue says {availability}", polls=polls)
                return
            if self._expired():
                yield self._event(TIMEOUT, availability=availability, polls=polls)
                return
            self.log.info(
                "%s is %s (poll %d); next check in %.0f s",
                self.product_id,
                "unknown" if found is None else found.status,
                polls,
                self.poke_interval_s,
            )
            await asyncio.sleep(self.poke_interval_s)
