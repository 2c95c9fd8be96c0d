"""Damaged zips of the hostile site's product: what a bad mirror, a cut copy or a hand edit leaves.

Each damage keeps the manifest as ESA wrote it (sizes and MD5s of the whole
product) and changes what the zip holds. ``Damage.names`` are the words the
refusal must contain: the member, and what differed.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from s1ops.cache.layout import CacheLayout
from s1ops.sentinel1.safe import SafeProduct, read_safe
from s1ops.testing.synth_safe import zip_safe


@dataclass(frozen=True)
class Damage:
    """One way of damaging a product zip."""

    name: str
    refused: bool  # False: a harmless oddity, the product is accepted
    # Words the refusal names, from the product read before damage.
    names: Callable[[SafeProduct], tuple[str, ...]]


def _image(product: SafeProduct) -> str:
    return product.measurement_member("vv")


def _calibration(product: SafeProduct) -> str:
    return next(o.member for o in product.data_objects if "/calibration-" in o.member)


def _size(product: SafeProduct, member: str) -> int:
    return next(o.size_bytes or 0 for o in product.data_objects if o.member == member)


DAMAGES = {
    d.name: d
    for d in (
        # The image cut in half before zipping: the zip's CRCs are consistent.
        Damage(
            "truncated-measurement",
            True,
            lambda p: (_image(p), f"{_size(p, _image(p)) // 2} bytes", str(_size(p, _image(p)))),
        ),
        # Same size, other bytes: only the MD5 tells.
        Damage("same-size-other-bytes", True, lambda p: (_image(p), "MD5")),
        Damage("missing-member", True, lambda p: (_calibration(p), "missing")),
        # Bytes flipped inside the zip after zipping: the CRC tells.
        Damage("bad-crc", True, lambda p: (_image(p), "CRC")),
        Damage("member-outside", True, lambda p: ("README.txt", "outside")),
        # A file the manifest does not list: harmless, kept.
        Damage("unlisted-member", False, lambda p: ()),
    )
}
REFUSED = sorted(name for name, d in DAMAGES.items() if d.refused)


def site_product(s1_images: Path) -> Path:
    """The one product of a hostile site's cache (a SAFE folder or a zip)."""
    (entry,) = CacheLayout(s1_images).candidates()
    return entry


def _flip(path: Path, offset: int, count: int = 16) -> None:
    with path.open("r+b") as f:
        f.seek(offset)
        data = f.read(count)
        f.seek(offset)
        f.write(bytes(b ^ 0xFF for b in data))


def _damage_folder(safe: Path, product: SafeProduct, damage: str) -> None:
    image = safe / _image(product)
    if damage == "truncated-measurement":
        with image.open("r+b") as f:
            f.truncate(image.stat().st_size // 2)
    elif damage == "same-size-other-bytes":
        _flip(image, image.stat().st_size // 2)
    elif damage == "missing-member":
        (safe / _calibration(product)).unlink()
    elif damage == "unlisted-member":
        (safe / "support").mkdir(exist_ok=True)
        (safe / "support" / "notes.txt").write_bytes(b"\x00\xffnot in the manifest\n" * 100)


def _damage_zip(zipped: Path, product: SafeProduct, damage: str) -> None:
    if damage == "member-outside":
        with zipfile.ZipFile(zipped, "a") as archive:
            archive.writestr("README.txt", "a file beside the SAFE folder\n")
    elif damage == "bad-crc":
        with zipfile.ZipFile(zipped) as archive:
            info = archive.getinfo(f"{product.product_id.safe_name}/{_image(product)}")
        assert info.compress_type == zipfile.ZIP_STORED  # raw offsets below
        with zipped.open("rb") as f:
            f.seek(info.header_offset + 26)
            name_len, extra_len = (int.from_bytes(f.read(2), "little") for _ in range(2))
        data_start = info.header_offset + 30 + name_len + extra_len
        _flip(zipped, data_start + info.file_size // 2)


def damaged_zip(safe: Path, dest_dir: Path, damage: str) -> tuple[Path, tuple[str, ...]]:
    """``{dest_dir}/{id}.zip``: ``safe`` zipped with ``damage``; and the words its refusal names.

    ``safe`` itself is left as it is.
    """
    product = read_safe(safe)
    dest_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="damage-") as staging:
        copy = Path(shutil.copytree(safe, Path(staging) / safe.name))
        _damage_folder(copy, product, damage)
        zipped = zip_safe(copy)
        _damage_zip(zipped, product, damage)
        target = Path(shutil.move(zipped, dest_dir / zipped.name))
    return target, DAMAGES[damage].names(product)
