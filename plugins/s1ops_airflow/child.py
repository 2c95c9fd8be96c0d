"""Running the ``s1ops`` CLI in a child process whose output goes to the task log.

Long work (OTB, downloads) runs in a child: ``on_kill`` can stop it, a crash
is an exit code rather than a dead worker, and its memory is returned when
it ends. The last stdout line is the command's JSON result.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

_TAIL_LINES = 30  # stderr lines kept for error messages
_TERM_GRACE_S = 10.0


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
        """The last stderr line (the CLI prints its error there last), or ''."""
        lines = self.stderr_tail.strip().splitlines()
        return lines[-1] if lines else ""


class S1opsChild:
    """One ``python -m s1ops ...`` run at a time; ``kill`` stops it (from ``on_kill``)."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[str] | None = None

    def run(self, args: Sequence[str], *, env: dict[str, str] | None = None) -> ChildResult:
        """Run ``s1ops ARGS`` to completion, logging stdout and stderr lines."""
        command = [sys.executable, "-m", "s1ops", *args]
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
        tail: deque[str] = deque(maxlen=_TAIL_LINES)
        last = ""
        stdout, stderr = self._proc.communicate()
        for line in stderr.splitlines():
            log.info("s1ops: %s", line)
            tail.append(line)
        for line in stdout.splitlines():
            if line.strip():
                last = line
        code = self._proc.returncode
        self._proc = None
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
