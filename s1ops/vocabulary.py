"""Words and numbers shared by every stage, each defined once.

S1Tiling's own vocabulary where it has one (calibrations, orbit directions,
tag date formats); ESA's where the data define it (polarisations, orbits).
"""

from __future__ import annotations

# Polarisations of Sentinel-1 IW GRD channels, as they appear in file names.
POLARISATIONS = ("vv", "vh", "hh", "hv")
# Orbit directions as S1Tiling writes them in names and tags.
ORBIT_DIRECTIONS = ("ASC", "DES")
# Calibrations OTB's SARCalibration produces (its `lut` values).
CALIBRATIONS = ("sigma", "beta", "gamma", "dn")
# S1Tiling's calibrations that need terrain geometry, and the OTB calibration each
# starts from: normlim multiplies beta0 by sin(LIA); gamma_naught_rtc flattens sigma0 with
# the gamma area.
TERRAIN_CALIBRATIONS = {"normlim": "beta", "gamma_naught_rtc": "sigma"}
# The CALIBRATION tag and {calibration_type} of their products, as S1Tiling spells them.
TERRAIN_CALIBRATION_TYPES = {"normlim": "Normlim", "gamma_naught_rtc": "GammaNaughtRTC"}
# The file prefix of S1Tiling's gamma-area maps (GAMMA_AREA_{tile}_{orbit}.tif), and the
# kind of map a chain applies for gamma_naught_rtc.
GAMMA_AREA = "GAMMA_AREA"
# ia_maps_to_produce names -> IA map file prefix and DATA_TYPE tag (S1Tiling's).
IA_KINDS = {
    "deg": ("IA", "100 * degrees(IA)"),
    "cos": ("cos_IA", "cos(IA)"),
    "sin": ("sin_IA", "sin(IA)"),
    "tan": ("tan_IA", "tan(IA)"),
}
# gdalwarp's resampling methods, as S1Tiling's dem_warp_resampling_method takes them.
DEM_RESAMPLINGS = (
    "near", "bilinear", "cubic", "cubicspline", "lanczos", "average", "rms", "mode",
    "max", "min", "med", "q1", "q3", "sum",
)  # fmt: skip
# Orbits in Sentinel-1's 12-day repeat cycle: relative orbits run 1..175.
ORBITS_PER_CYCLE = 175
# IMAGE_TYPE tag values of S1Tiling's images and border masks.
IMAGE_TYPES = ("BACKSCATTERING", "MASK")
# S1Tiling stamps acquisition times 'YYYY:MM:DDThh:mm:ssZ' (UTC) and
# TIFFTAG_DATETIME in the TIFF 6 'YYYY:MM:DD hh:mm:ss' form.
ACQUISITION_FORMAT = "%Y:%m:%dT%H:%M:%SZ"
TIFF_DATETIME_FORMAT = "%Y:%m:%d %H:%M:%S"
# S1Tiling's border-mask smoothing: opening by a ball of radius 5 pixels.
MASK_RADIUS_PX = 5
# S1Tiling keeps the 1000 most recent products in its S1 cache.
DEFAULT_CACHE_KEEP = 1000
