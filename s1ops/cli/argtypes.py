"""Argument types of the command line: a bad value is refused while parsing.

argparse then prints ``s1ops cache purge: error: argument --keep: '-1': expected
an integer from 0 to 10000000`` and exits 2, before any work. Numbers have
ranges (``s1ops.config.ranges.Range``; the request file's keys lend theirs to
the flags that stand for them, ``--ram-mb`` for ``ram_per_process``...).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date

from s1ops.config.ranges import Range, range_of

# Tries of a download on transient failures.
ATTEMPTS = Range(1, 100, integer=True)
# Products kept by a purge.
KEEP = Range(0, 10_000_000, integer=True)
# Ages and waits: at most ten years of hours, a week of seconds.
HOURS = Range(0, 87_600, unit="hours")
WAIT_S = Range(0, 7 * 86_400, unit="s")
PORT = Range(0, 65_535, integer=True)
# How long a catalogue has to answer the preflight's search: up to ten minutes.
PROVIDER_TIMEOUT = Range(1, 600, unit="s")
RAM_MB = range_of("Processing", "ram_per_process")
THREADS = range_of("Processing", "nb_otb_threads")
LOWER_SIGNAL = range_of("Processing", "lower_signal_value")
LOOKBACK_DAYS = range_of("Airflow", "lookback_days")


def in_range(allowed: Range) -> Callable[[str], float]:
    """An argparse type: a number (an int when ``allowed.integer``) within ``allowed``."""

    def convert(text: str) -> float:
        try:
            value: float = int(text) if allowed.integer else float(text)
        except ValueError:
            value = float("nan")  # refused below, with the range in the message
        if not allowed.contains(value):
            raise argparse.ArgumentTypeError(f"{text!r}: expected {allowed.describe()}")
        return value

    convert.__name__ = "integer" if allowed.integer else "number"  # argparse's own wording
    return convert


def day(text: str) -> date:
    """An argparse type: a calendar day, YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a day as YYYY-MM-DD") from exc
