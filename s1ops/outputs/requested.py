"""What "done" means for a tile job: every output it was asked for is published.

One definition for planning (a job is ``done``, ``s1ops.planning.tile``) and
for ``process_job`` (a job is ``skipped``; a rerun makes what is missing): the
image, its border mask when masks are asked for, its quicklook when quicklooks
are, its speckle-filtered copy when a filter is; with
``keep_non_filtered_products = False`` the filtered copy replaces the image
(and the quicklook pictures it). A file under its final name is complete:
nothing is published before it is proven so (``s1ops.outputs.publish``), so a
kill or a full disk between two outputs leaves a job that is not done.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from s1ops.config.filtering import FilteringConfig
from s1ops.outputs.names import OutputName
from s1ops.outputs.naming import OutputNaming
from s1ops.outputs.quicklook import QuicklookSpec, quicklook_path


def _is_file(path: Path) -> bool:
    return path.is_file()


@dataclass(frozen=True)
class JobOutputs:
    """The files one tile job publishes: its image, and its mask, quicklook and filtered
    copy if asked for. ``image`` names the job even when it is not kept."""

    image: Path
    mask: Path | None = None
    quicklook: Path | None = None
    filtered: Path | None = None
    keep_image: bool = True  # False: only the filtered copy is published

    @classmethod
    def of(
        cls,
        image: str | os.PathLike[str],
        *,
        mask: str | os.PathLike[str] | None = None,
        quicklook: QuicklookSpec | None = None,
        filtered: str | os.PathLike[str] | None = None,
        keep_image: bool = True,
    ) -> JobOutputs:
        """The outputs of the job whose image is ``image``: its ``mask`` and ``filtered``
        copy when asked for, its quicklook next to the published image."""
        path = Path(image)
        kept = keep_image or filtered is None
        shown = path if filtered is None or kept else Path(filtered)
        return cls(
            image=path,
            mask=Path(mask) if mask is not None and kept else None,
            quicklook=quicklook_path(shown, quicklook) if quicklook is not None else None,
            filtered=None if filtered is None else Path(filtered),
            keep_image=kept,
        )

    @classmethod
    def named(
        cls,
        naming: OutputNaming,
        output_dir: str | Path,
        name: OutputName,
        *,
        with_mask: bool,
        quicklook: QuicklookSpec | None,
        filtering: FilteringConfig | None = None,
    ) -> JobOutputs:
        """The outputs of ``name`` under ``output_dir``, named and placed by ``naming``."""
        return cls.of(
            naming.image_path(output_dir, name),
            mask=naming.mask_path(output_dir, name) if with_mask else None,
            quicklook=quicklook,
            filtered=None if filtering is None else naming.filtered_path(output_dir, name),
            keep_image=filtering is None or filtering.keep_non_filtered_products,
        )

    @property
    def primary(self) -> Path:
        """The file the chain writes: the image, or its filtered copy when it is not kept."""
        return self.image if self.keep_image or self.filtered is None else self.filtered

    @property
    def files(self) -> tuple[Path, ...]:
        """Every requested file: the published image first, then the mask, the quicklook and
        the filtered copy."""
        kept = (self.image,) if self.keep_image else ()
        extra = (self.mask, self.quicklook, self.filtered)
        return (*kept, *(p for p in extra if p is not None))

    def missing(self, exists: Callable[[Path], bool] = _is_file) -> tuple[Path, ...]:
        """The requested files not published; ``exists`` tells (default: on disk now)."""
        return tuple(p for p in self.files if not exists(p))

    def done(self, exists: Callable[[Path], bool] = _is_file) -> bool:
        """Whether every requested file is published (``exists`` as for ``missing``)."""
        return not self.missing(exists)
