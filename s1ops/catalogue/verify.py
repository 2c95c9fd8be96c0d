"""Checks of a product zip before it enters the cache, and its extraction.

eodag records a truncated body or an HTML error page as a successful
download; a zip whose member is damaged only fails when read; an image cut
short *before* it was zipped has consistent CRCs and fails only when OTB
reads it. A product is accepted when its zip opens, every member sits in
``{id}.SAFE/``, ``manifest.safe`` reads, every file the manifest lists is in
the zip with the size and MD5 the manifest states (ESA's manifests give both),
every member's CRC matches and each measurement image starts as a TIFF.
Members the manifest does not list (ESA's zips hold a few) are allowed,
CRC-checked like the others.

Cost: sizes come from the zip's directory (a product cut short is refused
before any reading); then one read of the whole zip, in which zipfile checks
the CRCs, the listed files are hashed and, for ``extract_safe``, written out:
checking and extracting share that read (see ``extract_safe`` for numbers).
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from s1ops.cache.layout import CacheLayout, safe_name
from s1ops.errors import CorruptProductError, FileSystemError, SafeError

if TYPE_CHECKING:
    from s1ops.sentinel1.safe import SafeProduct

log = logging.getLogger(__name__)

# Little- and big-endian TIFF, and BigTIFF, magic numbers.
_TIFF_MAGICS = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
# Reads of 4 MiB: large enough for MD5 and CRC to run at disk speed.
_CHUNK_BYTES = 4 << 20
_UNREADABLE = (zipfile.BadZipFile, zlib.error, EOFError, OSError)


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


def _check_names(archive: zipfile.ZipFile, product_id: str) -> str:
    """The SAFE folder inside the zip (``{id}.SAFE/``): every member in it, its manifest there."""
    root = f"{safe_name(product_id)}/"
    names = archive.namelist()
    for name in names:
        parts = PurePosixPath(name).parts
        if not name.startswith(root) or ".." in parts or name.startswith("/"):
            raise CorruptProductError(product_id, f"unexpected member {name!r} outside {root}")
    if f"{root}manifest.safe" not in names:
        raise CorruptProductError(product_id, f"the zip holds no {root}manifest.safe")
    return root


def _read_product(zip_path: Path, product_id: str) -> SafeProduct:
    from s1ops.sentinel1.safe import read_safe

    try:
        safe = read_safe(zip_path)
    except SafeError as exc:
        raise CorruptProductError(product_id, exc.reason) from exc
    if not safe.measurements:
        raise CorruptProductError(product_id, "the manifest lists no measurement image")
    return safe


def _check_listed(archive: zipfile.ZipFile, root: str, safe: SafeProduct, product_id: str) -> None:
    """What the zip's directory tells without reading: each listed file there, its size right."""
    for listed in safe.data_objects:
        try:
            info = archive.getinfo(root + listed.member)
        except KeyError as exc:
            raise CorruptProductError(
                product_id, f"{listed.member}, listed in manifest.safe, is missing"
            ) from exc
        if listed.size_bytes is not None and info.file_size != listed.size_bytes:
            raise CorruptProductError(
                product_id,
                f"{listed.member} is {info.file_size} bytes; "
                f"manifest.safe says {listed.size_bytes} bytes",
            )
    unhashed = [o.member for o in safe.data_objects if o.md5 is None]
    if unhashed:
        log.warning(
            "%s: manifest.safe gives no MD5 for %s: checked by size and CRC only",
            product_id,
            ", ".join(unhashed),
        )
    for polarisation, member in safe.measurements:
        try:
            with archive.open(root + member) as image:
                magic = image.read(4)
        except _UNREADABLE as exc:
            raise CorruptProductError(
                product_id, f"measurement {member} ({polarisation}) cannot be read ({exc})"
            ) from exc
        if magic not in _TIFF_MAGICS:
            raise CorruptProductError(product_id, f"measurement {member} is not a TIFF")


def _copy_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path | None, hashed: bool
) -> str | None:
    """Read a member to its end (zipfile checks its CRC there), into ``target`` when given;
    its MD5 when ``hashed``."""
    digest = hashlib.md5(usedforsecurity=False) if hashed else None
    with archive.open(info) as stream, target.open("wb") if target else nullcontext() as out:
        while chunk := stream.read(_CHUNK_BYTES):
            if digest is not None:
                digest.update(chunk)
            if out is not None:
                out.write(chunk)
    return None if digest is None else digest.hexdigest()


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, dest_dir: Path | None, hashed: bool
) -> str | None:
    target = None if dest_dir is None else dest_dir / info.filename
    try:
        if target is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
        return _copy_member(archive, info, target, hashed)
    except OSError as exc:
        # A full or read-only cache is not a corrupt product: say which folder refused.
        refusal = FileSystemError.from_os_error(exc, what="[Paths] s1_images")
        if refusal is not None:
            raise refusal from exc
        raise


def _check_contents(
    archive: zipfile.ZipFile,
    root: str,
    safe: SafeProduct,
    product_id: str,
    dest_dir: Path | None = None,
) -> None:
    """One read of every member (extracted into ``dest_dir`` when given): CRCs, and the MD5
    of each file the manifest lists."""
    expected = {root + o.member: o.md5 for o in safe.data_objects if o.md5 is not None}
    for info in archive.infolist():
        if info.is_dir():
            if dest_dir is not None:  # an empty folder of the product, kept as zipped
                (dest_dir / info.filename).mkdir(parents=True, exist_ok=True)
            continue
        member = info.filename.removeprefix(root)
        try:
            actual = _read_member(archive, info, dest_dir, hashed=info.filename in expected)
        except _UNREADABLE as exc:
            raise CorruptProductError(product_id, f"{member} cannot be read ({exc})") from exc
        wanted = expected.get(info.filename)
        if wanted is not None and actual != wanted:
            raise CorruptProductError(
                product_id, f"{member} has MD5 {actual}; manifest.safe says {wanted}"
            )


@contextmanager
def _checked(zip_path: Path, product_id: str) -> Iterator[tuple[zipfile.ZipFile, str, SafeProduct]]:
    """The open zip, its SAFE folder and its product, once what needs no reading is checked:
    member names, the manifest, the listed files' presence and sizes, the images' TIFF magic."""
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        size = zip_path.stat().st_size if zip_path.exists() else 0
        raise CorruptProductError(product_id, f"not a zip file ({size} bytes: {exc})") from exc
    with archive:
        root = _check_names(archive, product_id)
        safe = _read_product(zip_path, product_id)
        _check_listed(archive, root, safe, product_id)
        yield archive, root, safe


def verify_zip(zip_path: Path, product_id: str) -> None:
    """Raise ``CorruptProductError`` naming the member and what differed, unless ``zip_path``
    is a whole SAFE zip: members in ``{id}.SAFE/``, CRCs right, and every file
    ``manifest.safe`` lists there with its stated size and MD5.

    Reads the whole zip once; ``extract_safe`` makes the same checks in its own
    single read, so a product entering the cache is read once, not twice.
    """
    with _checked(zip_path, product_id) as (archive, root, safe):
        _check_contents(archive, root, safe, product_id)


def extract_safe(zip_path: Path, product_id: str, dest_dir: Path) -> Path:
    """Check the zip as ``verify_zip`` does while extracting it into ``dest_dir`` (one read);
    returns its ``{id}.SAFE`` there. Raises ``CorruptProductError`` (``dest_dir`` then holds
    what was extracted: the caller deletes it), ``FileSystemError`` when ``dest_dir``
    cannot be written (full, read-only).

    ``dest_dir`` is laid out as a cache: the SAFE is where ``CacheLayout.safe_dir``
    says, ready to be renamed into the real cache. Measured on a full-size product
    (a 0.97 GB zip of 1.97 GB of uncompressed measurement images, as ESA ships
    them; page cache warm, 2 shared cores): 15-17 s, of which ~3.5 s of CPU for
    the MD5s, against 17-21 s (up to 28 s under load) before for a CRC pass
    (``testzip``) then ``extractall``, which decompressed everything twice.
    """
    if dest_dir.exists():
        shutil.rmtree(dest_dir)
    dest_dir.mkdir(parents=True)
    with _checked(zip_path, product_id) as (archive, root, safe):
        _check_contents(archive, root, safe, product_id, dest_dir)
    extracted = CacheLayout(dest_dir).safe_dir(product_id)
    if not (extracted / "manifest.safe").is_file():
        raise CorruptProductError(product_id, f"extraction left no {extracted.name}/manifest.safe")
    return extracted
