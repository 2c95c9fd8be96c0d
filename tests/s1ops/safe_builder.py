"""Builds minimal SAFE products (folder or zip) for tests.

The manifest follows the structure of ESA's Sentinel-1 Level-1 GRD
``manifest.safe`` (XFDU root, metadataSection objects for processing,
platform, orbit reference, acquisition period and footprint frame set,
dataObjectSection entries pointing at measurement and annotation files).
Measurement files are tiny placeholders: nothing here reads pixels.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from s1ops.sentinel1.ids import ProductId

# Real products over tile 33NWB, as listed by S1Tiling's own test data:
# id, footprint corners ("lat,lon"), relative orbit; both are descending.
P1_ID = "S1A_IW_GRDH_1SDV_20200108T044150_20200108T044215_030704_038506_C7F5"
P1_COORDS = "1.137156,14.233953 0.660935,16.461103 2.173307,16.775520 2.645077,14.545785"
P2_ID = "S1A_IW_GRDH_1SDV_20200108T044215_20200108T044240_030704_038506_D953"
P2_COORDS = "-0.370174,13.917268 -0.851051,16.143845 0.660845,16.461084 1.137179,14.233407"

# OTB's test data (extracted by scripts/setup.sh): real annotation XML of an
# S1A IW GRD product of 2015-12-15 (25 247 x 19 539 px, over tile 32NNJ).
OTB_DATA = Path(__file__).resolve().parents[2] / ".cache" / "otb-data"
ANNOTATIONS = OTB_DATA / "Input" / "sentinel1" / "xml"
IW_GRD_VV = ANNOTATIONS / "s1a-iw-grd-vv-20151215t050546-20151215t050615-009048-00cfc7-001.xml"
IW_GRD_ID = "S1A_IW_GRDH_1SDV_20151215T050546_20151215T050615_009048_00CFC7_0000"  # CRC unknown


def real_annotation(path: Path = IW_GRD_VV) -> bytes:
    """The bytes of a file of OTB's test data; skips (fails under CI) when not extracted."""
    if not path.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: run scripts/setup.sh")
        pytest.skip(f"OTB test data not extracted ({path}): run scripts/setup.sh")
    return path.read_bytes()


_NS = (
    'xmlns:xfdu="urn:ccsds:schema:xfdu:1" xmlns:gml="http://www.opengis.net/gml" '
    'xmlns:safe="http://www.esa.int/safe/sentinel-1.0" '
    'xmlns:s1="http://www.esa.int/safe/sentinel-1.0/sentinel-1" '
    'xmlns:s1sarl1="http://www.esa.int/safe/sentinel-1.0/sentinel-1/sar/level-1"'
)


@dataclass
class SafeSpec:
    """What to put in a built SAFE; defaults give a valid product."""

    product_id: str = P1_ID
    coordinates: str = P1_COORDS
    relative_orbit: int = 7
    orbit_pass: str = "DESCENDING"
    ipf_version: str = "003.10"
    absolute_orbit: int | None = None  # None: the id's
    start: str = "2020-01-08T04:41:50.396615"
    stop: str = "2020-01-08T04:42:15.395385"
    skip_measurement_files: tuple[str, ...] = ()  # polarisations listed but absent


def _data_objects(pid: ProductId) -> str:
    entries = []
    for pol in pid.polarisations:
        meas = pid.measurement(pol).format()
        annot = meas.replace(".tiff", ".xml")
        entries.append(
            f'<dataObject ID="product{pol}" repID="s1Level1ProductSchema">'
            f'<byteStream mimeType="text/xml" size="1">'
            f'<fileLocation locatorType="URL" href="./annotation/{annot}"/>'
            f'<checksum checksumName="MD5">0</checksum></byteStream></dataObject>'
            f'<dataObject ID="meas{pol}" repID="s1Level1MeasurementSchema">'
            f'<byteStream mimeType="application/octet-stream" size="1">'
            f'<fileLocation locatorType="URL" href="./measurement/{meas}"/>'
            f'<checksum checksumName="MD5">0</checksum></byteStream></dataObject>'
        )
    return "".join(entries)


def manifest_xml(spec: SafeSpec) -> str:
    """The text of a manifest.safe for ``spec``."""
    pid = ProductId.parse(spec.product_id)
    orbit = pid.absolute_orbit if spec.absolute_orbit is None else spec.absolute_orbit
    md = (
        '<metadataObject ID="{id}" classification="{cls}" category="DMD">'
        '<metadataWrap mimeType="text/xml" vocabularyName="SAFE"><xmlData>{body}'
        "</xmlData></metadataWrap></metadataObject>"
    )
    processing = (
        '<safe:processing name="GRD Post Processing" start="2020-01-08T05:32:04" '
        'stop="2020-01-08T05:33:10"><safe:facility country="Germany" name="S1 Core GS" '
        f'organisation="ESA" site="DLR"><safe:software name="Sentinel-1 IPF" '
        f'version="{spec.ipf_version}"/></safe:facility>'
        '<safe:resource name="L0 input" role="Raw Data"><safe:processing name="L0">'
        '<safe:facility name="L0 GS"><safe:software name="Sentinel-1 IPF" version="001.00"/>'
        "</safe:facility></safe:processing></safe:resource></safe:processing>"
    )
    orbit_ref = (
        f'<safe:orbitReference><safe:orbitNumber type="start">{orbit}</safe:orbitNumber>'
        f'<safe:orbitNumber type="stop">{orbit}</safe:orbitNumber>'
        f'<safe:relativeOrbitNumber type="start">{spec.relative_orbit}</safe:relativeOrbitNumber>'
        f'<safe:relativeOrbitNumber type="stop">{spec.relative_orbit}</safe:relativeOrbitNumber>'
        "<safe:cycleNumber>184</safe:cycleNumber><safe:extension><s1:orbitProperties>"
        f"<s1:pass>{spec.orbit_pass}</s1:pass></s1:orbitProperties></safe:extension>"
        "</safe:orbitReference>"
    )
    period = (
        f"<safe:acquisitionPeriod><safe:startTime>{spec.start}</safe:startTime>"
        f"<safe:stopTime>{spec.stop}</safe:stopTime></safe:acquisitionPeriod>"
    )
    frame = (
        '<safe:frameSet><safe:frame><safe:footPrint srsName="http://www.opengis.net/gml/srs/'
        f'epsg.xml#4326"><gml:coordinates>{spec.coordinates}</gml:coordinates>'
        "</safe:footPrint></safe:frame></safe:frameSet>"
    )
    platform = (
        "<safe:platform><safe:familyName>SENTINEL-1</safe:familyName>"
        f"<safe:number>{pid.unit[-1]}</safe:number></safe:platform>"
    )
    sections = "".join(
        md.format(id=i, cls=c, body=b)
        for i, c, b in [
            ("processing", "PROVENANCE", processing),
            ("platform", "DESCRIPTION", platform),
            ("measurementOrbitReference", "DESCRIPTION", orbit_ref),
            ("acquisitionPeriod", "DESCRIPTION", period),
            ("measurementFrameSet", "DESCRIPTION", frame),
        ]
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<xfdu:XFDU {_NS} version="esa/safe/'
        'sentinel-1.0/sentinel-1/sar/level-1/standard/iwgrdh"><informationPackageMap/>'
        f"<metadataSection>{sections}</metadataSection>"
        f"<dataObjectSection>{_data_objects(pid)}</dataObjectSection></xfdu:XFDU>\n"
    )


def _files(spec: SafeSpec) -> dict[str, bytes]:
    pid = ProductId.parse(spec.product_id)
    files = {"manifest.safe": manifest_xml(spec).encode()}
    for pol in pid.polarisations:
        if pol not in spec.skip_measurement_files:
            files[f"measurement/{pid.measurement(pol).format()}"] = b"II*\x00"
    return files


def build_safe_dir(parent: Path, spec: SafeSpec | None = None) -> Path:
    """Write ``{parent}/{id}.SAFE`` and return its path."""
    spec = spec or SafeSpec()
    root = parent / f"{spec.product_id}.SAFE"
    for member, data in _files(spec).items():
        (root / member).parent.mkdir(parents=True, exist_ok=True)
        (root / member).write_bytes(data)
    return root


def build_safe_zip(parent: Path, spec: SafeSpec | None = None) -> Path:
    """Write ``{parent}/{id}.zip`` holding ``{id}.SAFE/...`` and return its path."""
    spec = spec or SafeSpec()
    path = parent / f"{spec.product_id}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in _files(spec).items():
            archive.writestr(f"{spec.product_id}.SAFE/{member}", data)
    return path
