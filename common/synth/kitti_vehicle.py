"""Synthetic KITTI vehicles: types with their size distributions, and a body of convex parts.

A vehicle is four convex solids in its own frame (origin at the bottom centre, x forward, y down,
z to the side, as a KITTI box): a lower body over the whole length whose top falls towards a
raked nose, a cabin with sloped windscreen and rear window set back from the front and narrower
at the roof, and one wheel block per axle. Hood, cabin and trunk differ in length and height, so
a vehicle is not symmetric front to back in the LiDAR or in the image, and its proportions
(cabin, wheels, ride height) tell its type and size. The same ``VehicleShape`` gives the planes
that the camera and the LiDAR ray-cast (``solids``) and the numbers its paint uses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BODY, CABIN, FRONT_WHEELS, REAR_WHEELS = range(4)  # solid indices
# faces of every solid, as the box faces of common.synth.raycast: back, front, top, bottom, sides
BACK, FRONT, TOP, BOTTOM = range(4)
GLASS = (25, 31, 40)
TYRE = (22, 22, 22)


@dataclass(frozen=True)
class VehicleType:
    """A kind of vehicle: its share of its class, its size distribution and its proportions."""

    cls: str
    share: float  # probability within its class
    mean: tuple[float, float, float]  # h, w, l (m)
    std: tuple[float, float, float]
    clearance: float  # body bottom above the ground at the mean size (m)
    wheel_r: float  # wheel radius at the mean size (m)
    overhang: tuple[float, float]  # front, rear: bumper to axle at the mean length (m)
    belt: float  # body top at the rear, fraction of h
    hood_drop: float  # the body top falls by this fraction of h towards the front
    nose: float  # the nose is raked back by this fraction of l at the body top
    cabin: tuple[float, float, float, float]  # x / l: base rear, base front, roof rear, roof front
    roof_w: float  # roof width / width


# Class means of KITTI object training labels (h, w, l in m): Car 1.53, 1.63, 3.88; Van 2.21,
# 1.90, 5.08. A car type is a body style with a narrow spread of sizes, as the models of one
# style are (std 3, 3, 8 cm); the styles look different at any scale (two-box or three-box, long
# or short hood and roof, ride height, wheels), and their shares mix to the Car mean and to a
# spread near the class's (std 0.14, 0.10, 0.40; here 0.12, 0.10, 0.38).
_CAR_STD = (0.03, 0.03, 0.08)
# a size is drawn within its type as mean + std * z, z standard normal clipped to +-SIZE_CLIP
SIZE_CLIP = 2.5
VEHICLE_TYPES = {
    "city": VehicleType(
        "Car", 0.18, (1.50, 1.52, 3.32), _CAR_STD, 0.15, 0.29, (0.62, 0.50),
        0.56, 0.08, 0.06, (-0.46, 0.20, -0.43, 0.04), 0.82,
    ),
    "hatch": VehicleType(
        "Car", 0.26, (1.45, 1.58, 3.72), _CAR_STD, 0.15, 0.30, (0.72, 0.60),
        0.58, 0.06, 0.05, (-0.48, 0.21, -0.40, 0.01), 0.80,
    ),
    "sedan": VehicleType(
        "Car", 0.20, (1.44, 1.70, 4.12), _CAR_STD, 0.14, 0.32, (0.90, 1.05),
        0.58, 0.07, 0.04, (-0.30, 0.19, -0.19, 0.03), 0.80,
    ),
    "wagon": VehicleType(
        "Car", 0.07, (1.48, 1.72, 4.38), _CAR_STD, 0.15, 0.32, (0.90, 1.00),
        0.58, 0.07, 0.04, (-0.49, 0.19, -0.47, 0.02), 0.82,
    ),
    "crossover": VehicleType(
        "Car", 0.17, (1.62, 1.62, 3.84), _CAR_STD, 0.19, 0.33, (0.85, 0.85),
        0.60, 0.06, 0.04, (-0.47, 0.21, -0.42, 0.04), 0.82,
    ),
    "suv": VehicleType(
        "Car", 0.12, (1.78, 1.84, 4.50), _CAR_STD, 0.23, 0.40, (0.85, 0.90),
        0.64, 0.05, 0.03, (-0.48, 0.22, -0.46, 0.10), 0.86,
    ),
    "van": VehicleType(
        "Van", 1.0, (2.21, 1.90, 5.08), (0.20, 0.10, 0.40), 0.20, 0.34, (0.90, 1.00),
        0.45, 0.04, 0.02, (-0.50, 0.36, -0.50, 0.25), 0.90,
    ),
}


def sample_type(rng: np.random.Generator, cls: str) -> str:
    names = [n for n, t in VEHICLE_TYPES.items() if t.cls == cls]
    shares = np.array([VEHICLE_TYPES[n].share for n in names])
    return names[int(rng.choice(len(names), p=shares / shares.sum()))]


def sample_dims(rng: np.random.Generator, kind: str) -> np.ndarray:
    """h, w, l (3,) of a vehicle of type ``kind``, rounded as in a label file."""
    t = VEHICLE_TYPES[kind]
    z = np.clip(rng.standard_normal(3), -SIZE_CLIP, SIZE_CLIP)
    return np.round(np.array(t.mean) + np.array(t.std) * z, 2)


def _profile_planes(xh: np.ndarray, half_w: tuple[float, float]) -> np.ndarray:
    """(6, 4) planes of a solid: the convex quadrilateral ``xh`` (4, 2) in the (x, height) plane,
    counter-clockwise from the rear bottom corner (bottom, front, top, rear edges), extruded
    sideways to half widths ``half_w`` at its bottom and top heights. Faces ordered back, front,
    top, bottom, -z, +z."""
    edge = np.roll(xh, -1, axis=0) - xh
    n_xh = np.stack([edge[:, 1], -edge[:, 0]], axis=1)
    n_xh /= np.linalg.norm(n_xh, axis=1, keepdims=True)
    off = np.einsum("ij,ij->i", n_xh, xh)
    ends = np.stack([n_xh[:, 0], -n_xh[:, 1], np.zeros(4), off], axis=1)[[3, 1, 2, 0]]  # y = -h
    h0, h1 = xh[0, 1], xh[2, 1]
    b = (half_w[1] - half_w[0]) / (h1 - h0)  # |z| <= a + b * height
    a = half_w[0] - b * h0
    sides = np.array([[0, b, -1, a], [0, b, 1, a]]) / np.hypot(b, 1)
    return np.concatenate([ends, sides])


@dataclass(frozen=True)
class VehicleShape:
    """Absolute part geometry (m, vehicle frame) of one vehicle of type ``kind`` and size dims."""

    kind: str
    dims: tuple[float, float, float]  # h, w, l
    clearance: float
    wheel_r: float
    axles: tuple[float, float]  # x of the front and rear axles
    belt: tuple[float, float]  # body top height at the front (nose) and at the rear
    nose: float  # x of the body top's front edge
    cabin_x: tuple[float, float, float, float]  # rear base, front base, rear roof, front roof
    cabin_base: float  # height of the cabin's base
    cabin_w: tuple[float, float]  # half widths at the base and at the roof

    @classmethod
    def of(cls, kind: str, dims) -> VehicleShape:
        """Proportions of ``kind`` at size ``dims``: wheels and ride height grow with the size, but
        slower than the body, so a long vehicle has relatively smaller wheels."""
        t = VEHICLE_TYPES[kind]
        h, w, l = (float(v) for v in dims)
        s = (l / t.mean[2] * h / t.mean[0]) ** 0.5
        belt_rear = t.belt * h
        belt_front = belt_rear - t.hood_drop * h
        return cls(
            kind,
            (h, w, l),
            clearance=t.clearance * s,
            wheel_r=t.wheel_r * s,
            axles=(l / 2 - t.overhang[0] * l / t.mean[2], -l / 2 + t.overhang[1] * l / t.mean[2]),
            belt=(belt_front, belt_rear),
            nose=l / 2 - t.nose * l,
            cabin_x=tuple(c * l for c in t.cabin),
            cabin_base=belt_front - 0.02,
            cabin_w=(w / 2 - 0.04, t.roof_w * w / 2),
        )

    def body_top(self, x: np.ndarray) -> np.ndarray:
        """Height (m) of the body's top at x (the hood falls from the rear to the nose)."""
        l = self.dims[2]
        k = np.clip((x + l / 2) / (self.nose + l / 2), 0, 1)
        return self.belt[1] + k * (self.belt[0] - self.belt[1])

    def solids(self) -> np.ndarray:
        """(4, 6, 4) planes of body, cabin, front and rear wheel blocks (see module doc)."""
        h, w, l = self.dims
        c, r = self.clearance, self.wheel_r
        front, rear = self.belt
        body = np.array([[-l / 2, c], [l / 2, c], [self.nose, front], [-l / 2, rear]])
        xr, xf, xrr, xfr = self.cabin_x
        cabin = np.array([[xr, self.cabin_base], [xf, self.cabin_base], [xfr, h], [xrr, h]])
        parts = [_profile_planes(body, (w / 2, w / 2)), _profile_planes(cabin, self.cabin_w)]
        for x in self.axles:
            block = np.array([[x - 0.75 * r, 0], [x + 0.75 * r, 0], [x + 0.75 * r, 2 * r],
                              [x - 0.75 * r, 2 * r]])
            parts.append(_profile_planes(block, (w / 2 - 0.03, w / 2 - 0.03)))
        return np.stack(parts)


def paint_vehicle(
    shape: VehicleShape, look: dict, solid: np.ndarray, face: np.ndarray, local: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Albedo (N, 3) in [0, 255] and LiDAR reflectance (N,) of surface points (N, 3) of a vehicle
    (vehicle frame), each on ``face`` (N,) of ``solid`` (N,).

    Lights, grille and plate mark the ends; tinted glass is the windscreen, the rear window and the
    side windows (cut by a pillar); tyres show on the body's sides. The sides also show the heading
    in paint only (the LiDAR reflectance stays the body's): a belt-line stripe that tapers from
    the rear to a point in front, and head / tail light colours wrapping around the ends.
    """
    h, w, l = shape.dims
    lx, lz, hb = local[:, 0], local[:, 2], -local[:, 1]
    n = len(face)
    rgb = np.tile(look["body"], (n, 1))
    refl = np.full(n, look["paint_refl"])
    side = face >= 4
    body, cabin = solid == BODY, solid == CABIN
    rgb[face == TOP] *= 1.08
    # body: fraction of its side's height, from the sill to the (local) top
    fr = (hb - shape.clearance) / (shape.body_top(lx) - shape.clearance)
    d_wheel = np.min([np.hypot(lx - x, hb - shape.wheel_r) for x in shape.axles], axis=0)
    tyre = (body & side & (d_wheel < shape.wheel_r)) | (solid >= FRONT_WHEELS)
    rgb[tyre], refl[tyre] = TYRE, 0.1
    rgb[tyre & side & (d_wheel < 0.45 * shape.wheel_r)] = (150, 150, 155)
    dark_body = look["body"].mean() < 110
    stripe = body & side & ~tyre & (fr > 0.55) & (fr < 0.55 + 0.35 * (0.5 - lx / l))
    rgb[stripe] = (225, 225, 220) if dark_body else (25, 25, 28)
    wrap = body & side & ~tyre
    rgb[wrap & (lx > 0.42 * l) & (fr > 0.5) & (fr < 0.8)] = (255, 248, 205)
    rgb[wrap & (lx < -0.42 * l) & (fr > 0.55) & (fr < 0.85)] = (205, 20, 20)
    lamp_z = (np.abs(lz) > 0.27 * w) & (np.abs(lz) < 0.46 * w)
    head = body & (face == FRONT) & lamp_z & (fr > 0.5) & (fr < 0.8)
    rgb[head], refl[head] = (255, 248, 205), 0.95
    grille = body & (face == FRONT) & (np.abs(lz) < 0.2 * w) & (fr > 0.3) & (fr < 0.75)
    rgb[grille], refl[grille] = (28, 28, 30), 0.2
    tail = body & (face == BACK) & lamp_z & (fr > 0.55) & (fr < 0.85)
    rgb[tail], refl[tail] = (205, 20, 20), 0.95
    plate = body & (face == BACK) & (np.abs(lz) < 0.13 * w) & (fr > 0.25) & (fr < 0.5)
    rgb[plate], refl[plate] = (238, 238, 238), 0.95
    # cabin: glass above the body top, in a frame; side windows cut by a pillar
    k = (hb - shape.cabin_base) / (h - shape.cabin_base)
    xr, xf, xrr, xfr = shape.cabin_x
    x_rear, x_front = xr + k * (xrr - xr), xf + k * (xfr - xf)
    half_w = shape.cabin_w[0] + k * (shape.cabin_w[1] - shape.cabin_w[0])
    band = (hb > shape.body_top(lx) + 0.05) & (hb < h - 0.06)
    ends = ((face == FRONT) | (face == BACK)) & band & (np.abs(lz) < half_w - 0.1)
    pane = side & band & (lx > x_rear + 0.1) & (lx < x_front - 0.08)
    pillar = np.abs(lx - (0.55 * x_front + 0.45 * x_rear)) < 0.05
    if shape.kind == "van":  # side windows over the front seats only, two panes in the back door
        pane &= lx > x_front - 0.3 * (x_front - x_rear)
        ends &= (face == FRONT) | (np.abs(lz) > 0.04)
    glass = cabin & (ends | (pane & ~pillar))
    rgb[glass], refl[glass] = GLASS, 0.04
    return rgb, refl
