"""Where each product goes and what it is called: S1Tiling's ``fname_fmt`` and ``dname_fmt``.

A request may rename the products (``[Processing] fname_fmt.concatenation``,
``fname_fmt.filtered``) and move them (``dname_fmt.tiled``, ``dname_fmt.mask``,
``dname_fmt.filtered``) with Python format templates, as in S1Tiling. File
name templates know the fields of an output name (``NAME_FIELDS``) and
S1Tiling's conversions ``!l``, ``!u`` and ``!c`` (lower, upper, capitalised);
folder templates know ``{out_dir}``, ``{tile_name}`` and ``{calibration_type}``:
planning lists each tile's folders to know what is done, so a folder may not
depend on the day or the orbit (S1Tiling allows that; s1ops refuses it when the
file is read). A border mask is its image's name with ``_BorderMask`` in the
mask folder; a quicklook sits next to the image it pictures.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from s1ops.outputs.names import MERGED_TIME, OutputName, mask_file_name

_STEM = "{flying_unit_code}_{tile_name}_{polarisation}_{orbit_direction}_{orbit}"
DEFAULT_IMAGE_NAME = _STEM + "_{acquisition_stamp}.tif"
DEFAULT_FILTERED_NAME = _STEM + "_{acquisition_stamp}_filtered.tif"
# S1Tiling's defaults for its terrain calibrations (fname_fmt.s2_lia_corrected and
# .s2_gamma_area_corrected; fname_fmt.filtered then carries the calibration type:
# ..._Normlim_filtered.tif).
DEFAULT_NORMLIM_NAME = _STEM + "_{acquisition_stamp}_NormLim.tif"
DEFAULT_RTC_NAME = _STEM + "_{acquisition_stamp}_GammaNaughtRTC.tif"
DEFAULT_TERRAIN_FILTERED_NAME = _STEM + "_{acquisition_stamp}_{calibration_type}_filtered.tif"
DEFAULT_IMAGE_DIR = "{out_dir}/{tile_name}"
DEFAULT_MASK_DIR = "{out_dir}/{tile_name}"
DEFAULT_FILTERED_DIR = "{out_dir}/filtered/{tile_name}"

NAME_FIELDS = (
    "flying_unit_code",  # s1a
    "tile_name",  # 33NWB
    "polarisation",  # vv
    "orbit_direction",  # ASC or DES
    "orbit",  # relative orbit, 3 digits: 007
    "acquisition_stamp",  # 20200108t044150, or 20200108txxxxxx for a merged pair
    "acquisition_day",  # 20200108txxxxxx
    "calibration_type",  # sigma, beta, gamma, dn; Normlim
)
FOLDER_FIELDS = ("out_dir", "tile_name", "calibration_type")


class TemplateFormatter(string.Formatter):
    """``str.format`` with S1Tiling's extra conversions: ``!l``, ``!u``, ``!c``."""

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion == "l":
            return str(value).lower()
        if conversion == "u":
            return str(value).upper()
        if conversion == "c":
            return str(value).capitalize()
        return super().convert_field(value, conversion)


def template_problem(template: str, fields: tuple[str, ...], *, suffix: str = "") -> str | None:
    """Why ``template`` cannot be used with ``fields`` (None: it can).

    Every field must be one of ``fields``; a ``suffix`` (``.tif``) must end it.
    """
    sample = {field: "x" for field in fields}
    try:
        used = {name for _, name, _, _ in TemplateFormatter().parse(template) if name is not None}
        unknown = sorted(used - set(fields))
        if unknown:
            return f"unknown field(s) {', '.join('{' + u + '}' for u in unknown)}"
        text = TemplateFormatter().format(template, **sample)
    except (ValueError, IndexError, KeyError, AttributeError) as exc:
        return f"not a valid template ({exc})"
    if suffix and not text.endswith(suffix):
        return f"the name must end in {suffix}"
    if "/" in text and suffix:
        return "a file name, without folder (dname_fmt.* sets the folder)"
    return None


@dataclass(frozen=True)
class OutputNaming:
    """A request's file name and folder templates (S1Tiling's defaults unless set)."""

    calibration: str = "sigma"  # {calibration_type}: as S1Tiling spells it (Normlim)
    image_name: str = DEFAULT_IMAGE_NAME  # fname_fmt.concatenation (normlim: .s2_lia_corrected)
    filtered_name: str = DEFAULT_FILTERED_NAME  # fname_fmt.filtered
    image_dir: str = DEFAULT_IMAGE_DIR  # dname_fmt.tiled
    mask_dir: str = DEFAULT_MASK_DIR  # dname_fmt.mask
    filtered_dir: str = DEFAULT_FILTERED_DIR  # dname_fmt.filtered

    def name_fields(self, name: OutputName) -> dict[str, str]:
        """The values of ``NAME_FIELDS`` for ``name``."""
        day = name.day.strftime("%Y%m%d")
        stamp = MERGED_TIME if name.time is None else name.time.strftime("%H%M%S")
        return {
            "flying_unit_code": name.unit,
            "tile_name": name.tile_id,
            "polarisation": name.polarisation,
            "orbit_direction": name.orbit_direction,
            "orbit": f"{name.relative_orbit:03d}",
            "acquisition_stamp": f"{day}t{stamp}",
            "acquisition_day": f"{day}t{MERGED_TIME}",
            "calibration_type": self.calibration,
        }

    def folder(self, template: str, output_dir: str | Path, tile_id: str) -> Path:
        """A folder template filled for ``tile_id`` under ``output_dir``."""
        fields = {"out_dir": str(output_dir), "tile_name": tile_id}
        return Path(
            TemplateFormatter().format(template, calibration_type=self.calibration, **fields)
        )

    def image_path(self, output_dir: str | Path, name: OutputName) -> Path:
        """The image of ``name`` (its unfiltered product)."""
        file = TemplateFormatter().format(self.image_name, **self.name_fields(name))
        return self.folder(self.image_dir, output_dir, name.tile_id) / file

    def mask_path(self, output_dir: str | Path, name: OutputName) -> Path:
        """The border mask of ``name``'s image."""
        image = self.image_path(output_dir, name)
        return self.folder(self.mask_dir, output_dir, name.tile_id) / mask_file_name(image.name)

    def filtered_path(self, output_dir: str | Path, name: OutputName) -> Path:
        """The speckle-filtered copy of ``name``'s image."""
        file = TemplateFormatter().format(self.filtered_name, **self.name_fields(name))
        return self.folder(self.filtered_dir, output_dir, name.tile_id) / file

    def tile_folders(self, output_dir: str | Path, tile_id: str) -> tuple[Path, ...]:
        """Every folder a tile's products go to, each once."""
        templates = (self.image_dir, self.mask_dir, self.filtered_dir)
        folders = (self.folder(t, output_dir, tile_id) for t in templates)
        return tuple(dict.fromkeys(folders))
