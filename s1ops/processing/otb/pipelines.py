"""Whole pipelines built from steps: the chains our CLI subcommands run.

Functions named ``*_chain`` are pure (plain values in, a Chain out); the
others run a chain through :func:`s1ops.processing.otb.runner.run_chain`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from s1ops.processing.otb import steps
from s1ops.processing.otb.chain import Chain, Output, Step
from s1ops.processing.otb.runner import ChainResult, run_chain, tags_finalizer


def calibration_chain(
    source: str,
    output: str | os.PathLike[str],
    *,
    lut: str = "sigma",
    remove_noise: bool = False,
    lower_signal_value: float | None = None,
    ram_mb: int = 2048,
    threads: int = 1,
) -> Chain:
    """Calibrate one image; with noise removal, keep 0 for no data only."""
    chain_steps: list[Step] = [steps.calibration(source, lut=lut, remove_noise=remove_noise)]
    if remove_noise and lower_signal_value is not None:
        chain_steps.append(steps.low_signal_fix(source, 0, lower_signal_value=lower_signal_value))
    last = len(chain_steps) - 1
    return Chain(tuple(chain_steps), (Output(last, str(output)),), ram_mb=ram_mb, threads=threads)


def concatenate_chain(
    inputs: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    ram_mb: int = 2048,
    threads: int = 1,
) -> Chain:
    """Merge orthorectified images of one day and orbit: first non-zero pixel wins."""
    if not inputs:
        raise ValueError("concatenate needs at least one input image")
    merge = steps.first_nonzero(tuple(str(p) for p in inputs))
    return Chain((merge,), (Output(0, str(output)),), ram_mb=ram_mb, threads=threads)


def run_with_tags(
    chain: Chain,
    tags: Mapping[int, Mapping[str, str]] | None = None,
    *,
    timeout_s: float | None = None,
) -> ChainResult:
    """Run ``chain``; each output ``i`` listed in ``tags`` gets exactly those tags."""
    finalize = tags_finalizer(tags) if tags else None
    return run_chain(chain, timeout_s=timeout_s, finalize=finalize)


def outputs_exist(chain: Chain) -> bool:
    return all(Path(o.path).exists() for o in chain.outputs)
