"""Checks of a downloaded product before it enters the cache, and its extraction.

eodag records a truncated body or an HTML error page as a successful
download; a zip whose member is damaged only fails when read. A product is
accepted when its zip opens, every member's CRC matches, ``{id}.SAFE/
manifest.safe`` is there and every measurement image it lists is present
and starts as a TIFF.
"""

from __future__ import annotations

import shutil
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from s1ops.cache.layout import CacheLayout, safe_name
from s1ops.errors import CorruptProductError, SafeError

# Little- and big-endian TIFF, and BigTIFF, magic numbers.
_TIFF_MAGICS = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")


def locate_archive(path: Path, product_id: str) -> Path:
    """The zip eodag left for ``product_id``: ``path`` itself, or the one zip inside it.

    With ``extract=False`` eodag 4.10.1 returns the zip it wrote, but for a
    body it could not recognise (truncated, not a zip) a folder holding it.
    """
    if path.is_file():
        return path
    candidates = sorted(path.rglob("*.zip")) if path.is_dir() else []
    if len(candidates) != 1:
        found = ", ".join(p.name for p in candidates) or "nothing"
        raise CorruptProductError(product_id, f"expected one zip from eodag at {path}, got {found}")
    return candidates[0]


def _check_members(archive: zipfile.ZipFile, product_id: str) -> str:
    root = f"{safe_name(product_id)}/"
    names = archive.namelist()
    for name in names:
        parts = PurePosixPath(name).parts
        if not name.startswith(root) or ".." in parts or name.startswith("/"):
            raise CorruptProductError(product_id, f"unexpected member {name!r} outside {root}")
    if f"{root}manifest.safe" not in names:
        raise CorruptProductError(product_id, f"the zip holds no {root}manifest.safe")
    try:
        bad = archive.testzip()
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise CorruptProductError(product_id, f"a member cannot be read ({exc})") from exc
    if bad is not None:
        raise CorruptProductError(product_id, f"member {bad} fails its CRC check")
    return root


def verify_zip(zip_path: Path, product_id: str) -> None:
    """Raise ``CorruptProductError`` unless ``zip_path`` is a whole, readable SAFE zip."""
    from s1ops.sentinel1.safe import read_safe

    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        size = zip_path.stat().st_size if zip_path.exists() else 0
        raise CorruptProductError(product_id, f"not a zip file ({size} bytes: {exc})") from exc
    with archive:
        root = _check_members(archive, product_id)
        try:
            safe = read_safe(zip_path)
        except SafeError as exc:
            raise CorruptProductError(product_id, f"manifest unreadable ({exc.reason})") from exc
        if not safe.measurements:
            raise CorruptProductError(product_id, "the manifest lists no measurement image")
        for polarisation, member in safe.measurements:
            try:
                with archive.open(root + member) as image:
                    magic = image.read(4)
            except KeyError as exc:
                raise CorruptProductError(
                    product_id, f"measurement {member} ({polarisation}) missing"
                ) from exc
            if magic not in _TIFF_MAGICS:
                raise CorruptProductError(product_id, f"measurement {member} is not a TIFF")


def extract_safe(zip_path: Path, product_id: str, dest_dir: Path) -> Path:
    """Extract the (verified) zip into ``dest_dir``; returns its ``{id}.SAFE`` there.

    ``dest_dir`` is laid out as a cache: the SAFE is where ``CacheLayout.safe_dir``
    says, ready to be renamed into the real cache.
    """
    if dest_dir.exists():
        shutil.rmtree(dest_dir)
    dest_dir.mkdir(parents=True)
    try:
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(dest_dir)
    except (zipfile.BadZipFile, zlib.error, OSError) as exc:
        raise CorruptProductError(product_id, f"extraction failed ({exc})") from exc
    safe = CacheLayout(dest_dir).safe_dir(product_id)
    if not (safe / "manifest.safe").is_file():
        raise CorruptProductError(product_id, f"extraction left no {safe.name}/manifest.safe")
    return safe
