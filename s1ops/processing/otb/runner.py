"""Runs a chain in a child process and publishes its outputs atomically.

Outputs are written under a hidden partial name next to the final one
(``s1ops.scratch.partial_path``), tagged, then renamed: a crash at any point
never leaves a file that looks finished.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from s1ops.errors import OtbError
from s1ops.processing.otb.chain import Chain
from s1ops.processing.otb.env import otb_environment
from s1ops.scratch import new_token, partial_path

log = logging.getLogger(__name__)

LOG_TAIL_LINES = 40
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


@dataclass(frozen=True)
class ChainResult:
    written: tuple[str, ...]
    seconds: float


def _die_with_parent() -> None:
    # If the Airflow task process is killed, its OTB child must not write on.
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _tail(text: str, lines: int = LOG_TAIL_LINES) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _describe_exit(returncode: int) -> str:
    if returncode < 0:
        return f"killed by signal {signal.Signals(-returncode).name}"
    return f"exit code {returncode}"


def _failed_step(stdout: str) -> str:
    for line in reversed(stdout.strip().splitlines()):
        try:
            return str(json.loads(line).get("step", "chain"))
        except (ValueError, AttributeError):
            continue
    return "chain"


def run_chain(
    chain: Chain,
    *,
    timeout_s: float | None = None,
    finalize: Callable[[Path, int], None] | None = None,
) -> ChainResult:
    """Execute ``chain`` in a child process; rename outputs into place when all succeeded.

    ``finalize(partial_path, output_index)`` runs on each partial file before
    the rename (to write tags, for instance).
    """
    token = new_token()  # one per chain: its outputs' partial files go together
    partials = [partial_path(o.path, token) for o in chain.outputs]
    child_chain = replace(
        chain,
        outputs=tuple(
            replace(o, path=str(p)) for o, p in zip(chain.outputs, partials, strict=True)
        ),
    )
    for p in partials:
        p.parent.mkdir(parents=True, exist_ok=True)
    env = otb_environment(threads=chain.threads, ram_mb=chain.ram_mb)
    started = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "s1ops.processing.otb.child"],
            input=child_chain.to_json(),
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout_s,
            preexec_fn=_die_with_parent,
            check=False,
        )
        if proc.returncode != 0:
            step = _failed_step(proc.stdout)
            raise OtbError(
                step,
                proc.returncode,
                _tail(proc.stderr + "\n" + proc.stdout) + f"\n({_describe_exit(proc.returncode)})",
            )
        for index, p in enumerate(partials):
            if finalize is not None:
                finalize(p, index)
        for out, p in zip(chain.outputs, partials, strict=True):
            os.replace(p, out.path)
    except subprocess.TimeoutExpired as exc:
        raise OtbError("chain", None, f"timed out after {timeout_s} s") from exc
    finally:
        for p in partials:
            p.unlink(missing_ok=True)
    seconds = time.monotonic() - started
    log.info(
        "chain of %d step(s) wrote %s in %.1f s",
        len(chain.steps),
        [o.path for o in chain.outputs],
        seconds,
    )
    return ChainResult(written=tuple(o.path for o in chain.outputs), seconds=seconds)


def tags_finalizer(tags_per_output: Mapping[int, Mapping[str, str]]) -> Callable[[Path, int], None]:
    """A ``finalize`` callback writing each output's GeoTIFF tags."""
    from s1ops.outputs.geotiff import write_tags

    def finalize(path: Path, index: int) -> None:
        if index in tags_per_output:
            tags = tags_per_output[index]
            write_tags(path, tags, keep_nodata=tags.get("IMAGE_TYPE") != "MASK")

    return finalize
