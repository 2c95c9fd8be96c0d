"""Whole pipelines built from steps: the chains our CLI subcommands run.

Functions named ``*_chain`` are pure (plain values in, a Chain out); the
others run a chain through :func:`s1ops.otb.runner.run_chain`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from s1ops.otb import steps
from s1ops.otb.chain import MASK_CREATION_OPTIONS, Chain, Output, Step
from s1ops.otb.runner import ChainResult, run_chain, tags_finalizer


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
    with_mask: str | os.PathLike[str] | None = None,
    ram_mb: int = 2048,
    threads: int = 1,
) -> Chain:
    """Merge orthorectified images of one day and orbit: first non-zero pixel wins."""
    if not inputs:
        raise ValueError("concatenate needs at least one input image")
    chain_steps: list[Step] = [steps.first_nonzero(tuple(str(p) for p in inputs))]
    outputs = [Output(0, str(output))]
    if with_mask is not None:
        chain_steps += steps.border_mask(0, first_index=1)
        outputs.append(Output(2, str(with_mask), "uint8", MASK_CREATION_OPTIONS))
    return Chain(tuple(chain_steps), tuple(outputs), ram_mb=ram_mb, threads=threads)


def mask_chain(
    image: str | os.PathLike[str],
    mask: str | os.PathLike[str],
    *,
    ram_mb: int = 2048,
    threads: int = 1,
) -> Chain:
    """Border mask of an already-written output, streamed (never one giant block)."""
    chain_steps = steps.border_mask(str(image), first_index=0)
    return Chain(
        tuple(chain_steps),
        (Output(1, str(mask), "uint8", MASK_CREATION_OPTIONS),),
        ram_mb=ram_mb,
        threads=threads,
    )


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
