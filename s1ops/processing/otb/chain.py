"""A chain of OTB applications connected in memory, described as plain data.

Pure functions build a :class:`Chain`; :mod:`s1ops.processing.otb.child` executes it in
a separate process. Keeping the description as data makes it testable without
OTB and lets it cross the process boundary as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# A parameter value as OTB's Python API accepts it.
ParamValue = str | int | float | bool | list[str] | list[float]
# An image source: the index of an earlier step (its "out" image) or a file name.
Source = int | str

# S1Tiling's outputs: lossless DEFLATE with the floating-point predictor, tiled.
FLOAT_CREATION_OPTIONS = ("COMPRESS=DEFLATE", "PREDICTOR=3", "TILED=YES")
MASK_CREATION_OPTIONS = ("COMPRESS=DEFLATE", "TILED=YES")


@dataclass(frozen=True)
class Step:
    """One OTB application: its name, plain parameters and image inputs."""

    app: str
    params: Mapping[str, ParamValue] = field(default_factory=dict)
    inputs: Mapping[str, tuple[Source, ...]] = field(default_factory=dict)
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or self.app


@dataclass(frozen=True)
class Output:
    """An image written from a step's ``out`` parameter."""

    step: int
    path: str
    pixel_type: str = "float"  # float | uint8 | uint16 | int16 | double
    creation_options: tuple[str, ...] = FLOAT_CREATION_OPTIONS

    def extended_filename(self, path: str | None = None) -> str:
        """File name with OTB's extended-filename options for the GDAL driver."""
        options = "".join(f"&gdal:co:{opt}" for opt in self.creation_options)
        # No .geom sidecar: outputs are self-describing GeoTIFFs.
        return f"{path or self.path}?&writegeom=false{options}"


@dataclass(frozen=True)
class Chain:
    """Steps in execution order; each input refers only to earlier steps."""

    steps: tuple[Step, ...]
    outputs: tuple[Output, ...]
    ram_mb: int = 2048
    threads: int = 1

    def __post_init__(self) -> None:
        for index, step in enumerate(self.steps):
            for key, sources in step.inputs.items():
                for source in sources:
                    if isinstance(source, int) and not 0 <= source < index:
                        raise ValueError(
                            f"step {index} ({step.name}) input {key!r} refers to step {source}:"
                            " must be an earlier step"
                        )
        for out in self.outputs:
            if not 0 <= out.step < len(self.steps):
                raise ValueError(f"output {out.path} refers to missing step {out.step}")

    def to_json(self) -> str:
        return json.dumps(
            {
                "steps": [
                    {
                        "app": s.app,
                        "params": dict(s.params),
                        "inputs": {k: list(v) for k, v in s.inputs.items()},
                        "label": s.label,
                    }
                    for s in self.steps
                ],
                "outputs": [
                    {
                        "step": o.step,
                        "path": o.path,
                        "pixel_type": o.pixel_type,
                        "creation_options": list(o.creation_options),
                    }
                    for o in self.outputs
                ],
                "ram_mb": self.ram_mb,
                "threads": self.threads,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Chain:
        data: dict[str, Any] = json.loads(text)
        steps = tuple(
            Step(
                app=s["app"],
                params=s["params"],
                inputs={k: tuple(v) for k, v in s["inputs"].items()},
                label=s.get("label", ""),
            )
            for s in data["steps"]
        )
        outputs = tuple(
            Output(
                step=o["step"],
                path=o["path"],
                pixel_type=o["pixel_type"],
                creation_options=tuple(o["creation_options"]),
            )
            for o in data["outputs"]
        )
        return cls(steps=steps, outputs=outputs, ram_mb=data["ram_mb"], threads=data["threads"])
