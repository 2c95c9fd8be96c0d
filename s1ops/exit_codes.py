"""The exit codes of the ``s1ops`` command line, and the errors each one stands for.

The one table: the CLI's ``main`` turns an s1ops error into its code here,
and the Airflow layer reads the codes of its child processes and containers
to decide fail / retry / wait / skip. Values follow BSD's ``sysexits.h``.

====  =============  =========================================================================
code  name           meaning (errors) -- what the caller does
====  =============  =========================================================================
0     OK             done; ``product status`` always exits 0 once it has an answer;
                     ``process`` also when the outputs existed (its result says ``skipped``)
2     BAD_INPUT      bad input or configuration (``ConfigError``, ``ContractError`` -- a tile
                     job not as planning makes it for the request file --, ``RunParamsError``,
                     a bad tile id...), argparse's usage errors (a flag's value out of its
                     range), an image that cannot be read (``RasterError``, ``SafeError``),
                     and any other s1ops error: a missing DEM cell, a lease not obtained in
                     time, an OTB failure or crash in ``s1ops process`` (``OtbError``: step,
                     input and OTB's reason on one line; OTB's log with -vv) -- fail
                     (Airflow retries a process task as configured)
66    NOT_FOUND      product not in the catalogue (``ProductNotFoundError``, EX_NOINPUT)
                     -- fail
69    QUOTA          catalogue quota exceeded, HTTP 429 (``QuotaError``, EX_UNAVAILABLE)
                     -- back off, then retry
73    CANNOT_WRITE   a folder or file cannot be written or created (``FileSystemError``,
                     EX_CANTCREAT): a read-only file system, no permission, a file where a
                     folder is needed (``[Paths] output`` or ``tmp`` a file...) -- fail,
                     fix the folder
74    IO_FAILED      transfer or catalogue failed, or the product was corrupt, after the
                     bounded retries (``DownloadFailedError``, ``CorruptProductError``,
                     EX_IOERR); a disk full, over quota or failing (``FileSystemError``
                     with ``disk_full``) -- retry the task later (after freeing space)
75    NOT_YET        not available yet (EX_TEMPFAIL): a product offline or being staged
                     (``ProductNotAvailableError``) -- wait for it; in ``s1ops process``, a
                     job's products not on disk (``ProductsNotOnDiskError``) -- skip, a
                     later run makes the job
77    CREDENTIALS    the catalogue refused the credentials (``DownloadAuthError``,
                     EX_NOPERM) -- fail now, fix the credentials
3     PARTLY_FAILED  ``maintenance``: a part stopped on an error, the others ran (its report
                     says which); ``python -m s1ops_airflow.failures``: some runs failed
                     (it lists why) -- fix what the report names
====  =============  =========================================================================

Exit code 1 is never s1ops's answer: it is Python's own for an unexpected
exception (a bug; its traceback is on stderr). An ``OSError`` that is a
file-system refusal (the errnos of ``FileSystemError``) raised where s1ops did
not expect it is still reported as one line with its path and code 73 or 74
(``s1ops.cli.main``'s safety net); any other exception keeps its traceback.
A child killed by a signal exits with the shell's 128 + N (-N as
``subprocess`` reports it).
"""

from __future__ import annotations

from s1ops.errors import (
    CorruptProductError,
    DownloadAuthError,
    DownloadFailedError,
    FileSystemError,
    ProductNotAvailableError,
    ProductNotFoundError,
    ProductsNotOnDiskError,
    QuotaError,
    S1OpsError,
)

OK = 0
BAD_INPUT = 2
PARTLY_FAILED = 3
NOT_FOUND = 66  # EX_NOINPUT
QUOTA = 69  # EX_UNAVAILABLE
CANNOT_WRITE = 73  # EX_CANTCREAT
IO_FAILED = 74  # EX_IOERR
NOT_YET = 75  # EX_TEMPFAIL
CREDENTIALS = 77  # EX_NOPERM

# Codes after which running the same command later may succeed: the Airflow
# layer lets its retries (with back-off) handle them.
RETRY_LATER = frozenset({QUOTA, IO_FAILED})

# Most specific first: the first matching class gives the code.
_BY_ERROR: tuple[tuple[type[S1OpsError], int], ...] = (
    (ProductNotFoundError, NOT_FOUND),
    (QuotaError, QUOTA),
    (CorruptProductError, IO_FAILED),
    (DownloadFailedError, IO_FAILED),
    (ProductNotAvailableError, NOT_YET),
    (ProductsNotOnDiskError, NOT_YET),
    (DownloadAuthError, CREDENTIALS),
)


def exit_code(error: S1OpsError) -> int:
    """The exit code of an s1ops error (``BAD_INPUT`` for every kind not in the table)."""
    if isinstance(error, FileSystemError):
        # One class, two answers: a full disk may have room later, a read-only one not.
        return IO_FAILED if error.disk_full else CANNOT_WRITE
    return next((code for kind, code in _BY_ERROR if isinstance(error, kind)), BAD_INPUT)
