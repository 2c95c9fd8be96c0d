"""Which keys of an S1Tiling request file s1ops reads, and what it says about the others.

S1Tiling files in the wild carry keys from several S1Tiling versions and
parts of S1Tiling's processing s1ops does its own way.
They must still load: each key or section s1ops ignores gets one warning that
says why, and a key nobody knows gets one warning (with the closest known key,
to catch typos). Nothing here is an error.
"""

from __future__ import annotations

import difflib
import logging

from s1ops.config.reader import DEFAULT_SECTION, RequestDocument

log = logging.getLogger(__name__)

# Keys s1ops reads, per section (lower case, as configparser stores them).
USED_KEYS: dict[str, frozenset[str]] = {
    "Paths": frozenset(
        {
            "output",
            "s1_images",
            "dem_dir",
            "dem_info",
            "geoid_file",
            "tmp",
            "lia",
            "ia",
            "gamma_area",
        }
    ),
    "DataSource": frozenset(
        {
            "download",
            "eodag_config",
            "roi_by_tiles",
            "platform_list",
            "polarisation",
            "orbit_direction",
            "relative_orbit_list",
            "first_date",
            "last_date",
            "tile_to_product_overlap_ratio",
        }
    ),
    "Mask": frozenset({"generate_border_mask"}),
    "Processing": frozenset(
        {
            "calibration",
            "remove_thermal_noise",
            "lower_signal_value",
            "output_spatial_resolution",
            "orthorectification_gridspacing",
            "orthorectification_interpolation_method",
            "override_azimuth_cut_threshold_to",
            "tiles",
            "tiles_list_in_file",
            "cache_dem_by",
            "nb_parallel_processes",
            "ram_per_process",
            "nb_otb_threads",
            "fname_fmt.concatenation",
            "fname_fmt.filtered",
            "fname_fmt.s2_lia_corrected",
            "fname_fmt.s2_gamma_area_corrected",
            "min_gamma_area",
            "calibration_factor",
            "produce_lia_map",
            "ia_maps_to_produce",
            "dem_warp_resampling_method",
            "dname_fmt.tiled",
            "dname_fmt.mask",
            "dname_fmt.filtered",
            "creation_options.tiled",
            "creation_options.filtered",
            "creation_options.mask",
            "output_format",
            "stac_catalogue",
        }
    ),
    "Filtering": frozenset(
        {"filter", "window_radius", "deramp", "nblooks", "keep_non_filtered_products"}
    ),
    "Quicklook": frozenset({"generate_quicklook", "format", "width_px", "db_min", "db_max"}),
    "Airflow": frozenset(
        {
            "runner",
            "image",
            "docker_url",
            "otb_pool",
            "otb_pool_slots",
            "download_pool",
            "download_pool_slots",
            "schedule",
            "start_date",
            "catchup",
            "lookback_days",
            "download_timeout_hours",
            "poke_interval_s",
            "retries",
            "retry_delay_s",
            "execution_timeout_min",
            "s1_cache_max_products",
            "min_valid_fraction",
            "provider_conn_id",
            "celery_concurrency",
            "celery_queues",
        }
    ),
}

# [Metadata] holds free key/value pairs written as GeoTIFF tags.
FREE_SECTIONS = frozenset({"Metadata"})

SECTIONS = (*USED_KEYS, *FREE_SECTIONS)

# Older S1Tiling spellings still found in users' files: (section, old) -> new.
LEGACY_KEYS: dict[tuple[str, str], str] = {
    ("Paths", "srtm"): "dem_dir",
    ("DataSource", "eodagconfig"): "eodag_config",
    ("Processing", "cache_srtm_by"): "cache_dem_by",
}

_GAMMA_AREA = (
    "tunes S1Tiling's gamma-area estimation in the SAR image's geometry; s1ops estimates it "
    "on the tile's grid from the DEM at the output resolution, each facet spread bilinearly "
    "over bins of 3 x 3 radar pixels (docs/terrain-geometry.md)"
)
_NOT_MADE = (
    "about a file s1ops does not make (S1Tiling's intermediate files) or names the way "
    "S1Tiling does (its LIA/IA/gamma-area maps)"
)
_DEM_DB = "s1ops reads SRTM 1-arc-second cells named like N02E009.hgt straight from dem_dir"

# Keys S1Tiling knows and s1ops deliberately ignores: (section, key) -> why.
IGNORED_KEYS: dict[tuple[str, str], str] = {
    ("Paths", "eof_dir"): (
        "s1ops computes the LIA/IA maps from the orbit state vectors of the products' "
        "annotations, not from precise orbit files"
    ),
    ("Paths", "dem_database"): _DEM_DB,
    ("Paths", "dem_format"): _DEM_DB,
    ("DataSource", "nb_parallel_downloads"): "parallel downloads are [Airflow] download_pool_slots",
    ("DataSource", "nb_parallel_processes"): "parallel downloads are [Airflow] download_pool_slots",
    ("Processing", "mode"): "logging is set by Airflow or by `s1ops -v`",
    ("Filtering", "filtering_activated"): (
        "an older S1Tiling's switch: [Filtering] filter decides (none: no filtering)"
    ),
    ("Filtering", "reset_outcore"): "multitemporal filtering, which S1Tiling removed",
    ("Processing", "tiles_shapefile"): "s1ops computes the Sentinel-2 grid itself",
    ("Processing", "tile_to_product_overlap_ratio"): (
        "S1Tiling only reads it from [DataSource], as a percentage; ignored here too"
    ),
    ("Processing", "border_threshold"): "no S1Tiling version since 0.2 reads it",
    **{
        ("Processing", key): _GAMMA_AREA
        for key in (
            "use_resampled_dem",
            "no_use_resampled_dem",
            "resample_dem_factor_x",
            "resample_dem_factor_y",
            "distribute_area",
            "inner_margin_ratio",
            "outer_margin_ratio",
        )
    },
    ("Processing", "produce_gamma_area_map"): (
        "S1Tiling 1.4 does not read it either: gamma_naught_rtc makes the map when missing"
    ),
    ("Processing", "output_nodata"): "no S1Tiling 1.4 code reads it",
}

# Families of keys (prefix.name) S1Tiling knows and s1ops ignores.
IGNORED_PREFIXES: dict[tuple[str, str], str] = {
    ("Processing", "fname_fmt."): _NOT_MADE,
    ("Processing", "dname_fmt."): _NOT_MADE,
    ("Processing", "creation_options."): _NOT_MADE,
    ("Processing", "nodata."): (
        "s1ops keeps S1Tiling's defaults: no-data 0 in every product and mask, NaN in "
        "sin(LIA) and the float IA maps, 0 in the degree maps"
    ),
    ("Processing", "disable_streaming."): (
        "s1ops computes the LIA/IA/gamma-area maps a block of rows at a time"
    ),
}

IGNORED_SECTIONS: dict[str, str] = {}


def _ignored_reason(section: str, key: str) -> str | None:
    reason = IGNORED_KEYS.get((section, key))
    if reason is not None:
        return reason
    for (prefix_section, prefix), why in IGNORED_PREFIXES.items():
        if section == prefix_section and key.startswith(prefix):
            return why
    return None


def _warn_unknown_key(section: str, key: str) -> None:
    known = sorted(USED_KEYS[section] | {old for (sec, old) in LEGACY_KEYS if sec == section})
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    log.warning("[%s] %s: unknown key, ignored%s", section, key, hint)


def _check_section_keys(document: RequestDocument, section: str, actual: str) -> None:
    for key in document.own_keys(actual):
        if key in USED_KEYS[section]:
            continue
        new = LEGACY_KEYS.get((section, key))
        if new is not None:
            if document.has(section, new):
                log.warning("[%s] %s: ignored, %s is set and takes precedence", section, key, new)
            else:
                log.info("[%s] %s: old S1Tiling spelling of %s, read as such", section, key, new)
            continue
        reason = _ignored_reason(section, key)
        if reason is not None:
            log.warning("[%s] %s: ignored: %s", section, key, reason)
        else:
            _warn_unknown_key(section, key)


def check_keys(document: RequestDocument) -> None:
    """Log one warning per ignored or unknown section, and per ignored or unknown key."""
    canonical_of = {actual: name for name, actual in document.section_names.items()}
    for actual in document.inventory.sections():
        if actual == DEFAULT_SECTION:
            continue  # variables for %(name)s references and shared defaults
        section = canonical_of.get(actual)
        if section is None:
            ignored = {name.lower(): why for name, why in IGNORED_SECTIONS.items()}
            why = ignored.get(actual.lower())
            if why is not None:
                log.warning("[%s]: section ignored: %s", actual, why)
            else:
                log.warning("[%s]: unknown section, ignored", actual)
            continue
        if actual != section:
            log.warning(
                "[%s]: read as [%s] (S1Tiling itself needs that exact case)", actual, section
            )
        if section not in FREE_SECTIONS:
            _check_section_keys(document, section, actual)
