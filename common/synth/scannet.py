"""Synthetic ScanNet frames-25k: rooms with furniture seen along a camera path.

Layout written (the real one): ``OUT/sceneXXXX_00/{color/NNNNNN.jpg, depth/NNNNNN.png,
instance/NNNNNN.png, label/NNNNNN.png, pose/NNNNNN.txt, intrinsics_color.txt}`` with frames named
like frames-25k (every 100th frame of the sequence: 000000, 000100, ...), and
``OUT/splits/{train,val}.txt``. Images are 320x240 (colour and depth alike, so one intrinsics
matrix serves both). Every pixel is ray-cast, so colour, z-depth (uint16 mm), NYU40 label and
``nyu40 * 1000 + instance`` agree exactly with the pose and intrinsics written.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from common.io import atomic_write_text
from common.scannet import write_frame as write_scannet_frame
from common.scannet import write_matrix4
from common.synth.generate import frame_rng, split_tail
from common.synth.raster import hash_noise, to_uint8
from common.synth.raycast import FACE_NORMALS_LOCAL, ray_box
from common.synth.scannet_scene import CEILING, FLOOR, WALL, Room, paint_thing, sample_room

OUTPUTS = ("splits", "scene*_00")
FRAMES_PER_SCENE = 5
FRAME_STEP = 100  # frames-25k keeps every 100th frame
WIDTH, HEIGHT = 320, 240
# ScanNet's colour camera (fx ~1170 at 1296x968) scaled to 320x240
INTRINSICS = np.array(
    [[289.0, 0.0, 159.5, 0.0], [0.0, 289.0, 119.5, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
)


def scene_name(scene: int) -> str:
    return f"scene{scene:04d}_00"


def locate(index: int) -> tuple[int, str]:
    """Frame index -> (scene number, frame file stem)."""
    return index // FRAMES_PER_SCENE, f"{(index % FRAMES_PER_SCENE) * FRAME_STEP:06d}"


def frame_paths(out: Path, index: int) -> list[Path]:
    scene, stem = locate(index)
    d = Path(out) / scene_name(scene)
    return [
        d / "color" / f"{stem}.jpg",
        d / "depth" / f"{stem}.png",
        d / "instance" / f"{stem}.png",
        d / "label" / f"{stem}.png",
        d / "pose" / f"{stem}.txt",
    ]


def camera_pose(room: Room, rng: np.random.Generator, k: int) -> np.ndarray:
    """4x4 camera-to-world pose (OpenCV camera axes) of frame k: a standing viewpoint 1.3-3.5 m
    from one of the room's objects (the k-th, cyclically), looking at it with some jitter."""
    W, D, _ = room.size
    target = room.things[k % len(room.things)] if room.things else None
    aim = target.world_aabb().mean(axis=0) if target is not None else np.array([W / 2, D / 2, 1.0])
    for _ in range(100):
        pos = np.array(
            [rng.uniform(0.5, W - 0.5), rng.uniform(0.5, D - 0.5), rng.uniform(1.3, 1.7)]
        )
        dist = np.linalg.norm((aim - pos)[:2])
        clear = not any(
            np.all(pos > t.world_aabb()[0] - 0.3) and np.all(pos < t.world_aabb()[1] + 0.3)
            for t in room.things
        )
        if clear and 1.3 <= dist <= 3.5:
            break
    look = aim - pos
    yaw = np.arctan2(look[1], look[0]) + np.radians(rng.uniform(-12, 12))
    pitch = np.clip(
        np.arctan2(look[2], np.hypot(look[0], look[1])) + np.radians(rng.uniform(-8, 8)),
        np.radians(-50),
        np.radians(5),
    )
    fwd = np.array([np.cos(pitch) * np.cos(yaw), np.cos(pitch) * np.sin(yaw), np.sin(pitch)])
    right = np.cross(fwd, [0.0, 0.0, 1.0])
    right /= np.linalg.norm(right)
    down = np.cross(fwd, right)
    pose = np.eye(4)
    pose[:3, :3] = np.stack([right, down, fwd], axis=1)
    pose[:3, 3] = pos
    return pose


_NEAR = 0.01  # m, near plane for culling
# the 12 edges of a box whose 8 corners are numbered 4 i + 2 j + k (i, j, k the min/max choice)
_EDGES = np.array([(a, a | bit) for a in range(8) for bit in (1, 2, 4) if not a & bit])


def _pixels_of(aabb: np.ndarray, R: np.ndarray, o: np.ndarray) -> np.ndarray:
    """Flat indices of the pixels that a world AABB (2, 3) can cover, for a camera at ``o`` with
    camera-to-world rotation ``R``: the box is clipped at the near plane, then projected."""
    corners = np.array(
        [[aabb[i, 0], aabb[j, 1], aabb[k, 2]] for i in (0, 1) for j in (0, 1) for k in (0, 1)]
    )
    cam = (corners - o) @ R
    za, zb = cam[_EDGES[:, 0], 2], cam[_EDGES[:, 1], 2]
    crossing = (za - _NEAR) * (zb - _NEAR) < 0
    f = (_NEAR - za[crossing]) / (zb[crossing] - za[crossing])
    cuts = cam[_EDGES[crossing, 0]] + f[:, None] * (
        cam[_EDGES[crossing, 1]] - cam[_EDGES[crossing, 0]]
    )
    pts = np.concatenate([cam[cam[:, 2] >= _NEAR], cuts])
    if len(pts) == 0:
        return np.zeros(0, dtype=int)
    uv = pts[:, :2] / pts[:, 2:] * INTRINSICS[[0, 1], [0, 1]] + INTRINSICS[[0, 1], [2, 2]]
    x0, y0 = np.maximum(np.floor(uv.min(axis=0)).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(uv.max(axis=0)).astype(int), [WIDTH - 1, HEIGHT - 1])
    if x1 < x0 or y1 < y0:
        return np.zeros(0, dtype=int)
    return (np.arange(y0, y1 + 1)[:, None] * WIDTH + np.arange(x0, x1 + 1)[None, :]).ravel()


@functools.cache
def _pixel_rays() -> np.ndarray:
    """(H*W, 3) camera-frame rays with z = 1 (t along them is the z-depth). Do not modify."""
    v, u = np.mgrid[0:HEIGHT, 0:WIDTH]
    K = INTRINSICS[:3, :3]
    pix = np.stack([u.ravel(), v.ravel(), np.ones(u.size)], axis=1).astype(np.float64)
    return np.linalg.solve(K, pix.T).T


def render(room: Room, pose: np.ndarray, rng: np.random.Generator):
    """Colour (H, W, 3) uint8, z-depth (H, W) metres, NYU40 label and instance (H, W) int."""
    R, o = pose[:3, :3], pose[:3, 3]
    dirs = _pixel_rays() @ R.T
    n = len(dirs)
    # room shell, seen from inside: nearest of the six planes the rays head to
    with np.errstate(divide="ignore"):
        bound = np.where(dirs > 0, room.size, 0.0)
        t_axes = np.where(np.abs(dirs) > 1e-12, (bound - o) / dirs, np.inf)
    axis = t_axes.argmin(axis=1)
    t = t_axes[np.arange(n), axis]
    positive = dirs[np.arange(n), axis] > 0
    label = np.where(axis == 2, np.where(positive, CEILING, FLOOR), WALL)
    # instances: floor 1, ceiling 2, walls 3-6, objects after them
    instance = np.where(axis == 2, np.where(positive, 2, 1), 3 + 2 * axis + positive)
    normal = np.zeros((n, 3))
    normal[np.arange(n), axis] = np.where(positive, -1.0, 1.0)
    owner = np.full(n, -1)
    part_of = np.zeros(n, dtype=int)
    face_of = np.zeros(n, dtype=int)
    for k, thing in enumerate(room.things):
        for j, (c, hlf) in enumerate(zip(thing.part_centres, thing.part_halves, strict=True)):
            centre = thing.origin + thing.rot @ c
            extent = np.abs(thing.rot) @ hlf  # half size of the part's world AABB
            idx = _pixels_of(np.stack([centre - extent, centre + extent]), R, o)
            tk, fk, _ = ray_box(o, dirs[idx], centre, thing.rot, hlf)
            closer = tk < t[idx]
            sel = idx[closer]
            t[sel], owner[sel], part_of[sel], face_of[sel] = tk[closer], k, j, fk[closer]
    pts = o + t[:, None] * dirs
    rgb = np.empty((n, 3))
    shell = owner < 0
    floor = shell & (label == FLOOR)
    tile = (np.floor(pts[:, 0] / room.floor_tile) + np.floor(pts[:, 1] / room.floor_tile)) % 2
    rgb[floor] = room.floor_colour * (0.85 + 0.15 * tile[floor, None])
    rgb[shell & (label == WALL)] = room.wall_colour
    rgb[shell & (label == CEILING)] = (245, 245, 240)
    for k, thing in enumerate(room.things):
        m = owner == k
        if not m.any():
            continue
        n_obj = FACE_NORMALS_LOCAL[face_of[m]]
        p_obj = (pts[m] - thing.origin) @ thing.rot
        rgb[m] = paint_thing(thing, part_of[m], p_obj, n_obj)
        normal[m] = n_obj @ thing.rot.T
        label[m], instance[m] = thing.nyu40, 6 + thing.instance
    to_light = room.light - pts
    to_light /= np.linalg.norm(to_light, axis=1, keepdims=True)
    shade = 0.5 + 0.5 * np.clip(np.einsum("ij,ij->i", normal, to_light), 0, 1)
    cell = np.floor(pts * 40)
    grain = hash_noise(cell[:, 0] + 4096 * cell[:, 2], cell[:, 1], 5) - 0.5
    rgb = rgb * shade[:, None] + 10 * grain[:, None] + rng.normal(0, 2.0, rgb.shape)
    shape = (HEIGHT, WIDTH)
    return (
        to_uint8(rgb.reshape(*shape, 3)),
        t.reshape(shape),
        label.reshape(shape),
        instance.reshape(shape),
    )


@functools.lru_cache(maxsize=4)
def _scene(seed: int, scene: int) -> Room:
    return sample_room(frame_rng(seed, scene, "scannet"))


def write_frame(out: Path, index: int, seed: int) -> None:
    scene, stem = locate(index)
    room = _scene(seed, scene)
    rng = frame_rng(seed, 10**6 + index, "scannet")
    pose = camera_pose(room, rng, index % FRAMES_PER_SCENE)
    color, depth, label, instance = render(room, pose, rng)
    write_scannet_frame(Path(out) / scene_name(scene), stem, color, depth, label, instance, pose)


def write_index(out: Path, num: int, seed: int) -> None:
    """intrinsics_color.txt of every scene; splits: the last 20% of the scenes are ``val``."""
    n_scenes = (num + FRAMES_PER_SCENE - 1) // FRAMES_PER_SCENE
    names = [scene_name(s) for s in range(n_scenes)]
    for name in names:
        write_matrix4(Path(out) / name / "intrinsics_color.txt", INTRINSICS)
    n_val = split_tail(n_scenes)
    for split, part in (("train", names[: n_scenes - n_val]), ("val", names[n_scenes - n_val :])):
        atomic_write_text(Path(out) / "splits" / f"{split}.txt", "".join(f"{s}\n" for s in part))
