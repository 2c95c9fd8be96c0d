"""Which shard file builds which tile DAG (pure: no Airflow import needed)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from s1ops_airflow.environment import REPO
from s1ops_airflow.shards import SHARD_COUNT, shard_file_name, shard_of, tiles_of_shard

from s1ops.grid import enumerate_tile_ids

TILES = enumerate_tile_ids()[:3000]
SOME = ["33NWB", "31TCJ", "32NNJ", "01CCV", "60XWG"]


def test_every_tile_is_built_by_exactly_one_shard() -> None:
    built = [tile for shard in range(SHARD_COUNT) for tile in tiles_of_shard(TILES, shard)]
    assert sorted(built) == sorted(TILES)
    for shard in range(SHARD_COUNT):
        assert all(shard_of(tile) == shard for tile in tiles_of_shard(TILES, shard))
    # The request file's order is kept within a shard.
    assert list(tiles_of_shard(TILES, 3)) == [t for t in TILES if shard_of(t) == 3]


def test_tiles_spread_evenly() -> None:
    # Neighbouring tiles (a request file's usual list) land in different shards.
    sizes = [len(tiles_of_shard(TILES, shard)) for shard in range(SHARD_COUNT)]
    mean = len(TILES) / SHARD_COUNT
    assert min(sizes) > 0.75 * mean and max(sizes) < 1.25 * mean, sizes


def test_a_shard_depends_on_the_tile_id_alone_in_every_process() -> None:
    # Not Python's hash(): it changes with each interpreter (PYTHONHASHSEED).
    code = f"from s1ops_airflow.shards import shard_of; print([shard_of(t) for t in {SOME!r}])"
    seen = set()
    for seed in ("1", "2", "random"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO / "plugins")}
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        seen.add(done.stdout.strip())
    assert seen == {str([shard_of(t) for t in SOME])}
    # Known values (CRC-32 of the id): the same on every machine and in every release.
    assert [shard_of(t, 16) for t in SOME] == [1, 11, 14, 1, 2]
    assert [shard_of(t, 32) for t in SOME] == [1, 11, 14, 1, 18]
    # A tile's shard does not depend on the other tiles of the request file.
    assert tiles_of_shard(["33NWB"], shard_of("33NWB")) == ("33NWB",)


def test_a_worker_builds_its_tile_in_its_shard_only() -> None:
    tile = TILES[1234]
    owner = shard_of(tile)
    assert tiles_of_shard(TILES, owner, only=tile) == (tile,)
    for shard in set(range(SHARD_COUNT)) - {owner}:
        assert tiles_of_shard(TILES, shard, only=tile) == ()
    # A tile that is not in the request file: nothing anywhere.
    assert tiles_of_shard(TILES[:10], owner, only="99ZZZ") == ()


@pytest.mark.parametrize("shard", [-1, SHARD_COUNT])
def test_a_shard_out_of_range_is_an_error(shard: int) -> None:
    with pytest.raises(ValueError, match=str(shard)):
        tiles_of_shard(TILES, shard)


def test_the_dag_folder_has_one_file_per_shard_and_the_maintenance_file() -> None:
    names = sorted(path.name for path in (REPO / "dags").glob("*.py"))
    shard_files = [shard_file_name(shard) for shard in range(SHARD_COUNT)]
    assert names == sorted([*shard_files, "s1tiling_maintenance.py"])
    for shard, name in enumerate(shard_files):
        text = (REPO / "dags" / name).read_text()
        # Each file builds the shard its name says.
        assert re.findall(r"^SHARD = (\d+)$", text, flags=re.MULTILINE) == [str(shard)], name
