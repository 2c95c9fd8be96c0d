"""The request's processing options as plain values, for the chain builders and the job."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from s1ops.cache import orthoready
from s1ops.config.filtering import FilteringConfig
from s1ops.config.output_format import OutputFormat
from s1ops.config.request import S1Config
from s1ops.config.terrain import TerrainConfig
from s1ops.outputs.quicklook import QuicklookSpec, requested_quicklook
from s1ops.vocabulary import TERRAIN_CALIBRATIONS


@dataclass(frozen=True)
class ProcessSettings:
    """The request's processing options, as plain values."""

    calibration: str = "sigma"
    remove_noise: bool = False
    lower_signal_value: float = 1e-7
    resolution_m: float = 10.0
    gridspacing_m: float = 40.0
    interpolator: str = "nn"
    override_azimuth_cut: bool | None = None
    geoid: str | None = None
    ram_mb: int = 4096
    threads: int = 1
    with_mask: bool = False
    dem_info: str = ""
    extra_tags: Mapping[str, str] = field(default_factory=dict)
    quicklook: QuicklookSpec | None = None
    # S1Tiling's --cache-before-ortho: calibrated + cut images kept as files here
    # (s1ops.cache.orthoready names the folder and the files).
    orthoready_dir: str | None = None
    cache_dem_by: str = "symlink"  # or copy
    work_dir: str | None = None  # [Paths] tmp: per-job work folders (s1ops.scratch) live here
    # [Paths] s1_images: the job leases its products there while reading them
    # (None: no lease, the job's product paths are used as they are).
    s1_images: str | None = None
    # [Airflow] min_valid_fraction: an image at or below it is empty, not published.
    min_valid_fraction: float = 0.0
    filtering: FilteringConfig | None = None  # [Filtering]: None, no speckle filter
    # [Processing] fname_fmt.*, dname_fmt.*, creation_options.*, and [Paths] output they
    # are under (None: settings made by hand, S1Tiling's layout around the job's image).
    output_format: OutputFormat = field(default_factory=OutputFormat)
    output_dir: str | None = None
    # A terrain calibration (normlim, gamma_naught_rtc): where its maps are (made there
    # when missing) and how they are made and applied; None for the others.
    terrain: TerrainConfig | None = None

    @property
    def otb_calibration(self) -> str:
        """The calibration OTB applies (normlim starts from beta0)."""
        return TERRAIN_CALIBRATIONS.get(self.calibration, self.calibration)


def settings_from_config(cfg: S1Config, *, cache_before_ortho: bool = False) -> ProcessSettings:
    p = cfg.processing
    return ProcessSettings(
        calibration=p.calibration,
        remove_noise=p.remove_thermal_noise,
        lower_signal_value=p.lower_signal_value,
        resolution_m=p.resolution_m,
        gridspacing_m=p.gridspacing_m,
        interpolator=p.interpolation,
        override_azimuth_cut=p.override_azimuth_cut_threshold_to,
        geoid=str(cfg.paths.geoid_file) if cfg.paths.geoid_file else None,
        ram_mb=p.ram_per_process_mb,
        threads=p.nb_otb_threads,
        with_mask=cfg.mask.generate_border_mask,
        dem_info=cfg.paths.dem_info,
        extra_tags=dict(cfg.metadata),
        quicklook=requested_quicklook(cfg),
        orthoready_dir=str(orthoready.orthoready_dir(cfg.paths.tmp))
        if cache_before_ortho
        else None,
        cache_dem_by=p.cache_dem_by,
        work_dir=str(cfg.paths.tmp),
        s1_images=str(cfg.paths.s1_images),
        min_valid_fraction=cfg.airflow.min_valid_fraction,
        filtering=cfg.filtering,
        output_format=cfg.output_format,
        output_dir=str(cfg.paths.output),
        terrain=cfg.terrain if p.calibration in TERRAIN_CALIBRATIONS else None,
    )
