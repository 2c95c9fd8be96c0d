"""Root cause 3: the tile job JSON is checked against the request file before any I/O.

``s1ops process --job`` takes a job from outside (a shell, an XCom): each case
forges one field, and the job is refused with exit 2, one error line naming
the field, its value and what was expected, and nothing written anywhere
(the site is byte for byte as before, outside folders untouched).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from s1ops.exit_codes import BAD_INPUT, OK
from s1ops.outputs.names import OutputName
from s1ops.sentinel1.ids import ProductId
from tests.hostile.harness import (
    Site,
    assert_clear_error,
    make_site,
    published,
    run_cli,
    snapshot,
)

pytestmark = pytest.mark.otb

Job = dict[str, Any]
# Forges a planned job (as a dict) on a site; returns the --job argument.
Forge = Callable[[Job, Site], str]


@pytest.fixture(scope="module")
def refusal_site(otb: None, otb_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Site:
    """One site for every refusal: a refused job writes nothing, so they cannot interfere."""
    return make_site(tmp_path_factory.mktemp("job-json"), otb_data)


def _planned(site: Site) -> Job:
    return site.jobs()["vv"].to_dict()


def _next_slice(product_id: str) -> str:
    """A well-formed id of the slice after ``product_id`` (same pass: unit, day, orbit)."""
    first = ProductId.parse(product_id)
    length = first.stop - first.start
    return replace(first, start=first.stop, stop=first.stop + length, crc="ABCD").format()


def _renamed(path: str, **changes: Any) -> str:
    name = replace(OutputName.parse(path), **changes)
    return str(Path(path).with_name(name.format()))


def _json(job: Job) -> str:
    return json.dumps(job)


def _set(**fields: Any) -> Forge:
    return lambda job, site: _json(job | fields)


def _elsewhere(job: Job, site: Site) -> str:
    # An existing file outside the output folder: once reported "skipped", exit 0.
    return _json(job | {"output_path": str(site.config)})


def _escaping(job: Job, site: Site) -> str:
    escape = f"{site.output}/{job['tile_id']}/../../escaped.tif"
    return _json(job | {"output_path": escape})


def _relative(job: Job, site: Site) -> str:
    return _json(job | {"output_path": str(Path(job["output_path"]).relative_to(site.root))})


def _pair_name_over_one_product(job: Job, site: Site) -> str:
    return _json(job | {"output_path": _renamed(job["output_path"], time=None)})


def _output_folder(job: Job, site: Site) -> str:
    return _json(job | {"output_path": str(site.output / job["tile_id"])})


def _mask_elsewhere(job: Job, site: Site) -> str:
    return _json(job | {"mask_path": str(site.root / "mask.tif")})


def _product_outside_cache(job: Job, site: Site) -> str:
    outside = site.root / "elsewhere" / Path(job["product_paths"][0]).name
    return _json(job | {"product_paths": [str(outside)]})


def _product_up_and_out(job: Job, site: Site) -> str:
    path = Path(job["product_paths"][0])
    return _json(job | {"product_paths": [f"{site.s1_images}/../dem/../s1/../{path.name}"]})


def _pair_over_one_product(job: Job, site: Site) -> str:
    # A pair whose second member's path is the first product: its name over the wrong data.
    first = job["product_ids"][0]
    pair = [first, _next_slice(first)]
    return _json(
        job
        | {
            "product_ids": pair,
            "product_paths": [job["product_paths"][0]] * 2,
            "output_path": _renamed(job["output_path"], time=None),
            "mask_path": _renamed(job["mask_path"], time=None),
        }
    )


def _pair_in_wrong_order(job: Job, site: Site) -> str:
    first = job["product_ids"][0]
    return _json(job | {"product_ids": [_next_slice(first), first], "product_paths": []})


def _another_day(job: Job, site: Site) -> str:
    pid = ProductId.parse(job["product_ids"][0])
    day = timedelta(days=1)
    other = replace(pid, start=pid.start + day, stop=pid.stop + day).format()
    return _json(job | {"product_ids": [other], "product_paths": []})


def _extra_path(job: Job, site: Site) -> str:
    return _json(job | {"product_paths": job["product_paths"] * 2})


def _missing_file(job: Job, site: Site) -> str:
    return f"@{site.root / 'no-such-job.json'}"


def _folder_as_file(job: Job, site: Site) -> str:
    return f"@{site.s1_images}"


def _escaping_existing(job: Job, site: Site) -> str:
    return _json(job | {"existing_output": "../../S1Processor.cfg"})


CASES = [
    # (forge, names the message must hold)
    pytest.param(_elsewhere, ("TileJob.output_path", "S1Processor.cfg", "inside [Paths] output"),
                 id="output-existing-file-elsewhere"),
    pytest.param(_escaping, ("TileJob.output_path", "escaped.tif", "inside [Paths] output"),
                 id="output-dot-dot-escape"),
    pytest.param(_relative, ("TileJob.output_path", "an absolute path"), id="output-relative"),
    pytest.param(_pair_name_over_one_product,
                 ("TileJob.output_path", "txxxxxx", "the name planning gives"),
                 id="output-pair-name-for-one-product"),
    pytest.param(_output_folder, ("TileJob.output_path", "32NNH'", "the name planning gives"),
                 id="output-a-folder"),
    pytest.param(_set(output_path=None), ("TileJob.output_path", "None", "non-empty string"),
                 id="output-null"),
    pytest.param(_set(mask_path=None), ("TileJob.mask_path", "generate_border_mask is True"),
                 id="mask-null-with-masks-on"),
    pytest.param(_mask_elsewhere, ("TileJob.mask_path", "mask.tif", "inside [Paths] output"),
                 id="mask-elsewhere"),
    pytest.param(_product_outside_cache,
                 ("TileJob.product_paths[0]", "elsewhere", "inside [Paths] s1_images"),
                 id="product-outside-s1-images"),
    pytest.param(_product_up_and_out,
                 ("TileJob.product_paths[0]", "/../", "inside [Paths] s1_images"),
                 id="product-dot-dot-out-of-s1-images"),
    pytest.param(_pair_over_one_product,
                 ("TileJob.product_paths[1]", "the entry of product_ids[1]", "ABCD.SAFE"),
                 id="pair-name-over-wrong-data"),
    pytest.param(_pair_in_wrong_order, ("TileJob.product_ids", "sorted by start time"),
                 id="pair-in-wrong-order"),
    pytest.param(_another_day, ("TileJob.product_ids[0]", "20200109T", "the job's day 2020-01-08"),
                 id="product-of-another-day"),
    pytest.param(_set(relative_orbit=52),
                 ("TileJob.product_ids[0]", "relative orbit 52", "(it is on 51)"),
                 id="wrong-relative-orbit"),
    pytest.param(_set(polarisation="hh"), ("TileJob.polarisation", "'hh'", "vv, vh"),
                 id="polarisation-not-requested"),
    pytest.param(_set(tile_id="32nnh"), ("TileJob.tile_id", "'32nnh'", "32NNH"),
                 id="tile-id-not-canonical"),
    pytest.param(_set(product_ids=[]), ("TileJob.product_ids", "non-empty list"),
                 id="no-product"),
    pytest.param(_extra_path, ("TileJob.product_paths", "1 entries, one per product id"),
                 id="unequal-list-lengths"),
    pytest.param(_set(product_ids=["S1A_IW_GRDH_1SDV_BAD"]),
                 ("TileJob.product_ids[0]", "S1A_IW_GRDH_1SDV_BAD", "a product id"),
                 id="malformed-product-id"),
    pytest.param(_escaping_existing,
                 ("TileJob.existing_output", "../../S1Processor.cfg", "a file name among"),
                 id="existing-output-escape"),
    pytest.param(_missing_file, ("--job @", "no-such-job.json", "cannot be read"),
                 id="at-missing-file"),
    pytest.param(_folder_as_file, ("--job @", "Is a directory", "@FILE naming a file"),
                 id="at-a-folder"),
    pytest.param(lambda job, site: "{not json", ("--job", "not a tile job", "JSON"),
                 id="not-json"),
]  # fmt: skip


@pytest.mark.parametrize(("forge", "names"), CASES)
def test_a_forged_job_is_refused_and_nothing_is_written(
    refusal_site: Site, forge: Forge, names: tuple[str, ...]
) -> None:
    site = refusal_site
    before = snapshot(site.root)
    run = run_cli("process", site.config, "--job", forge(_planned(site), site))
    assert_clear_error(run, BAD_INPUT, *names)
    assert snapshot(site.root) == before
    assert not (site.root / "escaped.tif").exists()
    assert not (site.root / "elsewhere").exists()


def test_a_direction_not_the_products_is_refused_once_its_metadata_are_read(
    refusal_site: Site,
) -> None:
    """A consistent forgery (ASC names for a DES product) passes the names, not the SAFE."""
    site = refusal_site
    job = _planned(site)
    forged = job | {
        "orbit_direction": "ASC",
        "output_path": _renamed(job["output_path"], orbit_direction="ASC"),
        "mask_path": _renamed(job["mask_path"], orbit_direction="ASC"),
    }
    before = snapshot(site.root)
    run = run_cli("process", site.config, "--job", _json(forged))
    assert_clear_error(run, BAD_INPUT, "TileJob.product_ids[0]", "(DES)", "direction ASC")
    # Only the product's lease file: the lease is taken before its metadata are read.
    after = {k: v for k, v in snapshot(site.root).items() if not k.startswith("s1/.locks")}
    assert after == before
    assert published(site.output) == []


def test_a_planned_job_with_dot_dot_in_its_paths_runs_as_planned(site: Site) -> None:
    """The check resolves paths: the same files named another way are accepted, and the
    result names them as planning does."""
    job = _planned(site)
    roundabout = f"{site.output}/../out/{job['tile_id']}/{Path(job['output_path']).name}"
    run = run_cli("process", site.config, "--job", _json(job | {"output_path": roundabout}))
    assert run.returncode == OK, run.stderr
    assert run.last_json["output"] == job["output_path"]  # type: ignore[index]
