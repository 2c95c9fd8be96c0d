"""Tests of tile planning: grouping, coverage, filters, produced/waiting status, JSON."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from shapely import affinity

from s1ops.grid import parse_tile_id
from s1ops.planning.tile import (
    PlanFilters,
    PlanResult,
    ProductIndex,
    existing_outputs,
    merge_records,
    plan_tile,
)
from s1ops.sentinel1.ids import ProductId
from s1ops.sentinel1.records import ProductRecord
from s1ops.sentinel1.safe import parse_footprint, read_annotation, scan_products
from s1ops.testing.request_file import REQUEST_NAME, RequestPaths, write_request
from tests.s1ops.safe_builder import (
    IW_GRD_ID,
    P1_COORDS,
    P1_ID,
    P2_COORDS,
    P2_ID,
    SafeSpec,
    build_safe_dir,
    build_safe_zip,
    real_annotation,
)

TILE = parse_tile_id("33NWB")
JAN = PlanFilters(date(2020, 1, 1), date(2020, 1, 10))
# The 20 January 2020 pair over 33NWB (S1Tiling's test data), same orbit 007.
P3_ID = "S1A_IW_GRDH_1SDV_20200120T044149_20200120T044214_030879_038B2D_5671"
P3_COORDS = "1.137292,14.233942 0.661038,16.461086 2.173408,16.775522 2.645211,14.545794"
P4_ID = "S1A_IW_GRDH_1SDV_20200120T044214_20200120T044239_030879_038B2D_FDB0"
P4_COORDS = "-0.370036,13.917237 -0.850946,16.143806 0.660948,16.461067 1.137315,14.233396"
OUT = "/data/out"


def record(pid: str, coords: str, **kw) -> ProductRecord:
    base = {"relative_orbit": 7, "orbit_direction": "DES", "polarisations": ("vv", "vh")}
    return ProductRecord(ProductId.parse(pid), parse_footprint(coords), **(base | kw))


R1, R2 = record(P1_ID, P1_COORDS), record(P2_ID, P2_COORDS)
R3, R4 = record(P3_ID, P3_COORDS), record(P4_ID, P4_COORDS)


def test_real_pair_gives_one_merged_job_per_polarisation():
    result = plan_tile([R2, R1], TILE, JAN, output_dir=OUT)
    assert [(j.polarisation, j.status) for j in result.jobs] == [("vv", "todo"), ("vh", "todo")]
    job = result.jobs[0]
    assert job.product_ids == (P1_ID, P2_ID)
    assert job.output_path == f"{OUT}/33NWB/s1a_33NWB_vv_DES_007_20200108txxxxxx.tif"
    assert job.mask_path is None
    assert (job.day, job.unit, job.relative_orbit, job.orbit_direction) == (
        date(2020, 1, 8),
        "S1A",
        7,
        "DES",
    )
    # The two slices leave only a sliver of the tile uncovered.
    assert 99.9 < job.coverage_pct < 100.0
    assert job.job_id == "s1a_33NWB_vv_DES_007_20200108txxxxxx"
    assert result.dropped == ()


def test_single_product_keeps_its_start_time_and_coverage():
    result = plan_tile([R1], TILE, JAN, output_dir=OUT, with_mask=True)
    job = result.jobs[0]
    assert job.output_path.endswith("s1a_33NWB_vv_DES_007_20200108t044150.tif")
    assert job.mask_path.endswith("s1a_33NWB_vv_DES_007_20200108t044150_BorderMask.tif")
    assert 94.0 < job.coverage_pct < 94.3


def test_low_coverage_groups_are_dropped_with_reason():
    filters = replace(JAN, min_coverage_pct=10)
    result = plan_tile([R2], TILE, filters, output_dir=OUT)
    assert result.jobs == ()
    assert [d.polarisation for d in result.dropped] == ["vv", "vh"]
    dropped = result.dropped[0]
    assert dropped.product_ids == (P2_ID,)
    assert 5.8 < dropped.coverage_pct < 5.9
    assert "below tile_to_product_overlap_ratio=10%" in dropped.reason
    # The pair passes the same threshold.
    assert len(plan_tile([R1, R2], TILE, filters, output_dir=OUT).jobs) == 2


def test_dates_are_inclusive_on_product_start():
    day = date(2020, 1, 8)
    assert len(plan_tile([R1, R2], TILE, PlanFilters(day, day), output_dir=OUT).jobs) == 2
    before = PlanFilters(date(2020, 1, 1), date(2020, 1, 7))
    after = PlanFilters(date(2020, 1, 9), date(2020, 1, 31))
    assert plan_tile([R1, R2], TILE, before, output_dir=OUT).jobs == ()
    assert plan_tile([R1, R2], TILE, after, output_dir=OUT).jobs == ()


def test_groups_by_day():
    month = PlanFilters(date(2020, 1, 1), date(2020, 1, 31), polarisations=("vv",))
    result = plan_tile([R4, R1, R3, R2], TILE, month, output_dir=OUT)
    assert [(j.day, j.product_ids) for j in result.jobs] == [
        (date(2020, 1, 8), (P1_ID, P2_ID)),
        (date(2020, 1, 20), (P3_ID, P4_ID)),
    ]


def test_groups_by_orbit_direction_and_unit():
    # A (made-up) ascending product over the tile the same day is a group of its own.
    asc = record(
        P1_ID.replace("044150", "174150").replace("044215_0307", "174215_0307"),
        P1_COORDS,
        relative_orbit=116,
        orbit_direction="ASC",
    )
    s1b = record(
        P1_ID.replace("S1A", "S1B").replace("030704", "019876"), P1_COORDS, relative_orbit=7
    )
    one_pol = replace(JAN, polarisations=("vv",))
    result = plan_tile([R1, R2, asc, s1b], TILE, one_pol, output_dir=OUT)
    keys = [(j.unit, j.orbit_direction, j.relative_orbit, len(j.product_ids)) for j in result.jobs]
    assert keys == [("S1A", "DES", 7, 2), ("S1A", "ASC", 116, 1), ("S1B", "DES", 7, 1)]
    assert result.jobs[2].output_path.endswith("s1b_33NWB_vv_DES_007_20200108t044150.tif")


@pytest.mark.parametrize(
    "change",
    [
        {"platforms": ("S1B",)},
        {"orbit_direction": "ASC"},
        {"relative_orbits": (8, 9)},
        {"modes": ("EW",)},
    ],
)
def test_filters_exclude(change):
    assert plan_tile([R1, R2], TILE, replace(JAN, **change), output_dir=OUT).jobs == ()


def test_filters_include():
    kept = replace(JAN, platforms=("S1A",), orbit_direction="DES", relative_orbits=(7,))
    assert len(plan_tile([R1, R2], TILE, kept, output_dir=OUT).jobs) == 2


def test_missing_polarisation_is_reported():
    result = plan_tile([R1, R2], TILE, replace(JAN, polarisations=("hh",)), output_dir=OUT)
    assert result.jobs == ()
    assert result.dropped[0].reason == "no product of the group has polarisation hh"


def test_products_away_from_the_tile_are_ignored():
    far = replace(R1, footprint=affinity.translate(R1.footprint, xoff=20))
    assert plan_tile([far], TILE, JAN, output_dir=OUT) == PlanResult(
        "33NWB", JAN.first_date, JAN.last_date
    )


def test_pair_member_not_available_is_waiting_not_partial():
    offline = replace(R2, availability="offline")
    result = plan_tile([R1, offline], TILE, JAN, output_dir=OUT)
    assert [j.status for j in result.jobs] == ["waiting", "waiting"]
    job = result.waiting[0]
    assert job.waiting_for == (P2_ID,)
    assert job.output_path.endswith("20200108txxxxxx.tif")
    assert result.todo == ()
    online = replace(R2, availability="online", download_link="http://127.0.0.1/p2.zip")
    job = plan_tile([R1, online], TILE, JAN, output_dir=OUT).jobs[0]
    assert (job.status, job.needs_download, job.waiting_for) == ("todo", (P2_ID,), ())


def test_a_pair_is_produced_by_its_merged_output_only():
    merged = "s1a_33NWB_vv_DES_007_20200108txxxxxx.tif"
    result = plan_tile([R1, R2], TILE, JAN, output_dir=OUT, existing={merged})
    vv, vh = result.jobs
    assert (vv.status, vv.produced, vv.existing_output) == ("done", True, merged)
    assert (vh.status, vh.produced) == ("todo", False)
    assert result.done == (vv,)
    # A partial image of one slice (S1Tiling makes them from the disk alone) is not the pair.
    partial = "s1a_33NWB_vv_DES_007_20200108t044150.tif"
    vv = plan_tile([R1, R2], TILE, JAN, output_dir=OUT, existing={partial}).jobs[0]
    assert (vv.status, vv.produced, vv.existing_output) == ("todo", False, None)


@pytest.mark.parametrize(
    "name", ["s1a_33NWB_vv_DES_007_20200108t044150.tif", "s1a_33NWB_vv_DES_007_20200108txxxxxx.tif"]
)
def test_a_single_product_is_produced_by_its_own_or_a_merged_output(name):
    vv = plan_tile([R1], TILE, JAN, output_dir=OUT, existing={name}).jobs[0]
    assert vv.output_path.endswith("20200108t044150.tif")
    assert (vv.status, vv.existing_output) == ("done", name)


def test_produced_needs_the_mask_when_masks_are_asked_for():
    name = "s1a_33NWB_vv_DES_007_20200108txxxxxx.tif"
    mask = name.replace(".tif", "_BorderMask.tif")
    without = plan_tile([R1, R2], TILE, JAN, output_dir=OUT, existing={name}, with_mask=True)
    assert without.jobs[0].status == "todo"
    both = plan_tile([R1, R2], TILE, JAN, output_dir=OUT, existing={name, mask}, with_mask=True)
    assert both.jobs[0].status == "done"


def test_more_than_two_products_in_a_group():
    # A second copy of P1 (another CRC, only in the catalogue) is a duplicate;
    # a small slice inside P1's footprint adds nothing: both are left out.
    copy = replace(record(P1_ID.replace("C7F5", "AAAA"), P1_COORDS), availability="online")
    inner_id = P1_ID.replace("044150_20200108T044215", "044151_20200108T044214")
    inner = record(inner_id, "1.5,15.2 1.4,15.6 1.8,15.7 1.9,15.3")
    result = plan_tile(
        [copy, R1, inner, R2], TILE, replace(JAN, polarisations=("vv",)), output_dir=OUT
    )
    assert result.jobs[0].product_ids == (P1_ID, P2_ID)
    # Three slices that each add coverage are all merged.
    third_id = P2_ID.replace("044215_20200108T044240", "044240_20200108T044305")
    south = record(third_id, "0.9,15.0 0.8,15.9 0.5,15.9 0.5,15.0")
    shrunk = replace(R2, footprint=parse_footprint("1.137,14.2 0.9,16.4 0.9,16.4 1.0,14.2"))
    three = plan_tile(
        [R1, shrunk, south], TILE, replace(JAN, polarisations=("vv",)), output_dir=OUT
    ).jobs[0]
    assert three.product_ids == (P1_ID, P2_ID, third_id)
    assert three.output_path.endswith("txxxxxx.tif")


def test_json_round_trip():
    offline = replace(R2, availability="offline")
    result = plan_tile(
        [R1, offline, R3],
        TILE,
        replace(JAN, last_date=date(2020, 1, 31), min_coverage_pct=99.5),
        output_dir=OUT,
        with_mask=True,
    )
    assert result.waiting and result.dropped
    text = result.to_json()
    assert "\n" not in text
    data = json.loads(text)
    assert data["counts"] == {"todo": 0, "done": 0, "waiting": 2, "empty": 0, "dropped": 2}
    assert PlanResult.from_json(text) == result
    assert PlanResult.from_json(result.to_json(indent=2)) == result


def test_disk_scan_and_catalogue_records(tmp_path):
    build_safe_dir(tmp_path)
    build_safe_dir(tmp_path, SafeSpec(product_id=P2_ID, coordinates=P2_COORDS))
    on_disk = scan_products(tmp_path)
    catalogue = [
        replace(R1, availability="online", download_link="http://127.0.0.1/p1.zip"),
        replace(R3, availability="offline"),
    ]
    merged = merge_records(catalogue, on_disk)
    assert [(r.name, r.availability) for r in merged] == [
        (P1_ID, "on_disk"),
        (P2_ID, "on_disk"),
        (P3_ID, "offline"),
    ]
    assert merged[0].download_link == "http://127.0.0.1/p1.zip"
    job = plan_tile(merged, TILE, JAN, output_dir=tmp_path / "out").jobs[0]
    assert job.product_paths == (str(tmp_path / f"{P1_ID}.SAFE"), str(tmp_path / f"{P2_ID}.SAFE"))
    assert job.needs_download == ()


def test_existing_outputs(tmp_path):
    assert existing_outputs(tmp_path, "33NWB") == frozenset()
    (tmp_path / "33NWB").mkdir()
    (tmp_path / "33NWB" / "s1a_33NWB_vv_DES_007_20200108txxxxxx.tif").write_bytes(b"")
    assert existing_outputs(tmp_path, "33NWB") == {"s1a_33NWB_vv_DES_007_20200108txxxxxx.tif"}


def synthetic_catalogue(n: int, seed: int = 1) -> list[ProductRecord]:
    """n products: two years of S1A and S1B passes over the tile, the rest elsewhere.

    Over the tile: 4 tracks (2 descending, 2 ascending) every 12 days per
    unit, 2 slices each (the real 33NWB pair, shifted per track): 976
    products, about what a real catalogue holds for one tile over 2 years.
    """
    rng = random.Random(seed)
    tracks = [(7, "DES", 0.0), (80, "DES", -1.2), (36, "ASC", 0.8), (138, "ASC", -0.6)]
    pair = [parse_footprint(P1_COORDS), parse_footprint(P2_COORDS)]
    records: list[ProductRecord] = []

    def add(unit: str, moment: datetime, footprint, relorb: int, direction: str) -> None:
        i = len(records)
        stamp = f"{moment:%Y%m%dT%H%M%S}"
        stop = f"{moment + timedelta(seconds=25):%Y%m%dT%H%M%S}"
        pid = ProductId.parse(f"{unit}_IW_GRDH_1SDV_{stamp}_{stop}_{i:06d}_038506_{i % 65536:04X}")
        availability = rng.choice(["on_disk", "online", "offline"])
        records.append(ProductRecord(pid, footprint, relorb, direction, ("vv", "vh"), availability))

    first = datetime(2020, 1, 1, 4, 41, 50)
    for cycle in range(61):
        for unit, offset in (("S1A", 0), ("S1B", 6)):
            for k, (relorb, direction, dlon) in enumerate(tracks):
                moment = first + timedelta(days=12 * cycle + offset + k, hours=13 * (k % 2))
                for j, shape in enumerate(pair):
                    add(
                        unit,
                        moment + timedelta(seconds=25 * j),
                        affinity.translate(shape, xoff=dlon),
                        relorb,
                        direction,
                    )
    while len(records) < n:
        lon, lat = rng.uniform(-170, 170), rng.uniform(-60, 70)
        if abs(lon - 15) < 10 and abs(lat - 1) < 10:
            continue
        moment = first + timedelta(days=rng.randrange(730), seconds=rng.randrange(86400))
        footprint = parse_footprint(
            f"{lat + 1},{lon} {lat + 0.5},{lon + 2.2} {lat - 1},{lon + 1.9} {lat - 0.5},{lon - 0.3}"
        )
        add("S1A", moment, footprint, rng.randrange(1, 176), rng.choice(["ASC", "DES"]))
    return records


def test_10000_products_plan_the_same_from_a_list_or_an_index():
    # How fast: bench/bench_plan.py prints it (a timed assertion here would flake under load).
    catalogue = synthetic_catalogue(10_000)
    filters = PlanFilters(date(2020, 1, 1), date(2021, 12, 31), min_coverage_pct=10)
    result = plan_tile(catalogue, TILE, filters, output_dir=OUT)
    # 61 cycles x 2 units x 4 tracks, each a pair, 2 polarisations.
    assert len(result.jobs) + len(result.dropped) == 976
    index = ProductIndex(catalogue)
    assert plan_tile(index, TILE, filters, output_dir=OUT) == result


def _request(tmp_path, *, ratio: int = 0, masks: bool = True) -> Path:
    return write_request(
        tmp_path / REQUEST_NAME,
        RequestPaths.under(tmp_path),
        tiles="33NWB",
        data_source={"polarisation": "VV-VH", "tile_to_product_overlap_ratio": ratio},
        mask={"generate_border_mask": masks},
    )


def test_cli_plan(tmp_path, capsys):
    from s1ops.cli import main

    cfg = _request(tmp_path)
    s1 = tmp_path / "s1"
    s1.mkdir()
    build_safe_dir(s1)
    build_safe_zip(s1, SafeSpec(product_id=P2_ID, coordinates=P2_COORDS))
    (tmp_path / "out" / "33NWB").mkdir(parents=True)
    for name in (
        "s1a_33NWB_vh_DES_007_20200108txxxxxx.tif",
        "s1a_33NWB_vh_DES_007_20200108txxxxxx_BorderMask.tif",
    ):
        (tmp_path / "out" / "33NWB" / name).write_bytes(b"")
    assert main(["plan", str(cfg), "--tile", "33NWB"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    result = PlanResult.from_json(out)
    assert [(j.polarisation, j.status) for j in result.jobs] == [("vv", "todo"), ("vh", "done")]
    vv = result.jobs[0]
    assert vv.output_path == f"{tmp_path}/out/33NWB/s1a_33NWB_vv_DES_007_20200108txxxxxx.tif"
    assert vv.mask_path.endswith("txxxxxx_BorderMask.tif")
    assert vv.product_paths == (str(s1 / f"{P1_ID}.SAFE"), str(s1 / f"{P2_ID}.zip"))

    # Narrower dates, another products folder, catalogue records.
    other = tmp_path / "other"
    other.mkdir()
    build_safe_dir(other)
    records = tmp_path / "records.json"
    records.write_text(json.dumps([replace(R2, availability="offline").to_dict()]))
    assert (
        main(
            [
                "plan",
                str(cfg),
                "--tile",
                "33NWB",
                "--from",
                "2020-01-08",
                "--to",
                "2020-01-08",
                "--products-dir",
                str(other),
                "--records",
                str(records),
            ]
        )
        == 0
    )
    result = PlanResult.from_json(capsys.readouterr().out)
    assert result.first_date == result.last_date == date(2020, 1, 8)
    assert [j.status for j in result.jobs] == ["waiting", "done"]
    assert result.jobs[0].waiting_for == (P2_ID,)


def test_cli_plan_errors(tmp_path, capsys):
    from s1ops.cli import main

    cfg = _request(tmp_path)
    # No products folder and download off: nothing would ever fill it, an error
    # (an empty plan every day would hide it).
    assert main(["plan", str(cfg), "--tile", "33NWB"]) == 2
    assert "[Paths] s1_images = " in capsys.readouterr().err
    # An empty products folder: an empty plan.
    (tmp_path / "s1").mkdir()
    assert main(["plan", str(cfg), "--tile", "33NWB"]) == 0
    assert PlanResult.from_json(capsys.readouterr().out).jobs == ()
    assert main(["plan", str(cfg), "--tile", "33NWZ"]) == 2
    assert "33NWZ" in capsys.readouterr().err
    assert main(["plan", str(cfg), "--tile", "33NWB", "--from", "2020-02-01"]) == 2
    assert "after last date" in capsys.readouterr().err
    assert main(["plan", str(cfg), "--tile", "33NWB", "--products-dir", str(tmp_path / "x")]) == 2
    assert "does not exist" in capsys.readouterr().err
    bad = tmp_path / "records.json"
    bad.write_text('[{"product_id": "S1A_nonsense"}]')
    assert main(["plan", str(cfg), "--tile", "33NWB", "--records", str(bad)]) == 2
    assert "S1A_nonsense" in capsys.readouterr().err
    bad.write_text("[{")
    assert main(["plan", str(cfg), "--tile", "33NWB", "--records", str(bad)]) == 2
    assert "--records" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["plan", str(cfg), "--tile", "33NWB", "--to", "2020-13-01"])


def test_real_product_over_32NNJ():
    # DESIGN.md: this product covers ~99.8 % of 32NNJ. Footprint from the
    # outline of its real annotation's geolocation grid.
    annotation = read_annotation(real_annotation())
    pid = ProductId.parse(IW_GRD_ID)
    product = ProductRecord(pid, annotation.footprint, 51, "DES", ("vv", "vh"))
    filters = PlanFilters(date(2015, 12, 15), date(2015, 12, 15), min_coverage_pct=99)
    result = plan_tile([product], parse_tile_id("32NNJ"), filters, output_dir=OUT)
    vv = result.jobs[0]
    assert vv.output_path == f"{OUT}/32NNJ/s1a_32NNJ_vv_DES_051_20151215t050546.tif"
    assert 99.8 < vv.coverage_pct < 99.9
    # The neighbouring tile to the east is only partly covered.
    east = plan_tile([product], parse_tile_id("32NPJ"), filters, output_dir=OUT)
    assert east.jobs == () and 0 < east.dropped[0].coverage_pct < 99
