"""The products maintenance must keep the intermediate files of: those pending jobs need.

A job not done yet (to do, or waiting for a download) of any tile of the
request, over the request's whole date range, planned from the products on
disk as a tile's run plans them (``s1ops.planning.runs.plan_run``). Its
products' OrthoReady files serve it later, so they stay.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from s1ops.errors import ConfigError

if TYPE_CHECKING:
    from s1ops.config.request import S1Config

log = logging.getLogger(__name__)


def needed_products(cfg: S1Config) -> set[str]:
    """Ids of the products a job not done yet needs, over every tile of the request.

    Raises ``ConfigError`` for ``tiles = ALL``: the tiles are not known
    without planning every product on disk, so nothing could be freed safely.
    """
    from s1ops.planning.runs import RunRequest, plan_run

    if cfg.processing.all_tiles:
        raise ConfigError(
            "Processing",
            "tiles",
            "ALL",
            "a list of tiles: maintenance plans each tile to know which OrthoReady files "
            "pending jobs need",
        )
    ds = cfg.data_source
    request = RunRequest(ds.first_date, ds.last_date, polarisations=ds.polarisations)
    needed: set[str] = set()
    for tile_id in cfg.processing.tiles:
        plan = plan_run(cfg, tile_id, request)
        needed.update(p for job in plan.jobs if job.status != "done" for p in job.product_ids)
    log.info("%d product(s) needed by pending jobs", len(needed))
    return needed
