"""A product zip is checked against its manifest before it enters the cache: sizes, MD5s, CRCs."""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from s1ops.catalogue.verify import extract_safe, verify_zip
from s1ops.errors import CorruptProductError
from s1ops.testing.synth_safe import zip_safe
from tests.s1ops.safe_builder import P1_ID, SafeSpec, build_safe_dir

IMAGE = "measurement/s1a-iw-grd-vv-20200108t044150-20200108t044215-030704-038506-001.tiff"
SPEC = SafeSpec(image_bytes=20_000)


def _zip(tmp_path: Path, change: Callable[[Path], None] = lambda safe: None) -> Path:
    """P1 zipped after ``change`` to its folder (the manifest still describes the original)."""
    with tempfile.TemporaryDirectory(dir=tmp_path) as staging:
        safe = build_safe_dir(Path(staging), SPEC)
        change(safe)
        return Path(shutil.move(zip_safe(safe), tmp_path / f"{P1_ID}.zip"))


def _manifest(change: Callable[[str], str]) -> Callable[[Path], None]:
    def edit(safe: Path) -> None:
        manifest = safe / "manifest.safe"
        manifest.write_text(change(manifest.read_text()))

    return edit


def _truncate(safe: Path) -> None:
    with (safe / IMAGE).open("r+b") as f:
        f.truncate(10_000)


def _flip(safe: Path) -> None:
    data = bytearray((safe / IMAGE).read_bytes())
    data[5_000] ^= 0xFF
    (safe / IMAGE).write_bytes(bytes(data))


def test_a_whole_product_passes(tmp_path: Path) -> None:
    verify_zip(_zip(tmp_path), P1_ID)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_truncate, f"{IMAGE} is 10000 bytes; manifest.safe says 20004 bytes"),
        (_flip, rf"{IMAGE} has MD5 [0-9a-f]{{32}}; manifest.safe says [0-9a-f]{{32}}"),
        (lambda safe: (safe / IMAGE).unlink(), f"measurement {IMAGE} listed in manifest.safe"),
        (
            _manifest(lambda text: text.replace('size="20004"', 'size="-3"', 1)),
            "size='-3' of measurement/.* is not a byte count",
        ),
        (
            _manifest(lambda text: re.sub(r">[0-9a-f]{32}<", ">not-a-digest<", text, count=1)),
            "MD5 'not-a-digest' of .* is not 32 hex digits",
        ),
        (
            _manifest(lambda text: text.replace('href="./', 'href="../', 1)),
            "manifest.safe lists '../measurement/.*': expected a path inside the SAFE",
        ),
    ],
    ids=["truncated", "same-size", "missing-image", "bad-size", "bad-md5", "outside-href"],
)
def test_a_product_unlike_its_manifest_is_refused(
    tmp_path: Path, change: Callable[[Path], None], message: str
) -> None:
    with pytest.raises(CorruptProductError, match=message) as caught:
        verify_zip(_zip(tmp_path, change), P1_ID)
    assert caught.value.product_id == P1_ID


def test_a_damaged_member_fails_its_crc(tmp_path: Path) -> None:
    zipped = _zip(tmp_path)
    with zipfile.ZipFile(zipped) as archive:
        info = archive.getinfo(f"{P1_ID}.SAFE/{IMAGE}")
    data = bytearray(zipped.read_bytes())
    name_len = int.from_bytes(data[info.header_offset + 26 : info.header_offset + 28], "little")
    extra_len = int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little")
    data[info.header_offset + 30 + name_len + extra_len + 10_000] ^= 0xFF
    zipped.write_bytes(bytes(data))
    with pytest.raises(CorruptProductError, match=f"{IMAGE} cannot be read .*CRC"):
        verify_zip(zipped, P1_ID)


def test_members_outside_the_safe_are_refused_unlisted_ones_inside_kept(tmp_path: Path) -> None:
    zipped = _zip(tmp_path)
    with zipfile.ZipFile(zipped, "a") as archive:
        archive.writestr(f"{P1_ID}.SAFE/support/s1-level-1-product.xsd", "<xsd/>")
    verify_zip(zipped, P1_ID)
    assert (extract_safe(zipped, P1_ID, tmp_path / "x") / "support").is_dir()
    with zipfile.ZipFile(zipped, "a") as archive:
        archive.writestr("README.txt", "beside the SAFE")
    with pytest.raises(CorruptProductError, match=r"unexpected member 'README\.txt' outside"):
        verify_zip(zipped, P1_ID)


def test_a_manifest_without_md5s_is_checked_by_size_and_crc(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def no_md5_then_flip(safe: Path) -> None:
        _manifest(lambda text: re.sub(r"\s*<checksum [^>]*>\w+</checksum>", "", text))(safe)
        _flip(safe)

    zipped = _zip(tmp_path, no_md5_then_flip)
    with caplog.at_level(logging.WARNING):
        verify_zip(zipped, P1_ID)  # the flipped byte cannot be seen without an MD5
    assert f"gives no MD5 for {IMAGE}" in caplog.text
