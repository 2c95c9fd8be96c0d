"""One error hierarchy for the whole library.

Errors carry the data a caller needs to decide what to do (a product id, an
exit code, a log tail) as attributes. Only the Airflow layer and the CLI turn
them into fail / skip / retry / exit codes.
"""

from __future__ import annotations


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
