"""S1Ops: Sentinel-1 backscatter on the Sentinel-2 tile grid (S1Tiling-compatible)."""

from __future__ import annotations

__version__ = "0.1.0"
