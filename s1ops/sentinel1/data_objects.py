"""The files a SAFE's ``manifest.safe`` lists, with their sizes and MD5s: a whole product.

ESA's manifests list every annotation, calibration, noise, measurement (and
support, preview) file of a product as a ``dataObject`` whose ``byteStream``
gives the file's ``size`` in bytes, its ``fileLocation href`` relative to the
SAFE folder and a ``checksum checksumName="MD5"``. ``manifest.safe`` itself is
not listed. A product is whole when each listed file is there with that size
and digest (``s1ops.catalogue.verify`` checks it before a product enters the
cache).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import PurePosixPath

from s1ops.errors import SafeError

MANIFEST = "manifest.safe"
_MD5_RE = re.compile(r"[0-9a-f]{32}")
_STREAMS = ".//{*}dataObjectSection/{*}dataObject/{*}byteStream"


@dataclass(frozen=True)
class DataObject:
    """One file the manifest lists: where it is in the SAFE, its size and MD5 when stated."""

    member: str  # path inside the SAFE folder: 'measurement/s1a-iw-grd-vv-...tiff'
    size_bytes: int | None
    md5: str | None  # lower-case hex digest


def _member(href: str | None, where: str) -> str:
    if not href:
        raise SafeError(where, f"{MANIFEST} lists a data object without a fileLocation href")
    path = PurePosixPath(href.removeprefix("./"))
    if path.is_absolute() or ".." in path.parts or str(path) in ("", "."):
        raise SafeError(where, f"{MANIFEST} lists {href!r}: expected a path inside the SAFE")
    return str(path)


def _size(text: str | None, member: str, where: str) -> int | None:
    if text is None:
        return None
    try:
        size = int(text)
    except ValueError:
        size = -1
    if size < 0:
        raise SafeError(where, f"{MANIFEST}: size={text!r} of {member} is not a byte count")
    return size


def _md5(stream: ET.Element, member: str, where: str) -> str | None:
    for checksum in stream.iterfind("{*}checksum"):
        if checksum.get("checksumName", "").upper() != "MD5":
            continue
        digest = (checksum.text or "").strip().lower()
        if not _MD5_RE.fullmatch(digest):
            raise SafeError(
                where, f"{MANIFEST}: MD5 {checksum.text!r} of {member} is not 32 hex digits"
            )
        return digest
    return None


def data_objects(manifest: ET.Element, where: str) -> tuple[DataObject, ...]:
    """The files listed in a parsed ``manifest.safe``, in document order.

    ``where`` names the product in errors. A location outside the SAFE, a size
    that is not a byte count or an MD5 that is not one is a ``SafeError``; a
    file listed twice is listed once.
    """
    found: dict[str, DataObject] = {}
    for stream in manifest.iterfind(_STREAMS):
        location = stream.find("{*}fileLocation")
        member = _member(None if location is None else location.get("href"), where)
        size = _size(stream.get("size"), member, where)
        found.setdefault(member, DataObject(member, size, _md5(stream, member, where)))
    return tuple(found.values())
