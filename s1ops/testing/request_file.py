"""S1Tiling request files (``S1Processor.cfg``) written by code: the tests', the demo's.

``request_text`` takes the folders of ``[Paths]``, the tiles, and per
section the keys to set over a small valid request (S1Tiling's test period,
the first ten days of January 2020, VV VH, sigma calibration); a key set to
None is left out. Values are Python values (``True``, a date, a path, a
tuple of tiles) written the way the request file spells them. Keys are not
checked here: reading the file (``s1ops.config``) does that, and the tests of
odd files need to write odd keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypedDict, Unpack, cast

from s1ops.config.keys import SECTIONS

REQUEST_NAME = "S1Processor.cfg"  # S1Tiling's name for a request file

# A value as a test gives it; None leaves the key out.
Value = str | int | float | bool | date | Path | Sequence[str] | None

# Over what every request here holds unless told otherwise: S1Tiling's
# non-regression period and polarisations, and the calibration S1Tiling's
# examples use.
DEFAULT_DATA_SOURCE: Mapping[str, Value] = {
    "first_date": date(2020, 1, 1),
    "last_date": date(2020, 1, 10),
    "polarisation": "VV VH",
}
DEFAULT_PROCESSING: Mapping[str, Value] = {"calibration": "sigma"}


class Sections(TypedDict, total=False):
    """The keys to set per section, over the defaults (None removes a key)."""

    data_source: Mapping[str, Value]
    mask: Mapping[str, Value]
    processing: Mapping[str, Value]
    filtering: Mapping[str, Value]
    quicklook: Mapping[str, Value]
    metadata: Mapping[str, Value]
    airflow: Mapping[str, Value]


# The request file's name of each keyword of ``Sections``.
SECTION_NAMES = {
    "data_source": "DataSource",
    "mask": "Mask",
    "processing": "Processing",
    "filtering": "Filtering",
    "quicklook": "Quicklook",
    "metadata": "Metadata",
    "airflow": "Airflow",
}


@dataclass(frozen=True)
class RequestPaths:
    """The ``[Paths]`` of a request: four folders every request names, and the geoid."""

    output: str | Path | None
    s1_images: str | Path | None
    dem_dir: str | Path | None
    tmp: str | Path | None
    geoid_file: str | Path | None = None  # None: no key (OTB then uses no geoid)

    @classmethod
    def under(cls, root: str | Path, *, geoid_file: str | Path | None = None) -> RequestPaths:
        """``out``, ``s1``, ``dem`` and ``tmp`` in ``root``."""
        base = Path(root)
        return cls(base / "out", base / "s1", base / "dem", base / "tmp", geoid_file)

    def keys(self) -> dict[str, Value]:
        """The ``[Paths]`` keys, in the order S1Tiling's files list them."""
        return {
            "output": self.output,
            "s1_images": self.s1_images,
            "dem_dir": self.dem_dir,
            "geoid_file": self.geoid_file,
            "tmp": self.tmp,
        }


def format_value(value: Value) -> str:
    """How a request file spells ``value``: ``True``, ``2020-01-01``, ``32NNH, 32NPJ``."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str | Path | int | float):
        return str(value)
    if value is None:
        raise ValueError("None means 'no key': it has no spelling")
    return ", ".join(format_value(item) for item in value)


def render(sections: Mapping[str, Mapping[str, Value]], *, header: str = "") -> str:
    """INI text: ``header`` as comment lines, then each section's ``key : value`` lines.

    Keys whose value is None are left out; a section left empty is still written.
    """
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    for name, keys in sections.items():
        if lines:
            lines.append("")
        lines.append(f"[{name}]")
        lines.extend(f"{key} : {format_value(v)}" for key, v in keys.items() if v is not None)
    return "\n".join(lines) + "\n"


def request_sections(
    paths: RequestPaths, *, tiles: str | Sequence[str], **sections: Unpack[Sections]
) -> dict[str, dict[str, Value]]:
    """The request's sections and keys: the defaults, ``tiles``, then ``sections`` over them.

    Sections come in the order ``s1ops.config`` lists them; [Mask], [Filtering],
    [Quicklook], [Metadata] and [Airflow] only when given.
    """
    unknown = sorted(set(sections) - set(SECTION_NAMES))
    if unknown:
        raise TypeError(f"sections {unknown}. Must be among: {', '.join(SECTION_NAMES)}")
    overrides = cast("Mapping[str, Mapping[str, Value]]", sections)
    given = {SECTION_NAMES[keyword]: dict(keys) for keyword, keys in overrides.items()}
    given["Paths"] = paths.keys()
    given["DataSource"] = {**DEFAULT_DATA_SOURCE, **given.get("DataSource", {})}
    given["Processing"] = {**DEFAULT_PROCESSING, "tiles": tiles, **given.get("Processing", {})}
    return {name: given[name] for name in SECTIONS if name in given}


def request_text(
    paths: RequestPaths,
    *,
    tiles: str | Sequence[str],
    header: str = "",
    **sections: Unpack[Sections],
) -> str:
    """The text of a request file (see the module docstring)."""
    return render(request_sections(paths, tiles=tiles, **sections), header=header)


def write_request(
    path: str | Path,
    paths: RequestPaths,
    *,
    tiles: str | Sequence[str],
    header: str = "",
    **sections: Unpack[Sections],
) -> Path:
    """Write ``request_text(...)`` to ``path`` (a file name, e.g. ``{folder}/S1Processor.cfg``)."""
    target = Path(path)
    target.write_text(request_text(paths, tiles=tiles, header=header, **sections))
    return target


def write_site_request(
    root: Path,
    products: Path,
    geoid_file: str | Path | None,
    *,
    tiles: str | Sequence[str],
    resolution_m: int,
    masks: bool,
    filtering: Mapping[str, Value],
    processing: Mapping[str, Value] | None = None,
) -> Path:
    """A request file in ``root`` (made if missing) with its own ``out`` and ``tmp``, over
    the products and DEM of ``products`` (its ``s1`` and ``dem``: shared by several such
    requests, only read): ``resolution_m`` output pixels on an orthorectification grid
    four times coarser, quicklooks, border masks if ``masks``, ``filtering`` as its
    [Filtering] and ``processing`` over the rest of its [Processing].
    """
    root.mkdir(parents=True, exist_ok=True)
    own = RequestPaths.under(root, geoid_file=geoid_file)
    paths = RequestPaths(own.output, products / "s1", products / "dem", own.tmp, own.geoid_file)
    return write_request(
        root / REQUEST_NAME,
        paths,
        tiles=tiles,
        mask={"generate_border_mask": masks},
        processing={
            "output_spatial_resolution": resolution_m,
            "orthorectification_gridspacing": 4 * resolution_m,
            **(processing or {}),
        },
        filtering=filtering,
        quicklook={"generate_quicklook": True},
    )
