"""The deep check of a request file, before a long production run: ``s1ops config check --deep``.

On top of the paths' own checks (``s1ops.config.folders.check_paths``) it
looks at what a run would meet hours later: the geoid and the DEM cells
covering each requested tile, whole and readable (S1Tiling checks DEM
coverage too); the catalogue answering one small search with the request's
credentials when ``[DataSource] download`` is on; room for one tile's files.
Every problem is named, none stops the others; nothing is written but
eodag's own settings folder under ``[Paths] tmp``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from s1ops.config.folders import ERROR, PathProblem, check_paths
from s1ops.config.request import S1Config
from s1ops.errors import S1OpsError, TileIdError, _megabytes

log = logging.getLogger(__name__)

# How long the catalogue has to answer one search: a reachable provider answers
# a one-day search of one tile in a few seconds; a host that does not resolve or
# a port that drops packets would otherwise hold the check for minutes.
PROVIDER_TIMEOUT_S = 20.0
# S2 tiles are 109 800 m squares (DESIGN.md); outputs are float32 images and uint8 masks.
TILE_SIZE_M = 109_800
_IMAGE_BYTES_PER_PIXEL = 4 + 1  # float32 image, uint8 border mask
# An SRTM 1 arc-second cell: 3601 x 3601 int16 samples.
_DEM_CELL_BYTES = 3601 * 3601 * 2


def deep_check(
    cfg: S1Config, *, provider_timeout_s: float = PROVIDER_TIMEOUT_S
) -> list[PathProblem]:
    """Every problem a production run of ``cfg`` would meet on this machine, errors and
    warnings: the paths' own, then the geoid, the DEM cells, the catalogue, free space."""
    problems = check_paths(cfg)
    # A folder or file already reported missing is not reported again by what reads it.
    reported = {p.key for p in problems if p.severity == ERROR}
    if "geoid_file" not in reported:
        problems += _geoid(cfg)
    if "dem_dir" not in reported:
        problems += _dem_cells(cfg)
    if cfg.data_source.download and "eodag_config" not in reported:
        problems += _provider(cfg, provider_timeout_s)
    problems += _free_space(cfg)
    return problems


def _geoid(cfg: S1Config) -> list[PathProblem]:
    from s1ops.processing.dem_checks import check_geoid

    path = cfg.paths.geoid_file
    if path is None:
        return []  # check_paths warns about it
    try:
        check_geoid(path)
    except S1OpsError as exc:
        return [PathProblem(ERROR, "geoid_file", path, str(exc), "expected a readable geoid")]
    return []


def _dem_cells(cfg: S1Config) -> list[PathProblem]:
    """The DEM cells each requested tile needs: missing ones, and unreadable ones."""
    from s1ops.grid import parse_tile_id
    from s1ops.processing.dem import require_dem

    problems: list[PathProblem] = []
    for tile_id in cfg.processing.tiles:
        try:
            require_dem(parse_tile_id(tile_id).footprint_lonlat(), cfg.paths.dem_dir)
        except TileIdError:
            continue  # the request file's own check names a bad tile id
        except S1OpsError as exc:
            problems.append(
                PathProblem(
                    ERROR,
                    "dem_dir",
                    cfg.paths.dem_dir,
                    f"tile {tile_id}: {exc}",
                    "expected every SRTM cell covering the tile, whole",
                )
            )
    return problems


def _within(call: Callable[[], object], timeout_s: float) -> BaseException | None:
    """Run ``call`` in a thread for at most ``timeout_s``: its error, a TimeoutError, or None.

    A daemon thread: a search stuck in a DNS or TCP timeout must not hold the
    check, nor the process's exit.
    """
    outcome: list[BaseException | None] = []

    def target() -> None:
        try:
            call()
            outcome.append(None)
        except Exception as exc:  # reported as a problem by the caller, whatever it is
            outcome.append(exc)

    thread = threading.Thread(target=target, name="preflight-search", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if not outcome:
        return TimeoutError(f"no answer within {timeout_s:g} s")
    return outcome[0]


def _provider(cfg: S1Config, timeout_s: float) -> list[PathProblem]:
    """One search of one day over the first tile, as a run would make it (one attempt)."""
    from s1ops.catalogue.gateway import source_from_config
    from s1ops.catalogue.search import criteria_from_config, search_products

    try:
        source = source_from_config(cfg)
    except S1OpsError as exc:
        return [_catalogue_problem(cfg, str(exc))]
    if not cfg.processing.tiles:
        return []  # tiles = ALL: no area to search before products are on disk
    first = cfg.data_source.first_date
    criteria = criteria_from_config(cfg, cfg.processing.tiles[0], first, first)
    error = _within(lambda: search_products(source, criteria, attempts=1), timeout_s)
    if error is None:
        log.info("eodag provider %r answered a search", source.provider)
        return []
    return [_catalogue_problem(cfg, f"eodag provider {source.provider!r}: {_root_cause(error)}")]


def _root_cause(error: BaseException) -> str:
    """The deepest system error under ``error`` ("[Errno 111] Connection refused", a host
    name that does not resolve), else ``error`` itself: eodag's and requests' wrappers
    repeat the URL three times around it."""
    found: BaseException = error
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.strerror:
            found = current
        current = current.__cause__ or current.__context__
    if isinstance(found, OSError):
        return f"{found.strerror} (errno {found.errno})"
    return str(found)


def _catalogue_problem(cfg: S1Config, reason: str) -> PathProblem:
    return PathProblem(
        ERROR,
        "eodag_config",
        cfg.data_source.eodag_config,
        f"the catalogue did not answer a search ({reason})",
        "expected a provider that answers and accepts the credentials ([DataSource] "
        "download is True)",
        section="DataSource",
    )


def tile_bytes(resolution_m: float) -> int:
    """An upper bound of one tile's output files for one polarisation: the image and its
    mask uncompressed (DEFLATE makes them smaller; a partial file sits next to its final
    name until it is complete)."""
    side = int(TILE_SIZE_M / resolution_m)
    return side * side * _IMAGE_BYTES_PER_PIXEL


def _free_space(cfg: S1Config) -> list[PathProblem]:
    """Room for one tile's outputs in ``output``, its DEM copies and OrthoReady-free work
    files in ``tmp`` (estimates from the resolution)."""
    from s1ops.scratch import free_bytes

    needs = {"output": (cfg.paths.output, tile_bytes(cfg.processing.resolution_m))}
    if cfg.processing.cache_dem_by == "copy":
        # A tile spans up to 4 cells (2 x 2 degrees at most away from the poles).
        needs["tmp"] = (cfg.paths.tmp, 4 * _DEM_CELL_BYTES)
    problems = []
    for key, (folder, needed) in needs.items():
        free = free_bytes(folder)
        if free is not None and free < needed:
            problems.append(
                PathProblem(
                    ERROR,
                    key,
                    Path(folder),
                    f"{_megabytes(free)} free",
                    f"expected room for one tile's files (~{_megabytes(needed)} at "
                    f"{cfg.processing.resolution_m:g} m)",
                )
            )
    return problems
