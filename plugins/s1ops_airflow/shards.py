"""Which DAG file builds which tile DAG: tiles spread over ``SHARD_COUNT`` shard files.

The dag-processor parses each file of ``dags/`` in its own process, under
``[dag_processor] dag_file_processor_timeout`` (50 s by default), and spreads
the files over ``[dag_processor] parsing_processes``. One file with every tile
DAG grows 6 to 9 ms per tile (building + serialization): it would pass the
timeout between 5 000 and 8 000 tiles. So ``dags/s1tiling_shard_NN.py`` (NN from 00 to
``SHARD_COUNT - 1``) each build the tiles whose stable hash falls in them,
and ``dags/s1tiling_maintenance.py`` the maintenance DAG.

A tile's shard depends on its id alone (CRC-32, the same in every process and
on every machine, unlike ``hash()``): adding tiles to the request file never
moves a tile DAG to another file.

Plain values in and out, no Airflow import: the factory calls these.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

# 32 shards, measured with bench/bench_dag_parse.py (CPU time of each file's
# process, Airflow's serialization included): with 10 000 tiles a file builds
# ~310 tile DAGs, 5 s (slowest 6.7 s), well under the 10 s aimed at and the
# 50 s timeout; 1 000 tiles: ~1 s a file. Each file also pays a fixed cost,
# importing s1ops and reading the whole request file (0.7 s with 1 000 tiles,
# 2.3 s with 10 000): more shards would add it more often for less gain.
# Changing the number moves tile DAGs between files: add or remove the
# dags/s1tiling_shard_NN.py files with it (tests/plugins/test_shards.py checks).
SHARD_COUNT = 32


def shard_of(tile_id: str, count: int = SHARD_COUNT) -> int:
    """The shard (0 to ``count - 1``) whose file builds the DAG of ``tile_id``."""
    if count < 1:
        raise ValueError(f"a shard count is at least 1, not {count}")
    return zlib.crc32(tile_id.encode("utf-8")) % count


def tiles_of_shard(
    tiles: Iterable[str], shard: int, only: str | None = None, count: int = SHARD_COUNT
) -> tuple[str, ...]:
    """The tiles of ``tiles`` (in their order) that shard ``shard`` builds.

    ``only`` (a tile id: a worker's parsing context) keeps that tile alone,
    and only in its own shard.
    """
    if not 0 <= shard < count:
        raise ValueError(f"shard {shard} is not one of 0 to {count - 1}")
    return tuple(
        tile for tile in tiles if (only is None or tile == only) and shard_of(tile, count) == shard
    )


def shard_file_name(shard: int) -> str:
    """The name of shard ``shard``'s file in ``dags/``."""
    return f"s1tiling_shard_{shard:02d}.py"
