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
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# WGS84 (NIMA TR8350.2)
WGS84_A = 6378137.0
WGS84_F = 1 / 298.257223563
WGS84_B = WGS84_A * (1 - WGS84_F)
WGS84_E2 = WGS84_F * (2 - WGS84_F)
SPEED_OF_LIGHT = 299792458.0
# OTB's SarSensorModel interpolates state vectors with 8-point Lagrange polynomials.
LAGRANGE_POINTS = 8


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


@dataclass(frozen=True)
class Orbit:
    """Earth-fixed state vectors; times in seconds from an arbitrary epoch."""

    times: np.ndarray  # (n,)
    positions: np.ndarray  # (n, 3)
    velocities: np.ndarray  # (n, 3)

    def state(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Interpolated positions and velocities (..., 3) at times ``t``."""
        t = np.atleast_1d(np.asarray(t, dtype=float))
        pos = np.empty((*t.shape, 3))
        vel = np.empty((*t.shape, 3))
        count = min(LAGRANGE_POINTS, len(self.times))
        for index in np.ndindex(t.shape):
            start = int(np.searchsorted(self.times, t[index])) - count // 2
            start = min(max(start, 0), len(self.times) - count)
            nodes = self.times[start : start + count]
            weights = _lagrange_weights(nodes, float(t[index]))
            pos[index] = weights @ self.positions[start : start + count]
            vel[index] = weights @ self.velocities[start : start + count]
        return pos, vel

    def transformed(self, matrix: np.ndarray, keep_altitude: bool = True) -> Orbit:
        """The orbit turned by ``matrix``; radii are adjusted to keep the height above ground."""
        pos = self.positions @ matrix.T
        vel = self.velocities @ matrix.T
        if keep_altitude:
            factor = (
                np.linalg.norm(pos, axis=1)
                - geocentric_radius(self.positions)
                + geocentric_radius(pos)
            ) / np.linalg.norm(pos, axis=1)
            pos = pos * factor[:, None]
            vel = vel * factor[:, None]
        return Orbit(self.times, pos, vel)


def _lagrange_weights(nodes: np.ndarray, t: float) -> np.ndarray:
    weights = np.ones(len(nodes))
    for i, ti in enumerate(nodes):
        for j, tj in enumerate(nodes):
            if i != j:
                weights[i] *= (t - tj) / (ti - tj)
    return weights


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


@dataclass(frozen=True)
class Geoid:
    """A global geoid undulation grid (OTB's ``egm96.grd``), bilinearly interpolated."""

    undulation_m: np.ndarray  # rows from 90 N southwards, columns from 0 E eastwards
    step_deg: float

    @classmethod
    def read(cls, path: str | Path) -> Geoid:
        """Read an ``egm96.grd`` file: six big-endian float32 bounds, then the rows."""
        raw = np.fromfile(path, dtype=">f4")
        south, north, west, east, dlat, dlon = (float(v) for v in raw[:6])
        rows = round((north - south) / dlat) + 1
        cols = round((east - west) / dlon) + 1
        if (south, north, west, dlat) != (-90.0, 90.0, 0.0, dlon) or raw.size != 6 + rows * cols:
            raise ValueError(f"{path}: not a global geoid grid in egm96.grd layout")
        return cls(raw[6:].reshape(rows, cols).astype(float), dlat)

    def height(self, lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
        """Geoid height above the ellipsoid (m) at the given points."""
        row = (90.0 - np.asarray(lat_deg)) / self.step_deg
        col = np.mod(np.asarray(lon_deg), 360.0) / self.step_deg
        r0 = np.clip(np.floor(row).astype(int), 0, self.undulation_m.shape[0] - 2)
        c0 = np.clip(np.floor(col).astype(int), 0, self.undulation_m.shape[1] - 2)
        fr, fc = row - r0, col - c0
        u = self.undulation_m
        top = u[r0, c0] * (1 - fc) + u[r0, c0 + 1] * fc
        bottom = u[r0 + 1, c0] * (1 - fc) + u[r0 + 1, c0 + 1] * fc
        return top * (1 - fr) + bottom * fr
