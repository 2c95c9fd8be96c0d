"""A job with no valid pixel is not a product: plan, process, plan again, force (issue 22).

The issue's case: a 1/10-size IPF 002.72 product with a ragged top, over
32NNJ. S1Tiling's border heuristic blanks 1 000 columns on each side of it
(2 525 columns wide at 1/10) and 1 600 lines at its top: nothing is left over
the tile. Run as users run it: ``s1ops`` in a child process, the job taken
from ``s1ops plan``. 100 m pixels keep each job to a few seconds.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from osgeo import gdal

from s1ops.grid import parse_tile_id
from s1ops.outputs.empty import count_valid, empty_record_path, read_empty_record
from s1ops.scratch import WORK_PREFIX
from s1ops.testing.dem import make_flat_dem
from s1ops.testing.request_file import REQUEST_NAME, RequestPaths, write_request
from s1ops.testing.synth_safe import GEOID_SUBPATH, SynthSpec, make_product
from tests.hostile.harness import TRACEBACK, CliRun, run_cli

gdal.UseExceptions()
# The demo's first pass (issue 22): an old IPF, the first slice with a blank top band.
OLD_IPF = SynthSpec(
    start=datetime(2020, 1, 3, 5, 5, 46, tzinfo=UTC), ipf_version="002.72", cut_top=True, seed=1
)
# The next slice of the pass: 25 s later, further south along the track, over 32NNJ too
# (processed by a newer IPF: no range cut).
NEXT_SLICE = replace(
    OLD_IPF,
    start=datetime(2020, 1, 3, 5, 6, 11, tzinfo=UTC),
    ipf_version="003.10",
    cut_top=False,
    seed=2,
    shift_lat_deg=-0.8,
)
RES_M = 100


def _site(root: Path, otb_data: Path, specs: list[SynthSpec], tile: str, **airflow: object) -> Path:
    """A request file over ``tile`` with ``specs`` on disk, masks and quicklooks on."""
    for spec in specs:
        make_product(spec, root / "s1")
    make_flat_dem(parse_tile_id(tile).footprint_lonlat().buffer(0.2), root / "dem", arcsec=3)
    return write_request(
        root / REQUEST_NAME,
        RequestPaths.under(root, geoid_file=otb_data / GEOID_SUBPATH),
        tiles=tile,
        data_source={"first_date": "2020-01-01", "last_date": "2020-01-10"},
        mask={"generate_border_mask": True},
        quicklook={"generate_quicklook": True},
        processing={
            "output_spatial_resolution": RES_M,
            "orthorectification_gridspacing": 4 * RES_M,
        },
        airflow=dict(airflow),
    )


def _plan(config: Path, tile: str, *extra: str) -> dict:
    run = run_cli("plan", config, "--tile", tile, *extra)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def _process(config: Path, job: dict, *extra: str) -> CliRun:
    run = run_cli("process", config, "--job", json.dumps(job), *extra)
    assert TRACEBACK not in run.stderr, run.stderr
    return run


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def _pixels(path: str) -> np.ndarray:
    dataset = gdal.Open(path)  # kept while its band is read: GDAL frees bands with it
    return dataset.GetRasterBand(1).ReadAsArray()


def test_an_old_ipf_product_cut_to_nothing_publishes_nothing_and_says_why(
    tmp_path: Path, otb_data: Path
) -> None:
    config = _site(tmp_path, otb_data, [OLD_IPF], "32NNJ")
    plan = _plan(config, "32NNJ")
    vv = next(j for j in plan["jobs"] if j["polarisation"] == "vv")
    assert vv["status"] == "todo"

    run = _process(config, vv)

    # Ends well (retrying cannot help), publishes nothing, says why.
    assert run.returncode == 0, run.stderr
    result = run.last_json
    assert result["empty"] is True and result["skipped"] is False
    assert result["written"] == [] and result["valid_fraction"] == 0.0
    assert result["reason"] == (
        "no valid pixel over 32NNJ: IPF 002.72 border cut blanks 1 000 columns on each side "
        "and 1 600 lines at the top; the product covers 99.8% of the tile"
    )
    assert "WARNING" in run.stderr and result["reason"] in run.stderr
    out = tmp_path / "out" / "32NNJ"
    record = empty_record_path(vv["output_path"])
    assert _files(out) == [record.name]  # no image, mask, quicklook nor partial file
    assert not list((tmp_path / "tmp").glob(f"{WORK_PREFIX}*"))  # work folders gone

    # The next plan shows it done-empty: not redone every day.
    again = _plan(config, "32NNJ")
    assert again["counts"] == {"todo": 1, "done": 1, "waiting": 0, "empty": 1, "dropped": 0}
    done = next(j for j in again["jobs"] if j["polarisation"] == "vv")
    assert done["status"] == "done" and done["empty_reason"] == result["reason"]
    assert _plan(config, "32NNJ", "--force")["fetch"] == []
    # Run by hand without --force, it is skipped as its record says.
    skipped = _process(config, done)
    assert skipped.returncode == 0 and skipped.last_json["skipped"] is True
    assert skipped.last_json["empty"] is True
    assert _files(out) == [record.name]

    # --force redoes it: empty again, recorded again.
    forced = _process(config, done, "--force")
    assert forced.returncode == 0 and forced.last_json["empty"] is True
    assert _files(out) == [record.name]


def test_a_forced_redo_that_publishes_removes_the_record(tmp_path: Path, otb_data: Path) -> None:
    config = _site(tmp_path, otb_data, [OLD_IPF], "32NNJ")
    vv = next(j for j in _plan(config, "32NNJ")["jobs"] if j["polarisation"] == "vv")
    assert _process(config, vv).last_json["empty"] is True
    # Without the azimuth cut (S1Tiling's override key), 525 columns are left over the tile.
    no_cut = config.read_text().replace(
        "[Processing]\n", "[Processing]\noverride_azimuth_cut_threshold_to : False\n"
    )
    config.write_text(no_cut)

    forced = _process(config, vv, "--force")

    assert forced.returncode == 0, forced.stderr
    assert forced.last_json["empty"] is False and len(forced.last_json["written"]) == 3
    assert read_empty_record(vv["output_path"]) is None
    assert count_valid(vv["output_path"]).valid_px > 0
    assert _plan(config, "32NNJ")["counts"]["empty"] == 0


def test_a_minimum_valid_fraction_makes_a_thin_product_empty(
    tmp_path: Path, otb_data: Path
) -> None:
    config = _site(tmp_path, otb_data, [NEXT_SLICE], "32NNJ", min_valid_fraction=0.99)
    vv = next(j for j in _plan(config, "32NNJ")["jobs"] if j["polarisation"] == "vv")

    run = _process(config, vv)

    assert run.returncode == 0, run.stderr
    result = run.last_json
    assert result["empty"] is True and 0 < result["valid_fraction"] <= 0.99
    assert "at or below [Airflow] min_valid_fraction=0.99" in result["reason"]
    assert not Path(vv["output_path"]).exists()


def test_an_empty_slice_does_not_spoil_its_partner_in_a_merge(
    tmp_path: Path, otb_data: Path
) -> None:
    tile = "32NNJ"
    alone = {}
    for name, specs in (("first", [OLD_IPF]), ("second", [NEXT_SLICE])):
        config = _site(tmp_path / name, otb_data, specs, tile)
        vv = next(j for j in _plan(config, tile)["jobs"] if j["polarisation"] == "vv")
        alone[name] = _process(config, vv).last_json
    assert alone["first"]["empty"] is True  # the cut slice has nothing over this tile
    assert alone["second"]["empty"] is False
    pair = _site(tmp_path / "pair", otb_data, [OLD_IPF, NEXT_SLICE], tile)
    vv = next(j for j in _plan(pair, tile)["jobs"] if j["polarisation"] == "vv")
    assert len(vv["product_ids"]) == 2 and vv["output_path"].endswith("txxxxxx.tif")

    merged = _process(pair, vv)

    assert merged.returncode == 0, merged.stderr
    assert merged.last_json["empty"] is False
    # The day gets the partner's pixels, every one of them.
    np.testing.assert_array_equal(
        _pixels(merged.last_json["output"]), _pixels(alone["second"]["output"])
    )
