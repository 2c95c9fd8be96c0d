"""One error hierarchy for the whole library.

Errors carry the data a caller needs to decide what to do (a product id, an
exit code, a log tail) as attributes. Only the Airflow layer and the CLI turn
them into fail / skip / retry / exit codes.
"""

from __future__ import annotations

import errno as errnos
import os
import reprlib

# Values longer than this are shortened in messages (a 401-digit number is
# refused just as clearly with its first and last digits).
_SHOWN_CHARS = 160


def _shown(value: object) -> str:
    """``repr(value)``, its middle cut out when it is very long."""
    text = repr(value)
    if len(text) <= _SHOWN_CHARS:
        return text
    half = _SHOWN_CHARS // 2
    return f"{text[:half]}...{text[-half // 4 :]} ({len(str(value))} characters)"


class S1OpsError(Exception):
    """Root of every error raised on purpose by s1ops."""


class ConfigError(S1OpsError):
    """An invalid request file: names the section, key, value and what is allowed."""

    def __init__(self, section: str, key: str, value: object, expected: str) -> None:
        self.section = section
        self.key = key
        self.value = value
        self.expected = expected
        super().__init__(f"[{section}] {key} = {_shown(value)}: {expected}")


class TileIdError(S1OpsError, ValueError):
    """A malformed Sentinel-2 tile id."""

    def __init__(self, tile_id: str, reason: str) -> None:
        self.tile_id = tile_id
        self.reason = reason
        super().__init__(f"tile id {tile_id!r}: {reason}")


class ProductNameError(S1OpsError, ValueError):
    """A Sentinel-1 product id or file name that does not follow ESA's naming."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"{name!r}: {reason}")


class SafeError(S1OpsError):
    """A SAFE product (folder or zip) that cannot be read."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class DemError(S1OpsError):
    """DEM cells needed for a footprint are missing."""

    def __init__(self, dem_dir: str, missing: list[str]) -> None:
        self.dem_dir = dem_dir
        self.missing = missing
        super().__init__(
            f"DEM folder {dem_dir} lacks {len(missing)} cell(s) covering the footprint: "
            + ", ".join(missing)
        )


class OtbError(S1OpsError):
    """An OTB application failed or its child process died.

    The message is one line (the last word of a failed task's log): the step,
    the input it was reading (``on``, when known) and ``reason``, OTB's own
    message (by default the last line of ``log_tail``). The whole tail stays an
    attribute; the runner logs OTB's output at DEBUG.
    """

    def __init__(
        self, step: str, exit_code: int | None, log_tail: str, *, reason: str = "", on: str = ""
    ) -> None:
        self.step = step
        self.exit_code = exit_code
        self.log_tail = log_tail
        lines = [line.strip() for line in log_tail.splitlines() if line.strip()]
        self.reason = reason or (lines[-1] if lines else "no message")
        self.on = on
        where = f"exit code {exit_code}" if exit_code is not None else "error"
        what = f" on {on}" if on else ""
        super().__init__(f"OTB step {step!r} failed{what} ({where}): {self.reason}")


class OtbUnavailableError(S1OpsError):
    """OTB's Python module cannot be imported in this environment."""


class ConfigFileError(ConfigError):
    """A request file that cannot be read, or is not INI text."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__("", "", path, reason)
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"request file {self.path}: {self.reason}"


class StacRequestError(S1OpsError, ValueError):
    """A STAC API request the local catalogue cannot answer (answered with HTTP 400)."""

    def __init__(self, parameter: str, value: object, expected: str) -> None:
        self.parameter = parameter
        self.value = value
        self.expected = expected
        super().__init__(f"{parameter}={value!r}: {expected}")


class SynthError(S1OpsError):
    """A synthetic product cannot be made: missing template data or an invalid request."""


class ProductDownloadError(S1OpsError):
    """Root of the catalogue and download errors; ``product_id`` is None for a search."""

    def __init__(self, product_id: str | None, message: str) -> None:
        self.product_id = product_id
        super().__init__(message)


class ProductNotAvailableError(ProductDownloadError):
    """The product is in long-term archive or being staged: wait, then ask again."""

    def __init__(self, product_id: str, status: str, detail: str = "") -> None:
        self.status = status
        self.detail = detail
        extra = f" ({detail})" if detail else ""
        super().__init__(
            product_id,
            f"product {product_id} is not downloadable yet: status {status!r}{extra}; "
            "wait for the catalogue to stage it, then ask again",
        )


class DownloadAuthError(ProductDownloadError):
    """The catalogue refused our credentials, or there were none: fail now, retrying cannot
    help. ``origin`` says where they came from (e.g. an Airflow Connection), so the message
    names what to fix; without it, the environment variables eodag reads."""

    def __init__(
        self, product_id: str | None, provider: str, detail: str = "", origin: str | None = None
    ) -> None:
        self.provider = provider
        self.origin = origin
        what = f"product {product_id}" if product_id else "the search"
        extra = f" ({detail})" if detail else ""
        fix = (
            f"fix them in {origin}"
            if origin
            else f"set them in an Airflow Connection or the environment "
            f"(EODAG__{provider.upper()}__AUTH__CREDENTIALS__...)"
        )
        super().__init__(
            product_id,
            f"eodag provider {provider!r} refused the credentials for {what}{extra}; {fix}",
        )


class QuotaError(ProductDownloadError):
    """The catalogue throttles us (HTTP 429): back off for ``retry_after_s``, then retry."""

    def __init__(self, product_id: str | None, provider: str, retry_after_s: float) -> None:
        self.provider = provider
        self.retry_after_s = retry_after_s
        what = f"product {product_id}" if product_id else "a search"
        super().__init__(
            product_id,
            f"eodag provider {provider!r} reports its quota exceeded for {what}; "
            f"back off for {retry_after_s:g} s before retrying",
        )


class CorruptProductError(ProductDownloadError):
    """A downloaded product failed verification (truncated, not a zip, bad member): retry."""

    def __init__(self, product_id: str, reason: str) -> None:
        self.reason = reason
        super().__init__(
            product_id,
            f"download of product {product_id} is unusable: {reason}; it was discarded, "
            "download it again",
        )


class ProductNotFoundError(ProductDownloadError):
    """The catalogue does not know the product id."""

    def __init__(self, product_id: str, provider: str) -> None:
        self.provider = provider
        super().__init__(
            product_id,
            f"product {product_id} is not in the catalogue of eodag provider {provider!r}; "
            "check the id (and the provider's collection)",
        )


class DownloadFailedError(ProductDownloadError):
    """The catalogue or the transfer failed (5xx, connection cut) after bounded retries."""

    def __init__(self, product_id: str | None, reason: str, attempts: int) -> None:
        self.reason = reason
        self.attempts = attempts
        what = f"download of product {product_id}" if product_id else "catalogue search"
        super().__init__(
            product_id,
            f"{what} failed {attempts} time(s), last: {reason}; retry later",
        )


class RunParamsError(S1OpsError, ValueError):
    """A run's parameters (a manual trigger's params) are invalid."""

    def __init__(self, param: str, value: object, expected: str) -> None:
        self.param = param
        self.value = value
        self.expected = expected
        super().__init__(f"run parameter {param} = {value!r}: {expected}")


class ContractError(S1OpsError, ValueError):
    """A document crossing a process boundary (XCom, ``--job`` JSON, a trigger event) is malformed.

    ``contract`` names the type (``TileJob``, or ``PlanResult.jobs[2] TileJob`` inside
    another), ``field`` the bad field (None for the document itself).
    """

    def __init__(
        self,
        contract: str,
        field: str | None,
        value: object,
        expected: str,
        *,
        missing: bool = False,
    ) -> None:
        self.contract = contract
        self.field = field
        self.value = value
        self.expected = expected
        self.missing = missing
        where = contract if field is None else f"{contract}.{field}"
        # A whole plan can be the bad value: keep the message readable. A string
        # (a path) is shown whole unless very long: cutting its middle hides it.
        shown = _shown(value) if isinstance(value, str) else reprlib.repr(value)
        what = "is missing" if missing else f"= {shown}"
        super().__init__(f"{where} {what}: expected {expected}")


class ProductsNotOnDiskError(S1OpsError):
    """A tile job's products are not all in the S1 cache: download them, or wait for a later run."""

    def __init__(self, job_id: str, missing: tuple[str, ...], s1_images: str) -> None:
        self.job_id = job_id
        self.missing = missing
        self.s1_images = s1_images
        super().__init__(
            f"job {job_id}: product(s) {', '.join(missing)} not on disk in {s1_images} "
            "([Paths] s1_images); download them first (a DAG run leaves the job to a later run)"
        )


class MaintenanceFailedError(S1OpsError):
    """A maintenance run in which some parts stopped on an error (the others ran)."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__(
            "maintenance part(s) failed: "
            + "; ".join(f"{part}: {error}" for part, error in errors.items())
            + " (the other parts ran: see the report)"
        )


# What each file-system refusal means, and what would have been needed instead.
_REFUSALS: dict[int, tuple[str, str]] = {
    errnos.ENOSPC: ("no space left on its file system", "free space there, then run again"),
    errnos.EDQUOT: ("disk quota exceeded", "free space (or a larger quota), then run again"),
    errnos.EIO: ("input/output error", "a working disk"),
    errnos.EROFS: ("read-only file system", "a writable file system"),
    errnos.EACCES: ("permission denied", f"permission for this user (uid {os.getuid()})"),
    errnos.EPERM: ("operation not permitted", f"permission for this user (uid {os.getuid()})"),
    errnos.EEXIST: ("a file is in the way", "a folder there (or nothing, to create one)"),
    errnos.ENOTDIR: ("a file is in the way", "folders on the way to it, not files"),
    errnos.EISDIR: ("is a folder", "a file there, not a folder"),
}
# Refusals a later run may not meet: the disk was full or failing.
DISK_ERRNOS = frozenset({errnos.ENOSPC, errnos.EDQUOT, errnos.EIO})


class FileSystemError(S1OpsError):
    """A path s1ops must write (or read) that the file system refuses: read-only, no
    permission, a file where a folder is needed, no space left. ``errno`` says which
    (None when s1ops found the problem itself, before trying); ``what`` names the path's
    role (``[Paths] output``), when known.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        reason: str,
        expected: str,
        *,
        errno: int | None = None,
        what: str = "",
    ) -> None:
        self.path = str(path)
        self.reason = reason
        self.expected = expected
        self.errno = errno
        self.what = what
        where = f"{what} {self.path}" if what else self.path
        super().__init__(f"{where}: {reason}; expected {expected}")

    @property
    def disk_full(self) -> bool:
        """Whether the disk refused (full, over quota, failing) rather than the path."""
        return self.errno in DISK_ERRNOS

    @classmethod
    def from_os_error(cls, error: OSError, *, what: str = "") -> FileSystemError | None:
        """The refusal ``error`` stands for, or None for an OSError that is not one."""
        if error.errno not in _REFUSALS:
            return None
        reason, expected = _REFUSALS[error.errno]
        path = error.filename if error.filename is not None else "(path not known)"
        if error.filename2 is not None:
            path = f"{path} -> {error.filename2}"
        return cls(path, reason, expected, errno=error.errno, what=what)


class RasterError(S1OpsError):
    """An image s1ops must read that cannot be read: missing, truncated, not a GeoTIFF."""

    def __init__(self, path: str | os.PathLike[str], reason: str, expected: str) -> None:
        self.path = str(path)
        self.reason = reason
        self.expected = expected
        super().__init__(f"{self.path}: {reason}; expected {expected}")


class DemFileError(DemError):
    """A DEM cell or the geoid file that OTB would misread: names the file and what was expected.

    OTB skips an elevation file it cannot read, or reads a short one as zeros,
    and orthorectifies anyway: the geometry would be silently wrong.
    """

    def __init__(self, path: str, kind: str, problem: str, expected: str) -> None:
        self.path = path
        self.kind = kind  # 'DEM cell' or 'geoid file'
        self.problem = problem
        self.expected = expected
        # DemError's fields: the folder, and no cell missing.
        self.dem_dir = os.path.dirname(path)
        self.missing: list[str] = []
        S1OpsError.__init__(self, f"{kind} {path}: {problem}; expected {expected}")


class ZippedProductError(SafeError):
    """A zipped product in the S1 cache that cannot be extracted into ``{id}.SAFE`` for use.

    It is left in place (it is the user's file): replace it, or delete it so
    that the product is downloaded again.
    """

    def __init__(self, path: str, product_id: str, reason: str) -> None:
        self.product_id = product_id
        super().__init__(
            path,
            f"zipped product {product_id} cannot be used: {reason}; it was left in place: "
            "replace it with a whole copy, or delete it to download the product again",
        )
        self.reason = reason


# Sizes in messages: decimal units, as df -H and most users count them.
_KB, _MB = 1_000, 1_000_000


def _megabytes(size_bytes: int) -> str:
    """A size for people: ``12.3 MB``; small ones in kB or bytes (never ``0.0 MB``)."""
    if size_bytes >= _MB // 10:
        return f"{size_bytes / _MB:.1f} MB"
    if size_bytes >= _KB:
        return f"{size_bytes / _KB:.0f} kB"
    return f"{size_bytes} bytes"


class DiskFullError(FileSystemError):
    """A write that ran out of space (ENOSPC, or over quota): nothing was published.

    ``folder`` is where it was writing and ``writing`` what (a file name, "a work
    folder"...); ``needed_bytes`` what it needed when known (with
    ``needed_at_least``: it stopped there, more was needed), ``free_bytes`` what is
    free there now, after its partial file was deleted.
    """

    def __init__(
        self,
        folder: str | os.PathLike[str],
        writing: str,
        *,
        needed_bytes: int | None = None,
        free_bytes: int | None = None,
        needed_at_least: bool = False,
        no_inode_left: bool = False,
        errno: int = errnos.ENOSPC,
    ) -> None:
        super().__init__(
            folder, "no space left", "free space there, then run again", errno=errno, what=writing
        )
        self.folder = str(folder)
        self.writing = writing
        self.needed_bytes = needed_bytes
        self.free_bytes = free_bytes
        self.needed_at_least = needed_at_least
        self.no_inode_left = no_inode_left
        # Out of inodes (too many files), bytes are no measure of what is missing.
        space = ["no free inode: too many files"] if no_inode_left else []
        if needed_bytes is not None:
            about = "more than " if needed_at_least else "~"
            space.append(f"needed {about}{_megabytes(needed_bytes)}")
        if free_bytes is not None and not no_inode_left:
            space.append(f"free {_megabytes(free_bytes)}")
        shown = f" ({', '.join(space)})" if space else ""
        S1OpsError.__init__(
            self,
            f"no space left in {self.folder}{shown} writing {writing}; nothing was published: "
            "free space there (or point the folder elsewhere), then run again",
        )


class IncompleteFileError(FileSystemError):
    """A file written for publication that is not complete (truncated, unreadable, or its
    writer reported a failure): it was deleted and its final name never appeared.

    ``path`` is the final name, ``problem`` what was wrong with the written copy.
    """

    def __init__(self, path: str | os.PathLike[str], problem: str) -> None:
        super().__init__(
            path, problem, "a complete file, proven before publication", errno=errnos.EIO
        )
        self.problem = problem
        S1OpsError.__init__(
            self,
            f"{path} was not published: the file written for it {problem}; "
            "it was deleted: run again",
        )
