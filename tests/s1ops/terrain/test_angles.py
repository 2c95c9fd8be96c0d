"""Incidence angles on the S2 grid against the annotation and against analytic relief."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyproj
import pytest

from s1ops.grid import parse_tile_id
from s1ops.processing.dem import dem_coverage
from s1ops.terrain.angles import MapGrid, local_incidence, range_plane_angle, surface_normals
from s1ops.terrain.ellipsoid import ellipsoid_normal, geodetic_to_ecef
from s1ops.terrain.geoid import Geoid
from s1ops.terrain.maps import TerrainRequest, make_maps
from s1ops.terrain.orbit import Orbit, orbit_from_annotation
from s1ops.testing.dem import make_flat_dem
from s1ops.testing.synth_safe import SynthSpec, make_product

TILE = parse_tile_id("32NNJ")  # under the template product's footprint
RESOLUTION_M = 200.0


@pytest.fixture(scope="module")
def annotation_xml(otb_data: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    # A synthetic product: its geolocation grid lies 0 m above the geoid, as the flat DEM.
    safe = make_product(SynthSpec(scale=20), tmp_path_factory.mktemp("product"), otb_data)
    return next((safe / "annotation").glob("*-vv-*.xml")).read_bytes()


@pytest.fixture(scope="module")
def geoid(otb_data: Path) -> Geoid:
    return Geoid.read(otb_data / "Input" / "DEM" / "egm96.grd")


def _grid_points(xml: bytes) -> dict[str, np.ndarray]:
    points = ET.fromstring(xml).findall(".//geolocationGridPoint")
    keys = ("latitude", "longitude", "height", "incidenceAngle")
    return {k: np.array([float(p.findtext(k) or "nan") for p in points]) for k in keys}


def _exact_lat_lon(grid: MapGrid, rows: slice) -> tuple[np.ndarray, np.ndarray]:
    """Each pixel centre's latitude and longitude from pyproj (the code interpolates them)."""
    r = grid.resolution_m
    x = grid.ulx + (np.arange(grid.width) + 0.5) * r
    y = grid.uly - (np.arange(rows.start, rows.stop) + 0.5) * r
    to_lonlat = pyproj.Transformer.from_crs(grid.epsg, 4326, always_xy=True)
    lon, lat = to_lonlat.transform(*np.meshgrid(x, y))
    return lat, lon


def _cubic_surface(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    return np.stack([lat**i * lon**j for i in range(4) for j in range(4 - i)], axis=-1)


def test_flat_dem_lia_is_the_annotation_incidence_everywhere_on_the_tile(
    annotation_xml: bytes, geoid: Geoid, tmp_path: Path
) -> None:
    make_flat_dem(TILE.footprint_lonlat(), tmp_path / "dem", 0)
    cells, _ = dem_coverage(TILE.footprint_lonlat(), tmp_path / "dem")
    request = TerrainRequest(
        tile=TILE,
        relative_orbit=1,
        orbit_direction="DES",
        resolution_m=RESOLUTION_M,
        lia_dir=tmp_path / "lia",
        lia_degrees=True,
    )
    orbit = orbit_from_annotation(annotation_xml)
    sin_path, deg_path = make_maps(
        request, orbit, dem_cells=cells, geoid=geoid, source_product="P", software="test"
    )
    from osgeo import gdal

    sin = gdal.Open(str(sin_path)).ReadAsArray().astype(float)
    centi = gdal.Open(str(deg_path)).ReadAsArray()
    lia = np.degrees(np.arcsin(sin))
    # The annotation's incidence angles, interpolated by a cubic surface in lat/lon
    # (which fits the grid's own points to a thousandth of a degree).
    grid = _grid_points(annotation_xml)
    lat0, lon0 = grid["latitude"].mean(), grid["longitude"].mean()
    design = _cubic_surface(grid["latitude"] - lat0, grid["longitude"] - lon0)
    coef, *_ = np.linalg.lstsq(design, grid["incidenceAngle"], rcond=None)
    assert np.abs(design @ coef - grid["incidenceAngle"]).max() < 0.002
    lat, lon = _exact_lat_lon(request.grid, slice(0, request.grid.height))
    expected = _cubic_surface(lat - lat0, lon - lon0) @ coef

    assert np.isfinite(lia).all()
    assert np.abs(lia - expected).max() < 0.05
    # Hundredths of a degree, rounded (lia itself went through a float32 sine).
    assert np.abs(centi / 100.0 - lia).max() < 0.0051
    assert request.missing() == {}
    # Names do not carry the resolution: maps of another grid count as missing.
    assert set(replace(request, resolution_m=400.0).missing()) == {"sin_LIA", "LIA"}


def test_ellipsoid_incidence_matches_esa_annotation_grid(otb_data: Path) -> None:
    # ESA's own template annotation: its incidence angles at its grid points.
    from s1ops.testing import annotation

    xml = annotation.template_path(otb_data, "vv").read_bytes()
    grid = _grid_points(xml)
    ground = geodetic_to_ecef(grid["latitude"], grid["longitude"], grid["height"])
    sensor, valid = orbit_from_annotation(xml).zero_doppler(ground)
    normal = ellipsoid_normal(grid["latitude"], grid["longitude"])
    found = range_plane_angle(normal, ground, sensor)
    assert valid.all()
    assert np.abs(found - grid["incidenceAngle"]).max() < 0.01


def _analytic_lia(
    grid: MapGrid,
    slope_x: np.ndarray,
    slope_y: np.ndarray,
    orbit: Orbit,
    rows: slice,
    surface: np.ndarray | None = None,
) -> np.ndarray:
    """The angle between the look vector and the normal of a surface of the given slopes,
    from the map projection's own scale and convergence (pyproj) instead of neighbouring
    pixels; ``surface``: heights on ``grid.bordered()`` (default: the plane's)."""
    lat, lon = _exact_lat_lon(grid, rows)
    if surface is None:
        surface = _plane(grid, slope_x, slope_y)
    heights = surface[rows.start + 1 : rows.stop + 1, 1:-1]
    proj = pyproj.Proj(f"EPSG:{grid.epsg}")
    factors = proj.get_factors(lon, lat)
    gamma = np.radians(factors.meridian_convergence)
    k = factors.meridional_scale
    sx, sy = slope_x[rows] * k, slope_y[rows] * k  # dh per metre on the ground
    # Grid x and y axes in east/north components (the grid is turned by gamma).
    d_east = sx * np.cos(gamma) - sy * np.sin(gamma)
    d_north = sx * np.sin(gamma) + sy * np.cos(gamma)
    la, lo = np.radians(lat), np.radians(lon)
    east = np.stack([-np.sin(lo), np.cos(lo), np.zeros_like(lo)], axis=-1)
    north = np.stack([-np.sin(la) * np.cos(lo), -np.sin(la) * np.sin(lo), np.cos(la)], axis=-1)
    up = ellipsoid_normal(lat, lon)
    normal = up - d_east[..., None] * east - d_north[..., None] * north
    normal /= np.linalg.norm(normal, axis=-1)[..., None]
    ground = geodetic_to_ecef(lat, lon, heights)
    sensors = np.array(
        [orbit.state(np.array([orbit.time_of(p)]))[0][0] for p in ground.reshape(-1, 3)]
    )
    look = sensors.reshape(ground.shape) - ground
    look /= np.linalg.norm(look, axis=-1)[..., None]
    across = np.cross(ground, look)
    across /= np.linalg.norm(across, axis=-1)[..., None]
    projected = normal - np.sum(normal * across, axis=-1)[..., None] * across
    cos = np.sum(projected * look, axis=-1) / np.linalg.norm(projected, axis=-1)
    return np.degrees(np.arccos(cos))


def _plane(grid: MapGrid, slope_x: np.ndarray, slope_y: np.ndarray) -> np.ndarray:
    """Heights on ``grid.bordered()`` of a surface with the given slopes per grid cell
    (metres per metre, along x and along y towards north), integrated from 0."""
    border = grid.bordered()
    r = grid.resolution_m
    sx = np.pad(slope_x, 1, mode="edge")
    sy = np.pad(slope_y, 1, mode="edge")
    x = np.arange(border.width) * r
    y = (border.height - 1 - np.arange(border.height)) * r
    return 500.0 + sx * x[None, :] + sy * y[:, None]


@pytest.mark.parametrize(
    "slope_x, slope_y",
    [
        (0.3, 0.0),  # a 17 degree slope facing east, away from the sensor
        (-0.3, 0.0),  # facing the sensor
        (0.0, 0.25),  # rising north, along the track
        (0.2, -0.2),
        (-1.5, 0.0),  # 56 degrees towards the sensor: steeper than the incidence (layover)
        (1.5, 0.0),  # 56 degrees away from it: beyond 90 degrees (shadow)
    ],
)
def test_tilted_planes_give_the_analytic_angle(
    annotation_xml: bytes, slope_x: float, slope_y: float
) -> None:
    # 4 km square: even the steepest plane stays under 7 km, where the ground is
    # still the ellipsoid's size (the analytic normal ignores the height's scale).
    grid = MapGrid(TILE.epsg, TILE.ulx + 30e3, TILE.uly - 50e3, 40, 40, 100.0)
    sx = np.full((grid.height, grid.width), slope_x)
    sy = np.full((grid.height, grid.width), slope_y)
    orbit = orbit_from_annotation(annotation_xml)
    rows = slice(10, 14)
    found = local_incidence(grid, _plane(grid, sx, sy), None, orbit, rows)
    expected = _analytic_lia(grid, sx, sy, orbit, rows)
    assert np.isfinite(found).all()
    assert np.abs(found - expected).max() < 0.1
    if slope_x == 1.5:
        assert (found > 90).all()  # in shadow: the slope turns its back on the sensor


def test_a_ridge_has_each_face_s_angle_and_no_gap_at_the_crest(annotation_xml: bytes) -> None:
    grid = MapGrid(TILE.epsg, TILE.ulx + 30e3, TILE.uly - 50e3, 40, 40, 100.0)
    border = grid.bordered()
    crest = border.width // 2
    x = np.arange(border.width, dtype=float)
    ridge = 500.0 + 0.5 * grid.resolution_m * (crest - np.abs(x - crest))
    heights = np.repeat(ridge[None, :], border.height, axis=0)
    orbit = orbit_from_annotation(annotation_xml)
    rows = slice(10, 14)
    found = local_incidence(grid, heights, None, orbit, rows)
    ones = np.ones((grid.height, grid.width))
    rising = _analytic_lia(grid, 0.5 * ones, 0 * ones, orbit, rows, heights)
    falling = _analytic_lia(grid, -0.5 * ones, 0 * ones, orbit, rows, heights)
    west, east = slice(0, crest - 2), slice(crest + 1, None)  # tile columns off the crest
    assert np.isfinite(found).all()
    assert np.abs(found[:, west] - rising[:, west]).max() < 0.1
    assert np.abs(found[:, east] - falling[:, east]).max() < 0.1
    # On the crest the two faces average out: the flat ground's angle, between them.
    top = found[:, crest - 1]
    assert ((falling[:, crest - 1] < top) & (top < rising[:, crest - 1])).all()


def test_interpolated_coordinates_and_times_match_the_exact_ones_on_rough_relief(
    annotation_xml: bytes, geoid: Geoid
) -> None:
    # Geographic coordinates, geoid and zero-Doppler times are solved every 16 pixels and
    # interpolated: against each pixel solved exactly, on relief of 300 to 2 700 m.
    grid = MapGrid(TILE.epsg, TILE.ulx, TILE.uly, 10980, 10980, 10.0)
    rows = slice(5000, 5020)
    around = slice(rows.start, rows.stop + 2)
    yy, xx = np.mgrid[around, 0 : grid.width + 2]
    dem = np.full((grid.height + 2, grid.width + 2), np.nan)
    dem[around] = 1500 + 1200 * np.sin(xx / 37.0) * np.cos(yy / 53.0)
    orbit = orbit_from_annotation(annotation_xml)
    found = local_incidence(grid, dem, geoid, orbit, rows)

    lat, lon = _exact_lat_lon(grid.bordered(), around)
    points = geodetic_to_ecef(lat, lon, dem[around] + geoid.height(lat, lon))
    ground = points[1:-1, 1:-1]
    sensor, valid = orbit.zero_doppler(ground.reshape(-1, 3))
    exact = range_plane_angle(surface_normals(points), ground, sensor.reshape(ground.shape))
    assert valid.all()
    assert np.abs(found - exact).max() < 0.001
