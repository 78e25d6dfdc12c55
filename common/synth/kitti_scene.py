"""Scene content of a synthetic KITTI frame: the real calibration, objects on the ground, looks.

Numbers of the calibration are those of the real KITTI training frame 000000 (its image is
1224x370, the size its P2 was calibrated for), embedded so the generator runs without fixtures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from common.kitti import KittiCalib
from common.kitti import geometry as kg
from common.synth.kitti_vehicle import VehicleShape, paint_vehicle, sample_dims, sample_type
from common.synth.raycast import ray_box, ray_convex, yaw_rotation

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

# (mean, std) of h, w, l in metres of people; means: KITTI object training labels, class means
# (vehicles: common.synth.kitti_vehicle)
DIMENSIONS = {
    "Pedestrian": ((1.76, 0.66, 0.84), (0.10, 0.10, 0.15)),
    "Cyclist": ((1.74, 0.60, 1.76), (0.09, 0.10, 0.16)),
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
    shape: VehicleShape | None = None  # a vehicle's parts; people are their box

    @property
    def solids(self) -> np.ndarray:
        """(S, 6, 4) convex solids (see common.synth.raycast) that both the camera and the LiDAR
        ray-cast, in the object frame: origin ``loc``, axes ``rot`` (x forward, y down)."""
        if self.shape is not None:
            return self.shape.solids()
        h, w, l = self.dims
        return np.array([[[-1, 0, 0, l / 2], [1, 0, 0, l / 2], [0, -1, 0, h], [0, 1, 0, 0],
                          [0, 0, -1, w / 2], [0, 0, 1, w / 2]]], dtype=np.float64)

    def trace(
        self, origin: np.ndarray, dirs: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Rays (origin (3,), dirs (N, 3), rect frame) against the object's solids: t (N,), solid
        (N,), face (N,) (-1 on a miss) and the hit point (N, 3) in the object frame. Only the rays
        that meet the object's box are tested against its parts."""
        n = len(dirs)
        t, solid, face, local = np.full(n, np.inf), np.full(n, -1), np.full(n, -1), np.zeros((n, 3))
        box_t = ray_box(origin, dirs, self.center, self.rot, self.half)[0]
        near = np.flatnonzero(np.isfinite(box_t))
        t[near], solid[near], face[near], local[near] = ray_convex(
            origin, dirs[near], self.loc, self.rot, self.solids
        )
        return t, solid, face, local

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


def _sample_size(rng: np.random.Generator, cls: str) -> tuple[np.ndarray, str | None]:
    """h, w, l (3,) and, for a vehicle, its type."""
    if cls in ("Car", "Van"):
        kind = sample_type(rng, cls)
        return sample_dims(rng, kind), kind
    mean, std = (np.array(v) for v in DIMENSIONS[cls])
    return np.round(mean + std * np.clip(rng.standard_normal(3), -2.5, 2.5), 2), None


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
    # Per frame on average 5 cars, 2.5 pedestrians, 2.5 cyclists, 0.35 vans: people are far more
    # frequent than in KITTI so that every class has validation objects at every difficulty
    # (easy, the rarest: 1.5 cars, 0.9 pedestrians, 0.9 cyclists per frame)
    counts = [
        ("Car", int(rng.integers(3, 8))),
        ("Pedestrian", int(rng.integers(1, 5))),
        ("Cyclist", int(rng.integers(1, 5))),
        ("Van", int(rng.random() < 0.35)),
    ]
    far = int(rng.integers(0, 3))
    normal, offset = ground_plane(calib)
    tan_half = IMAGE_SHAPE[1] / 2 / calib.P2[0, 0]
    objs: list[SceneObject] = []
    taken: list[tuple[float, float, float]] = []  # BEV circles x, z, radius
    jobs = [(c, False) for c, n in counts for _ in range(n)]
    jobs += [(("Car", "Pedestrian", "Cyclist")[int(rng.integers(3))], True) for _ in range(far)]
    for cls, dontcare in jobs:
        dims, kind = _sample_size(rng, cls)
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
        shape = None if kind is None else VehicleShape.of(kind, dims)
        look = _sample_look(rng, cls)
        objs.append(SceneObject(cls, dims, np.array([x, y, z]), ry, dontcare, look, shape))
    return objs


def paint(
    obj: SceneObject, solid: np.ndarray, face: np.ndarray, local: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Albedo (N, 3) in [0, 255] and LiDAR reflectance (N,) of surface points of ``obj``.

    ``solid`` (N,) and ``face`` (N,) name the surface hit (faces 1 front = +x heading, 0 back, 2
    top, 3 bottom, 4/5 sides), ``local`` (N, 3) the points in the object frame. Fronts and backs
    differ by design (headlights vs tail lights, faces vs hair), so the heading is visible in the
    image; vehicles: ``common.synth.kitti_vehicle.paint_vehicle``.
    """
    if obj.shape is not None:
        return paint_vehicle(obj.shape, obj.look, solid, face, local)
    h, w, l = obj.dims
    lx, lz = local[:, 0], local[:, 2]
    hb = -local[:, 1]  # height above the bottom
    front, back = face == 1, face == 0
    side = (face == 4) | (face == 5)
    vertical = front | back | side
    look = obj.look
    n = len(face)
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
