"""``[Processing]`` keys for names, folders and GeoTIFF options of the products.

S1Tiling's ``fname_fmt.concatenation``, ``fname_fmt.filtered``,
``dname_fmt.tiled``, ``dname_fmt.mask``, ``dname_fmt.filtered`` (see
``s1ops.outputs.naming``) and ``creation_options.tiled``,
``creation_options.filtered``, ``creation_options.mask``: an optional pixel
type, then GDAL creation options ``NAME=value``, separated by spaces or commas;
set, they replace the defaults. S1Tiling 1.4.2 keeps only the first
``creation_options.*`` key of a file (a bug): every one is honoured here.
Templates and options are checked when the file is read.

``stac_catalogue`` (s1ops's own key, default true): the publish task keeps a
STAC catalogue of the products under ``{output}/stac``
(``s1ops.outputs.stac_catalogue``). ``output_format`` (s1ops's own key, default
``GTiff``): ``COG`` publishes cloud-optimised GeoTIFFs (``s1ops.outputs.cog``):
the same pixels and tags, the creation options translated for GDAL's COG driver.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from s1ops.config.reader import SectionReader
from s1ops.outputs.cog import (
    DRIVERS,
    FIRST_WRITE_OPTIONS,
    IMAGE_DEFAULTS,
    MASK_DEFAULTS,
    cog_options,
)
from s1ops.outputs.naming import (
    DEFAULT_NORMLIM_NAME,
    DEFAULT_RTC_NAME,
    DEFAULT_TERRAIN_FILTERED_NAME,
    FOLDER_FIELDS,
    NAME_FIELDS,
    OutputNaming,
    template_problem,
)
from s1ops.processing.otb.chain import FLOAT_CREATION_OPTIONS, MASK_CREATION_OPTIONS
from s1ops.vocabulary import TERRAIN_CALIBRATION_TYPES

# S1Tiling's pixel type names -> OTB's, as s1ops.processing.otb.child knows them.
PIXEL_TYPES = {
    "uint8": "uint8",
    "int16": "int16",
    "uint16": "uint16",
    "int32": "int32",
    "uint32": "uint32",
    "float": "float",
    "float32": "float",
    "double": "double",
    "float64": "double",
}
_OPTION = re.compile(r"[A-Z_0-9]+=\S*")
_SEPARATORS = re.compile(r"[\s,]+")


@dataclass(frozen=True)
class CreationOptions:
    """How a product is written: OTB's pixel type and GDAL's creation options, and the
    COG driver's options when the written file is then rewritten as a COG."""

    pixel_type: str
    options: tuple[str, ...]
    cog: tuple[str, ...] | None = None


@dataclass(frozen=True)
class OutputFormat:
    """Names, folders and write options of the products a request makes."""

    naming: OutputNaming = field(default_factory=OutputNaming)
    image: CreationOptions = CreationOptions("float", FLOAT_CREATION_OPTIONS)
    filtered: CreationOptions = CreationOptions("float", FLOAT_CREATION_OPTIONS)
    mask: CreationOptions = CreationOptions("uint8", MASK_CREATION_OPTIONS)
    # S1Ops: the publish task keeps {output}/stac, a STAC catalogue of the products.
    stac_catalogue: bool = True


def _template(r: SectionReader, key: str, default: str, *, file: bool) -> str:
    value = r.text(key)
    if value is None:
        return default
    fields = NAME_FIELDS if file else FOLDER_FIELDS
    problem = template_problem(value, fields, suffix=".tif" if file else "")
    if problem is not None:
        names = ", ".join("{" + f + "}" for f in fields)
        raise r.error(
            key,
            value,
            f"a {'file name' if file else 'folder'} template: {problem}; fields: {names}",
        )
    return value


def _options(r: SectionReader, key: str, default: CreationOptions) -> CreationOptions:
    value = r.text(key)
    if value is None:
        return default
    words = [w for w in _SEPARATORS.split(value) if w]
    pixel_type = default.pixel_type
    if words and words[0].lower() in PIXEL_TYPES:
        pixel_type = PIXEL_TYPES[words.pop(0).lower()]
    bad = [w for w in words if not _OPTION.fullmatch(w)]
    if bad:
        raise r.error(
            key,
            value,
            f"an optional pixel type ({', '.join(PIXEL_TYPES)}) then GDAL creation options "
            f"written NAME=value ({bad[0]!r} is not)",
        )
    return CreationOptions(pixel_type, tuple(words))


def _as_cog(
    r: SectionReader, key: str, written: CreationOptions, defaults: tuple[str, ...]
) -> CreationOptions:
    """``written`` (a GTiff write) as a first write rewritten as a COG."""
    try:
        options = cog_options(written.options, defaults)
    except ValueError as exc:
        raise r.error(key, " ".join(written.options), f"options for a COG: {exc}") from exc
    return CreationOptions(written.pixel_type, FIRST_WRITE_OPTIONS, options)


def read_output_format(r: SectionReader, calibration: str) -> OutputFormat:
    """The ``fname_fmt``, ``dname_fmt``, ``creation_options`` and ``output_format`` keys."""
    default = OutputFormat()
    terrain_type = TERRAIN_CALIBRATION_TYPES.get(calibration)
    # With a terrain calibration S1Tiling's fname_fmt.concatenation names its temporary
    # beta0/sigma0 file: unused here.
    image_key, image_name, filtered_name = {
        None: ("fname_fmt.concatenation", default.naming.image_name, default.naming.filtered_name),
        "Normlim": (
            "fname_fmt.s2_lia_corrected",
            DEFAULT_NORMLIM_NAME,
            DEFAULT_TERRAIN_FILTERED_NAME,
        ),
        "GammaNaughtRTC": (
            "fname_fmt.s2_gamma_area_corrected",
            DEFAULT_RTC_NAME,
            DEFAULT_TERRAIN_FILTERED_NAME,
        ),
    }[terrain_type]
    naming = OutputNaming(
        calibration=terrain_type or calibration,
        image_name=_template(r, image_key, image_name, file=True),
        filtered_name=_template(r, "fname_fmt.filtered", filtered_name, file=True),
        image_dir=_template(r, "dname_fmt.tiled", default.naming.image_dir, file=False),
        mask_dir=_template(r, "dname_fmt.mask", default.naming.mask_dir, file=False),
        filtered_dir=_template(r, "dname_fmt.filtered", default.naming.filtered_dir, file=False),
    )
    if naming.filtered_name == naming.image_name:
        # Planning knows a product by its file name: the two must differ.
        raise r.error(
            "fname_fmt.filtered", naming.filtered_name, f"a name other than {image_key}'s"
        )
    image = _options(r, "creation_options.tiled", default.image)
    filtered = _options(r, "creation_options.filtered", default.filtered)
    mask = _options(r, "creation_options.mask", default.mask)
    if r.choice("output_format", DRIVERS, "GTiff") == "COG":
        image = _as_cog(r, "creation_options.tiled", image, IMAGE_DEFAULTS)
        filtered = _as_cog(r, "creation_options.filtered", filtered, IMAGE_DEFAULTS)
        mask = _as_cog(r, "creation_options.mask", mask, MASK_DEFAULTS)
    return OutputFormat(
        naming=naming,
        image=image,
        filtered=filtered,
        mask=mask,
        stac_catalogue=r.flag("stac_catalogue", True),
    )
