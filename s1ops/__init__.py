"""S1Ops: Sentinel-1 backscatter on the Sentinel-2 tile grid (S1Tiling-compatible).

The subpackages follow the pipeline, and data flows one way through them:
``config`` (the request file) -> ``planning`` (which products make which
tile outputs, over ``grid`` tiles from ``sentinel1`` records) -> ``catalogue``
(search and verified downloads into the ``cache``) -> ``processing`` (OTB
chains in a child process) -> ``outputs`` (S1Tiling's names and tags,
published atomically). ``maintenance`` deletes what nothing needs any more.

Each on-disk contract has one owner: ``cache.layout`` (the S1 cache),
``cache.locks`` (locks and leases), ``cache.orthoready`` (OrthoReady files),
``scratch`` (partial files and work folders), ``outputs.names`` and
``outputs.tags`` (what is published). Words and numbers every stage shares
are in ``vocabulary``; errors in ``errors``. Nothing here imports Airflow:
``s1ops_airflow`` (plugins/) adapts it.
"""

from __future__ import annotations

__version__ = "0.1.0"
