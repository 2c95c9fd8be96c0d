"""The process environment OTB needs, and loading its Python module."""

from __future__ import annotations

import locale
import os
from types import ModuleType

from s1ops.errors import OtbUnavailableError

# Where Debian's libotb-apps installs the application plugins.
DEFAULT_APPLICATION_PATH = "/usr/lib/x86_64-linux-gnu/otb/applications"


def otb_environment(
    base: dict[str, str] | None = None, *, threads: int | None = None, ram_mb: int | None = None
) -> dict[str, str]:
    """Return a copy of ``base`` (default: ``os.environ``) with what OTB needs set.

    ``LC_NUMERIC=C`` is forced: with a comma-decimal locale OTB parses
    coordinates wrongly and silently shifts the geometry by kilometres.
    """
    env = dict(os.environ if base is None else base)
    env.setdefault("OTB_APPLICATION_PATH", DEFAULT_APPLICATION_PATH)
    env["LC_NUMERIC"] = "C"
    if threads:
        env["ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS"] = str(threads)
    if threads and threads > 1:
        # GDAL then compresses the written blocks on as many threads (same bytes): DEFLATE
        # is a fifth of a 10 m chain, and OTB's writer alone would run it on one.
        env.setdefault("GDAL_NUM_THREADS", str(threads))
    if ram_mb:
        env["OTB_MAX_RAM_HINT"] = str(ram_mb)
    return env


def load_otb() -> ModuleType:
    """Import ``otbApplication`` after making this process's environment right for it."""
    os.environ.update(otb_environment())
    locale.setlocale(locale.LC_NUMERIC, "C")
    try:
        import otbApplication
    except ImportError as exc:
        raise OtbUnavailableError(
            f"OTB's Python module cannot be imported ({exc}); run `make setup`"
        ) from exc
    return otbApplication
