"""The trigger that waits for an S1 product to become downloadable, in the triggerer.

``product_status`` answers at once (a search by id, ~25 ms on loopback) and
orders an offline product; it is synchronous (eodag), so it runs in a
thread, one check at a time per triggerer (eodag's gateway is shared).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

READY = "ready"
TIMEOUT = "timeout"
ERROR = "error"
_CHECK_LOCK = threading.Lock()


def check_product(config_path: str, product_id: str) -> dict[str, Any]:
    """The product's availability now (``Availability.to_dict()``); orders it if offline."""
    from s1ops.catalogue.gateway import source_from_config
    from s1ops.catalogue.search import product_status
    from s1ops.config.request import load_config

    cfg = load_config(config_path)
    with _CHECK_LOCK:
        status = product_status(source_from_config(cfg), product_id, cfg.paths.s1_images)
    return status.to_dict()


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
            try:
                found = await asyncio.to_thread(check_product, self.config_path, self.product_id)
            except (DownloadFailedError, QuotaError) as exc:
                # Transient: the catalogue is down or throttling; ask again later.
                self.log.warning("%s: status check failed, will retry: %s", self.product_id, exc)
                found = {"status": "unknown", "ready": False}
            except S1OpsError as exc:
                yield self._event(ERROR, message=str(exc), polls=polls)
                return
            if found.get("ready"):
                yield self._event(READY, availability=found["status"], polls=polls)
                return
            if found.get("status") == "failed":
                yield self._event(ERROR, message=f"catalogue says {found}", polls=polls)
                return
            if self._expired():
                yield self._event(TIMEOUT, availability=found.get("status"), polls=polls)
                return
            self.log.info(
                "%s is %s (poll %d); next check in %.0f s",
                self.product_id,
                found.get("status"),
                polls,
                self.poke_interval_s,
            )
            await asyncio.sleep(self.poke_interval_s)
