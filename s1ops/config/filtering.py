"""``[Filtering]``: S1Tiling's speckle filtering, read with its keys and rules.

``filter`` (lee, frost, gammamap, kuan; none or empty: no filtering) picks
OTB's Despeckle method. Once a filter is set, ``window_radius`` and
``keep_non_filtered_products`` are required, and so is ``deramp`` for frost or
``nblooks`` for the others, as in S1Tiling 1.4.2; unlike it, a 0 is refused
here with the key named (S1Tiling stops on an assertion later). With border
masks, the unfiltered product is always kept (a mask belongs to it), with a
warning, as S1Tiling does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from s1ops.config.reader import SectionReader

log = logging.getLogger(__name__)

FILTERS = ("lee", "frost", "gammamap", "kuan")
_NO_FILTER = ("", "none")


@dataclass(frozen=True)
class FilteringConfig:
    """A speckle filter to apply to every final product."""

    method: str  # lee, frost, gammamap or kuan
    window_radius: int  # pixels; 1 is a 3 x 3 window
    nblooks: float | None = None  # lee, gammamap, kuan
    deramp: float | None = None  # frost
    keep_non_filtered_products: bool = True

    @property
    def otb_params(self) -> dict[str, int | float | str]:
        """Despeckle's parameters, as S1Tiling sets them."""
        params: dict[str, int | float | str] = {
            "filter": self.method,
            f"filter.{self.method}.rad": self.window_radius,
        }
        if self.method == "frost":
            params["filter.frost.deramp"] = self.deramp or 0.0
        else:
            params[f"filter.{self.method}.nblooks"] = self.nblooks or 0.0
        return params


def read_filtering(r: SectionReader, *, generate_border_mask: bool) -> FilteringConfig | None:
    """The ``[Filtering]`` section; None when no filter is asked for.

    A number present is checked against its range even without a filter, where
    S1Tiling would not read it: nonsense there is a mistake waiting.
    """
    radius = r.integer("window_radius", 1)
    numbers = {key: r.number(key, 1.0) for key in ("nblooks", "deramp")}
    method = (r.text("filter") or "").lower()
    if method in _NO_FILTER:
        return None
    if method not in FILTERS:
        raise r.error("filter", r.text("filter"), "one of: none, " + ", ".join(FILTERS))
    r.required("window_radius", f"a window radius in pixels (1: 3 x 3), required by {method}")
    r.required("keep_non_filtered_products", f"True or False, required by {method}")
    keep_unfiltered = r.flag("keep_non_filtered_products", True)
    if not keep_unfiltered and generate_border_mask:
        log.warning(
            "[Filtering] keep_non_filtered_products = False is ignored: "
            "[Mask] generate_border_mask is True, and a mask belongs to the unfiltered product"
        )
        keep_unfiltered = True
    looks_key = "deramp" if method == "frost" else "nblooks"
    r.required(looks_key, f"a number above 0, required by {method}")
    return FilteringConfig(
        method=method,
        window_radius=radius,
        nblooks=None if method == "frost" else numbers["nblooks"],
        deramp=numbers["deramp"] if method == "frost" else None,
        keep_non_filtered_products=keep_unfiltered,
    )
