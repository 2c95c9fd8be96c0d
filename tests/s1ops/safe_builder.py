"""The suite's SAFE products without pixels: a manifest and placeholder images, folder or zip.

What planning, SAFE reading, the STAC catalogue and downloads need from a
product is its ``manifest.safe`` and the measurement files it lists; nothing
here reads pixels (``s1ops.testing.synth_safe`` makes the products OTB
processes). The manifest is written by ``s1ops.testing.manifest``, the same
writer as the synthetic products', so both follow ESA's layout alike.

``real_annotation`` gives the annotation XML of a real product from OTB's
test data.
"""

from __future__ import annotations

import os
import random
import shutil
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from s1ops.sentinel1.ids import ProductId
from s1ops.testing import manifest
from s1ops.testing.annotation import format_time
from s1ops.testing.synth_safe import PROCESSING_DELAY, default_template_dir, zip_safe
from s1ops.vocabulary import ORBITS_PER_CYCLE

# Real products over tile 33NWB, as listed by S1Tiling's own test data:
# id, footprint corners ("lat,lon"), relative orbit; both are descending.
P1_ID = "S1A_IW_GRDH_1SDV_20200108T044150_20200108T044215_030704_038506_C7F5"
P1_COORDS = "1.137156,14.233953 0.660935,16.461103 2.173307,16.775520 2.645077,14.545785"
P2_ID = "S1A_IW_GRDH_1SDV_20200108T044215_20200108T044240_030704_038506_D953"
P2_COORDS = "-0.370174,13.917268 -0.851051,16.143845 0.660845,16.461084 1.137179,14.233407"
# P1's acquisition period as its manifest states it (the id keeps whole seconds).
P1_START = "2020-01-08T04:41:50.396615"
P1_STOP = "2020-01-08T04:42:15.395385"

# OTB's test data (extracted by scripts/setup.sh): real annotation XML of an
# S1A IW GRD product of 2015-12-15 (25 247 x 19 539 px, over tile 32NNJ).
ANNOTATIONS = default_template_dir() / "Input" / "sentinel1" / "xml"
IW_GRD_VV = ANNOTATIONS / "s1a-iw-grd-vv-20151215t050546-20151215t050615-009048-00cfc7-001.xml"
IW_GRD_ID = "S1A_IW_GRDH_1SDV_20151215T050546_20151215T050615_009048_00CFC7_0000"  # CRC unknown

# What a measurement file starts with (a little-endian TIFF): enough for a placeholder.
TIFF_MAGIC = b"II*\x00"


def real_annotation(path: Path = IW_GRD_VV) -> bytes:
    """The bytes of a file of OTB's test data; skips (fails under CI) when not extracted."""
    if not path.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: run scripts/setup.sh")
        pytest.skip(f"OTB test data not extracted ({path}): run scripts/setup.sh")
    return path.read_bytes()


@dataclass(frozen=True)
class SafeSpec:
    """What to put in a built SAFE; the defaults give the real product P1 (without pixels).

    ``coordinates``, ``start`` and ``stop`` are written into the manifest as
    given, so a test can write a malformed one; the other values are typed.
    """

    product_id: str = P1_ID
    coordinates: str = P1_COORDS  # the footprint's gml:coordinates, "lat,lon lat,lon ..."
    relative_orbit: int = 7
    orbit_pass: str = "DESCENDING"
    ipf_version: str = "003.10"
    absolute_orbit: int | None = None  # None: the id's
    start: str | None = None  # None: the id's start, to the second
    stop: str | None = None  # None: the id's stop
    skip_measurement_files: tuple[str, ...] = ()  # polarisations listed but absent
    # Deterministic, incompressible bytes after each image's TIFF magic: a zip
    # as big as asked, for truncated-download tests.
    image_bytes: int = 0

    @property
    def pid(self) -> ProductId:
        """The parsed product id."""
        return ProductId.parse(self.product_id)


def _manifest_info(spec: SafeSpec) -> manifest.ManifestInfo:
    pid = spec.pid
    orbit = pid.absolute_orbit if spec.absolute_orbit is None else spec.absolute_orbit
    start, stop = pid.start.replace(tzinfo=None), pid.stop.replace(tzinfo=None)
    return manifest.ManifestInfo(
        unit=pid.unit,
        polarisations=pid.polarisations,
        absolute_orbit=orbit,
        relative_orbit=spec.relative_orbit,
        cycle=(orbit - 1) // ORBITS_PER_CYCLE + 1,
        orbit_pass=spec.orbit_pass,
        start=start,
        stop=stop,
        # Nothing reads the ascending node of these products: the start will do.
        ascending_node=start,
        processing_start=stop + PROCESSING_DELAY,
        processing_stop=stop + PROCESSING_DELAY + timedelta(seconds=70),
        ipf_version=spec.ipf_version,
        datatake=int(pid.datatake, 16),
        footprint=[],  # written from spec.coordinates, as given
    )


def _verbatim_texts(spec: SafeSpec) -> dict[str, str]:
    pid = spec.pid
    return {
        "safe:startTime": spec.start or format_time(pid.start.replace(tzinfo=None)),
        "safe:stopTime": spec.stop or format_time(pid.stop.replace(tzinfo=None)),
        "gml:coordinates": spec.coordinates,
    }


def _write(safe: Path, spec: SafeSpec) -> Path:
    """Write the SAFE folder ``safe`` (placeholder images, then the manifest listing them)."""
    pid = spec.pid
    members = [f"measurement/{pid.measurement(pol).format()}" for pol in pid.polarisations]
    for member in members:
        (safe / member).parent.mkdir(parents=True, exist_ok=True)
        body = random.Random(member).randbytes(spec.image_bytes) if spec.image_bytes else b""
        (safe / member).write_bytes(TIFF_MAGIC + body)
    root = manifest.manifest_tree(_manifest_info(spec), safe, members)
    for tag, text in _verbatim_texts(spec).items():
        node = root.find(f".//{tag}", manifest.NAMESPACES)
        if node is None:
            raise LookupError(f"s1ops.testing.manifest no longer writes {tag}")
        node.text = text
    (safe / manifest.MANIFEST_NAME).write_bytes(manifest.manifest_bytes(root))
    # Listed in the manifest (with the size and MD5 it had), then gone.
    for pol in spec.skip_measurement_files:
        (safe / f"measurement/{pid.measurement(pol).format()}").unlink()
    return safe


def build_safe_dir(parent: Path, spec: SafeSpec | None = None) -> Path:
    """Write ``{parent}/{id}.SAFE`` and return its path."""
    spec = spec or SafeSpec()
    return _write(parent / spec.pid.safe_name, spec)


def build_safe_zip(parent: Path, spec: SafeSpec | None = None) -> Path:
    """Write ``{parent}/{id}.zip`` holding ``{id}.SAFE/...`` and return its path.

    The folder is made elsewhere first, so a ``{id}.SAFE`` already in
    ``parent`` stays as it is (a product both unzipped and zipped).
    """
    spec = spec or SafeSpec()
    parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="safe-builder-") as staging:
        zipped = zip_safe(_write(Path(staging) / spec.pid.safe_name, spec))
        return Path(shutil.move(zipped, parent / zipped.name))
