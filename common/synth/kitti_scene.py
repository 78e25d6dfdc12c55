"""Scene content of a synthetic KITTI frame: the real calibration, objects on the ground, looks.

Numbers of the calibration are those of the real KITTI training frame 000000 (its image is
1224x370, the size its P2 was calibrated for), embedded so the generator runs without fixtures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from common.kitti import KittiCalib
from common.kitti import geometry as kg
from common.synth.raycast import yaw_rotation

# KITTI object training/calib/000000.txt
CALIB = KittiCalib(
    P0=[7.070493e02, 0.0, 6.040814e02, 0.0, 0.0, 7.070493e02, 1.805066e02, 0.0, 0.0, 0.0, 1.0, 0.0],
    P1=[
        7.070493e02,
        0.0,
        6.040814e02,
        -3.797842e02,
        0.0,
        7.070493e02,
        1.805066e02,
        0.0,
        0.0,
        0.0,
        1.0,
        0.0,
    ],
    P2=[
        7.070493e02,
        0.0,
        6.040814e02,
        4.575831e01,
        0.0,
        7.070493e02,
        1.805066e02,
        -3.454157e-01,
        0.0,
        0.0,
        1.0,
        4.981016e-03,
    ],
    P3=[
        7.070493e02,
        0.0,
        6.040814e02,
        -3.341081e02,
        0.0,
        7.070493e02,
        1.805066e02,
        2.330660e00,
        0.0,
        0.0,
        1.0,
        3.201153e-03,
    ],
    R0_rect=[
        9.999127984047e-01,
        1.009263005108e-02,
        -8.511931635439e-03,
        -1.012729015201e-02,
        9.999405741692e-01,
        -4.037670791149e-03,
        8.470674976707e-03,
        4.123521968722e-03,
        9.999555945396e-01,
    ],
    Tr_velo_to_cam=[
        6.927963811904e-03,
        -9.999722242355e-01,
        -2.757828915492e-03,
        -2.457728981972e-02,
        -1.162981963716e-03,
        2.749836072326e-03,
        -9.999955296516e-01,
        -6.127237156034e-02,
        9.999753236771e-01,
        6.931141018867e-03,
        -1.143899047747e-03,
        -3.321028947830e-01,
    ],
    Tr_imu_to_velo=[
        9.999976158142e-01,
        7.553070900030e-04,
        -2.035825978965e-03,
        -8.086758852005e-01,
        -7.854027207941e-04,
        9.998897910118e-01,
        -1.482298038900e-02,
        3.195559084415e-01,
        2.024406101555e-03,
        1.482454035431e-02,
        9.998881220818e-01,
        -7.997230887413e-01,
    ],
)
IMAGE_SHAPE = (370, 1224)  # H, W of image_2 for this calibration
LIDAR_HEIGHT = 1.73  # m, HDL-64E above the ground (KITTI setup); the ground is z_velo = -1.73

# (mean, std) of h, w, l in metres, close to the KITTI training-set statistics.
DIMENSIONS = {
    "Car": ((1.53, 1.63, 3.88), (0.14, 0.10, 0.40)),
    "Van": ((2.20, 1.90, 5.00), (0.25, 0.12, 0.45)),
    "Pedestrian": ((1.75, 0.63, 0.82), (0.10, 0.10, 0.15)),
    "Cyclist": ((1.72, 0.60, 1.76), (0.09, 0.10, 0.16)),
}
CAR_COLOURS = np.array(
    [
        [180, 30, 30],
        [30, 60, 150],
        [200, 200, 205],
        [35, 35, 38],
        [235, 235, 230],
        [120, 125, 130],
        [20, 100, 60],
        [210, 160, 40],
        [90, 40, 30],
    ],
    dtype=float,
)
CLOTHES = np.array(
    [
        [200, 40, 40],
        [40, 80, 180],
        [230, 190, 40],
        [40, 140, 70],
        [150, 60, 160],
        [240, 240, 240],
        [30, 30, 30],
        [230, 120, 30],
        [60, 170, 190],
    ],
    dtype=float,
)


def ground_plane(calib: KittiCalib = CALIB) -> tuple[np.ndarray, float]:
    """The ground z_velo = -LIDAR_HEIGHT as (unit normal pointing up, offset) in the rect frame."""
    pts = kg.velo_to_rect(
        np.array([[0, 0, -LIDAR_HEIGHT], [10, 0, -LIDAR_HEIGHT], [0, 10, -LIDAR_HEIGHT]]), calib
    )
    n = np.cross(pts[1] - pts[0], pts[2] - pts[0])
    n /= np.linalg.norm(n)
    if n[1] > 0:  # rect y points down; "up" has negative y
        n = -n
    return n, float(n @ pts[0])


@dataclass
class SceneObject:
    """One rendered object; box numbers already rounded to the label file's 0.01 precision."""

    cls: str  # rendered class (Car, Van, Pedestrian, Cyclist)
    dims: np.ndarray  # h, w, l
    loc: np.ndarray  # bottom centre, rect frame
    ry: float
    dontcare: bool = False  # too far: labelled as a DontCare region
    look: dict = field(default_factory=dict)

    @property
    def center(self) -> np.ndarray:
        return self.loc + np.array([0.0, -self.dims[0] / 2, 0.0])

    @property
    def rot(self) -> np.ndarray:
        return yaw_rotation(self.ry, up_axis=1)

    @property
    def half(self) -> np.ndarray:
        h, w, l = self.dims
        return np.array([l / 2, h / 2, w / 2])


def _sample_dims(rng: np.random.Generator, cls: str) -> np.ndarray:
    mean, std = (np.array(v) for v in DIMENSIONS[cls])
    return np.round(mean + std * np.clip(rng.standard_normal(3), -2.5, 2.5), 2)


def _sample_look(rng: np.random.Generator, cls: str) -> dict:
    if cls in ("Car", "Van"):
        body = CAR_COLOURS[rng.integers(len(CAR_COLOURS))] * rng.uniform(0.85, 1.1)
        return {"body": body, "paint_refl": rng.uniform(0.25, 0.6)}
    look = {
        "shirt": CLOTHES[rng.integers(len(CLOTHES))] * rng.uniform(0.8, 1.1),
        "trousers": np.array([40, 45, 70]) * rng.uniform(0.6, 1.6),
        "skin": np.array([225, 175, 140]) * rng.uniform(0.6, 1.05),
        "hair": np.array([45, 32, 22]) * rng.uniform(0.7, 2.5),
    }
    if cls == "Cyclist":
        look["frame"] = CLOTHES[rng.integers(len(CLOTHES))]
    return look


def sample_objects(rng: np.random.Generator, calib: KittiCalib = CALIB) -> list[SceneObject]:
    """Cars, pedestrians, cyclists (sometimes a van) 5-45 m ahead with no 3D overlap, plus a few
    far (50-70 m) objects that are labelled DontCare."""
    counts = [
        ("Car", int(rng.integers(2, 7))),
        ("Pedestrian", int(rng.integers(0, 3))),
        ("Cyclist", int(rng.integers(0, 3))),
        ("Van", int(rng.random() < 0.25)),
    ]
    far = int(rng.integers(0, 3))
    normal, offset = ground_plane(calib)
    tan_half = IMAGE_SHAPE[1] / 2 / calib.P2[0, 0]
    objs: list[SceneObject] = []
    taken: list[tuple[float, float, float]] = []  # BEV circles x, z, radius
    jobs = [(c, False) for c, n in counts for _ in range(n)]
    jobs += [(("Car", "Pedestrian", "Cyclist")[int(rng.integers(3))], True) for _ in range(far)]
    for cls, dontcare in jobs:
        dims = _sample_dims(rng, cls)
        radius = 0.5 * np.hypot(dims[1], dims[2]) + 0.3
        for _ in range(30):
            z = rng.uniform(50, 70) if dontcare else rng.uniform(5, 45)
            x_max = z * tan_half * (0.8 if dontcare else 1.0) + (0 if dontcare else 1.5)
            x = rng.uniform(-x_max, x_max)
            if all(np.hypot(x - tx, z - tz) > radius + tr for tx, tz, tr in taken):
                break
        else:
            continue
        x, z = round(x, 2), round(z, 2)
        y = round((offset - normal[0] * x - normal[2] * z) / normal[1], 2)
        ry = round(float(kg.wrap_angle(rng.uniform(-np.pi, np.pi))), 2)
        taken.append((x, z, radius))
        objs.append(
            SceneObject(cls, dims, np.array([x, y, z]), ry, dontcare, _sample_look(rng, cls))
        )
    return objs


def paint(obj: SceneObject, face: np.ndarray, local: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Albedo (N, 3) in [0, 255] and LiDAR reflectance (N,) of box-surface points.

    ``face`` (N,) entry faces (1 front = +x heading, 0 back, 2 top, 3 bottom, 4/5 sides),
    ``local`` (N, 3) points in the box frame. Fronts and backs differ by design (headlights vs
    tail lights, faces vs hair), so the heading is visible in the image. Car and van sides show
    it too, not only the end faces: head and tail light colours wrap around the ends, and a
    belt-line stripe tapers towards the front. These side cues change the albedo only.
    """
    h, w, l = obj.dims
    lx, lz = local[:, 0], local[:, 2]
    hb = h / 2 - local[:, 1]  # height above the bottom
    front, back, top = face == 1, face == 0, face == 2
    side = (face == 4) | (face == 5)
    vertical = front | back | side
    look = obj.look
    n = len(face)
    if obj.cls in ("Car", "Van"):
        rgb = np.tile(look["body"], (n, 1))
        refl = np.full(n, look["paint_refl"])
        rgb[top] *= 1.08
        lo = 0.62 if obj.cls == "Car" else 0.68
        glass = vertical & (hb > lo * h) & (hb < 0.93 * h)
        in_window = (np.abs(lx) < 0.36 * l) if obj.cls == "Car" else (lx > 0.22 * l)
        glass &= ~side | in_window
        glass &= ~(front | back) | (np.abs(lz) < 0.43 * w)
        rgb[glass], refl[glass] = (40, 52, 68), 0.04
        wheel_x = l / 2 - 0.78
        d_wheel = np.minimum(np.hypot(lx - wheel_x, hb - 0.33), np.hypot(lx + wheel_x, hb - 0.33))
        tyre = side & (d_wheel < 0.33)
        rgb[tyre], refl[tyre] = (22, 22, 22), 0.1
        rgb[tyre & (d_wheel < 0.14)] = (150, 150, 155)
        # Heading cues on the sides are paint only (the LiDAR reflectance stays the body's, so
        # point clouds do not depend on them): a contrasting belt-line stripe that tapers from
        # the rear to a point in front, and head / tail light colours wrapping around the ends.
        dark_body = look["body"].mean() < 110
        stripe_top = 0.48 * h + 0.16 * h * (0.5 - lx / l)
        stripe = side & (hb > 0.48 * h) & (hb < stripe_top)
        rgb[stripe] = (225, 225, 220) if dark_body else (25, 25, 28)
        rgb[side & (lx > 0.42 * l) & (hb > 0.40 * h) & (hb < 0.55 * h)] = (255, 248, 205)
        rgb[side & (lx < -0.42 * l) & (hb > 0.45 * h) & (hb < 0.60 * h)] = (205, 20, 20)
        lamp_z = (np.abs(lz) > 0.27 * w) & (np.abs(lz) < 0.46 * w)
        head = front & lamp_z & (hb > 0.40 * h) & (hb < 0.52 * h)
        rgb[head], refl[head] = (255, 248, 205), 0.95
        grille = front & (np.abs(lz) < 0.2 * w) & (hb > 0.3 * h) & (hb < 0.5 * h)
        rgb[grille], refl[grille] = (28, 28, 30), 0.2
        tail = back & lamp_z & (hb > 0.45 * h) & (hb < 0.58 * h)
        rgb[tail], refl[tail] = (205, 20, 20), 0.95
        plate = back & (np.abs(lz) < 0.13 * w) & (hb > 0.28 * h) & (hb < 0.38 * h)
        rgb[plate], refl[plate] = (238, 238, 238), 0.95
        return rgb, refl
    # Pedestrian / Cyclist: rider on top, legs or bicycle below
    rgb = np.tile(look["trousers"], (n, 1))
    refl = np.full(n, 0.3)
    torso_lo = 0.5 if obj.cls == "Pedestrian" else 0.45
    torso = hb >= torso_lo * h
    rgb[torso] = look["shirt"]
    rgb[torso & back] *= 0.65
    head = hb >= 0.86 * h
    face_skin = head & (front | (side & (lx > 0)))
    rgb[head] = look["hair"]
    rgb[face_skin] = look["skin"]
    refl[head] = 0.2
    if obj.cls == "Pedestrian":
        rgb[vertical & (hb < 0.06 * h)] = (20, 20, 20)  # shoes
        gap = (front | back) & (np.abs(lz) < 0.07 * w) & (hb < 0.42 * h)
        rgb[gap] *= 0.55
    else:
        bike = ~torso
        rgb[bike] = look["frame"]
        wheel_x = l / 2 - 0.36
        d_wheel = np.minimum(np.hypot(lx - wheel_x, hb - 0.35), np.hypot(lx + wheel_x, hb - 0.35))
        tyre = side & bike & (d_wheel < 0.34) & (d_wheel > 0.25)
        rgb[tyre], refl[tyre] = (15, 15, 15), 0.1
        hub = side & bike & (d_wheel <= 0.25)
        rgb[hub] = (170, 170, 170)
        lamp = bike & (np.abs(lz) < 0.15 * w) & (hb > 0.28 * h) & (hb < 0.36 * h)
        rgb[lamp & front], refl[lamp & front] = (255, 250, 210), 0.95
        rgb[lamp & back], refl[lamp & back] = (210, 20, 20), 0.95
    return rgb, refl
