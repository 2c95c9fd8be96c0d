"""Failure modes of the local STAC catalogue, set per product for tests.

A ``FailureMode`` says how the catalogue misbehaves for one product: how long
it stays in long-term archive, whether it must be ordered, and what goes wrong
when it is downloaded. ``ProductState`` is the catalogue's mutable record of
one product (polls seen, order placed, download attempts) and decides, from
its failure mode, what each request gets.

A *poll* is any request that reveals the product's storage state: the item
appearing in a search answer, a GET of the item (eodag's order status link)
and a download attempt.
"""

from __future__ import annotations

import json
import time
import zipfile
from dataclasses import dataclass, fields
from io import BytesIO
from pathlib import Path
from typing import Any

from s1ops.errors import ConfigFileError

NOT_A_ZIP_BODY = (
    b"<!DOCTYPE html><html><head><title>Service maintenance</title></head>"
    b"<body><h1>The download service is under maintenance</h1></body></html>\n"
)


@dataclass(frozen=True)
class FailureMode:
    """How the catalogue misbehaves for one product (the defaults: not at all).

    ``offline_polls``: without ``order_required``, the product is offline for
    its first N polls, then online. With ``order_required``, it is offline
    until an order is posted, then staging for the N polls after the order,
    then online. ``staging_s`` keeps an ordered product staging for at least
    that many seconds as well: polls from unrelated searches then cannot bring
    it online before the one who ordered it has started waiting.

    Download failures (``http_status``, ``truncate_bytes``, ``not_a_zip``,
    ``corrupt_member``) hit every download attempt of an online product, or
    only the first ``failing_attempts`` of them when that is set.
    ``send_length=False`` omits ``Content-Length`` (the body then ends when the
    connection closes); with ``truncate_bytes`` and ``send_length=True`` the
    header announces the full size and the connection closes early.
    ``delay_s`` delays the answer to every download attempt.
    """

    offline_polls: int = 0
    order_required: bool = False
    staging_s: float = 0.0
    http_status: int | None = None  # e.g. 401, 403, 429, 500
    truncate_bytes: int | None = None
    send_length: bool = True
    not_a_zip: bool = False
    corrupt_member: bool = False
    delay_s: float = 0.0
    failing_attempts: int | None = None  # None: every attempt fails

    def __post_init__(self) -> None:
        if self.offline_polls < 0:
            raise ValueError(f"offline_polls={self.offline_polls}: must be >= 0")
        if self.staging_s < 0:
            raise ValueError(f"staging_s={self.staging_s}: must be >= 0")
        if self.http_status is not None and not 400 <= self.http_status <= 599:
            raise ValueError(f"http_status={self.http_status}: must be an HTTP error, 400..599")
        if self.truncate_bytes is not None and self.truncate_bytes < 0:
            raise ValueError(f"truncate_bytes={self.truncate_bytes}: must be >= 0")
        if self.delay_s < 0:
            raise ValueError(f"delay_s={self.delay_s}: must be >= 0")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FailureMode:
        """From a JSON object with the field names; unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(
                f"unknown failure mode key(s) {', '.join(sorted(unknown))}; "
                f"known: {', '.join(sorted(known))}"
            )
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        """The fields that differ from the defaults."""
        default = FailureMode()
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if getattr(self, f.name) != getattr(default, f.name)
        }


def load_failures(path: str | Path) -> dict[str, FailureMode]:
    """Read ``{"<product id>": {"offline_polls": 2, ...}, ...}`` from a JSON file."""
    source = Path(path)
    try:
        data = json.loads(source.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigFileError(str(source), f"cannot read failure modes as JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise ConfigFileError(str(source), "expected a JSON object keyed by product id")
    try:
        return {pid: FailureMode.from_dict(mode) for pid, mode in data.items()}
    except (TypeError, ValueError) as exc:
        raise ConfigFileError(str(source), str(exc)) from exc


@dataclass
class Reply:
    """What a download attempt gets: status, headers and body bytes to send."""

    status: int
    body: bytes
    content_type: str = "application/zip"
    length: int | None = None  # announced Content-Length; None: no header
    delay_s: float = 0.0
    retry_after_s: int | None = None


class ProductState:
    """The catalogue's mutable record of one product; callers hold the catalogue lock."""

    def __init__(self, mode: FailureMode | None = None) -> None:
        self.mode = mode or FailureMode()
        self.polls = 0
        self.ordered = False
        self.ordered_at = 0.0  # time.monotonic() of the first order
        self.polls_since_order = 0
        self.downloads = 0
        self.orders = 0

    def set_mode(self, mode: FailureMode) -> None:
        """Change the failure mode and start its counts afresh."""
        self.mode = mode
        self.polls = self.polls_since_order = self.downloads = self.orders = 0
        self.ordered = False

    def storage(self) -> str:
        """The storage state now, without counting a poll."""
        mode = self.mode
        if mode.order_required:
            if not self.ordered:
                return "offline"
            staging = self.polls_since_order <= mode.offline_polls or (
                time.monotonic() - self.ordered_at < mode.staging_s
            )
            return "staging" if staging else "online"
        return "offline" if self.polls <= mode.offline_polls else "online"

    def poll(self) -> str:
        """Count one poll and return the storage state it reveals."""
        self.polls += 1
        if self.ordered:
            self.polls_since_order += 1
        return self.storage()

    def order(self) -> str:
        """Record an order (idempotent once placed); returns the storage state."""
        self.orders += 1
        if not self.ordered:
            self.ordered, self.ordered_at = True, time.monotonic()
        return self.storage()

    def download(self, zip_path: Path) -> Reply:
        """Count a download attempt (a poll too) and decide the reply."""
        self.downloads += 1
        storage = self.poll()
        mode = self.mode
        if storage != "online":
            body = json.dumps({"code": "NotOnline", "storage": storage}).encode()
            return Reply(202, body, "application/json", len(body), mode.delay_s, retry_after_s=1)
        failing = mode.failing_attempts is None or self.downloads <= mode.failing_attempts
        if failing and mode.http_status is not None:
            body = json.dumps({"code": "Error", "status": mode.http_status}).encode()
            retry = 1 if mode.http_status in (429, 503) else None
            return Reply(mode.http_status, body, "application/json", len(body), mode.delay_s, retry)
        data = zip_path.read_bytes()
        content_type = "application/zip"
        if failing and mode.not_a_zip:
            data, content_type = NOT_A_ZIP_BODY, "text/html"
        elif failing and mode.corrupt_member:
            data = corrupt_largest_member(data)
        length = len(data) if mode.send_length else None
        if failing and mode.truncate_bytes is not None:
            data = data[: mode.truncate_bytes]
        return Reply(200, data, content_type, length, mode.delay_s)


def corrupt_largest_member(data: bytes) -> bytes:
    """The zip ``data`` with bytes of its largest member flipped (its CRC no longer matches).

    The central directory is untouched, so the archive still opens and lists
    its members; reading the damaged one fails.
    """
    with zipfile.ZipFile(BytesIO(data)) as archive:
        info = max(archive.infolist(), key=lambda i: i.compress_size)
    header = info.header_offset
    # Local file header: 30 fixed bytes, then the name and extra field, whose
    # lengths are at offsets 26 and 28 (they may differ from the central copy).
    name_len = int.from_bytes(data[header + 26 : header + 28], "little")
    extra_len = int.from_bytes(data[header + 28 : header + 30], "little")
    start = header + 30 + name_len + extra_len
    damaged = bytearray(data)
    for offset in range(start, start + max(1, min(info.compress_size, 8))):
        damaged[offset] ^= 0xFF
    return bytes(damaged)
