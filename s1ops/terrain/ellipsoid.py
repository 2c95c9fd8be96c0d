"""WGS84: geodetic <-> Earth-centred Earth-fixed (ECEF) coordinates, ellipsoid normals."""

from __future__ import annotations

import numpy as np

# WGS84 (NIMA TR8350.2)
WGS84_A = 6378137.0
WGS84_F = 1 / 298.257223563
WGS84_B = WGS84_A * (1 - WGS84_F)
WGS84_E2 = WGS84_F * (2 - WGS84_F)


def geodetic_to_ecef(lat_deg: np.ndarray, lon_deg: np.ndarray, h: np.ndarray) -> np.ndarray:
    """ECEF coordinates (..., 3) of geodetic latitude, longitude (degrees) and height (m)."""
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    n = WGS84_A / np.sqrt(1 - WGS84_E2 * np.sin(lat) ** 2)
    x = (n + h) * np.cos(lat) * np.cos(lon)
    y = (n + h) * np.cos(lat) * np.sin(lon)
    z = (n * (1 - WGS84_E2) + h) * np.sin(lat)
    return np.stack([x, y, z], axis=-1)


def ecef_to_geodetic(xyz: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Geodetic latitude, longitude (degrees) and height (m) of ECEF points (..., 3)."""
    x, y, z = xyz[..., 0], xyz[..., 1], xyz[..., 2]
    p = np.hypot(x, y)
    lat = np.arctan2(z, p * (1 - WGS84_E2))
    # A few fixed-point steps reach micrometres for points near the surface.
    for _ in range(5):
        n = WGS84_A / np.sqrt(1 - WGS84_E2 * np.sin(lat) ** 2)
        h = p / np.cos(lat) - n
        lat = np.arctan2(z, p * (1 - WGS84_E2 * n / (n + h)))
    n = WGS84_A / np.sqrt(1 - WGS84_E2 * np.sin(lat) ** 2)
    h = p / np.cos(lat) - n
    return np.degrees(lat), np.degrees(np.arctan2(y, x)), h


def ellipsoid_normal(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Unit outward normals (..., 3) of the ellipsoid at geodetic latitude and longitude."""
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)
