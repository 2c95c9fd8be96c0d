"""Executes one :class:`~s1ops.processing.otb.chain.Chain` inside this (child) process.

Run as ``python -m s1ops.processing.otb.child`` with the chain as JSON on stdin. OTB can
die by SIGSEGV on bad metadata: living in a child process, that is an exit
status for the parent, never a dead Airflow worker. Prints one JSON line with
the written files on success.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from s1ops.processing.otb.chain import Chain, Output, Step
from s1ops.processing.otb.env import load_otb

PIXEL_TYPES = {
    "uint8": "ImagePixelType_uint8",
    "uint16": "ImagePixelType_uint16",
    "int16": "ImagePixelType_int16",
    "uint32": "ImagePixelType_uint32",
    "int32": "ImagePixelType_int32",
    "float": "ImagePixelType_float",
    "double": "ImagePixelType_double",
}


class StepFailed(RuntimeError):
    """An application of the chain failed: its name and index, and OTB's message."""

    def __init__(self, step: str, message: str, index: int | None = None) -> None:
        self.step = step
        self.index = index
        super().__init__(f"{step}: {message}")


def output_key(app: Any) -> str:
    """OrthoRectification names its output ``io.out``; the other apps ``out``."""
    return "io.out" if "io.out" in app.GetParametersKeys() else "out"


def _set_ram(app: Any, ram_mb: int) -> None:
    keys = app.GetParametersKeys()
    for key in ("ram", "opt.ram"):
        if key in keys:
            app.SetParameterInt(key, ram_mb)


def _connect_inputs(otb: Any, app: Any, step: Step, apps: list[Any]) -> None:
    for key, sources in step.inputs.items():
        is_list = app.GetParameterType(key) in (
            otb.ParameterType_InputImageList,
            otb.ParameterType_StringList,
            otb.ParameterType_InputFilenameList,
        )
        if is_list and all(isinstance(s, str) for s in sources):
            app.SetParameterStringList(key, list(sources))
            continue
        # Added one by one, in order: for a merge the order is the priority.
        for source in sources:
            if isinstance(source, str):
                if is_list:
                    app.AddParameterStringList(key, source)
                else:
                    app.SetParameterString(key, source)
                continue
            upstream = apps[source].GetParameterOutputImage(output_key(apps[source]))
            if is_list:
                app.AddImageToParameterInputImageList(key, upstream)
            else:
                app.SetParameterInputImage(key, upstream)


def _set_params(app: Any, step: Step) -> None:
    for key, value in step.params.items():
        # bool before int: bool is an int subclass; OTB bool parameters take 0/1.
        if isinstance(value, bool | int):
            app.SetParameterInt(key, int(value))
        elif isinstance(value, list):
            app.SetParameterStringList(key, [str(v) for v in value])
        elif isinstance(value, float):
            app.SetParameterFloat(key, value)
        else:
            app.SetParameterString(key, value)


def _prepare_output(otb: Any, app: Any, output: Output) -> None:
    key = output_key(app)
    app.SetParameterString(key, output.extended_filename())
    app.SetParameterOutputImagePixelType(key, getattr(otb, PIXEL_TYPES[output.pixel_type]))


def build_apps(otb: Any, chain: Chain, timings: dict[str, float] | None = None) -> list[Any]:
    """Create, configure and execute every application, each fed by the earlier ones.

    ``Execute`` only propagates image information: pixels are computed, in
    streamed blocks, when an output is written. ``timings`` receives each step's
    set-up time by name: the only per-step time that can be measured honestly in
    a chain whose steps compute their pixels together.
    """
    outputs = {o.step: o for o in chain.outputs}
    apps: list[Any] = []
    for index, step in enumerate(chain.steps):
        started = time.monotonic()
        app = otb.Registry.CreateApplication(step.app)
        if app is None:
            raise StepFailed(step.name, f"OTB application {step.app!r} not found", index)
        try:
            _connect_inputs(otb, app, step, apps)
            _set_params(app, step)
            _set_ram(app, chain.ram_mb)
            if index in outputs:
                _prepare_output(otb, app, outputs[index])
            app.Execute()
        except RuntimeError as exc:
            raise StepFailed(step.name, str(exc), index) from exc
        apps.append(app)
        if timings is not None:
            # Steps of the same kind (one calibration per product) are summed.
            timings[step.name] = timings.get(step.name, 0.0) + time.monotonic() - started
    return apps


def run(chain: Chain) -> dict[str, Any]:
    otb = load_otb()
    started = time.monotonic()
    setup_s: dict[str, float] = {}
    apps = build_apps(otb, chain, setup_s)
    writing = time.monotonic()
    for output in chain.outputs:
        try:
            apps[output.step].WriteOutput()
        except RuntimeError as exc:
            raise StepFailed(chain.steps[output.step].name, str(exc), output.step) from exc
    now = time.monotonic()
    return {
        "written": [o.path for o in chain.outputs],
        "seconds": now - started,
        "setup_s": setup_s,
        "write_s": now - writing,
    }


def main() -> int:
    chain = Chain.from_json(sys.stdin.read())
    try:
        result = run(chain)
    except StepFailed as exc:
        print(json.dumps({"error": str(exc), "step": exc.step, "index": exc.index}), flush=True)
        return 3
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
