"""Runs a chain in a child process and publishes its outputs atomically.

Outputs are written under a hidden partial name next to the final one
(``s1ops.scratch.partial_path``), tagged, proven complete and renamed
(``s1ops.outputs.publish``): a crash at any point never leaves a file that
looks finished. OTB's child exits 0 after a failed write (GDAL only logs
``ERROR 1: _tiffWriteProc:No space left on device``): its log is read, and
the proof catches what a log would not say.
"""

from __future__ import annotations

import ctypes
import errno
import json
import logging
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from s1ops.errors import OtbError
from s1ops.outputs.publish import NotComplete, prove_complete, publish, write_failure
from s1ops.processing.otb.chain import Chain
from s1ops.processing.otb.env import otb_environment
from s1ops.scratch import new_token, partial_path, says_no_space, space_guard

log = logging.getLogger(__name__)

LOG_TAIL_LINES = 40
_PR_SET_PDEATHSIG = 1  # linux/prctl.h
# GDAL's default error handler prints "ERROR <class>: <message>" on stderr.
_GDAL_ERROR = re.compile(r"^ERROR \d+: .*$", re.MULTILINE)
# GDAL's and libtiff's words for a failed write ("_tiffWriteProc", "Write error at
# scanline", "IO error writing tag data"): the output is not complete.
_WRITE_WORDS = re.compile(r"writ", re.IGNORECASE)


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


def _run_child(chain: Chain, timeout_s: float | None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [sys.executable, "-m", "s1ops.processing.otb.child"],
            input=chain.to_json(),
            capture_output=True,
            text=True,
            env=otb_environment(threads=chain.threads, ram_mb=chain.ram_mb),
            timeout=timeout_s,
            preexec_fn=_die_with_parent,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise OtbError("chain", None, f"timed out after {timeout_s} s") from exc


def _failed_output(text: str, files: list[tuple[Path, Path]]) -> tuple[Path, Path]:
    """The (partial, final) pair a log names (the first one when it names none)."""
    return next(((p, f) for p, f in files if p.name in text), files[0])


def _check_child(proc: subprocess.CompletedProcess[str], files: list[tuple[Path, Path]]) -> None:
    """Raise if the child failed, or exited 0 while GDAL reported errors.

    A full disk is a ``DiskFullError`` whichever way the child ended; GDAL
    errors about writing make the output incomplete (``IncompleteFileError``);
    other GDAL errors (reading an input) fail the chain as OTB's own failures do.
    """
    log_text = proc.stderr + "\n" + proc.stdout
    if says_no_space(log_text):
        partial, final = _failed_output(log_text, files)
        raise write_failure(OSError(errno.ENOSPC, "no space left on device"), partial, final)
    if proc.returncode != 0:
        raise OtbError(
            _failed_step(proc.stdout),
            proc.returncode,
            _tail(log_text) + f"\n({_describe_exit(proc.returncode)})",
        )
    errors = _GDAL_ERROR.findall(proc.stderr)
    if not errors:
        return
    if any(_WRITE_WORDS.search(line) for line in errors):
        partial, final = _failed_output("\n".join(errors), files)
        shown = "; ".join(errors[:3])
        problem = f"failed to be written by OTB, which exited 0 (GDAL: {shown})"
        raise write_failure(NotComplete(problem), partial, final)
    raise OtbError("chain", 0, f"OTB exited 0 but GDAL reported errors:\n{_tail(proc.stderr)}")


def _finalize(files: list[tuple[Path, Path]], finalize: Callable[[Path, int], None] | None) -> None:
    """Prove each of OTB's outputs complete, then run ``finalize`` on it (tags)."""
    for index, (partial, final) in enumerate(files):
        try:
            # First the proof: tags written into a truncated file would fail confusingly.
            prove_complete(partial)
            if finalize is not None:
                finalize(partial, index)
        except (OSError, RuntimeError, NotComplete) as exc:
            raise write_failure(exc, partial, final) from exc


def run_chain(
    chain: Chain,
    *,
    timeout_s: float | None = None,
    finalize: Callable[[Path, int], None] | None = None,
) -> ChainResult:
    """Execute ``chain`` in a child process; publish its outputs when all succeeded.

    ``finalize(partial_path, output_index)`` runs on each partial file before
    the proof and rename (to write tags, for instance). A write that failed
    raises ``DiskFullError`` or ``IncompleteFileError``, OTB's own failure
    ``OtbError``; no output is published then.
    """
    token = new_token()  # one per chain: its outputs' partial files go together
    files = [(partial_path(o.path, token), Path(o.path)) for o in chain.outputs]
    child_chain = replace(
        chain,
        outputs=tuple(
            replace(o, path=str(p)) for o, (p, _f) in zip(chain.outputs, files, strict=True)
        ),
    )
    started = time.monotonic()
    try:
        for partial, final in files:
            with space_guard(partial.parent, final.name):
                partial.parent.mkdir(parents=True, exist_ok=True)
        proc = _run_child(child_chain, timeout_s)
        _check_child(proc, files)
        _finalize(files, finalize)
        publish(files)
    finally:
        for partial, _final in files:
            partial.unlink(missing_ok=True)
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
