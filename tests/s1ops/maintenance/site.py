"""The maintenance tests' site: a request with its folders under one root, a killed job's
work folder."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from s1ops.cache.layout import CacheLayout
from s1ops.testing import request_file
from s1ops.testing.request_file import REQUEST_NAME, RequestPaths, Value


def write_request(root: Path, *, tiles: str = "33NWB", **airflow: Value) -> Path:
    """``root/S1Processor.cfg``: folders under ``root``, the builder's days, no catalogue."""
    root.mkdir(parents=True, exist_ok=True)
    return request_file.write_request(
        root / REQUEST_NAME, RequestPaths.under(root), tiles=tiles, airflow=airflow
    )


def cache_of(root: Path) -> CacheLayout:
    """The S1 cache of a request written by ``write_request``."""
    return CacheLayout.of(root / "s1")


def abandoned_work_folder(tmp: Path, kind: str = "dem") -> Path:
    """A work folder (``s1ops.scratch.work_folder``) whose process died inside the block."""
    code = textwrap.dedent(
        f"""
        import os
        from s1ops.scratch import work_folder
        with work_folder({str(tmp)!r}, {kind!r}) as folder:
            (folder / "N00E009.hgt").write_bytes(bytes(300))
            print(folder, flush=True)
            os._exit(0)  # no clean-up, as when killed
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return Path(done.stdout.strip())
