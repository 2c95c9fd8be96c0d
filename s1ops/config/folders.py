"""Whether the folders and files a request names are there and usable.

Reading a request file never looks at the disk (the DAG file reads it on
machines that may not mount the data). These checks do, where the answer
matters: ``s1ops config check`` lists every problem as an error or a
warning, ``s1ops process`` refuses a job whose output or work folder cannot
be written before it starts (``require_writable_folder``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from s1ops.config.request import S1Config
from s1ops.errors import FileSystemError

ERROR = "error"
WARNING = "warning"
_WRITABLE_FOLDER = "a writable folder, or a path where one can be created"


@dataclass(frozen=True)
class PathProblem:
    """One problem with a path of the request: an ``error`` or a ``warning``."""

    severity: str
    key: str  # 'dem_dir'
    path: Path | None  # None: the key is not set
    problem: str
    expected: str
    section: str = "Paths"

    def __str__(self) -> str:
        where = f"[{self.section}] {self.key}"
        if self.path is not None:
            where += f" = '{self.path}'"
        return f"{where}: {self.problem}; {self.expected}"


def _read_only(path: Path) -> bool:
    return bool(os.statvfs(path).f_flag & os.ST_RDONLY)


def _refusal(folder: Path) -> str | None:
    """Why this process cannot create entries in the existing ``folder``, or None."""
    if _read_only(folder):
        return "read-only file system"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"no write permission for this user (uid {os.getuid()})"
    return None


def _existing_ancestor(path: Path) -> Path:
    """The nearest of ``path``'s ancestors that exists (or is a link, even broken)."""
    for ancestor in path.parents:
        if ancestor.exists() or ancestor.is_symlink():
            return ancestor
    return Path(path.anchor or "/")


def writable_folder_problem(path: str | os.PathLike[str]) -> str | None:
    """Why s1ops could not write in ``path`` (creating it if missing), or None."""
    folder = Path(path)
    if folder.is_symlink() and not folder.exists():
        return f"a broken symbolic link (to {os.readlink(folder)})"
    if folder.exists():
        if not folder.is_dir():
            return "a file, not a folder"
        refusal = _refusal(folder)
        return None if refusal is None else f"cannot be written: {refusal}"
    ancestor = _existing_ancestor(folder)
    if not ancestor.is_dir():
        return f"cannot be created: {ancestor} is a file, not a folder"
    refusal = _refusal(ancestor)
    return None if refusal is None else f"cannot be created in {ancestor}: {refusal}"


def require_writable_folder(path: str | os.PathLike[str], what: str) -> None:
    """Raise ``FileSystemError`` (naming ``what``, e.g. ``[Paths] output``) when s1ops
    could not write in ``path`` (creating it if missing)."""
    problem = writable_folder_problem(path)
    if problem is not None:
        raise FileSystemError(path, problem, _WRITABLE_FOLDER, what=what)


def _written_folder(key: str, path: Path) -> list[PathProblem]:
    """A folder s1ops writes in: an error when it cannot, a warning when it is missing."""
    problem = writable_folder_problem(path)
    if problem is not None:
        return [PathProblem(ERROR, key, path, problem, f"expected {_WRITABLE_FOLDER}")]
    if not path.exists():
        return [PathProblem(WARNING, key, path, "does not exist yet", "it will be created")]
    return []


def _products_folder(cfg: S1Config) -> list[PathProblem]:
    path = cfg.paths.s1_images
    if cfg.data_source.download:
        return _written_folder("s1_images", path)
    if not path.is_dir():
        what = "does not exist" if not path.exists() else "is not a folder"
        expected = (
            "expected the folder of the S1 products: [DataSource] download is False, "
            "so nothing would ever fill it"
        )
        return [PathProblem(ERROR, "s1_images", path, what, expected)]
    return []


def _dem(cfg: S1Config) -> list[PathProblem]:
    path = cfg.paths.dem_dir
    if not path.is_dir():
        what = "does not exist" if not path.exists() else "is not a folder"
        expected = "expected the folder of the SRTM cells (N02E009.hgt...)"
        return [PathProblem(ERROR, "dem_dir", path, what, expected)]
    if next(path.glob("*.hgt"), None) is None:
        problem = "holds no .hgt cell"
        return [PathProblem(WARNING, "dem_dir", path, problem, "every job will miss its DEM")]
    return []


def _geoid(cfg: S1Config) -> list[PathProblem]:
    path = cfg.paths.geoid_file
    if path is None:
        return [
            PathProblem(
                WARNING,
                "geoid_file",
                None,
                "not set",
                "OTB then orthorectifies on the DEM alone: pixels differ from S1Tiling's, "
                "which uses its egm96 geoid",
            )
        ]
    if not path.is_file():
        what = "does not exist" if not path.exists() else "is not a file"
        return [PathProblem(ERROR, "geoid_file", path, what, "expected a geoid file (egm96.grd)")]
    return []


def _eodag_config(cfg: S1Config) -> list[PathProblem]:
    path = cfg.data_source.eodag_config
    if not cfg.data_source.download or path is None or path.is_file():
        return []
    return [
        PathProblem(
            ERROR,
            "eodag_config",
            path,
            "does not exist" if not path.exists() else "is not a file",
            "expected eodag's configuration file ([DataSource] download is True)",
            section="DataSource",
        )
    ]


def check_paths(cfg: S1Config) -> list[PathProblem]:
    """Every problem of the request's paths on this machine, errors and warnings."""
    return [
        *_written_folder("output", cfg.paths.output),
        *_products_folder(cfg),
        *_dem(cfg),
        *_geoid(cfg),
        *_written_folder("tmp", cfg.paths.tmp),
        *_eodag_config(cfg),
    ]
