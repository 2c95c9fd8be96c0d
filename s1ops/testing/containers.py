"""A container engine for tests: the docker CLI pointed at one engine and image.

The engine is the one ``DOCKER_HOST`` names, else the repo's private engine
(``scripts/docker-engine.sh start``); the image is ``$S1OPS_IMAGE`` (default
``s1ops:latest``, built by ``make image``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

DEFAULT_IMAGE = "s1ops:latest"


@dataclass(frozen=True)
class Engine:
    """The docker CLI pointed at one engine, and the image under test."""

    cli: str
    host: str
    image: str

    def run(
        self, args: Sequence[str], *, timeout: float = 300.0, check: bool = False
    ) -> subprocess.CompletedProcess[str]:
        """``docker ARGS`` against this engine (output captured as text)."""
        return subprocess.run(
            [self.cli, *args],
            env={**os.environ, "DOCKER_HOST": self.host},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=check,
        )


def private_socket(repo: str | Path) -> Path:
    """The socket of the engine ``scripts/docker-engine.sh`` starts for ``repo``."""
    return Path(repo) / "work" / "docker" / "docker.sock"


def find_engine(repo: str | Path) -> tuple[Engine | None, str]:
    """The engine with the image, or None and why not."""
    # Debian's client matches Debian's dockerd; any other client on PATH will do.
    cli = "/usr/bin/docker" if Path("/usr/bin/docker").exists() else shutil.which("docker")
    if cli is None:
        return None, "no docker client installed"
    host = os.environ.get("DOCKER_HOST") or f"unix://{private_socket(repo)}"
    engine = Engine(cli, host, os.environ.get("S1OPS_IMAGE", DEFAULT_IMAGE))
    version = engine.run(["version", "--format", "{{.Server.Version}}"], timeout=30)
    if version.returncode != 0:
        return None, f"no container engine answers at {host}: {version.stderr.strip()}"
    if engine.run(["image", "inspect", engine.image], timeout=30).returncode != 0:
        return None, f"image {engine.image} missing at {host}"
    return engine, ""
