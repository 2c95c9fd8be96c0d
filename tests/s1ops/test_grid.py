"""S2 tile geometry from the tile id, checked against ESA's grid."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import MultiPolygon, Point, Polygon

from s1ops.cli import main
from s1ops.errors import TileIdError
from s1ops.grid import TILE_SIZE_M, S2Tile, enumerate_tile_ids, parse_tile_id
from s1ops.grid_footprints import footprints_lonlat, tile_dicts
from s1ops.grid_squares import TABLE_MODULE, derive_table, render_table

SAMPLE_CSV = Path(__file__).parents[1] / "data" / "s2_tiles_sample.csv"
# ESA's lower-right corners come rounded to the centimetre (one is 609779.99 for
# 609780): allow that rounding, not more.
LR_TOLERANCE_M = 0.01 + 1e-6


def _sample_rows() -> list[dict[str, str]]:
    with SAMPLE_CSV.open(newline="") as f:
        return list(csv.DictReader(f))


def test_every_esa_sample_tile_matches() -> None:
    rows = _sample_rows()
    assert len(rows) == 500
    mismatches = []
    for row in rows:
        tile = parse_tile_id(row["tile"])
        ok = (
            tile.tile_id == row["tile"]
            and tile.epsg == int(row["epsg"])
            and tile.ulx == float(row["ulx"])
            and tile.uly == float(row["uly"])
            and abs(tile.lrx - float(row["lrx"])) <= LR_TOLERANCE_M
            and abs(tile.lry - float(row["lry"])) <= LR_TOLERANCE_M
        )
        if not ok:
            mismatches.append((row, tile))
    assert mismatches == []


def test_lower_right_is_exactly_one_tile_size_from_upper_left() -> None:
    # 01CEH's CSV lrx is 609779.99: ESA's rounding, the tile is 10 980 px of 10 m.
    tile = parse_tile_id("01CEH")
    assert (tile.lrx, tile.lry) == (609780.0, 690220.0)
    assert tile.bounds == (499980.0, 690220.0, 609780.0, 800020.0)
    assert tile.size_m == TILE_SIZE_M == 10980 * 10


@pytest.mark.parametrize(
    ("tile_id", "epsg", "ul"),
    [
        ("33NWB", 32633, (499980.0, 200040.0)),
        ("31TCJ", 32631, (300000.0, 4900020.0)),
        # Values from ESA's KML as published with its grid files.
        ("33XVP", 32633, (399960.0, 9400020.0)),
        ("01CCV", 32701, (300000.0, 2000020.0)),
    ],
)
def test_known_upper_left_corners(tile_id: str, epsg: int, ul: tuple[float, float]) -> None:
    tile = parse_tile_id(tile_id)
    assert (tile.epsg, tile.ulx, tile.uly) == (epsg, *ul)


def test_properties() -> None:
    north = parse_tile_id("33NWB")
    assert (north.zone, north.north, north.band) == (33, True, "N")
    south = parse_tile_id("01CEH")
    assert (south.zone, south.north, south.band) == (1, False, "C")


@pytest.mark.parametrize("text", ["t33nwb", "T33NWB", " 33nwb\n", "t33NwB"])
def test_normalises_case_prefix_and_spaces(text: str) -> None:
    assert parse_tile_id(text) == parse_tile_id("33NWB")
    assert parse_tile_id(text).tile_id == "33NWB"


def test_southern_lattice_is_anchored_on_the_false_northing() -> None:
    # North edge 800 000 m: 800 040 on a lattice from 0, 800 020 from 10 000 000.
    assert parse_tile_id("01CEH").uly == 800020.0
    # 8 100 000 m south of the false northing is a lattice line: no snapping.
    assert parse_tile_id("05CNU").uly == 1900000.0
    assert parse_tile_id("01CEH").epsg == 32701


@pytest.mark.parametrize(
    ("tile_id", "uly"),
    [
        ("01CEH", 800020.0),  # band C squares continue south of 80 S, down to about 83.7 S
        ("10CEN", 800020.0),  # same row in an even zone (row letters shifted by 5)
        ("23CMK", 1000000.0),
        ("25XEL", 9100020.0),  # band X rows reach 84 N
        ("08XMR", 9100020.0),
    ],
)
def test_polar_band_rows(tile_id: str, uly: float) -> None:
    assert parse_tile_id(tile_id).uly == uly


def test_norway_exception_widens_zone_32v() -> None:
    # Square KN lies west of 6 E: in grid zone 32V only because it spans 3-12 E.
    assert (parse_tile_id("32VKN").ulx, parse_tile_id("32VKN").uly) == (199980.0, 6800040.0)


@pytest.mark.parametrize(
    ("tile_id", "ul"),
    [
        # In ESA's grid though MGRS's 31V stops at 3 E: ESA keeps 31V at full width.
        ("31VEC", (499980.0, 6300000.0)),
        ("31VED", (499980.0, 6400020.0)),
        ("31VFL", (600000.0, 7100040.0)),
        # Named after band W, they meet their zone only in its widened X part.
        ("31WGV", (699960.0, 8000040.0)),
        ("33WYV", (699960.0, 8000040.0)),
        ("35WQV", (699960.0, 8000040.0)),
    ],
)
def test_tiles_of_the_norway_and_svalbard_exceptions(tile_id: str, ul: tuple[float, float]) -> None:
    tile = parse_tile_id(tile_id)
    assert (tile.epsg, tile.ulx, tile.uly) == (32600 + int(tile_id[:2]), *ul)
    assert tile_id in enumerate_tile_ids()


def test_the_saved_square_table_is_what_the_geometry_gives() -> None:
    # If this fails after a change of rule: python -m s1ops.grid_squares
    assert TABLE_MODULE.read_text() == render_table(derive_table())


def test_decoding_ids_needs_no_geometry_library() -> None:
    code = (
        "import sys; from s1ops.grid import parse_tile_id, enumerate_tile_ids; "
        "parse_tile_id('33NWB'); enumerate_tile_ids(); "
        "print(sorted({'numpy', 'shapely', 'pyproj'} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_square_across_a_band_boundary_has_the_same_geometry_under_both_bands() -> None:
    # ESA names it 50TMK (most of it lies north of 40 N); MGRS allows 50SMK too.
    assert parse_tile_id("50SMK").bounds == parse_tile_id("50TMK").bounds


@pytest.mark.parametrize(
    ("tile_id", "reason"),
    [
        ("00NWB", "zone 00 is outside 01-60"),
        ("61NWB", "zone 61 is outside 01-60"),
        ("33IWB", "band 'I'"),
        ("33OWB", "band 'O'"),
        ("33AWB", "band 'A'"),
        ("33BWB", "band 'B'"),
        ("33YWB", "band 'Y'"),
        ("33ZWB", "band 'Z'"),
        ("31TJJ", "column letter 'J' is not used in UTM zone 31 (its columns are A-H)"),
        ("33NAB", "column letter 'A' is not used in UTM zone 33 (its columns are S-Z)"),
        ("32TAB", "column letter 'A' is not used"),
        ("33NWW", "row letter 'W' is not one of A-V"),
        ("33NWI", "row letter 'I'"),
        ("33NWO", "row letter 'O'"),
        ("33NWM", "row letter 'M' is impossible in band N"),
        ("31TCB", "row letter 'B' is impossible in band T"),
        ("33XSA", "column 'S' lies outside grid zone 33X"),
        ("31UAA", "column 'A' lies outside grid zone 31U"),
        ("01CEG", "row letter 'G' is impossible in band C"),  # south of ESA's last C row
        ("32XNN", "grid zone 32X does not exist"),  # MGRS Svalbard exception
        ("34XEJ", "grid zone 34X does not exist"),
        ("31VGJ", "column 'G' lies outside grid zone 31V"),
        ("31WHV", "column 'H' lies outside grid zone 31W"),
    ],
)
def test_impossible_ids_are_errors(tile_id: str, reason: str) -> None:
    with pytest.raises(TileIdError) as info:
        parse_tile_id(tile_id)
    assert info.value.tile_id == tile_id
    assert reason in str(info.value)
    assert repr(tile_id) in str(info.value)


@pytest.mark.parametrize(
    "text", ["", "   ", "33NW", "33NWBB", "3NWB", "333NWB", "hello", "33 NWB", "33-WB", "TT33NWB"]
)
def test_malformed_text_is_an_error(text: str) -> None:
    with pytest.raises(TileIdError, match="expected 'ZZBRR'"):
        parse_tile_id(text)


def _centre_lonlat(tile: S2Tile) -> tuple[float, float]:
    transformer = Transformer.from_crs(tile.epsg, 4326, always_xy=True)
    return transformer.transform(tile.ulx + tile.size_m / 2, tile.uly - tile.size_m / 2)


@pytest.mark.parametrize("tile_id", ["33NWB", "31TCJ", "01CEH", "25XEL", "32VKN", "19ECT"])
def test_footprint_contains_centre_and_has_the_tile_area(tile_id: str) -> None:
    tile = parse_tile_id(tile_id)
    footprint = tile.footprint_lonlat()
    assert isinstance(footprint, Polygon)
    assert footprint.is_valid
    assert len(footprint.exterior.coords) == 4 * 10 + 1
    assert footprint.contains(Point(_centre_lonlat(tile)))
    area_m2, _ = Geod(ellps="WGS84").geometry_area_perimeter(footprint)
    # Counter-clockwise ring; UTM's scale factor (0.9996 to ~1.001) bounds the true area.
    assert area_m2 == pytest.approx(TILE_SIZE_M**2, rel=5e-3)


def test_footprint_across_the_antimeridian_is_split() -> None:
    tile = parse_tile_id("01CCV")
    footprint = tile.footprint_lonlat()
    assert isinstance(footprint, MultiPolygon)
    assert len(footprint.geoms) == 2
    minx, _, maxx, _ = footprint.bounds
    assert (minx, maxx) == (-180.0, 180.0)
    assert footprint.contains(Point(177.5, -72.5)) and footprint.contains(Point(-179.8, -72.5))
    assert not footprint.contains(Point(0.0, -72.5))
    area_m2 = sum(Geod(ellps="WGS84").geometry_area_perimeter(g)[0] for g in footprint.geoms)
    assert area_m2 == pytest.approx(TILE_SIZE_M**2, rel=5e-3)


def test_bulk_footprints_equal_single_ones() -> None:
    tiles = [parse_tile_id(t) for t in ("33NWB", "01CCV", "31TCJ", "33NWB", "60CWT")]
    bulk = footprints_lonlat(tiles, points_per_edge=4)
    assert len(bulk) == len(tiles)
    for tile, footprint in zip(tiles, bulk, strict=True):
        assert footprint.equals_exact(tile.footprint_lonlat(points_per_edge=4), 1e-9)
    assert footprints_lonlat([]) == []


def test_to_dict_and_wkt() -> None:
    record = parse_tile_id("33nwb").to_dict()
    assert record == tile_dicts([parse_tile_id("33NWB")])[0]
    assert {k: v for k, v in record.items() if k != "footprint_wkt"} == {
        "tile_id": "33NWB",
        "epsg": 32633,
        "ulx": 499980.0,
        "uly": 200040.0,
        "lrx": 609780.0,
        "lry": 90240.0,
        "size_m": 109800.0,
    }
    footprint = shapely.from_wkt(record["footprint_wkt"])
    assert footprint.equals_exact(parse_tile_id("33NWB").footprint_lonlat(), 1e-6)


def test_enumerated_grid_holds_every_sample_tile_and_parses() -> None:
    ids = enumerate_tile_ids()
    assert len(ids) == len(set(ids))
    assert {row["tile"] for row in _sample_rows()} <= set(ids)
    for tile_id in ids:
        parse_tile_id(tile_id)


def test_cli_prints_one_json_line_per_tile(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tile-info", "33NWB", "t31tcj"]) == 0
    out, err = capsys.readouterr()
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["tile_id"] for r in records] == ["33NWB", "31TCJ"]
    assert records[1]["uly"] == 4900020.0
    assert set(records[0]) == {
        "tile_id", "epsg", "ulx", "uly", "lrx", "lry", "size_m", "footprint_wkt"
    }  # fmt: skip
    assert err == ""


def test_cli_reports_each_invalid_id_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tile-info", "61NWB", "33NWB", "31TJJ"]) == 2
    out, err = capsys.readouterr()
    assert [json.loads(line)["tile_id"] for line in out.splitlines()] == ["33NWB"]
    assert "'61NWB'" in err and "'31TJJ'" in err


def test_cli_reads_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("33NWB 01CCV\nT31TCJ\n\n"))
    assert main(["tile-info"]) == 0
    out, _ = capsys.readouterr()
    assert [json.loads(line)["tile_id"] for line in out.splitlines()] == ["33NWB", "01CCV", "31TCJ"]


def test_cli_without_any_id_is_an_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["tile-info"]) == 2
    assert "no tile id" in capsys.readouterr().err
