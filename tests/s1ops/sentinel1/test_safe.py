"""Tests of SAFE reading, folders and zips."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime

import pytest
from shapely.geometry import MultiPolygon

from s1ops.errors import SafeError
from s1ops.sentinel1.ids import MeasurementName, relative_orbit_from_absolute
from s1ops.sentinel1.safe import (
    parse_footprint,
    parse_ipf_version,
    read_annotation,
    read_safe,
    scan_products,
    scan_safe_dir,
)
from tests.s1ops.safe_builder import (
    ANNOTATIONS,
    IW_GRD_VV,
    P1_ID,
    P1_START,
    P2_COORDS,
    P2_ID,
    SafeSpec,
    build_safe_dir,
    build_safe_zip,
    real_annotation,
)

MEAS_VV = "measurement/s1a-iw-grd-vv-20200108t044150-20200108t044215-030704-038506-001.tiff"


@pytest.mark.parametrize("builder", [build_safe_dir, build_safe_zip])
def test_read_safe(tmp_path, builder):
    product = read_safe(builder(tmp_path, SafeSpec(start=P1_START)))
    assert product.product_id.format() == P1_ID
    assert (product.absolute_orbit, product.relative_orbit) == (30704, 7)
    assert (product.orbit_pass, product.orbit_direction) == ("DESCENDING", "DES")
    assert product.ipf_version == "003.10"
    assert product.start == datetime(2020, 1, 8, 4, 41, 50, 396615, tzinfo=UTC)
    assert product.polarisations == ("vv", "vh")
    assert product.measurement_member("VV") == MEAS_VV
    # "lat,lon" pairs become (lon, lat) points.
    minx, miny, maxx, maxy = product.footprint.bounds
    assert (minx, miny, maxx, maxy) == pytest.approx((14.233953, 0.660935, 16.77552, 2.645077))
    record = product.to_record()
    assert (record.availability, record.local_path) == ("on_disk", product.path)


def test_measurement_locations(tmp_path):
    folder = read_safe(build_safe_dir(tmp_path))
    assert folder.measurement_location("vv") == str(folder.path / MEAS_VV)
    zipped = read_safe(build_safe_zip(tmp_path))
    assert zipped.is_zip
    assert zipped.measurement_location("vh").startswith(f"/vsizip/{zipped.path}/{P1_ID}.SAFE/")
    with pytest.raises(SafeError, match="polarisation='hh'"):
        zipped.measurement_member("hh")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (SafeSpec(absolute_orbit=30705), "differs from the name's 30704"),
        (SafeSpec(orbit_pass="SIDEWAYS"), "pass='SIDEWAYS'"),
        (SafeSpec(coordinates="1.1,14.2 0.6,16.4"), "do not make a polygon"),
        (SafeSpec(coordinates="1.1;14.2 0.6;16.4 2.1;16.7"), "not 'lat,lon' pairs"),
        (SafeSpec(coordinates="91,14 0.6,16.4 2.1,16.7"), "do not make a polygon"),
        (SafeSpec(skip_measurement_files=("vh",)), "is missing"),
        (SafeSpec(start="yesterday"), "not an ISO time"),
    ],
)
@pytest.mark.parametrize("builder", [build_safe_dir, build_safe_zip])
def test_bad_products(tmp_path, builder, spec, message):
    with pytest.raises(SafeError, match=message) as err:
        read_safe(builder(tmp_path, spec))
    assert err.value.path.startswith(str(tmp_path))


def test_corrupt_inputs(tmp_path):
    with pytest.raises(SafeError, match="no such SAFE"):
        read_safe(tmp_path / "nothing.zip")
    truncated = tmp_path / f"{P1_ID}.zip"
    truncated.write_bytes(build_safe_zip(tmp_path).read_bytes()[:200])
    with pytest.raises(SafeError, match="not a readable zip"):
        read_safe(truncated)
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("readme.txt", "no manifest")
    with pytest.raises(SafeError, match=r"holds no manifest\.safe"):
        read_safe(empty)
    folder = build_safe_dir(tmp_path)
    (folder / "manifest.safe").write_text("<xfdu:XFDU")
    with pytest.raises(SafeError, match="not well-formed"):
        read_safe(folder)
    renamed = tmp_path / "not_a_product.SAFE"
    build_safe_dir(tmp_path, SafeSpec(product_id=P2_ID)).rename(renamed)
    with pytest.raises(SafeError, match="not a product id"):
        read_safe(renamed)


def test_missing_manifest_element(tmp_path):
    folder = build_safe_dir(tmp_path)
    manifest = folder / "manifest.safe"
    text = manifest.read_text()
    start = text.index("<safe:acquisitionPeriod>")
    end = text.index("</safe:acquisitionPeriod>") + len("</safe:acquisitionPeriod>")
    manifest.write_text(text[:start] + text[end:])
    with pytest.raises(SafeError, match=r"lacks .*acquisitionPeriod/startTime"):
        read_safe(folder)


def test_ipf_versions():
    assert parse_ipf_version("Sentinel-1 IPF 002.72") == (2, 72)
    # TIFFTAG_SOFTWARE as found in a product of OTB's test data.
    assert parse_ipf_version("Sentinel-1 IPF 003.10") == (3, 10)
    assert parse_ipf_version("003.10") == (3, 10)
    assert parse_ipf_version("Sentinel-1 IPF 002.72") < (2, 90) <= parse_ipf_version("002.90")
    assert parse_ipf_version("GDAL 3.6") is None


def test_footprint_across_the_antimeridian():
    shape = parse_footprint("65.0,179.0 65.5,-178.0 66.5,-178.5 66.0,178.5")
    assert isinstance(shape, MultiPolygon)
    minx, _, maxx, _ = shape.bounds
    assert (minx, maxx) == (-180.0, 180.0)
    assert all(abs(p.bounds[2] - p.bounds[0]) < 3 for p in shape.geoms)


def test_scan(tmp_path):
    build_safe_dir(tmp_path)
    build_safe_zip(tmp_path)  # the same product zipped: read once, from the folder
    nested = tmp_path / P2_ID
    nested.mkdir()
    build_safe_zip(nested, SafeSpec(product_id=P2_ID, coordinates=P2_COORDS))
    (tmp_path / "S1A_IW_GRDH_1SDV_broken.zip").write_bytes(b"partial download")
    products, errors = scan_safe_dir(tmp_path)
    assert [p.product_id.format() for p in products] == [P1_ID, P2_ID]
    assert products[0].path.suffix == ".SAFE"
    assert [e.reason.split(" (")[0] for e in errors] == ["not a readable zip file"]
    records = scan_products(tmp_path)
    assert [r.name for r in records] == [P1_ID, P2_ID]
    with pytest.raises(SafeError, match="does not exist"):
        scan_products(tmp_path / "absent")


def test_real_annotation():
    vv = read_annotation(real_annotation(IW_GRD_VV), str(IW_GRD_VV))
    assert (vv.mission, vv.polarisation, vv.absolute_orbit) == ("S1A", "vv", 9048)
    assert (vv.orbit_pass, vv.lines, vv.samples) == ("DESCENDING", 19539, 25247)
    # The outline runs through the 11 x 21 grid's border points, corners included.
    coords = list(vv.footprint.exterior.coords)
    assert len(coords) == 2 * (11 + 21) - 4 + 1
    for corner in [
        (10.8661726915551, 3.408511121401742),
        (8.641574057264355, 3.875012137024265),
        (8.278431668016193, 2.125125875661836),
        (10.49857816357449, 1.653610895997534),
    ]:
        assert corner in coords
    vh_path = IW_GRD_VV.with_name(IW_GRD_VV.name.replace("-vv-", "-vh-").replace("-001.", "-002."))
    vh = read_annotation(real_annotation(vh_path))
    assert vh.polarisation == "vh"
    assert vh.footprint.equals(vv.footprint)
    # Its relative orbit by the S1A formula: 051.
    assert relative_orbit_from_absolute(vv.mission, vv.absolute_orbit) == 51


def test_all_real_grd_annotations():
    names = sorted(p.name for p in ANNOTATIONS.glob("*-grd-*.xml")) if ANNOTATIONS.is_dir() else []
    if not names:
        real_annotation(IW_GRD_VV)  # skips or fails with the reason
    for name in names:
        annotation = read_annotation((ANNOTATIONS / name).read_bytes(), name)
        measurement = MeasurementName.parse(name.replace(".xml", ".tiff"))
        assert annotation.polarisation == measurement.polarisation
        assert annotation.absolute_orbit == measurement.absolute_orbit
        assert annotation.footprint.is_valid and annotation.footprint.area > 0.5


def test_bad_annotations():
    with pytest.raises(SafeError, match="not well-formed"):
        read_annotation(b"<product>")
    with pytest.raises(SafeError, match="lacks adsHeader/absoluteOrbitNumber"):
        read_annotation(b"<product><adsHeader/></product>")
    text = real_annotation(IW_GRD_VV).decode()
    start = text.index("<geolocationGridPoint>")
    end = text.index("</geolocationGridPoint>") + len("</geolocationGridPoint>")
    with pytest.raises(SafeError, match="not a complete lines x pixels grid"):
        read_annotation((text[:start] + text[end:]).encode())
