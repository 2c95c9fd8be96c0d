"""Orbit state vectors of an S1 annotation, interpolated, and zero-Doppler times on them.

OTB's SAR sensor model interpolates the annotation's Earth-fixed state vectors
with 8-point Lagrange polynomials; the same here. For many ground points at
once (a block of tile rows) the 8-point window around the block's time is
turned into polynomial coefficients, so each point costs a few Horner steps.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from numpy.polynomial import polynomial as P

from s1ops.errors import S1OpsError

LAGRANGE_POINTS = 8
# The Doppler term is nearly linear in time: from the middle time of a block of
# rows, 2 steps agree with 6 to 1e-8 m; 4 leave a margin (they run on coarse nodes).
_NEWTON_STEPS = 4
# Within a few seconds of the middle time, the window's polynomial is its Taylor
# expansion to this degree within micrometres (the next term is about
# omega^5 * R * dt^5 / 120 with omega ~ 1e-3 / s), at a fraction of the cost.
TAYLOR_DEGREE = 4
_ORBIT_NODES = "generalAnnotation/orbitList/orbit"


class OrbitError(S1OpsError):
    """An annotation's geometry (state vectors, image grid) that cannot be read or used."""


@dataclass(frozen=True)
class Orbit:
    """Earth-fixed state vectors; times in seconds from ``epoch``."""

    times: np.ndarray  # (n,), increasing
    positions: np.ndarray  # (n, 3) metres
    velocities: np.ndarray  # (n, 3) metres / second
    epoch: datetime | None = None  # UTC; None when times are relative to an arbitrary instant

    def state(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Interpolated positions and velocities (..., 3) at times ``t``."""
        t = np.atleast_1d(np.asarray(t, dtype=float))
        pos = np.empty((*t.shape, 3))
        vel = np.empty((*t.shape, 3))
        for index in np.ndindex(t.shape):
            window = self._window(float(t[index]))
            weights = _lagrange_weights(self.times[window], float(t[index]))
            pos[index] = weights @ self.positions[window]
            vel[index] = weights @ self.velocities[window]
        return pos, vel

    def _window(self, t: float) -> slice:
        count = min(LAGRANGE_POINTS, len(self.times))
        start = int(np.searchsorted(self.times, t)) - count // 2
        start = min(max(start, 0), len(self.times) - count)
        return slice(start, start + count)

    def local(self, t: float) -> LocalOrbit:
        """The Lagrange polynomial of the window around ``t``, as coefficients."""
        window = self._window(t)
        nodes = self.times[window]
        centre = float(nodes.mean())
        scale = float(max(nodes[-1] - nodes[0], 1.0))
        x = (nodes - centre) / scale
        degree = len(nodes) - 1
        return LocalOrbit(
            centre=centre,
            scale=scale,
            pos=P.polyfit(x, self.positions[window], degree),
            vel=P.polyfit(x, self.velocities[window], degree),
        )

    def zero_doppler_times(self, points: np.ndarray) -> np.ndarray:
        """Zero-Doppler times (n,) of ECEF ``points`` (n, 3): NaN for a point not finite
        or seen outside the state vectors' span."""
        t = np.full(len(points), np.nan)
        finite = np.all(np.isfinite(points), axis=1)
        if not finite.any():
            return t
        seen = points[finite]
        middle = self.time_of(seen.mean(axis=0))
        local = self.local(middle).around(middle, TAYLOR_DEGREE)
        # The acceleration changes by about 1e-3 of itself over a block's seconds: taken
        # at the middle time, Newton's steps still converge as fast.
        _, _, acc = local.evaluate(np.array([middle]))
        found = np.full(len(seen), middle)
        for _ in range(_NEWTON_STEPS):
            pos, vel = local.position(found), local.velocity(found)
            to_ground = seen - pos
            doppler = np.einsum("ij,ij->i", to_ground, vel)
            slope = to_ground @ acc[0] - np.einsum("ij,ij->i", vel, vel)
            found -= doppler / slope
        found[(found < self.times[0]) | (found > self.times[-1])] = np.nan
        t[finite] = found
        return t

    def positions_at(self, t: np.ndarray) -> np.ndarray:
        """Sensor positions (n, 3) at times ``t`` (n,), NaN where ``t`` is. The times should
        span seconds, not minutes: a Taylor polynomial about their middle is used."""
        pos = np.full((len(t), 3), np.nan)
        finite = np.isfinite(t)
        if finite.any():
            middle = float(t[finite].mean())
            pos[finite] = self.local(middle).around(middle, TAYLOR_DEGREE).position(t[finite])
        return pos

    def zero_doppler(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sensor positions (n, 3) seeing ECEF ``points`` (n, 3) at zero Doppler, and the
        mask of points whose time lies within the state vectors (others are NaN)."""
        t = self.zero_doppler_times(points)
        return self.positions_at(t), np.isfinite(t)

    def time_of(self, point: np.ndarray) -> float:
        """Zero-Doppler time of one point, by Newton's method on the full interpolation."""
        t = float(self.times[len(self.times) // 2])
        for _ in range(20):
            pos, vel = (v[0] for v in self.state(np.array([t])))
            # d/dt of the Doppler term is about -|v|^2: a Newton step.
            step = float((point - pos) @ vel) / float(vel @ vel)
            t = float(np.clip(t + step, self.times[0], self.times[-1]))
            if abs(step) < 1e-6:
                break
        return t


@dataclass(frozen=True)
class LocalOrbit:
    """Position and velocity polynomials in (t - centre) / scale."""

    centre: float
    scale: float
    pos: np.ndarray  # (degree + 1, 3)
    vel: np.ndarray

    def around(self, t: float, degree: int) -> LocalOrbit:
        """The Taylor expansion of degree ``degree`` of both polynomials about time ``t``."""
        x = (t - self.centre) / self.scale

        def taylor(coefs: np.ndarray) -> np.ndarray:
            terms = [P.polyval(x, coefs)]
            for k in range(1, degree + 1):
                coefs = P.polyder(coefs) / self.scale
                terms.append(P.polyval(x, coefs) / math.factorial(k))
            return np.array(terms)

        return LocalOrbit(centre=t, scale=1.0, pos=taylor(self.pos), vel=taylor(self.vel)[:-1])

    def position(self, t: np.ndarray) -> np.ndarray:
        """Positions (n, 3) at times ``t`` (n,)."""
        return _horner((t - self.centre) / self.scale, self.pos)

    def velocity(self, t: np.ndarray) -> np.ndarray:
        """Velocities (n, 3) at times ``t`` (n,)."""
        return _horner((t - self.centre) / self.scale, self.vel)

    def evaluate(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Positions, velocities and accelerations (n, 3) at times ``t`` (n,)."""
        x = (t - self.centre) / self.scale
        acc = P.polyder(self.vel) / self.scale
        return _horner(x, self.pos), _horner(x, self.vel), _horner(x, acc)


def _horner(x: np.ndarray, coefs: np.ndarray) -> np.ndarray:
    """Values (n, 3) of the polynomials ``coefs`` (degree + 1, 3) at ``x`` (n,), in place
    (numpy's polyval makes a temporary array per degree and axis)."""
    out = np.empty((len(x), coefs.shape[1]))
    for axis in range(coefs.shape[1]):
        column = np.full(len(x), coefs[-1, axis])
        for k in range(len(coefs) - 2, -1, -1):
            column *= x
            column += coefs[k, axis]
        out[:, axis] = column
    return out


def _lagrange_weights(nodes: np.ndarray, t: float) -> np.ndarray:
    weights = np.ones(len(nodes))
    for i, ti in enumerate(nodes):
        for j, tj in enumerate(nodes):
            if i != j:
                weights[i] *= (t - tj) / (ti - tj)
    return weights


def parse_utc(text: str | None) -> datetime:
    return datetime.fromisoformat((text or "").strip().rstrip("Z")).replace(tzinfo=UTC)


def orbit_from_annotation(xml: bytes, where: str = "annotation") -> Orbit:
    """The state vectors of a product annotation XML, times from the first vector's."""
    try:
        root = ET.fromstring(xml)
        nodes = root.findall(_ORBIT_NODES)
        moments = [parse_utc(node.findtext("time")) for node in nodes]
        pos = [[float(node.findtext(f"position/{c}") or "") for c in "xyz"] for node in nodes]
        vel = [[float(node.findtext(f"velocity/{c}") or "") for c in "xyz"] for node in nodes]
    except (ET.ParseError, ValueError) as exc:
        raise OrbitError(f"{where}: orbit state vectors cannot be read ({exc})") from exc
    if len(nodes) < 2:
        raise OrbitError(f"{where}: {len(nodes)} orbit state vectors; at least 2 are needed")
    times = np.array([(m - moments[0]).total_seconds() for m in moments])
    if np.any(np.diff(times) <= 0):
        raise OrbitError(f"{where}: orbit state vector times do not increase")
    return Orbit(times, np.array(pos), np.array(vel), epoch=moments[0])
