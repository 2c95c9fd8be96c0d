"""Tests of Sentinel-1 product ids and measurement names."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from shapely.geometry import Polygon

from s1ops.errors import ProductNameError
from s1ops.sentinel1.ids import MeasurementName, ProductId, relative_orbit_from_absolute
from s1ops.sentinel1.records import ProductRecord

PID = "S1A_IW_GRDH_1SDV_20200108T044150_20200108T044215_030704_038506_C7F5"
MEAS = "s1a-iw-grd-vv-20200108t044150-20200108t044215-030704-038506-001.tiff"


def test_parse_fields():
    pid = ProductId.parse(PID)
    assert (pid.unit, pid.mode, pid.product_type, pid.resolution) == ("S1A", "IW", "GRD", "H")
    assert (pid.level, pid.product_class, pid.polarisation_code) == ("1", "S", "DV")
    assert pid.start == datetime(2020, 1, 8, 4, 41, 50, tzinfo=UTC)
    assert pid.stop == datetime(2020, 1, 8, 4, 42, 15, tzinfo=UTC)
    assert pid.absolute_orbit == 30704
    assert (pid.datatake, pid.crc) == ("038506", "C7F5")
    assert pid.polarisations == ("vv", "vh")
    assert pid.unit_code == "s1a"
    assert pid.day == date(2020, 1, 8)
    assert pid.safe_name == PID + ".SAFE"


@pytest.mark.parametrize(
    "name",
    [
        PID,
        "S1B_IW_GRDH_1SDH_20210301T101010_20210301T101035_025800_031400_ABCD",
        "S1A_EW_GRDM_1SSH_20200108T044150_20200108T044215_030704_038506_0A1B",
        "S1C_IW_GRDH_1SSV_20251229T091157_20251229T091222_005664_00B4FF_1234",
        "S1A_IW_SLC__1SDV_20200108T044150_20200108T044215_030704_038506_C7F5",
    ],
)
def test_round_trip(name):
    assert ProductId.parse(name).format() == name
    assert str(ProductId.parse(name)) == name


@pytest.mark.parametrize("suffix", [".SAFE", ".zip", ".SAFE.zip"])
def test_parse_accepts_suffixes(suffix):
    assert ProductId.parse(PID + suffix).format() == PID


@pytest.mark.parametrize(
    ("code", "pols"),
    [("1SDV", ("vv", "vh")), ("1SDH", ("hh", "hv")), ("1SSV", ("vv",)), ("1SSH", ("hh",))],
)
def test_polarisation_codes(code, pols):
    assert ProductId.parse(PID.replace("1SDV", code)).polarisations == pols


@pytest.mark.parametrize(
    "bad",
    [
        "",
        PID.lower(),
        PID.replace("S1A", "S2A"),
        PID.replace("1SDV", "1SXV"),
        PID.replace("_C7F5", "_C7G5"),
        PID.replace("030704", "30704"),
        PID + ".tar",
        PID.replace("20200108T044150", "20201308T044150"),
        PID.replace("20200108T044215", "20200107T044215"),  # stop before start
    ],
)
def test_parse_rejects(bad):
    with pytest.raises(ProductNameError) as err:
        ProductId.parse(bad)
    assert err.value.name == bad


def test_relative_orbit_formulas():
    # DESIGN.md: 030704 -> 007 for S1A.
    assert ProductId.parse(PID).relative_orbit == 7
    assert relative_orbit_from_absolute("S1A", 73) == 1
    assert relative_orbit_from_absolute("S1A", 72) == 175
    assert relative_orbit_from_absolute("s1b", 27) == 1
    # S1C products of relative orbit 068 seen in a catalogue listing.
    for orbit in (5664, 5839, 6014):
        assert relative_orbit_from_absolute("S1C", orbit) == 68
    assert relative_orbit_from_absolute("S1D", 1000) is None


def test_measurement_round_trip_and_fields():
    name = MeasurementName.parse(MEAS)
    assert name.format() == MEAS
    assert (name.unit, name.swath, name.product_type, name.polarisation) == (
        "s1a",
        "iw",
        "grd",
        "vv",
    )
    assert name.image_number == 1
    assert name.absolute_orbit == 30704
    assert MeasurementName.parse("measurement/" + MEAS) == name


def test_measurement_from_product():
    pid = ProductId.parse(PID)
    assert pid.measurement("VV").format() == MEAS
    vh = pid.measurement("vh")
    assert vh.format() == MEAS.replace("-vv-", "-vh-").replace("-001.", "-002.")
    assert vh.belongs_to(pid)
    other = ProductId.parse(PID.replace("044150", "044215").replace("044215_0307", "044240_0307"))
    assert not vh.belongs_to(other)
    with pytest.raises(ProductNameError, match="polarisation='hh'"):
        pid.measurement("hh")


@pytest.mark.parametrize(
    "bad", [MEAS.replace(".tiff", ".png"), MEAS.replace("-vv-", "-vx-"), MEAS[1:]]
)
def test_measurement_rejects(bad):
    with pytest.raises(ProductNameError):
        MeasurementName.parse(bad)


def test_record_round_trip_and_checks():
    record = ProductRecord(
        product_id=ProductId.parse(PID),
        footprint=Polygon([(14.2, 1.1), (16.5, 0.7), (16.8, 2.2), (14.5, 2.6)]),
        relative_orbit=7,
        orbit_direction="DES",
        polarisations=("vv", "vh"),
        availability="offline",
        download_link="http://127.0.0.1:8000/p.zip",
    )
    again = ProductRecord.from_dict(record.to_dict())
    assert again == record or again.footprint.equals(record.footprint)
    assert again.to_dict() == record.to_dict()
    assert not record.available_now
    with pytest.raises(ProductNameError, match="orbit_direction='DSC'"):
        ProductRecord(record.product_id, record.footprint, 7, "DSC", ("vv",))
    with pytest.raises(ProductNameError, match="availability='lost'"):
        ProductRecord(record.product_id, record.footprint, 7, "DES", ("vv",), "lost")
