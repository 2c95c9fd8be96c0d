"""``make demo RUNNER=docker``: a container engine and the s1ops image for the docker runner.

The engine is the one ``DOCKER_HOST`` names if it answers, else the repo's
private one (``scripts/docker-engine.sh``), started here if it does not
answer and then stopped at the end. The image: ``s1ops:latest`` is built by
``scripts/docker-image.sh`` each time -- its layers are cached (minutes the
first time, seconds after), and its s1ops layer is rebuilt from this checkout
whenever the code changed, so the containers run the code the local runner
runs. An image named by ``$S1OPS_IMAGE`` is used as it is, built only if missing.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from s1ops.testing.containers import DEFAULT_IMAGE, Engine, find_engine, private_socket

REPO = Path(__file__).resolve().parents[1]
ENGINE_SCRIPT = REPO / "scripts" / "docker-engine.sh"
IMAGE_SCRIPT = REPO / "scripts" / "docker-image.sh"
# The first build (base image by debootstrap, OTB's Python module) takes minutes.
IMAGE_BUILD_TIMEOUT_S = 3600


class DockerUnavailable(Exception):
    """No engine could be started, or the image could not be built; the message says why."""


@dataclass
class DockerSetup:
    """The engine and image the demo's request file names, and whether the demo started it."""

    engine: Engine
    started_engine: bool

    def request_keys(self) -> dict[str, str]:
        """The [Airflow] keys of the docker runner."""
        return {"runner": "docker", "image": self.engine.image, "docker_url": self.engine.host}

    def describe(self) -> str:
        """The summary's words for the runner."""
        return (
            f"docker (DockerOperator tasks ran `s1ops process` in {self.engine.image}, "
            f"engine {self.engine.host})"
        )

    def stop(self) -> None:
        """Stop the engine if the demo started it (a build's own engine is left alone)."""
        if self.started_engine:
            subprocess.run(["bash", str(ENGINE_SCRIPT), "stop"], cwd=REPO, check=False)


def _answers(host: str) -> bool:
    cli = "/usr/bin/docker"
    env = {**os.environ, "DOCKER_HOST": host}
    done = subprocess.run([cli, "version"], env=env, capture_output=True, timeout=30, check=False)
    return done.returncode == 0


def _start_private_engine() -> str:
    """``docker-engine.sh start``: returns its DOCKER_HOST."""
    done = subprocess.run(
        ["bash", str(ENGINE_SCRIPT), "start"], cwd=REPO, capture_output=True, text=True, check=False
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("DOCKER_HOST=")), "")
    if done.returncode != 0 or not line:
        raise DockerUnavailable(f"scripts/docker-engine.sh start failed:\n{done.stderr[-2000:]}")
    return line.split("=", 1)[1]


def _build_image(host: str, image: str, log: Path) -> None:
    print(f"  image {image}: scripts/docker-image.sh (cached layers; log {log}) ...")
    started = time.monotonic()
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        done = subprocess.run(
            ["bash", str(IMAGE_SCRIPT), image],
            cwd=REPO,
            env={**os.environ, "DOCKER_HOST": host},
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=IMAGE_BUILD_TIMEOUT_S,
            check=False,
        )
    if done.returncode != 0:
        raise DockerUnavailable(f"scripts/docker-image.sh {image} failed; see {log}")
    print(f"  image {image} ready after {time.monotonic() - started:.0f} s")


def prepare_docker(log_dir: Path) -> DockerSetup:
    """An engine that answers and has the image: started and built as needed."""
    host = os.environ.get("DOCKER_HOST") or f"unix://{private_socket(REPO)}"
    started = False
    if not _answers(host):
        if os.environ.get("DOCKER_HOST"):
            raise DockerUnavailable(f"no container engine answers at DOCKER_HOST={host}")
        print("  starting the private container engine (scripts/docker-engine.sh start) ...")
        host, started = _start_private_engine(), True
    image = os.environ.get("S1OPS_IMAGE", DEFAULT_IMAGE)
    os.environ["DOCKER_HOST"] = host  # find_engine and the image build use it
    engine, why = find_engine(REPO)
    setup = DockerSetup(Engine("/usr/bin/docker", host, image), started)
    if engine is None or "S1OPS_IMAGE" not in os.environ:
        try:
            _build_image(host, image, log_dir / "docker-image.log")
        except (DockerUnavailable, subprocess.TimeoutExpired):
            setup.stop()
            raise
        engine, why = find_engine(REPO)
        if engine is None:
            setup.stop()
            raise DockerUnavailable(why)
    print(f"  docker runner: image {image} on the engine at {host}")
    return DockerSetup(engine, started)
