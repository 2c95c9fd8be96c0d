"""WGS84 geodesy and zero-Doppler geolocation for synthetic products.

The geolocation grid of a synthetic product is computed here, from its orbit
state vectors, azimuth timing and ground-to-slant-range polynomials, the way
OTB's SAR sensor model inverts them: azimuth time ``t0 + line * dt``, ground
range ``pixel * spacing``, slant range from the interpolated GRSR polynomial,
then the point at that range, at zero Doppler, at the requested ellipsoidal
height. Rewriting a product (time shift, footprint shift, fewer pixels)
therefore never leaves the grid inconsistent with the orbit.
"""

from __future__ import annotations

import math

import numpy as np

from s1ops.terrain.ellipsoid import (  # noqa: F401  (re-exported for the synthetic products)
    WGS84_A,
    WGS84_B,
    WGS84_E2,
    WGS84_F,
    ecef_to_geodetic,
    geodetic_to_ecef,
)
from s1ops.terrain.geoid import Geoid  # noqa: F401
from s1ops.terrain.orbit import Orbit

SPEED_OF_LIGHT = 299792458.0


def rotation(shift_lon_deg: float, shift_lat_deg: float, centre_lon_deg: float) -> np.ndarray:
    """Earth-fixed rotation moving a scene on meridian ``centre_lon_deg`` north and east.

    The latitude part turns about the equatorial axis perpendicular to that
    meridian (points on it move along it, headings there are kept), then the
    longitude part turns about the pole, which is an exact symmetry of the
    ellipsoid.
    """
    lam = math.radians(centre_lon_deg)
    axis = np.array([math.sin(lam), -math.cos(lam), 0.0])
    return _axis_rotation(np.array([0.0, 0.0, 1.0]), math.radians(shift_lon_deg)) @ (
        _axis_rotation(axis, math.radians(shift_lat_deg))
    )


def _axis_rotation(axis: np.ndarray, angle: float) -> np.ndarray:
    k = axis / np.linalg.norm(axis)
    cross = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + math.sin(angle) * cross + (1 - math.cos(angle)) * cross @ cross


def geocentric_radius(xyz: np.ndarray) -> np.ndarray:
    """Radius of the ellipsoid under ECEF points (m), along their geocentric direction."""
    r = np.linalg.norm(xyz, axis=-1)
    sin2 = (xyz[..., 2] / r) ** 2
    return WGS84_A * WGS84_B / np.sqrt(WGS84_B**2 * (1 - sin2) + WGS84_A**2 * sin2)


def transformed(orbit: Orbit, matrix: np.ndarray, keep_altitude: bool = True) -> Orbit:
    """``orbit`` turned by ``matrix``; radii are adjusted to keep the height above ground."""
    pos = orbit.positions @ matrix.T
    vel = orbit.velocities @ matrix.T
    if keep_altitude:
        factor = (
            np.linalg.norm(pos, axis=1)
            - geocentric_radius(orbit.positions)
            + geocentric_radius(pos)
        ) / np.linalg.norm(pos, axis=1)
        pos = pos * factor[:, None]
        vel = vel * factor[:, None]
    return Orbit(orbit.times, pos, vel, orbit.epoch)


def zero_doppler_points(
    sat_pos: np.ndarray, sat_vel: np.ndarray, slant_range: np.ndarray, height: np.ndarray
) -> np.ndarray:
    """ECEF points (n, 3) at ``slant_range`` right of the track, at zero Doppler and ``height``.

    Newton's method on (range, Doppler, ellipsoid inflated by the height);
    the inflated ellipsoid is then corrected until the geodetic height is met.
    """
    up = sat_pos / np.linalg.norm(sat_pos, axis=1)[:, None]
    right = np.cross(sat_vel, up)
    right /= np.linalg.norm(right, axis=1)[:, None]
    altitude = np.linalg.norm(sat_pos, axis=1) - WGS84_A
    ground = np.sqrt(np.maximum(slant_range**2 - altitude**2, 0.0))
    point = up * WGS84_A + right * ground[:, None]
    target = np.asarray(height, dtype=float) * np.ones(len(point))
    inflation = target.copy()
    for _ in range(3):
        point = _newton(point, sat_pos, sat_vel, slant_range, inflation)
        inflation += target - ecef_to_geodetic(point)[2]
    return point


def _newton(
    point: np.ndarray, sat_pos: np.ndarray, sat_vel: np.ndarray, rng: np.ndarray, h: np.ndarray
) -> np.ndarray:
    a2, b2 = (WGS84_A + h) ** 2, (WGS84_B + h) ** 2
    for _ in range(10):
        look = point - sat_pos
        f = np.stack(
            [
                np.einsum("ij,ij->i", look, sat_vel),
                np.einsum("ij,ij->i", look, look) - rng**2,
                (point[:, 0] ** 2 + point[:, 1] ** 2) / a2 + point[:, 2] ** 2 / b2 - 1,
            ],
            axis=1,
        )
        grad = np.stack([point[:, 0] / a2, point[:, 1] / a2, point[:, 2] / b2], axis=1) * 2
        jac = np.stack([sat_vel, 2 * look, grad], axis=1)
        step = np.linalg.solve(jac, f[:, :, None])[:, :, 0]
        point = point - step
        if np.max(np.abs(step)) < 1e-6:
            break
    return point


def look_angles(sat_pos: np.ndarray, point: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Incidence angle at the ground and elevation (off-nadir) angle at the sensor, degrees."""
    lat, lon, _ = ecef_to_geodetic(point)
    la, lo = np.radians(lat), np.radians(lon)
    normal = np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)
    to_sat = sat_pos - point
    to_sat /= np.linalg.norm(to_sat, axis=-1)[..., None]
    incidence = np.degrees(np.arccos(np.einsum("...j,...j->...", normal, to_sat)))
    nadir = -sat_pos / np.linalg.norm(sat_pos, axis=-1)[..., None]
    elevation = np.degrees(np.arccos(np.einsum("...j,...j->...", nadir, -to_sat)))
    return incidence, elevation


def heading_deg(sat_pos: np.ndarray, sat_vel: np.ndarray) -> float:
    """Heading of the ground track (degrees from north, clockwise, in -180..180)."""
    lat, lon, _ = ecef_to_geodetic(sat_pos)
    la, lo = math.radians(float(lat)), math.radians(float(lon))
    east = np.array([-math.sin(lo), math.cos(lo), 0.0])
    north = np.array([-math.sin(la) * math.cos(lo), -math.sin(la) * math.sin(lo), math.cos(la)])
    return math.degrees(math.atan2(float(sat_vel @ east), float(sat_vel @ north)))
