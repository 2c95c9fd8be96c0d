"""Running the ``s1ops`` CLI in a child process whose output goes to the task log.

Long work (OTB, downloads) runs in a child: ``on_kill`` can stop it, a crash
is an exit code rather than a dead worker, and its memory is returned when
it ends. The last stdout line is the command's JSON result.

The child runs with ``-v``: its log records (INFO and up) are relayed to the
task log at their own level, read from the CLI's log format. A failed child's
one error line (``s1ops CMD: error: ...``, or the last line of a traceback)
is the last line relayed, at ERROR: where a user looks first.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

_TAIL_LINES = 30  # stderr lines kept for error messages
_TERM_GRACE_S = 10.0
# A record in the CLI's log format (s1ops.cli.LOG_FORMAT): time, level, logger, message.
_RECORD = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) (\S+): (.*)$"
)
# The CLI's one error line (s1ops.cli._report).
_ERROR_LINE = re.compile(r"^s1ops [\w-]+: error: ")


def _final_error(lines: list[str], returncode: int) -> int | None:
    """The index of the line that says why a failed child failed, or None (success)."""
    if returncode == 0:
        return None
    for index in range(len(lines) - 1, -1, -1):
        if _ERROR_LINE.match(lines[index]):
            return index
    # A traceback (a bug) or a signal: its last line is the best word there is.
    return next((i for i in range(len(lines) - 1, -1, -1) if lines[i].strip()), None)


class Relay:
    """Logs a child's stderr lines as they come, at their own level; a failure's reason
    last, at ERROR.

    A line that is not a record (a traceback's, a message's second line)
    continues the record before it, at its level (WARNING before any record:
    output the CLI did not log is worth seeing). The CLI's error line, and the
    last line that is not a record (a traceback's last word), are held back until
    the exit code says whether they are the reason.
    """

    def __init__(self) -> None:
        self.level = logging.WARNING
        self.error_line: str | None = None
        self.held: tuple[int, str] | None = None

    def line(self, line: str) -> None:
        """Relay one stderr line (without its newline)."""
        if not line.strip():
            return
        if _ERROR_LINE.match(line):
            self.error_line = line
            return
        self._release()
        record = _RECORD.match(line)
        if record:
            self.level = logging.getLevelName(record.group(1))
            log.log(self.level, "%s: %s", record.group(2), record.group(3))
        else:
            self.held = (self.level, line)

    def end(self, returncode: int) -> None:
        """Log what was held back: a failure's reason last, at ERROR."""
        if returncode != 0 and self.error_line is None and self.held is not None:
            log.error("%s", self.held[1])  # a traceback's last line
            self.held = None
        self._release()
        if self.error_line is not None:
            log.error("%s", self.error_line)

    def _release(self) -> None:
        if self.held is not None:
            level, line = self.held
            log.log(level, "s1ops: %s", line)
            self.held = None


def relay(lines: list[str], returncode: int) -> None:
    """Relay a finished child's stderr ``lines`` (``Relay``, all at once)."""
    relaying = Relay()
    for line in lines:
        relaying.line(line)
    relaying.end(returncode)


@dataclass(frozen=True)
class ChildResult:
    """Exit code, last stdout line and the tail of stderr of one CLI run."""

    returncode: int
    last_line: str
    stderr_tail: str

    def json(self) -> Any:
        """The last stdout line, parsed."""
        return json.loads(self.last_line)

    @property
    def last_error(self) -> str:
        """The line that says why the child failed (the CLI's error line), or the last
        stderr line, or ''."""
        lines = self.stderr_tail.strip().splitlines()
        found = _final_error(lines, self.returncode or 1)
        return lines[found] if found is not None else ""


class S1opsChild:
    """One ``python -m s1ops ...`` run at a time; ``kill`` stops it (from ``on_kill``)."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[str] | None = None

    def run(self, args: Sequence[str], *, env: dict[str, str] | None = None) -> ChildResult:
        """Run ``s1ops ARGS`` to completion, logging stdout and stderr lines."""
        # -v: the child's INFO records (inputs, steps, outputs) are the task's story.
        command = [sys.executable, "-m", "s1ops", "-v", *args]
        log.info(
            "running: s1ops %s", " ".join(a if len(a) < 200 else a[:200] + "..." for a in args)
        )
        self._proc = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
            start_new_session=True,  # its own process group: kill reaches OTB's children
        )
        proc = self._proc
        stdout: list[str] = []
        # stdout read aside (a full pipe would block the child); stderr relayed as it comes.
        reader = threading.Thread(target=lambda: stdout.extend(proc.stdout or ()), daemon=True)
        reader.start()
        relaying = Relay()
        tail: deque[str] = deque(maxlen=_TAIL_LINES)
        for line in proc.stderr or ():
            line = line.rstrip("\n")
            relaying.line(line)
            tail.append(line)
        code = proc.wait()
        reader.join()
        self._proc = None
        relaying.end(code)
        last = next((line.strip() for line in reversed(stdout) if line.strip()), "")
        return ChildResult(code, last, "\n".join(tail))

    def kill(self) -> None:
        """Stop the running child and its process group (TERM, then KILL)."""
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        log.info("stopping s1ops child %d", proc.pid)
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=_TERM_GRACE_S)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
