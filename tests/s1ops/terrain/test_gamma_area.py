"""Gamma areas on the S2 grid against the annotation's image grid and against the exact
area of planes, computed point by point with the full orbit interpolation."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyproj
import pytest

from s1ops.grid import parse_tile_id
from s1ops.terrain.angles import MapGrid, ellipsoid_incidence
from s1ops.terrain.ellipsoid import geodetic_to_ecef
from s1ops.terrain.gamma_area import dem_grid, gamma_areas
from s1ops.terrain.orbit import Orbit, OrbitError, orbit_from_annotation
from s1ops.terrain.radar_grid import RadarGrid, radar_grid_from_annotation
from s1ops.testing.synth_safe import SynthSpec, make_product

TILE = parse_tile_id("32NNJ")  # under the template product's footprint
RESOLUTION_M = 200.0
SPEED_OF_LIGHT = 299_792_458.0
Heights = Callable[[np.ndarray, np.ndarray], np.ndarray]


@pytest.fixture(scope="module")
def annotation_xml(otb_data: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    # Pixels of 200 m, as the grid: one facet per radar pixel, the coarsest case.
    safe = make_product(SynthSpec(scale=20), tmp_path_factory.mktemp("product"), otb_data)
    return next((safe / "annotation").glob("*-vv-*.xml")).read_bytes()


@pytest.fixture(scope="module")
def geometry(annotation_xml: bytes) -> tuple[Orbit, RadarGrid]:
    orbit = orbit_from_annotation(annotation_xml)
    assert orbit.epoch is not None
    return orbit, radar_grid_from_annotation(annotation_xml, orbit.epoch)


def _grid() -> MapGrid:
    size = round(TILE.size_m / RESOLUTION_M)
    return MapGrid(TILE.epsg, TILE.ulx, TILE.uly, size, size, RESOLUTION_M)


def _gcps(xml: bytes) -> dict[str, np.ndarray]:
    root = ET.fromstring(xml)
    points = root.findall(".//geolocationGridPoint")
    epoch = orbit_from_annotation(xml).epoch
    assert epoch is not None
    from s1ops.terrain.orbit import parse_utc

    found = {
        k: np.array([float(p.findtext(k) or "nan") for p in points])
        for k in ("line", "pixel", "slantRangeTime")
    }
    found["t"] = np.array(
        [(parse_utc(p.findtext("azimuthTime")) - epoch).total_seconds() for p in points]
    )
    return found


@pytest.mark.parametrize("source", ["synthetic", "esa"])
def test_image_grid_puts_each_geolocation_point_on_its_line_and_pixel(
    source: str, annotation_xml: bytes, otb_data: Path
) -> None:
    from s1ops.testing import annotation

    xml = (
        annotation_xml
        if source == "synthetic"
        else annotation.template_path(otb_data, "vv").read_bytes()
    )
    orbit = orbit_from_annotation(xml)
    assert orbit.epoch is not None
    radar = radar_grid_from_annotation(xml, orbit.epoch)
    gcp = _gcps(xml)
    slant = gcp["slantRangeTime"] * SPEED_OF_LIGHT / 2
    # ESA's grid times drift across range by up to 0.18 line (about 2 m on the ground)
    # from the line's own time; ours carry no such drift.
    assert np.abs(radar.lines(gcp["t"]) - gcp["line"]).max() < (
        1e-3 if source == "synthetic" else 0.2
    )
    # ESA's grid follows the slant-to-ground record nearest in time; OTB's sensor model
    # (and so S1Ops, to stay on the pixels OTB orthorectifies) blends the two around a
    # time, which differ by up to 35 m a second on this product.
    assert np.abs(radar.columns(gcp["t"], slant) - gcp["pixel"]).max() < (
        0.01 if source == "synthetic" else 1.0
    )


def test_one_slant_to_ground_record_serves_every_time(annotation_xml: bytes) -> None:
    root = ET.fromstring(annotation_xml)
    parent = root.find("coordinateConversion/coordinateConversionList")
    assert parent is not None
    for record in list(parent)[1:]:
        parent.remove(record)
    epoch = orbit_from_annotation(annotation_xml).epoch
    assert epoch is not None
    radar = radar_grid_from_annotation(ET.tostring(root), epoch)
    slant = np.array([850_000.0, 900_000.0])
    expected = np.polynomial.polynomial.polyval(slant - radar.slant_origins_m[0], radar.srgr[0])
    found = radar.columns(np.array([60.0, 90.0]), slant) * radar.range_spacing_m
    np.testing.assert_allclose(found, expected, rtol=1e-12)


def test_an_annotation_without_slant_to_ground_polynomials_is_refused(
    annotation_xml: bytes,
) -> None:
    root = ET.fromstring(annotation_xml)
    parent = root.find("coordinateConversion/coordinateConversionList")
    assert parent is not None
    for record in list(parent):
        parent.remove(record)
    with pytest.raises(OrbitError, match="srgrCoefficients"):
        radar_grid_from_annotation(ET.tostring(root), orbit_from_annotation(annotation_xml).epoch)  # type: ignore[arg-type]


def _exact_areas(
    grid: MapGrid,
    heights: Heights,
    orbit: Orbit,
    radar: RadarGrid,
    rows: np.ndarray,
    cols: np.ndarray,
) -> np.ndarray:
    """The gamma area at pixel centres (rows, cols) of a smooth surface, point by point: the
    surface's area vector per map square metre, along the look vector, over the radar
    pixels a map square metre covers (the Jacobian of map -> (line, column)), each
    point's zero-Doppler time from Newton's method on the full Lagrange interpolation."""
    to_lonlat = pyproj.Transformer.from_crs(grid.epsg, 4326, always_xy=True)
    r = grid.resolution_m
    x0 = grid.ulx + (cols + 0.5) * r
    y0 = grid.uly - (rows + 0.5) * r

    def point(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        lon, lat = to_lonlat.transform(x, y)
        return geodetic_to_ecef(np.asarray(lat), np.asarray(lon), heights(x, y))

    def radar_position(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        out = np.empty((len(p), 2))
        look = np.empty_like(p)
        for i, q in enumerate(p):
            t = orbit.time_of(q)
            sensor = orbit.state(np.array([t]))[0][0]
            slant = float(np.linalg.norm(sensor - q))
            look[i] = (sensor - q) / slant
            out[i] = radar.lines(np.array(t)), radar.columns(np.array([t]), np.array([slant]))[0]
        return out, look

    d = 5.0
    centre = point(x0, y0)
    dx = (point(x0 + d, y0) - point(x0 - d, y0)) / (2 * d)
    dy = (point(x0, y0 + d) - point(x0, y0 - d)) / (2 * d)
    _, look = radar_position(centre)
    jx = (radar_position(point(x0 + d, y0))[0] - radar_position(point(x0 - d, y0))[0]) / (2 * d)
    jy = (radar_position(point(x0, y0 + d))[0] - radar_position(point(x0, y0 - d))[0]) / (2 * d)
    pixels_per_m2 = np.abs(jx[:, 0] * jy[:, 1] - jx[:, 1] * jy[:, 0])
    projected = np.einsum("ij,ij->i", np.cross(dx, dy), look)
    return np.maximum(projected, 0.0) / pixels_per_m2


def _plane(grid: MapGrid, slope_x: float, slope_y: float) -> Heights:
    cx, cy = (
        grid.ulx + grid.width * grid.resolution_m / 2,
        grid.uly - grid.height * grid.resolution_m / 2,
    )
    return lambda x, y: 2000.0 + slope_x * (x - cx) + slope_y * (y - cy)


def _on_grid(grid: MapGrid, heights: Heights) -> np.ndarray:
    wide = dem_grid(grid)
    r = wide.resolution_m
    x = wide.ulx + (np.arange(wide.width) + 0.5) * r
    y = wide.uly - (np.arange(wide.height) + 0.5) * r
    xx, yy = np.meshgrid(x, y)
    return heights(xx, yy).astype(np.float32)


@pytest.mark.parametrize(
    "slopes",
    [(0.0, 0.0), (0.3, 0.0), (-0.3, 0.0), (0.0, 0.25), (0.2, -0.2)],
    ids=["flat", "away", "toward", "north", "diagonal"],
)
def test_gamma_area_of_a_plane_is_its_exact_projected_area_per_radar_pixel(
    slopes: tuple[float, float], geometry: tuple[Orbit, RadarGrid]
) -> None:
    orbit, radar = geometry
    grid = _grid()
    heights = _plane(grid, *slopes)
    areas = gamma_areas(grid, orbit, radar, _on_grid(grid, heights), None)
    rng = np.random.default_rng(1)
    rows, cols = rng.integers(5, grid.height - 5, 60), rng.integers(5, grid.width - 5, 60)
    expected = _exact_areas(grid, heights, orbit, radar, rows, cols)
    found = areas[rows, cols]
    assert np.isfinite(areas).all()
    ratio = found / expected
    print(f"{slopes}: found / exact {np.percentile(ratio, [0, 50, 100])}")
    assert np.abs(ratio - 1).max() < 0.01


def test_a_plane_turned_away_beyond_the_look_angle_is_in_shadow(
    geometry: tuple[Orbit, RadarGrid],
) -> None:
    orbit, radar = geometry
    grid = _grid()
    # Rising 56 degrees eastward, toward the sensor's side: it faces away from the sensor.
    areas = gamma_areas(grid, orbit, radar, _on_grid(grid, _plane(grid, 1.5, 0.0)), None)
    assert np.isfinite(areas).all()
    assert (areas == 0).all()


def test_flat_ground_gamma_area_is_the_pixel_area_times_cos_incidence(
    geometry: tuple[Orbit, RadarGrid],
) -> None:
    orbit, radar = geometry
    grid = _grid()
    areas = gamma_areas(grid, orbit, radar, _on_grid(grid, lambda x, y: 0.0 * x), None)
    ia = np.concatenate(
        [
            ellipsoid_incidence(grid, orbit, slice(a, min(a + 128, grid.height)))
            for a in range(0, grid.height, 128)
        ]
    )
    ratio = areas / (radar.pixel_area_m2 * np.cos(np.radians(ia)))
    # The annotated azimuth pixel spacing is nominal: the ground a line covers is about
    # 1.5 % longer here (sarsen divides by the same nominal spacing).
    p1, p50, p99 = np.percentile(ratio, [1, 50, 99])
    print(f"gamma area / (pixel area x cos IA): p1 {p1:.4f} median {p50:.4f} p99 {p99:.4f}")
    assert 1.0 < p50 < 1.03
    assert p99 - p1 < 0.01
