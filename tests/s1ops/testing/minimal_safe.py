"""Minimal zipped SAFE products for the STAC server tests (manifest + placeholder images)."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

from s1ops.sentinel1.ids import ProductId

_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<xfdu:XFDU xmlns:xfdu="urn:ccsds:schema:xfdu:1" xmlns:gml="http://www.opengis.net/gml"
    xmlns:safe="http://www.esa.int/safe/sentinel-1.0"
    xmlns:s1="http://www.esa.int/safe/sentinel-1.0/sentinel-1">
 <metadataSection>
  <metadataObject ID="processing"><metadataWrap><xmlData><safe:processing name="GRD">
   <safe:facility name="S1 Core GS"><safe:software name="Sentinel-1 IPF" version="003.10"/>
   </safe:facility></safe:processing></xmlData></metadataWrap></metadataObject>
  <metadataObject ID="measurementOrbitReference"><metadataWrap><xmlData>
   <safe:orbitReference>
    <safe:orbitNumber type="start">{orbit}</safe:orbitNumber>
    <safe:relativeOrbitNumber type="start">{relative}</safe:relativeOrbitNumber>
    <safe:extension><s1:orbitProperties><s1:pass>{orbit_pass}</s1:pass></s1:orbitProperties>
    </safe:extension>
   </safe:orbitReference></xmlData></metadataWrap></metadataObject>
  <metadataObject ID="acquisitionPeriod"><metadataWrap><xmlData><safe:acquisitionPeriod>
   <safe:startTime>{start}</safe:startTime><safe:stopTime>{stop}</safe:stopTime>
  </safe:acquisitionPeriod></xmlData></metadataWrap></metadataObject>
  <metadataObject ID="measurementFrameSet"><metadataWrap><xmlData><safe:frameSet><safe:frame>
   <safe:footPrint><gml:coordinates>{coordinates}</gml:coordinates></safe:footPrint>
  </safe:frame></safe:frameSet></xmlData></metadataWrap></metadataObject>
 </metadataSection>
 <dataObjectSection>{objects}</dataObjectSection>
</xfdu:XFDU>
"""
_OBJECT = (
    '<dataObject ID="meas{pol}"><byteStream>'
    '<fileLocation locatorType="URL" href="./{member}"/></byteStream></dataObject>'
)


def build_zip(
    folder: Path,
    product_id: str,
    coordinates: str,
    relative_orbit: int = 7,
    orbit_pass: str = "DESCENDING",
    image_bytes: int = 4096,
) -> Path:
    """Write ``{folder}/{id}.zip`` holding ``{id}.SAFE/manifest.safe`` and measurement tiffs.

    ``coordinates`` is the footprint as ``gml:coordinates`` ("lat,lon lat,lon ...").
    """
    pid = ProductId.parse(product_id)
    members = {f"measurement/{pid.measurement(pol).format()}": pol for pol in pid.polarisations}
    manifest = _MANIFEST.format(
        orbit=pid.absolute_orbit,
        relative=relative_orbit,
        orbit_pass=orbit_pass,
        start=pid.start.strftime("%Y-%m-%dT%H:%M:%S.000000"),
        stop=pid.stop.strftime("%Y-%m-%dT%H:%M:%S.000000"),
        coordinates=coordinates,
        objects="".join(_OBJECT.format(pol=pol, member=m) for m, pol in members.items()),
    )
    path = folder / f"{product_id}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{product_id}.SAFE/manifest.safe", manifest)
        for member in members:
            # Deterministic, incompressible bytes after a TIFF magic: the zip
            # is as big as asked, for truncation tests.
            body = b"II*\x00" + random.Random(member).randbytes(image_bytes)
            archive.writestr(f"{product_id}.SAFE/{member}", body)
    return path
