"""Rooms for the synthetic ScanNet frames: walls, floor, ceiling and furniture of the 18 object
classes of the ScanNet benchmark, each class a distinct colour, shape and surface pattern.

World frame z up (as ScanNet meshes); a room spans [0, W] x [0, D] x [0, H]. An object is a few
boxes (parts) in its own frame (x across, y front-to-back with the front at +y, z up, origin at the
bottom centre), placed with a yaw about z.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from common.scannet import SCANNET20_CLASSES, SCANNET20_NYU40_IDS
from common.synth.raycast import yaw_rotation

# NYU40 ids of the benchmark classes (wall, floor and the 18 object classes) and of the ceiling
NYU40 = dict(zip(SCANNET20_CLASSES, SCANNET20_NYU40_IDS, strict=True))
WALL, FLOOR, CEILING = NYU40.pop("wall"), NYU40.pop("floor"), 22
# where an object goes: free on the floor, back against a wall on the floor, or on a wall at a
# height
PLACEMENT = {
    "cabinet": "wall_floor",
    "bed": "wall_floor",
    "chair": "floor",
    "sofa": "wall_floor",
    "table": "floor",
    "door": "wall",
    "window": "wall",
    "bookshelf": "wall_floor",
    "picture": "wall",
    "counter": "wall_floor",
    "desk": "wall_floor",
    "curtain": "wall",
    "refrigerator": "wall_floor",
    "shower curtain": "floor",
    "toilet": "wall_floor",
    "sink": "wall",
    "bathtub": "wall_floor",
    "otherfurniture": "floor",
}
COLOURS = {
    "cabinet": (150, 95, 50),
    "bed": (170, 200, 240),
    "chair": (205, 35, 35),
    "sofa": (35, 115, 70),
    "table": (215, 175, 110),
    "door": (175, 85, 35),
    "window": (150, 210, 245),
    "bookshelf": (85, 50, 30),
    "picture": (215, 170, 40),
    "counter": (165, 165, 172),
    "desk": (45, 45, 52),
    "curtain": (125, 60, 150),
    "refrigerator": (228, 230, 234),
    "shower curtain": (200, 240, 235),
    "toilet": (250, 250, 250),
    "sink": (175, 195, 215),
    "bathtub": (240, 230, 200),
    "otherfurniture": (195, 185, 50),
}


@dataclass
class Thing:
    """A class instance: parts (K, 3) centres and (K, 3) half extents in the object frame."""

    cls: str
    nyu40: int
    instance: int
    origin: np.ndarray  # bottom centre in the world
    yaw: float
    size: np.ndarray  # overall width (x), depth (y), height (z)
    part_centres: np.ndarray
    part_halves: np.ndarray
    look: dict = field(default_factory=dict)

    @property
    def rot(self) -> np.ndarray:
        return yaw_rotation(self.yaw, up_axis=2)

    def world_aabb(self) -> np.ndarray:
        """(2, 3) min / max corner of all parts in the world."""
        signs = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)])
        pts = (self.part_centres[:, None] + signs[None] * self.part_halves[:, None]).reshape(-1, 3)
        pts = pts @ self.rot.T + self.origin
        return np.stack([pts.min(axis=0), pts.max(axis=0)])


def _slab(cx, cy, cz, sx, sy, sz):
    """A part as (centre, half extents) from its centre x, y, bottom z and full sizes."""
    return (cx, cy, cz + sz / 2), (sx / 2, sy / 2, sz / 2)


def _parts(cls: str, w: float, d: float, h: float) -> list:
    """Boxes of one object of overall size w x d x h (object frame, bottom centre origin)."""
    leg = 0.05
    legs = [
        _slab(sx * (w / 2 - leg), sy * (d / 2 - leg), 0, leg, leg, h - 0.05)
        for sx in (-1, 1)
        for sy in (-1, 1)
    ]
    if cls in ("table",):
        return [_slab(0, 0, h - 0.05, w, d, 0.05), *legs]
    if cls == "desk":
        return [
            _slab(0, 0, h - 0.05, w, d, 0.05),
            _slab(-w / 2 + 0.03, 0, 0, 0.06, d, h - 0.05),
            _slab(w / 2 - 0.03, 0, 0, 0.06, d, h - 0.05),
        ]
    if cls == "chair":
        seat = 0.45
        chair_legs = [
            _slab(sx * (w / 2 - 0.03), sy * (d / 2 - 0.03), 0, 0.05, 0.05, seat)
            for sx in (-1, 1)
            for sy in (-1, 1)
        ]
        return [
            _slab(0, 0, seat, w, d, 0.06),
            _slab(0, -d / 2 + 0.04, seat + 0.06, w, 0.08, h - seat - 0.06),
            *chair_legs,
        ]
    if cls == "sofa":
        return [
            _slab(0, 0.1, 0, w - 0.36, d - 0.2, 0.45),
            _slab(0, -d / 2 + 0.1, 0, w, 0.2, h),
            _slab(-w / 2 + 0.09, 0.1, 0, 0.18, d - 0.2, 0.62),
            _slab(w / 2 - 0.09, 0.1, 0, 0.18, d - 0.2, 0.62),
        ]
    if cls == "bed":
        return [
            _slab(0, 0.04, 0, w, d - 0.08, 0.5),
            _slab(0, -d / 2 + 0.04, 0, w, 0.08, h),
            _slab(0, -d / 2 + 0.35, 0.5, w * 0.7, 0.4, 0.12),
        ]
    if cls == "toilet":
        return [_slab(0, 0.1, 0, w * 0.85, d - 0.2, 0.42), _slab(0, -d / 2 + 0.1, 0, w, 0.2, h)]
    if cls == "sink":
        return [_slab(0, 0, h - 0.2, w, d, 0.2), _slab(0, -d / 2 + 0.1, 0, 0.16, 0.16, h - 0.2)]
    if cls == "counter":
        return [_slab(0, 0, 0, w - 0.05, d - 0.05, h - 0.04), _slab(0, 0, h - 0.04, w, d, 0.04)]
    return [_slab(0, 0, 0, w, d, h)]


# (width, depth, height) ranges in metres and, for wall objects, the height of their bottom
SIZES = {
    "cabinet": ((0.6, 1.2), (0.4, 0.6), (0.8, 1.2)),
    "bed": ((1.4, 1.8), (1.9, 2.1), (0.9, 1.1)),
    "chair": ((0.42, 0.5), (0.42, 0.5), (0.85, 1.0)),
    "sofa": ((1.6, 2.2), (0.8, 0.95), (0.8, 0.9)),
    "table": ((0.8, 1.6), (0.7, 1.0), (0.72, 0.78)),
    "door": ((0.8, 0.95), (0.05, 0.05), (2.0, 2.1)),
    "window": ((0.8, 1.5), (0.05, 0.05), (1.0, 1.3)),
    "bookshelf": ((0.8, 1.2), (0.3, 0.35), (1.6, 2.0)),
    "picture": ((0.4, 0.9), (0.03, 0.03), (0.3, 0.7)),
    "counter": ((1.2, 2.0), (0.6, 0.65), (0.9, 0.92)),
    "desk": ((1.0, 1.4), (0.6, 0.7), (0.73, 0.76)),
    "curtain": ((1.0, 1.6), (0.08, 0.08), (2.0, 2.2)),
    "refrigerator": ((0.65, 0.8), (0.65, 0.75), (1.7, 1.9)),
    "shower curtain": ((0.9, 1.2), (0.03, 0.03), (1.8, 1.9)),
    "toilet": ((0.4, 0.45), (0.6, 0.7), (0.75, 0.8)),
    "sink": ((0.5, 0.6), (0.42, 0.48), (0.82, 0.88)),
    "bathtub": ((1.5, 1.7), (0.7, 0.8), (0.55, 0.6)),
    "otherfurniture": ((0.4, 1.0), (0.4, 0.8), (0.4, 1.0)),
}
WALL_BOTTOM = {
    "door": (0.0, 0.0),
    "window": (0.85, 1.0),
    "picture": (1.2, 1.5),
    "curtain": (0.1, 0.3),
    "sink": (0.0, 0.0),
}


@dataclass
class Room:
    size: np.ndarray  # W, D, H
    things: list[Thing]
    wall_colour: np.ndarray
    floor_colour: np.ndarray
    floor_tile: float
    light: np.ndarray  # point light position


def _place(cls: str, room: np.ndarray, rng: np.random.Generator, instance: int) -> Thing:
    (w0, w1), (d0, d1), (h0, h1) = SIZES[cls]
    w, d, h = rng.uniform(w0, w1), rng.uniform(d0, d1), rng.uniform(h0, h1)
    W, D, _ = room
    kind = PLACEMENT[cls]
    if kind == "floor":
        yaw = rng.uniform(-np.pi, np.pi)
        r = 0.5 * np.hypot(w, d) + 0.2
        origin = np.array([rng.uniform(r, W - r), rng.uniform(r, D - r), 0.0])
    else:  # back (-y) against one of the four walls, facing into the room
        wall = int(rng.integers(4))
        along = [W, D, W, D][wall]
        s = rng.uniform(w / 2 + 0.1, along - w / 2 - 0.1)
        gap = 0.005 if kind == "wall" else 0.02
        z = rng.uniform(*WALL_BOTTOM[cls]) if kind == "wall" else 0.0
        off = d / 2 + gap
        origin, yaw = [
            (np.array([s, off, z]), 0.0),
            (np.array([W - off, s, z]), np.pi / 2),
            (np.array([s, D - off, z]), np.pi),
            (np.array([off, s, z]), -np.pi / 2),
        ][wall]
    parts = _parts(cls, w, d, h)
    look = {
        "tint": rng.uniform(0.88, 1.1),
        "seed": int(rng.integers(2**31)),
        "art": rng.uniform(40, 230, (3, 3)),
    }
    return Thing(
        cls,
        NYU40[cls],
        instance,
        origin,
        float(yaw),
        np.array([w, d, h]),
        np.array([p[0] for p in parts]),
        np.array([p[1] for p in parts]),
        look,
    )


def sample_room(rng: np.random.Generator) -> Room:
    """A room with 6-11 non-overlapping objects of random classes."""
    size = np.array([rng.uniform(4.0, 7.0), rng.uniform(4.0, 7.0), rng.uniform(2.6, 3.0)])
    classes = list(NYU40)
    things: list[Thing] = []
    boxes: list[np.ndarray] = []
    for _ in range(int(rng.integers(6, 12))):
        cls = classes[int(rng.integers(len(classes)))]
        for _ in range(25):
            t = _place(cls, size, rng, instance=len(things) + 1)
            box = t.world_aabb()
            if all(np.any(box[0] > b[1] - 0.02) or np.any(box[1] < b[0] + 0.02) for b in boxes):
                things.append(t)
                boxes.append(box)
                break
    pastel = rng.uniform(170, 235, 3)
    return Room(
        size,
        things,
        pastel,
        rng.uniform(90, 160) * np.array([1.0, 0.8, 0.6]) * rng.uniform(0.8, 1.2, 3),
        float(rng.uniform(0.3, 0.6)),
        np.array([size[0] / 2, size[1] / 2, size[2] - 0.1]),
    )


def paint_thing(
    t: Thing, part: np.ndarray, p_obj: np.ndarray, normal_obj: np.ndarray
) -> np.ndarray:
    """Albedo (N, 3) of points ``p_obj`` (N, 3) in the object frame on ``part`` (N,) with object-
    frame normals (N, 3): class colour times a class-specific pattern."""
    base = np.array(COLOURS[t.cls], dtype=np.float64) * t.look["tint"]
    rgb = np.tile(base, (len(part), 1))
    x, y, z = p_obj[:, 0], p_obj[:, 1], p_obj[:, 2]
    w, d, h = t.size
    front = normal_obj[:, 1] > 0.5
    top = normal_obj[:, 2] > 0.5
    c = t.cls
    if c == "cabinet":
        line = front & (
            (np.abs(x) < 0.01) | (np.abs(np.abs(x) - 0.06) < 0.02) & (np.abs(z - h * 0.6) < 0.08)
        )
        rgb[line] = (40, 25, 15)
    elif c == "bed":
        rgb[part == 1] = (95, 60, 35)
        rgb[part == 2] = (250, 250, 250)
    elif c == "chair":
        rgb[part >= 2] = (60, 30, 20)
    elif c == "sofa":
        rgb *= 0.85 + 0.3 * ((np.floor(x / 0.3) + np.floor(z / 0.3)) % 2)[:, None]
    elif c in ("table", "desk"):
        rgb *= (0.85 + 0.15 * np.sin(x * 40 + np.sin(y * 7) * 3))[:, None]
    elif c == "door":
        panel = front & ((np.abs(np.abs(x) - w * 0.25) < 0.02) | (np.abs(z - h * 0.5) < 0.02))
        rgb[panel] *= 0.5
        knob = front & (np.hypot(x - w * 0.35, z - 1.0) < 0.04)
        rgb[knob] = (230, 200, 60)
    elif c == "window":
        frame = (np.abs(x) > w / 2 - 0.06) | (np.abs(z - h / 2) > h / 2 - 0.06) | (np.abs(x) < 0.03)
        rgb[frame] = (245, 245, 245)
    elif c == "bookshelf":
        shelf = np.mod(z, 0.36) < 0.04
        book = front & ~shelf
        hue = np.floor(x / 0.05)
        books = np.stack(
            [
                120 + 100 * np.sin(hue * 1.3),
                120 + 100 * np.sin(hue * 2.1 + 1),
                120 + 100 * np.sin(hue * 0.7 + 2),
            ],
            axis=1,
        )
        rgb[book] = books[book]
    elif c == "picture":
        inner = front & (np.abs(x) < w / 2 - 0.05) & (np.abs(z - h / 2) < h / 2 - 0.05)
        cell = (
            np.clip((x / w + 0.5) * 3, 0, 2.99).astype(int),
            np.clip(z / h * 3, 0, 2.99).astype(int),
        )
        art = np.stack(
            [
                t.look["art"][cell[0], cell[1]],
                t.look["art"][cell[1], cell[0]],
                t.look["art"][2 - cell[0], cell[1]],
            ],
            axis=1,
        )
        rgb[inner] = art[inner]
    elif c == "counter":
        rgb[part == 0] = (70, 80, 105)
    elif c == "curtain":
        rgb *= (0.7 + 0.3 * np.sin(x * 25))[:, None]
    elif c == "refrigerator":
        seam = front & (
            (np.abs(z - h * 0.65) < 0.01)
            | (np.abs(x - w * 0.35) < 0.02) & (np.abs(z - h * 0.65) < 0.4)
        )
        rgb[seam] = (60, 60, 60)
    elif c == "shower curtain":
        rgb[np.mod(x, 0.2) < 0.07] = (40, 110, 200)
    elif c == "toilet":
        rgb[top & (part == 0)] = (25, 25, 25)
    elif c == "sink":
        basin = top & (part == 0) & (np.hypot(x / (w * 0.38), (y - 0.02) / (d * 0.35)) < 1)
        rgb[basin] = (60, 75, 90)
    elif c == "bathtub":
        water = top & (np.abs(x) < w / 2 - 0.08) & (np.abs(y) < d / 2 - 0.08)
        rgb[water] = (90, 185, 210)
    elif c == "otherfurniture":
        rgb *= (
            0.75
            + 0.35 * ((np.floor(x / 0.12) + np.floor(y / 0.12) + np.floor(z / 0.12)) % 2)[:, None]
        )
    return rgb
