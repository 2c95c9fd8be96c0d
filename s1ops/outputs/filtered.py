"""The tags of a speckle-filtered product.

A filtered product is the final image passed through OTB's Despeckle (its
name and folder: ``s1ops.outputs.naming``). It has no mask of its own: a
border mask belongs to the unfiltered image.
"""

from __future__ import annotations

from collections.abc import Mapping

from s1ops.config.filtering import FilteringConfig


def filtered_tags(image_tags: Mapping[str, str], filtering: FilteringConfig) -> dict[str, str]:
    """The image's tags, with what S1Tiling adds when it despeckles.

    Numbers are written as S1Tiling reads them: the radius as an integer, the
    number of looks and the deramp factor as floats (``4.0``).
    """
    tags = dict(image_tags)
    tags["FILTERED"] = "true"
    tags["FILTERING_METHOD"] = filtering.method
    tags["FILTERING_WINDOW_RADIUS"] = str(filtering.window_radius)
    if filtering.method == "frost":
        tags["FILTERING_DERAMP"] = str(float(filtering.deramp or 0.0))
    else:
        tags["FILTERING_NBLOOKS"] = str(float(filtering.nblooks or 0.0))
    tags["IMAGE_TYPE"] = "BACKSCATTERING"
    unit = tags.get("FLYING_UNIT_CODE", "")
    tags["TIFFTAG_IMAGEDESCRIPTION"] = (
        f"Orthorectified and despeckled Sentinel-{unit[1:].upper()} IW GRD S2 tile"
    )
    return tags
