"""The CLI's exit codes: one table, each s1ops error mapped once."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from s1ops import exit_codes
from s1ops.cache.locks import LockTimeoutError
from s1ops.cli import main
from s1ops.errors import (
    ConfigError,
    ContractError,
    CorruptProductError,
    DemError,
    DownloadAuthError,
    DownloadFailedError,
    FileSystemError,
    OtbError,
    ProductNotAvailableError,
    ProductNotFoundError,
    ProductsNotOnDiskError,
    QuotaError,
    RasterError,
    S1OpsError,
)

PID = "S1A_IW_GRDH_1SDV_20200108T044150_20200108T044215_030704_038506_C7F5"


def test_the_values_are_the_documented_sysexits() -> None:
    codes = {
        name: getattr(exit_codes, name)
        for name in (
            *("OK", "PARTLY_FAILED", "BAD_INPUT", "NOT_FOUND"),
            *("QUOTA", "CANNOT_WRITE", "IO_FAILED", "NOT_YET", "CREDENTIALS"),
        )
    }
    assert codes == {
        "OK": 0,
        "PARTLY_FAILED": 3,
        "BAD_INPUT": 2,
        "NOT_FOUND": 66,
        "QUOTA": 69,
        "CANNOT_WRITE": 73,
        "IO_FAILED": 74,
        "NOT_YET": 75,
        "CREDENTIALS": 77,
    }
    assert sorted(exit_codes.RETRY_LATER) == [69, 74]
    # Each code has its line in the module's table.
    rows = {
        line.split()[0] for line in (exit_codes.__doc__ or "").splitlines() if line[:1].isdigit()
    }
    assert rows == {str(code) for code in codes.values()}


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ProductNotFoundError(PID, "cop"), 66),
        (QuotaError(PID, "cop", 30.0), 69),
        (DownloadFailedError(PID, "HTTP 503", 3), 74),
        (CorruptProductError(PID, "truncated"), 74),
        (ProductNotAvailableError(PID, "offline"), 75),
        (ProductsNotOnDiskError("job", (PID,), "/s1"), 75),
        (DownloadAuthError(PID, "cop"), 77),
        # The file system: a full disk may have room later, a read-only one not.
        (FileSystemError("/out", "read-only file system", "a writable folder"), 73),
        (FileSystemError.from_os_error(OSError(errno.EROFS, "ro", "/out")), 73),
        (FileSystemError.from_os_error(OSError(errno.ENOTDIR, "not a dir", "/out/x")), 73),
        (FileSystemError.from_os_error(OSError(errno.ENOSPC, "full", "/tmp/x")), 74),
        (RasterError("/out/a.tif", "truncated", "a readable GeoTIFF"), 2),
        # Everything else: bad input, and an OTB failure in `s1ops process`.
        (ConfigError("Paths", "output", None, "a folder"), 2),
        (ContractError("TileJob", "day", "x", "a day"), 2),
        (OtbError("OrthoRectification", -11, "segfault"), 2),
        (DemError("/dem", ["N00E014"]), 2),
        (LockTimeoutError(Path("/s1/.locks/x.lock"), 1.0), 2),
        (S1OpsError("anything"), 2),
    ],
)
def test_each_error_has_one_code(error: S1OpsError | None, code: int) -> None:
    assert error is not None
    assert exit_codes.exit_code(error) == code


def test_main_exits_with_the_errors_code(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "missing.cfg"
    assert main(["config", "check", str(missing)]) == exit_codes.BAD_INPUT
    assert str(missing) in capsys.readouterr().err


def test_a_file_system_refusal_is_one_line_and_any_other_exception_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``main``'s safety net: an OSError the file system raised is reported with its path;
    anything else (a bug) still propagates."""
    import s1ops.cli.config_cmd as config_cmd

    def refused(args: object) -> int:
        raise PermissionError(errno.EACCES, "Permission denied", "/out/32NNH")

    monkeypatch.setattr(config_cmd, "_check", refused)
    assert main(["config", "check", str(tmp_path / "x.cfg")]) == exit_codes.CANNOT_WRITE
    error = capsys.readouterr().err
    assert "s1ops config: error: /out/32NNH: permission denied; expected permission" in error

    def bug(args: object) -> int:
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", "/nowhere")

    monkeypatch.setattr(config_cmd, "_check", bug)
    with pytest.raises(FileNotFoundError):
        main(["config", "check", str(tmp_path / "x.cfg")])
