"""One error hierarchy for the whole library.

Errors carry the data a caller needs to decide what to do (a product id, an
exit code, a log tail) as attributes. Only the Airflow layer and the CLI turn
them into fail / skip / retry / exit codes.
"""

from __future__ import annotations

import reprlib


class S1OpsError(Exception):
    """Root of every error raised on purpose by s1ops."""


class ConfigError(S1OpsError):
    """An invalid request file: names the section, key, value and what is allowed."""

    def __init__(self, section: str, key: str, value: object, expected: str) -> None:
        self.section = section
        self.key = key
        self.value = value
        self.expected = expected
        super().__init__(f"[{section}] {key} = {value!r}: {expected}")


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
    """An OTB application failed or its child process died."""

    def __init__(self, step: str, exit_code: int | None, log_tail: str) -> None:
        self.step = step
        self.exit_code = exit_code
        self.log_tail = log_tail
        where = f"exit code {exit_code}" if exit_code is not None else "error"
        super().__init__(f"OTB step {step!r} failed ({where}):\n{log_tail}")


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
    """The catalogue refused our credentials: fail now, retrying cannot help."""

    def __init__(self, product_id: str | None, provider: str, detail: str = "") -> None:
        self.provider = provider
        what = f"product {product_id}" if product_id else "the search"
        extra = f" ({detail})" if detail else ""
        super().__init__(
            product_id,
            f"eodag provider {provider!r} refused the credentials for {what}{extra}; set "
            f"them in the environment (EODAG__{provider.upper()}__AUTH__CREDENTIALS__...)",
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
        # A whole plan can be the bad value: keep the message readable.
        shown = reprlib.repr(value)
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
