"""What "done" means for a tile job: every output it was asked for is published.

One definition for planning (a job is ``done``, ``s1ops.planning.tile``) and
for ``process_job`` (a job is ``skipped``; a rerun makes what is missing): the
image, its border mask when masks are asked for, its quicklook when quicklooks
are. A file under its final name is complete: nothing is published before it
is proven so (``s1ops.outputs.publish``), so a kill or a full disk between two
outputs leaves a job that is not done.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from s1ops.outputs.names import mask_file_name
from s1ops.outputs.quicklook import QuicklookSpec, quicklook_path


def _is_file(path: Path) -> bool:
    return path.is_file()


@dataclass(frozen=True)
class JobOutputs:
    """The files one tile job publishes: its image, and its mask and quicklook if asked for."""

    image: Path
    mask: Path | None = None
    quicklook: Path | None = None

    @classmethod
    def of(
        cls,
        image: str | os.PathLike[str],
        *,
        with_mask: bool,
        quicklook: QuicklookSpec | None,
    ) -> JobOutputs:
        """The outputs of the job whose image is ``image``, named as S1Tiling names them."""
        path = Path(image)
        return cls(
            image=path,
            mask=path.with_name(mask_file_name(path.name)) if with_mask else None,
            quicklook=quicklook_path(path, quicklook) if quicklook is not None else None,
        )

    @property
    def files(self) -> tuple[Path, ...]:
        """Every requested file: the image first, then the mask and the quicklook."""
        return tuple(p for p in (self.image, self.mask, self.quicklook) if p is not None)

    def missing(self, exists: Callable[[Path], bool] = _is_file) -> tuple[Path, ...]:
        """The requested files not published; ``exists`` tells (default: on disk now)."""
        return tuple(p for p in self.files if not exists(p))

    def done(self, exists: Callable[[Path], bool] = _is_file) -> bool:
        """Whether every requested file is published (``exists`` as for ``missing``)."""
        return not self.missing(exists)
