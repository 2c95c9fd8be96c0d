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


def _child_answer(stdout: str) -> dict[str, object]:
    """The child's last JSON line (its result, or the failed step), or {}."""
    for line in reversed(stdout.strip().splitlines()):
        try:
            answer = json.loads(line)
        except ValueError:
            continue
        if isinstance(answer, dict):
            return answer
    return {}


# The line of an ITK exception that says why ("itk::ERROR: Class(0x55..): why").
_ITK_ERROR = re.compile(r"itk::ERROR: (?:\w+\(0x[0-9a-f]+\): )?(.*)")
# OTB's logger's error lines: "2026-01-01 12:00:00 (FATAL) App: why".
_OTB_ERROR = re.compile(r"\((?:FATAL|CRITICAL|ERROR)\)\s*(.*)")


def _otb_reason(answer: Mapping[str, object], log_text: str) -> str:
    """OTB's own words for a failure: the ITK error of the failed step, else the last
    error line OTB or GDAL printed; "" when it said nothing (a crash)."""
    message = str(answer.get("error", ""))
    found = _ITK_ERROR.search(message)
    if found:
        return found.group(1).strip()
    for line in reversed(log_text.splitlines()):
        otb_error = _OTB_ERROR.search(line)
        if otb_error:
            return otb_error.group(1).strip()
        if _GDAL_ERROR.match(line):
            return line.strip()
    step = str(answer.get("step", ""))
    return message.removeprefix(f"{step}: ").strip().replace("\n", " ")


def _step_input(chain: Chain, index: object) -> str:
    """The file name the failed step was reading (upstream through the chain), or ""."""
    if not isinstance(index, int) or not 0 <= index < len(chain.steps):
        return ""
    for sources in chain.steps[index].inputs.values():
        for source in sources:
            if isinstance(source, str):
                return Path(source.split("?", 1)[0]).name
            if found := _step_input(chain, source):
                return found
    return ""


# OTB's logger's time stamp at the start of each line.
_OTB_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ")


def _log_chatter(text: str) -> None:
    """OTB's banner and progress at DEBUG, each distinct line once (OTB repeats itself)."""
    seen: set[str] = set()
    for raw in text.splitlines():
        # Without OTB's own time stamp, a line repeated at another second is the same.
        line = _OTB_TIME.sub("", raw.rstrip())
        if line.startswith("{"):
            continue  # the child's JSON answer, not chatter
        if line and line not in seen:
            seen.add(line)
            log.debug("otb: %s", line)


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


def _check_child(
    proc: subprocess.CompletedProcess[str], files: list[tuple[Path, Path]], chain: Chain
) -> None:
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
        answer = _child_answer(proc.stdout)
        reason = _otb_reason(answer, log_text) or _describe_exit(proc.returncode)
        raise OtbError(
            str(answer.get("step", "chain")),
            proc.returncode,
            _tail(log_text) + f"\n({_describe_exit(proc.returncode)})",
            reason=reason,
            on=_step_input(chain, answer.get("index")),
        )
    errors = _GDAL_ERROR.findall(proc.stderr)
    if not errors:
        return
    if any(_WRITE_WORDS.search(line) for line in errors):
        partial, final = _failed_output("\n".join(errors), files)
        shown = "; ".join(errors[:3])
        problem = f"failed to be written by OTB, which exited 0 (GDAL: {shown})"
        raise write_failure(NotComplete(problem), partial, final)
    raise OtbError(
        "chain",
        0,
        f"OTB exited 0 but GDAL reported errors:\n{_tail(proc.stderr)}",
        reason=f"OTB exited 0 but GDAL reported: {'; '.join(errors[:3])}",
    )


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
        _log_chatter(proc.stderr + "\n" + proc.stdout)  # OTB's logger writes on stdout
        _check_child(proc, files, child_chain)
        _finalize(files, finalize)
        publish(files)
    finally:
        for partial, _final in files:
            partial.unlink(missing_ok=True)
    seconds = time.monotonic() - started
    _log_timings(chain, _child_answer(proc.stdout), seconds)
    return ChainResult(written=tuple(o.path for o in chain.outputs), seconds=seconds)


def _log_timings(chain: Chain, answer: Mapping[str, object], seconds: float) -> None:
    """The chain's total at INFO, and what can be timed of its steps: each one's set-up
    (its pixels are computed together with the others', while the output is written)."""
    setup = answer.get("setup_s")
    steps = (
        ", ".join(f"{name} {float(s):.1f} s" for name, s in setup.items())
        if isinstance(setup, dict)
        else "not reported"
    )
    write_s = answer.get("write_s")
    log.info(
        "OTB chain %s wrote %s in %.1f s (set-up: %s; pixels computed and written in %s)",
        " -> ".join(dict.fromkeys(step.name for step in chain.steps)),
        ", ".join(Path(o.path).name for o in chain.outputs),
        seconds,
        steps,
        f"{float(write_s):.1f} s" if isinstance(write_s, int | float) else "?",
    )


def tags_finalizer(tags_per_output: Mapping[int, Mapping[str, str]]) -> Callable[[Path, int], None]:
    """A ``finalize`` callback writing each output's GeoTIFF tags.

    Images and masks alike get no-data 0, as S1Tiling's do.
    """
    from s1ops.outputs.geotiff import write_tags

    def finalize(path: Path, index: int) -> None:
        if index in tags_per_output:
            write_tags(path, tags_per_output[index])

    return finalize
