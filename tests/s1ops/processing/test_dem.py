"""Tests of SRTM cell selection."""

from __future__ import annotations

import pytest
from shapely.geometry import Polygon, box

from s1ops.errors import DemError
from s1ops.processing.dem import cell_corner, cell_name, cells_covering, dem_coverage, require_dem
from s1ops.sentinel1.safe import parse_footprint
from s1ops.testing.dem import write_flat_cell
from tests.s1ops.safe_builder import P1_COORDS, P2_COORDS


@pytest.mark.parametrize(
    ("lat", "lon", "name"),
    [
        (2, 9, "N02E009"),
        (-1, -72, "S01W072"),
        (0, 0, "N00E000"),
        (-90, -180, "S90W180"),
        (89, 179, "N89E179"),
        (0, -1, "N00W001"),
        (-1, 0, "S01E000"),
    ],
)
def test_cell_names(lat, lon, name):
    assert cell_name(lat, lon) == name
    assert cell_corner(name) == (lat, lon)


def test_cell_name_errors():
    with pytest.raises(ValueError):
        cell_name(90, 0)
    with pytest.raises(ValueError):
        cell_corner("N2E9")


def test_cells_of_real_footprints():
    # S1Tiling's test data lists the cells these two real products need.
    assert cells_covering(parse_footprint(P1_COORDS)) == [
        "N00E014",
        "N00E015",
        "N00E016",
        "N01E014",
        "N01E015",
        "N01E016",
        "N02E014",
        "N02E015",
        "N02E016",
    ]
    # Its bounding box spans 12 cells; the tilted polygon misses 3 of them.
    assert cells_covering(parse_footprint(P2_COORDS)) == [
        "N00E013",
        "N00E014",
        "N00E015",
        "N00E016",
        "N01E014",
        "S01E013",
        "S01E014",
        "S01E015",
        "S01E016",
    ]


def test_cells_touching_only_are_left_out():
    assert cells_covering(box(9, 2, 10, 3)) == ["N02E009"]
    assert cells_covering(box(-72.5, -1.5, -71.5, -0.5)) == [
        "S01W072",
        "S01W073",
        "S02W072",
        "S02W073",
    ]
    assert cells_covering(Polygon()) == []


def test_dem_coverage_and_require(tmp_path):
    footprint = box(14.2, 0.2, 15.5, 1.5)
    write_flat_cell(tmp_path / "N00E014.hgt", 0, arcsec=3)
    write_flat_cell(tmp_path / "n01e014.hgt", 0, arcsec=3)  # lower-case names are found too
    present, missing = dem_coverage(footprint, tmp_path)
    assert [p.name for p in present] == ["N00E014.hgt", "n01e014.hgt"]
    assert missing == ["N00E015", "N01E015"]
    with pytest.raises(DemError) as err:
        require_dem(footprint, tmp_path)
    assert err.value.missing == ["N00E015", "N01E015"]
    assert "N00E015, N01E015" in str(err.value)
    # Cells SRTM does not have (open sea) are not missing.
    known = {"N00E014", "N01E014"}
    assert len(require_dem(footprint, tmp_path, known_cells=known)) == 2


def test_cells_of_tile_33NWB():
    from s1ops.grid import parse_tile_id

    # The four cells S1Tiling's test data lists for this tile.
    tile = parse_tile_id("33NWB")
    assert cells_covering(tile.footprint_lonlat()) == ["N00E014", "N00E015", "N01E014", "N01E015"]


def test_cells_of_a_real_annotation_footprint():
    from s1ops.sentinel1.safe import read_annotation
    from tests.s1ops.safe_builder import real_annotation

    footprint = read_annotation(real_annotation()).footprint
    # lon 8.28..10.87, lat 1.65..3.88: its tilt still reaches all 3 x 3 cells.
    assert cells_covering(footprint) == [
        f"N0{lat}E0{lon:02d}" for lat in (1, 2, 3) for lon in (8, 9, 10)
    ]
