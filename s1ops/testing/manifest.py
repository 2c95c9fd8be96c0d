"""``manifest.safe`` of a synthetic IW GRD product, laid out like ESA's.

An XFDU document: the information package map, metadata objects
(processing, platform, general product information, orbit reference,
acquisition period, frame set) and the data objects with size and MD5 of
each annotation, calibration, noise and measurement file.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from s1ops.testing.annotation import format_time

MANIFEST_NAME = "manifest.safe"
NAMESPACES = {
    "xfdu": "urn:ccsds:schema:xfdu:1",
    "gml": "http://www.opengis.net/gml",
    "safe": "http://www.esa.int/safe/sentinel-1.0",
    "s1": "http://www.esa.int/safe/sentinel-1.0/sentinel-1",
    "s1sar": "http://www.esa.int/safe/sentinel-1.0/sentinel-1/sar",
    "s1sarl1": "http://www.esa.int/safe/sentinel-1.0/sentinel-1/sar/level-1",
}
for _prefix, _uri in NAMESPACES.items():
    ET.register_namespace(_prefix, _uri)

# Data object id prefix and schema of each kind of file (ESA's manifests).
_KINDS = {
    "annotation": ("product", "s1Level1ProductSchema", "text/xml"),
    "calibration": ("calibration", "s1Level1CalibrationSchema", "text/xml"),
    "noise": ("noise", "s1Level1NoiseSchema", "text/xml"),
    "measurement": ("", "s1Level1MeasurementSchema", "application/octet-stream"),
}
NSSDC_IDS = {"A": "2014-016A", "B": "2016-025A", "C": "2024-235A"}


@dataclass(frozen=True)
class ManifestInfo:
    """What the manifest states about the product."""

    unit: str  # 'S1A'
    polarisations: tuple[str, ...]
    absolute_orbit: int
    relative_orbit: int
    cycle: int
    orbit_pass: str  # 'DESCENDING'
    start: datetime
    stop: datetime
    ascending_node: datetime
    processing_start: datetime
    processing_stop: datetime
    ipf_version: str
    datatake: int
    footprint: list[tuple[float, float]]  # (lat, lon) corners


def _q(tag: str) -> str:
    prefix, _, name = tag.partition(":")
    return f"{{{NAMESPACES[prefix]}}}{name}" if name else tag


def _sub(parent: ET.Element, tag: str, text: object = None, **attrib: str) -> ET.Element:
    node = ET.SubElement(parent, _q(tag), {k: v for k, v in attrib.items()})
    if text is not None:
        node.text = str(text)
    return node


def _metadata(
    section: ET.Element, object_id: str, classification: str, category: str
) -> ET.Element:
    obj = _sub(
        section, "metadataObject", ID=object_id, classification=classification, category=category
    )
    wrap = _sub(obj, "metadataWrap", mimeType="text/xml", vocabularyName="SAFE", textInfo=object_id)
    return _sub(wrap, "xmlData")


def data_object_id(relative_path: str) -> str:
    """ESA's id of a file in the manifest: kind prefix + name with the first dashes removed."""
    folder, _, name = relative_path.rpartition("/")
    stem = name.rsplit(".", 1)[0]
    kind = "measurement"
    if folder == "annotation":
        kind = "annotation"
    elif folder.endswith("calibration"):
        kind, stem = (
            ("noise", stem[6:]) if stem.startswith("noise-") else ("calibration", stem[12:])
        )
    head, _, tail = stem.partition("-2")
    return _KINDS[kind][0] + head.replace("-", "") + "2" + tail


def _processing(section: ET.Element, info: ManifestInfo) -> None:
    xml = _metadata(section, "processing", "PROVENANCE", "PDI")
    proc = _sub(
        xml,
        "safe:processing",
        name="GRD Post Processing",
        start=format_time(info.processing_start),
        stop=format_time(info.processing_stop),
    )
    facility = _sub(
        proc,
        "safe:facility",
        country="Germany",
        name="Copernicus S1 Core Ground Segment - DPA",
        organisation="ESA",
        site="DLR-Oberpfaffenhofen",
    )
    _sub(facility, "safe:software", name="Sentinel-1 IPF", version=info.ipf_version)


def _platform(section: ET.Element, info: ManifestInfo) -> None:
    xml = _metadata(section, "platform", "DESCRIPTION", "DMD")
    platform = _sub(xml, "safe:platform")
    _sub(platform, "safe:nssdcIdentifier", NSSDC_IDS.get(info.unit[-1], ""))
    _sub(platform, "safe:familyName", "SENTINEL-1")
    _sub(platform, "safe:number", info.unit[-1])
    instrument = _sub(platform, "safe:instrument")
    _sub(instrument, "safe:familyName", "Synthetic Aperture Radar", abbreviation="SAR")
    mode = _sub(_sub(instrument, "safe:extension"), "s1sarl1:instrumentMode")
    _sub(mode, "s1sarl1:mode", "IW")
    for swath in ("IW1", "IW2", "IW3"):
        _sub(mode, "s1sarl1:swath", swath)


def _product_information(section: ET.Element, info: ManifestInfo) -> None:
    xml = _metadata(section, "generalProductInformation", "DESCRIPTION", "DMD")
    product = _sub(xml, "s1sarl1:standAloneProductInformation")
    for tag, text in (
        ("productClass", "S"),
        ("productClassDescription", "SAR Standard L1 Product"),
        ("productConsolidation", "SLICE"),
        ("sliceProductFlag", "true"),
        ("segmentStartTime", format_time(info.start)),
        ("sliceNumber", 1),
        ("totalSlices", 1),
        ("productTimelinessCategory", "Fast-24h"),
        ("instrumentConfigurationID", 5),
        ("missionDataTakeID", info.datatake),
    ):
        _sub(product, f"s1sarl1:{tag}", text)
    for pol in info.polarisations:
        _sub(product, "s1sarl1:transmitterReceiverPolarisation", pol.upper())
    # Read by xarray-sentinel (and so sarsen), as in every ESA manifest.
    _sub(product, "s1sarl1:productType", "GRD")
    _sub(product, "s1sarl1:productQualityIndex", "0.0")


def _orbit(section: ET.Element, info: ManifestInfo) -> None:
    xml = _metadata(section, "measurementOrbitReference", "DESCRIPTION", "DMD")
    ref = _sub(xml, "safe:orbitReference")
    for kind in ("start", "stop"):
        _sub(ref, "safe:orbitNumber", info.absolute_orbit, type=kind)
    for kind in ("start", "stop"):
        _sub(ref, "safe:relativeOrbitNumber", info.relative_orbit, type=kind)
    _sub(ref, "safe:cycleNumber", info.cycle)
    _sub(ref, "safe:phaseIdentifier", 1)
    props = _sub(_sub(ref, "safe:extension"), "s1:orbitProperties")
    _sub(props, "s1:pass", info.orbit_pass)
    _sub(props, "s1:ascendingNodeTime", format_time(info.ascending_node))


def _period_and_frame(section: ET.Element, info: ManifestInfo) -> None:
    period = _sub(
        _metadata(section, "acquisitionPeriod", "DESCRIPTION", "DMD"), "safe:acquisitionPeriod"
    )
    _sub(period, "safe:startTime", format_time(info.start))
    _sub(period, "safe:stopTime", format_time(info.stop))
    anx = _sub(_sub(period, "safe:extension"), "s1:timeANX")
    for tag, moment in (("startTimeANX", info.start), ("stopTimeANX", info.stop)):
        _sub(anx, f"s1:{tag}", f"{(moment - info.ascending_node).total_seconds() * 1000:.6e}")
    frames = _sub(_metadata(section, "measurementFrameSet", "DESCRIPTION", "DMD"), "safe:frameSet")
    footprint = _sub(
        _sub(frames, "safe:frame"),
        "safe:footPrint",
        srsName="http://www.opengis.net/gml/srs/epsg.xml#4326",
    )
    _sub(
        footprint,
        "gml:coordinates",
        " ".join(f"{lat:.6f},{lon:.6f}" for lat, lon in info.footprint),
    )


def _data_objects(root: ET.Element, package: ET.Element, safe_dir: Path, files: list[str]) -> None:
    section = _sub(root, "dataObjectSection")
    for relative in files:
        kind = "measurement" if relative.startswith("measurement/") else "annotation"
        if "/calibration/" in relative:
            kind = "noise" if "/noise-" in relative else "calibration"
        _, schema, mime = _KINDS[kind]
        object_id = data_object_id(relative)
        data = (safe_dir / relative).read_bytes() if kind != "measurement" else None
        path = safe_dir / relative
        obj = _sub(section, "dataObject", ID=object_id, repID=schema)
        stream = _sub(obj, "byteStream", mimeType=mime, size=str(path.stat().st_size))
        _sub(stream, "fileLocation", locatorType="URL", href=f"./{relative}")
        _sub(stream, "checksum", _md5(path, data), checksumName="MD5")
        unit_type = "Measurement Data Unit" if kind == "measurement" else "Metadata Unit"
        unit = _sub(package, "xfdu:contentUnit", unitType=unit_type, repID=schema)
        _sub(unit, "dataObjectPointer", dataObjectID=object_id)


def _md5(path: Path, data: bytes | None) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    if data is not None:
        digest.update(data)
        return digest.hexdigest()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def manifest_tree(info: ManifestInfo, safe_dir: Path, files: list[str]) -> ET.Element:
    """The manifest's XFDU element, listing ``files`` (relative to ``safe_dir``, written)."""
    root = ET.Element(
        _q("xfdu:XFDU"), version="esa/safe/sentinel-1.0/sentinel-1/sar/level-1/standard/iwgrdh"
    )
    package = _sub(
        _sub(root, "informationPackageMap"),
        "xfdu:contentUnit",
        unitType="SAFE Archive Information Package",
        textInfo="Sentinel-1 IW Level-1 GRD Product",
        dmdID="acquisitionPeriod platform generalProductInformation "
        "measurementOrbitReference measurementFrameSet",
        pdiID="processing",
    )
    section = _sub(root, "metadataSection")
    _processing(section, info)
    _platform(section, info)
    _product_information(section, info)
    _orbit(section, info)
    _period_and_frame(section, info)
    _data_objects(root, package, safe_dir, files)
    return root


def manifest_bytes(root: ET.Element) -> bytes:
    """The text of a manifest element, indented, with the XML declaration ESA's files have."""
    ET.indent(root, space="  ")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"


def manifest_xml(info: ManifestInfo, safe_dir: Path, files: list[str]) -> bytes:
    """The manifest text, listing ``files`` (paths relative to ``safe_dir``, already written)."""
    return manifest_bytes(manifest_tree(info, safe_dir, files))
