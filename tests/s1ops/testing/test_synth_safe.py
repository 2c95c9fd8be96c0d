"""Synthetic IW GRD products: layout, consistency, and OTB reading them like real ones."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyproj
import pytest
from osgeo import gdal
from shapely.geometry import Point

from s1ops.cli import main as cli_main
from s1ops.errors import SynthError
from s1ops.sentinel1.ids import ProductId
from s1ops.sentinel1.safe import read_safe
from s1ops.testing import annotation, geodesy, otb_checks
from s1ops.testing.calibration import BETA_NOUGHT
from s1ops.testing.dem import make_flat_dem
from s1ops.testing.synth_safe import TEMPLATE_START, SynthSpec, make_product

SHIFTED = SynthSpec(
    start=datetime(2020, 1, 8, 17, 30, 0, 123456, tzinfo=UTC),
    shift_lon_deg=-62.0,
    shift_lat_deg=41.0,
    scale=20,
    seed=3,
    ipf_version="003.10",
    cut_bottom=True,
)


@pytest.fixture(scope="module")
def product(otb_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_product(SynthSpec(cut_top=True), tmp_path_factory.mktemp("synth"), otb_data)


@pytest.fixture(scope="module")
def shifted(otb_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_product(SHIFTED, tmp_path_factory.mktemp("shifted"), otb_data)


def _grid(folder: Path, pol: str = "vv") -> dict[str, np.ndarray]:
    # ``folder``: a SAFE, or the folder holding the template annotations.
    annotations = folder / "annotation" if (folder / "annotation").is_dir() else folder
    root = ET.parse(next(annotations.glob(f"*-iw-grd-{pol}-*.xml"))).getroot()
    points = root.findall(".//geolocationGridPoint")
    keys = ("line", "pixel", "latitude", "longitude", "height", "slantRangeTime")
    grid = {k: np.array([float(p.findtext(k) or "nan") for p in points]) for k in keys}
    first = annotation.parse_time(root.findtext(".//productFirstLineUtcTime") or "")
    grid["time"] = np.array(
        [
            (annotation.parse_time(p.findtext("azimuthTime") or "") - first).total_seconds()
            for p in points
        ]
    )
    grid["orbit"] = annotation.read_orbit(root, first)  # type: ignore[assignment]
    return grid


def test_template_grid_is_reproduced_by_zero_doppler_geolocation(otb_data: Path) -> None:
    # The template's own grid, re-solved from its orbit, range times and heights.
    grid = _grid(annotation.template_path(otb_data, "vv").parent, "vv")
    pos, vel = grid["orbit"].state(grid["time"])  # type: ignore[attr-defined]
    slant = grid["slantRangeTime"] * geodesy.SPEED_OF_LIGHT / 2
    found = geodesy.zero_doppler_points(pos, vel, slant, grid["height"])
    expected = geodesy.geodetic_to_ecef(grid["latitude"], grid["longitude"], grid["height"])
    assert len(found) == 231
    assert np.linalg.norm(found - expected, axis=1).max() < 0.5  # metres


def test_layout_names_and_manifest(product: Path) -> None:
    pid = ProductId.parse(product.name)
    assert pid.start == datetime(2015, 12, 15, 5, 5, 46, tzinfo=UTC)
    assert (pid.unit, pid.absolute_orbit, pid.datatake, pid.polarisation_code) == (
        "S1A",
        9048,
        "00CFC7",
        "DV",
    )
    for pol in ("vv", "vh"):
        stem = pid.measurement(pol).format()[:-5]
        for member in (
            f"annotation/{stem}.xml",
            f"annotation/calibration/calibration-{stem}.xml",
            f"annotation/calibration/noise-{stem}.xml",
            f"measurement/{stem}.tiff",
        ):
            assert (product / member).is_file(), member
    safe = read_safe(product)
    assert (safe.relative_orbit, safe.orbit_direction, safe.ipf_version) == (51, "DES", "002.72")
    # xarray-sentinel (sarsen's reader) refuses a manifest without it.
    manifest = ET.parse(product / "manifest.safe").getroot()
    assert [e.text for e in manifest.iter() if e.tag.endswith("}productType")] == ["GRD"]
    assert safe.polarisations == ("vv", "vh")
    grid = _grid(product)
    corners = [(grid["longitude"][i], grid["latitude"][i]) for i in (0, 20, 210, 230)]
    for lon, lat in corners:
        assert safe.footprint.exterior.distance(Point(lon, lat)) < 1e-5
    assert 8.2 < safe.footprint.bounds[0] < 8.4 and 10.8 < safe.footprint.bounds[2] < 11.0


def test_measurement_tiff_is_like_esa_s(product: Path) -> None:
    tiff = next((product / "measurement").glob("*-vv-*.tiff"))
    ds = gdal.Open(str(tiff))
    band = ds.GetRasterBand(1)
    assert band.DataType == gdal.GDT_UInt16
    # ESA's IPF writes one-line strips, uncompressed (GDAL names no compression then).
    assert band.GetBlockSize() == [ds.RasterXSize, 1]
    assert "COMPRESSION" not in ds.GetMetadata("IMAGE_STRUCTURE")
    tags = ds.GetMetadata()
    assert tags["TIFFTAG_IMAGEDESCRIPTION"].startswith("Sentinel-1")
    assert tags["TIFFTAG_SOFTWARE"] == "Sentinel-1 IPF 002.72"
    assert ds.GetGCPCount() == 231
    assert (ds.RasterXSize, ds.RasterYSize) == (2525, 1954)


def test_no_data_borders(product: Path) -> None:
    dn = gdal.Open(str(next((product / "measurement").glob("*-vv-*.tiff")))).ReadAsArray()
    height = dn.shape[0]
    margin = 6  # 60 full-size pixels at scale 10
    assert (dn[:, :margin] == 0).all() and (dn[:, -margin:] == 0).all()
    assert (dn[:101, :] == 0).all(), "cut_top must blank line 100"
    body = dn[130 : height - 1, margin:-margin]
    assert (body > 0).all()
    assert (dn[height - 100, margin:-margin] > 0).all(), "no bottom cut was asked"


def test_rescaled_annotation_is_consistent(product: Path) -> None:
    root = ET.parse(next((product / "annotation").glob("*-vv-*.xml"))).getroot()
    info = "imageAnnotation/imageInformation/"
    width, height = (
        int(root.findtext(info + "numberOfSamples") or 0),
        int(root.findtext(info + "numberOfLines") or 0),
    )
    interval = float(root.findtext(info + "azimuthTimeInterval") or 0)
    first = annotation.parse_time(root.findtext(info + "productFirstLineUtcTime") or "")
    last = annotation.parse_time(root.findtext(info + "productLastLineUtcTime") or "")
    assert (width, height) == (2525, 1954)
    assert float(root.findtext(info + "rangePixelSpacing") or 0) == pytest.approx(100.0)
    assert interval == pytest.approx(10 * 1.485347567307222e-03)
    assert (last - first).total_seconds() == pytest.approx((height - 1) * interval, abs=1e-6)
    assert root.findtext("adsHeader/stopTime") == annotation.format_time(last)
    grid = _grid(product)
    assert grid["line"].max() == height - 1 and grid["pixel"].max() == width - 1
    assert np.allclose(grid["time"], grid["line"] * interval, atol=1e-6)
    cal = ET.parse(
        next((product / "annotation/calibration").glob("calibration-*-vv-*.xml"))
    ).getroot()
    lines = [int(v.findtext("line") or 0) for v in cal.iter("calibrationVector")]
    assert lines[0] == 0 and lines[-1] >= height
    pixels = (cal.findtext(".//calibrationVector/pixel") or "").split()
    assert pixels[0] == "0" and pixels[-1] == str(width - 1)


def test_shifted_product_moves_times_orbit_and_footprint(shifted: Path, product: Path) -> None:
    pid = ProductId.parse(shifted.name)
    assert pid.start == datetime(2020, 1, 8, 17, 30, 0, tzinfo=UTC)
    assert pid.relative_orbit == 51  # same track as the template, 4 years later
    assert pid.absolute_orbit > 30000
    safe = read_safe(shifted)
    assert safe.relative_orbit == 51
    before, after = read_safe(product).footprint.centroid, safe.footprint.centroid
    assert after.x - before.x == pytest.approx(-62.0, abs=0.3)
    assert after.y - before.y == pytest.approx(41.0, abs=0.3)
    root = ET.parse(next((shifted / "annotation").glob("*-vh-*.xml"))).getroot()
    shift = datetime(2020, 1, 8, 17, 30, 0, 123456) - TEMPLATE_START
    anx = annotation.parse_time(root.findtext(".//ascendingNodeTime") or "")
    assert anx == datetime(2015, 12, 15, 4, 17, 13, 310527) + shift
    assert root.findtext("adsHeader/absoluteOrbitNumber") == str(pid.absolute_orbit)
    # The grid follows the turned orbit: re-solving it from the orbit gives the same points.
    grid = _grid(shifted, "vh")
    pos, vel = grid["orbit"].state(grid["time"])  # type: ignore[attr-defined]
    found = geodesy.zero_doppler_points(
        pos, vel, grid["slantRangeTime"] * geodesy.SPEED_OF_LIGHT / 2, grid["height"]
    )
    lat, lon, _ = geodesy.ecef_to_geodetic(found)
    assert (
        np.abs(lat - grid["latitude"]).max() < 1e-6 and np.abs(lon - grid["longitude"]).max() < 1e-6
    )
    noise = ET.parse(next((shifted / "annotation/calibration").glob("noise-*-vh-*.xml"))).getroot()
    assert noise.find("noiseRangeVectorList") is not None  # IPF 3.10 layout
    assert noise.find("noiseAzimuthVectorList").get("count") == "3"  # type: ignore[union-attr]


def test_zip_is_read_by_the_safe_reader(otb_data: Path, tmp_path: Path) -> None:
    spec = SynthSpec(scale=40, polarisations=("vv",), start=TEMPLATE_START + timedelta(days=12))
    path = make_product(spec, tmp_path, otb_data, zip_it=True)
    assert path.suffix == ".zip" and not path.with_suffix(".SAFE").exists()
    safe = read_safe(path)
    assert safe.product_id.polarisation_code == "SV"
    assert safe.absolute_orbit == 9048 + 175
    assert safe.measurement_location("vv").startswith("/vsizip/")
    assert gdal.Open(safe.measurement_location("vv")).RasterXSize == 632


def test_invalid_specs_are_refused() -> None:
    with pytest.raises(SynthError, match="polarisations"):
        SynthSpec(polarisations=("hh",))
    with pytest.raises(SynthError, match="scale"):
        SynthSpec(scale=0)
    with pytest.raises(SynthError, match="unit"):
        SynthSpec(unit="S2A")


def test_cli_writes_product_and_dem(
    otb_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli_main(
        [
            "synth-product",
            "--out",
            str(tmp_path),
            "--template-dir",
            str(otb_data),
            "--scale",
            "50",
            "--date",
            "2021-03-01",
            "--polarisations",
            "vh",
            "--dem-dir",
            str(tmp_path / "dem"),
            "--dem-arcsec",
            "3",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out.split()
    assert ProductId.parse(Path(printed[0]).name).start.date() == datetime(2021, 3, 1).date()
    assert [Path(p).name for p in printed[1:]] == [
        f"N0{lat}E0{lon:02d}.hgt" for lat in (1, 2, 3) for lon in (8, 9, 10)
    ]


# --- OTB reads the products like real ones -------------------------------------------------


@pytest.mark.otb
@pytest.mark.parametrize("which", ["product", "shifted"])
@pytest.mark.parametrize("pol", ["vv", "vh"])
def test_otb_reads_sentinel1_metadata(
    otb: None, which: str, pol: str, request: pytest.FixtureRequest
) -> None:
    safe: Path = request.getfixturevalue(which)
    info = otb_checks.read_metadata(next((safe / "measurement").glob(f"*-{pol}-*.tiff")))
    assert info["sensor"] == "SENTINEL-1A"
    assert set(info["geometries"]) == {"SAR", "SARCalib", "GCP"}
    assert info["gcp_count"] == 231
    assert info["polarization"] == pol.upper()
    assert info["orbit_direction"] == "DESCENDING"
    assert info["number_of_lines"] == info["size"][1]
    assert info["orbit_number"] == ProductId.parse(safe.name).absolute_orbit


def _lut(safe: Path, pol: str, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    root = ET.parse(
        next((safe / "annotation/calibration").glob(f"calibration-*-{pol}-*.xml"))
    ).getroot()
    vectors = root.findall(".//calibrationVector")
    lines = np.array([int(v.findtext("line") or 0) for v in vectors])
    pixels = np.array([int(p) for p in (vectors[0].findtext("pixel") or "").split()])
    values = np.array([[float(x) for x in (v.findtext(name) or "").split()] for v in vectors])
    return lines, pixels, values


@pytest.mark.otb
@pytest.mark.parametrize("lut", ["sigma", "beta"])
def test_otb_calibration_is_dn2_over_lut2(
    otb: None, product: Path, tmp_path: Path, lut: str
) -> None:
    tiff = next((product / "measurement").glob("*-vv-*.tiff"))
    out = otb_checks.calibrate(tiff, tmp_path / "cal.tif", lut=lut)
    calibrated = gdal.Open(str(out)).ReadAsArray().astype(float)
    dn = gdal.Open(str(tiff)).ReadAsArray().astype(float)
    lines, pixels, values = _lut(product, "vv", {"sigma": "sigmaNought", "beta": "betaNought"}[lut])
    inside = lines < dn.shape[0]
    ll, pp = np.meshgrid(lines[inside], pixels, indexing="ij")
    a = values[inside]
    valid = dn[ll, pp] > 0
    expected = dn[ll, pp] ** 2 / a**2
    assert valid.sum() > 1000
    assert np.allclose(calibrated[ll, pp][valid], expected[valid], rtol=1e-6, atol=0)
    if lut == "beta":
        assert np.all(values == BETA_NOUGHT)
    else:
        db = 10 * np.log10(calibrated[(dn > 0) & (calibrated > 0)])
        low, median, high = np.percentile(db, [1, 50, 99])
        assert -30 < low < -15 and -14 < median < -6 and -6 < high < 0


@pytest.mark.otb
def test_otb_noise_removal_runs_on_split_noise_vectors(
    otb: None, shifted: Path, tmp_path: Path
) -> None:
    tiff = next((shifted / "measurement").glob("*-vv-*.tiff"))
    out = otb_checks.calibrate(tiff, tmp_path / "denoised.tif", remove_noise=True)
    denoised = gdal.Open(str(out)).ReadAsArray()
    plain = gdal.Open(str(otb_checks.calibrate(tiff, tmp_path / "plain.tif"))).ReadAsArray()
    valid = plain > 0
    assert np.all(denoised[valid] <= plain[valid])
    assert np.median(plain[valid] - denoised[valid]) > 0


@pytest.mark.otb
@pytest.mark.parametrize("which", ["product", "shifted"])
def test_otb_orthorectification_matches_the_grid(
    otb: None, otb_data: Path, which: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    safe: Path = request.getfixturevalue(which)
    tiff = otb_checks.index_copy(safe, tmp_path)
    grid = _grid(safe)
    dem = tmp_path / "dem"
    make_flat_dem(read_safe(safe).footprint, dem, 0, arcsec=3)
    centre_lon = float(np.mean(grid["longitude"]))
    zone = int((centre_lon + 180) // 6) + 1
    epsg = (32600 if np.mean(grid["latitude"]) >= 0 else 32700) + zone
    x, y = pyproj.Transformer.from_crs(4326, epsg, always_xy=True).transform(
        grid["longitude"], grid["latitude"]
    )
    spacing = 500.0
    ulx, uly = (
        np.floor(x.min() / spacing) * spacing - spacing,
        np.ceil(y.max() / spacing) * spacing + spacing,
    )
    size = (int((x.max() - ulx) / spacing) + 2, int((uly - y.min()) / spacing) + 2)
    out = otb_checks.orthorectify(
        tiff,
        tmp_path / "ortho.tif",
        epsg=epsg,
        origin=(ulx, uly),
        size=size,
        spacing_m=spacing,
        dem_dir=dem,
        geoid=otb_data / "Input/DEM/egm96.grd",
    )
    ds = gdal.Open(str(out))
    image, transform = ds.ReadAsArray().astype(float), ds.GetGeoTransform()
    column = otb_checks.sample_bilinear(image[0], transform, x, y)
    line = otb_checks.sample_bilinear(image[1], transform, x, y)
    height, width = gdal.Open(str(tiff)).RasterYSize, gdal.Open(str(tiff)).RasterXSize
    inner = (
        (grid["line"] > 0)
        & (grid["line"] < height - 1)
        & (grid["pixel"] > 0)
        & (grid["pixel"] < width - 1)
    )
    assert inner.sum() == 9 * 19
    assert np.nanmax(np.abs(column - grid["pixel"])[inner]) < 2
    assert np.nanmax(np.abs(line - grid["line"])[inner]) < 2
    assert not np.isnan(column[inner]).any()
