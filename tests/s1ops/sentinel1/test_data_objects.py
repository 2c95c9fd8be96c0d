"""The manifest's list of files, with their sizes and MD5s, as ``read_safe`` gives it."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET

import pytest

from s1ops.errors import SafeError
from s1ops.sentinel1.data_objects import DataObject, data_objects
from s1ops.sentinel1.safe import read_safe
from tests.s1ops.safe_builder import SafeSpec, build_safe_dir

XFDU = "urn:ccsds:schema:xfdu:1"


def _manifest(*streams: str) -> ET.Element:
    objects = "".join(f"<dataObject><byteStream {s}</byteStream></dataObject>" for s in streams)
    return ET.fromstring(
        f'<x:XFDU xmlns:x="{XFDU}"><dataObjectSection>{objects}</dataObjectSection></x:XFDU>'
    )


def test_every_listed_file_with_its_size_and_md5(tmp_path) -> None:
    safe = build_safe_dir(tmp_path, SafeSpec(image_bytes=1000))
    listed = read_safe(safe).data_objects
    assert [o.member for o in listed] == [m for _, m in read_safe(safe).measurements]
    for item in listed:
        data = (safe / item.member).read_bytes()
        assert item.size_bytes == len(data)
        assert item.md5 == hashlib.md5(data, usedforsecurity=False).hexdigest()


def test_sizes_and_digests_are_optional_and_files_listed_once() -> None:
    digest = "0123456789ABCDEF0123456789abcdef"
    root = _manifest(
        '><fileLocation href="./a/b.xml"/>',
        f'size="3"><fileLocation href="a/b.xml"/><checksum checksumName="MD5">{digest}</checksum>',
        f'size="7"><fileLocation href="c.tiff"/><checksum checksumName="MD5">{digest}</checksum>',
    )
    assert data_objects(root, "here") == (
        DataObject("a/b.xml", None, None),
        DataObject("c.tiff", 7, digest.lower()),
    )


@pytest.mark.parametrize(
    ("stream", "message"),
    [
        ('><fileLocation href="/etc/passwd"/>', "expected a path inside the SAFE"),
        ('><fileLocation href="a/../../b"/>', "expected a path inside the SAFE"),
        ('size="x"><fileLocation href="a"/>', "size='x' of a is not a byte count"),
        ("><fileLocation/>", "without a fileLocation href"),
    ],
)
def test_malformed_entries_are_errors(stream: str, message: str) -> None:
    with pytest.raises(SafeError, match=message) as caught:
        data_objects(_manifest(stream), "here")
    assert caught.value.path == "here"
