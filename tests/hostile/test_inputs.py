"""Root cause 2: inputs that are not what they claim are refused, naming the file.

A product is checked against its manifest (every listed file there, with the
listed size and MD5; CRCs right) before it enters the cache: downloaded
through the local STAC server here (zips put in the cache by hand are in
test_zipped_products.py). The geoid and each DEM cell are checked before OTB
reads them (OTB would skip, zero-fill or use them as they are, and exit 0).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from s1ops.grid import parse_tile_id
from s1ops.processing.dem import cells_covering
from s1ops.scratch import is_work_entry
from s1ops.testing.dem import write_flat_cell
from s1ops.testing.eodag_provider import write_provider_config
from s1ops.testing.stac_server import serve_catalogue
from s1ops.testing.synth_safe import GEOID_SUBPATH
from tests.hostile.harness import (
    TILE,
    CliRun,
    Site,
    assert_cache_whole,
    assert_clear_error,
    make_site,
    process_args,
    published,
    run_cli,
    snapshot,
)
from tests.hostile.products import DAMAGES, REFUSED, damaged_zip, site_product

pytestmark = [pytest.mark.otb]

BAD_INPUT = 2
IO_FAILED = 74
PROVIDER = "s1ops_hostile"


def _nothing_made(site: Site) -> None:
    """Nothing published, no work folder left in ``[Paths] tmp``."""
    assert published(site.output) == []
    left = [p for p in site.tmp.iterdir() if is_work_entry(p.name)] if site.tmp.is_dir() else []
    assert not left, left


# --- products downloaded through the local STAC server ---------------------------------


def _download(root: Path, otb_data: Path, damage: str) -> tuple[Site, str, tuple[str, ...], CliRun]:
    """A site whose product is only in a local catalogue, damaged; downloaded once."""
    eodag_config = root / "eodag-provider.yml"
    site = make_site(root, otb_data, data_source={"download": True, "eodag_config": eodag_config})
    safe = site_product(site.s1_images)
    product_id = safe.name.removesuffix(".SAFE")
    _, names = damaged_zip(safe, root / "catalogue", damage)
    shutil.rmtree(safe)
    with serve_catalogue(root / "catalogue") as server:
        write_provider_config(server.url, eodag_config, PROVIDER)
        run = run_cli("product", "download", site.config, product_id, "--attempts", "1")
        assert server.stats().downloads_by_product.get(product_id) == 1, run.stderr
    return site, product_id, names, run


@pytest.mark.slow  # eodag in a child: 3-5 s each
@pytest.mark.parametrize("damage", REFUSED)
def test_a_damaged_download_is_refused_and_not_cached(
    otb: None, otb_data: Path, tmp_path: Path, damage: str
) -> None:
    site, product_id, names, run = _download(tmp_path / "site", otb_data, damage)
    message = assert_clear_error(run, IO_FAILED, product_id, *names)
    assert "discarded" in message
    assert [p.name for p in site.s1_images.iterdir() if not p.name.startswith(".")] == []
    assert_cache_whole(site.s1_images)
    _nothing_made(site)


@pytest.mark.slow
def test_a_download_with_an_unlisted_member_is_cached(
    otb: None, otb_data: Path, tmp_path: Path
) -> None:
    assert not DAMAGES["unlisted-member"].refused
    site, product_id, _, run = _download(tmp_path / "site", otb_data, "unlisted-member")
    assert run.returncode == 0, run.stderr
    safe = site.s1_images / f"{product_id}.SAFE"
    assert run.last_json == {"product_id": product_id, "status": "on_disk", "safe": str(safe)}
    assert (safe / "support" / "notes.txt").is_file()
    assert_cache_whole(site.s1_images)


# --- the geoid ----------------------------------------------------------------------------


def _geoid_copy(otb_data: Path, folder: Path) -> Path:
    """OTB's EGM96 grid and its ENVI header, copied into ``folder``."""
    folder.mkdir(parents=True)
    source = otb_data / GEOID_SUBPATH
    for path in (source, source.with_name(source.name + ".hdr")):
        shutil.copyfile(path, folder / path.name)
    return folder / source.name


def _bad_geoid(geoid: Path, damage: str) -> None:
    data = geoid.read_bytes()
    if damage == "empty":
        geoid.write_bytes(b"")
    elif damage == "garbage":
        geoid.write_bytes(os.urandom(len(data)))  # as long as it should be, its header beside
    elif damage == "garbage-without-header":
        geoid.write_bytes(os.urandom(len(data)))
        geoid.with_name(geoid.name + ".hdr").unlink()
    elif damage == "truncated":
        geoid.write_bytes(data[: len(data) // 2])
    elif damage == "absurd-values":
        # Header kept (24 bytes), every undulation 500 m (big-endian float32, as the header says).
        values = np.full((len(data) - 24) // 4, 500.0, dtype=">f4")
        geoid.write_bytes(data[:24] + values.tobytes())


GEOID_CASES = {
    "empty": ("GDAL cannot read it",),
    "garbage": ("not numbers",),
    "garbage-without-header": ("GDAL cannot read it",),
    "truncated": ("bytes, as its ENVI header says",),
    "absurd-values": ("undulations 500..500 m", "+-120 m"),
}


@pytest.mark.parametrize("damage", sorted(GEOID_CASES))
def test_a_bad_geoid_is_refused_before_otb(
    otb: None, otb_data: Path, tmp_path: Path, damage: str
) -> None:
    geoid = _geoid_copy(otb_data, tmp_path / "geoid")
    _bad_geoid(geoid, damage)
    site = make_site(tmp_path / "site", otb_data, paths={"geoid_file": geoid})
    run = run_cli(*process_args(site, site.jobs()["vv"]))
    assert_clear_error(run, BAD_INPUT, f"geoid file {geoid}", *GEOID_CASES[damage])
    _nothing_made(site)


# --- DEM cells ----------------------------------------------------------------------------


def _bad_cell(cell: Path, damage: str) -> None:
    size = cell.stat().st_size
    if damage == "empty":
        cell.write_bytes(b"")
    elif damage == "truncated":
        cell.write_bytes(cell.read_bytes()[: size // 2])
    elif damage == "absurd-values":
        write_flat_cell(cell, 20000, arcsec=3)  # the site's cells are 3 arc-second ones
    elif damage == "garbage":
        cell.write_bytes(np.random.default_rng(1).bytes(size))


DEM_CASES = {
    "empty": ("0 bytes", "2884802 bytes"),
    "truncated": ("1442401 bytes", "25934402 bytes"),
    "absurd-values": ("heights 20000..20000 m", "-500..9000 m"),
    "garbage": ("heights -32767..32767 m", "-500..9000 m"),
}


@pytest.mark.parametrize("damage", sorted(DEM_CASES))
def test_a_bad_dem_cell_is_refused_before_otb(site: Site, damage: str) -> None:
    # A cell the tile needs (OTB would skip it, or read its garbage, and exit 0).
    cell = site.dem / f"{cells_covering(parse_tile_id(TILE).footprint_lonlat())[0]}.hgt"
    _bad_cell(cell, damage)
    dem_before = snapshot(site.dem)
    run = run_cli(*process_args(site, site.jobs()["vv"]))
    assert_clear_error(run, BAD_INPUT, f"DEM cell {cell}", *DEM_CASES[damage])
    assert snapshot(site.dem) == dem_before
    _nothing_made(site)
