"""Synthetic KITTI object frames: camera image, 64-beam LiDAR scan, labels and calib.

Layout written (the real one): ``OUT/training/{image_2/ID.png, label_2/ID.txt, calib/ID.txt,
velodyne/ID.bin}`` and ``OUT/ImageSets/{train,val,trainval}.txt``. ``velodyne_reduced`` is left to
``common.kitti.geometry.reduce_to_fov`` as with real KITTI.

The image is ray-cast exactly (a z-buffer over every pixel, objects tested only inside their
projected box), so the instance map that gives each label's occlusion is the render itself. Camera
and LiDAR ray-cast the same solids (``SceneObject.trace``): a person is its box, a vehicle the
parts of ``common.synth.kitti_vehicle``, whose full extent is its labelled 3D box.
Labels follow the devkit: 2D box = projected 3D box clipped to the image, truncation = 1 - clipped
area / unclipped area, occlusion 0/1/2/3 from the visible fraction of the object's pixels, alpha
from rotation_y and the viewing ray.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from common.io import atomic_write_bytes
from common.kitti import KittiObject, write_calib, write_label, write_split, write_velodyne
from common.kitti import geometry as kg
from common.synth.generate import frame_rng, split_tail
from common.synth.kitti_scene import (
    CALIB,
    IMAGE_SHAPE,
    SceneObject,
    ground_plane,
    paint,
    sample_objects,
)
from common.synth.raster import encode_image, hash_noise, to_uint8, value_noise
from common.synth.raycast import ray_plane

OUTPUTS = ("training", "ImageSets")

# HDL-64E: upper block +2.0..-8.33 deg, lower block -8.83..-24.8 deg (32 lasers each)
ELEVATIONS_DEG = np.concatenate([np.linspace(2.0, -8.33, 32), np.linspace(-8.83, -24.8, 32)])
AZIMUTH_STEP_DEG = 0.4
MAX_RANGE = 80.0
RANGE_NOISE = 0.01  # m, 1 sigma
# visible fraction thresholds of occlusion levels 0 (fully visible), 1 (partly), 2 (largely);
# below the last one: 3 (unknown, hardly visible)
OCCLUSION_VISIBLE = (0.9, 0.5, 0.05)


def frame_id(index: int) -> str:
    return f"{index:06d}"


def frame_paths(out: Path, index: int) -> list[Path]:
    fid = frame_id(index)
    t = Path(out) / "training"
    return [
        t / "image_2" / f"{fid}.png",
        t / "velodyne" / f"{fid}.bin",
        t / "calib" / f"{fid}.txt",
        t / "label_2" / f"{fid}.txt",
    ]


@functools.cache
def camera_rays() -> tuple[np.ndarray, np.ndarray]:
    """Camera-2 centre (3,) in the rect frame and (H*W, 3) rays through pixel centres, scaled so
    that t along a ray is the depth (third homogeneous coordinate of P2). Cached: do not modify."""
    K, p4 = CALIB.P2[:, :3], CALIB.P2[:, 3]
    centre = -np.linalg.solve(K, p4)
    v, u = np.mgrid[0 : IMAGE_SHAPE[0], 0 : IMAGE_SHAPE[1]]
    pix = np.stack([u.ravel(), v.ravel(), np.ones(u.size)], axis=1).astype(np.float64)
    return centre, np.linalg.solve(K, pix.T).T


def _ground_look(pts: np.ndarray, dist: np.ndarray, road: dict):
    """Albedo (N, 3) and reflectance (N,) of ground points (N, 3) in the rect frame."""
    x, z = pts[:, 0] - road["x"], pts[:, 2]
    ax = np.abs(x)
    fine = hash_noise(np.floor(pts[:, 0] / 0.12), np.floor(z / 0.12), road["seed"]) - 0.5
    coarse = hash_noise(np.floor(pts[:, 0] / 1.7), np.floor(z / 1.7), road["seed"] + 1) - 0.5
    detail = fine * 30 * np.clip(12.0 / np.maximum(dist, 1e-3), 0, 1) + coarse * 16
    rgb = np.empty((len(pts), 3))
    refl = np.full(len(pts), 0.18)
    road_m = ax < road["half"]
    rgb[road_m] = road["asphalt"]
    walk = (ax >= road["half"]) & (ax < road["half"] + 2.5)
    rgb[walk], refl[walk] = (150, 148, 142), 0.3
    grass = ax >= road["half"] + 2.5
    rgb[grass], refl[grass] = road["grass"], 0.35
    lanes = road_m & (np.abs(np.abs(x) - road["half"] + 0.3) < 0.08)
    centre = road_m & (np.abs(x) < 0.07) & (np.mod(z, 9.0) < 3.0)
    paint_m = lanes | centre
    rgb[paint_m], refl[paint_m] = (225, 225, 215), 0.6
    rgb += detail[:, None]
    refl = np.clip(refl + 0.08 * fine, 0.0, 1.0)
    return rgb, refl


def _sky(
    rng: np.random.Generator, dirs: np.ndarray, up: np.ndarray, u: np.ndarray, width: int
) -> np.ndarray:
    """Sky gradient with a distant tree/building line near the horizon: (N, 3) colours."""
    elev = np.degrees(np.arcsin(np.clip(dirs @ up / np.linalg.norm(dirs, axis=1), -1, 1)))
    top, horizon = np.array([95, 140, 205]), np.array([205, 218, 230])
    k = np.clip(elev / 12.0, 0, 1)[:, None]
    rgb = horizon * (1 - k) + top * k
    skyline = (
        0.6 + 3.0 * value_noise(rng, 1, width, 90)[0] + 0.8 * value_noise(rng, 1, width, 12)[0]
    )
    line = elev < skyline[u]
    shade = value_noise(rng, 1, width, 3)[0][u]
    tint = np.array([70, 95, 60]) if rng.random() < 0.6 else np.array([110, 105, 100])
    rgb[line] = tint * (0.7 + 0.5 * shade[line, None])
    return rgb


def sample_road(rng: np.random.Generator) -> dict:
    """Road centre offset and half width (m), colours and the texture seed of the ground."""
    return {
        "x": rng.uniform(-2.5, 2.5),
        "half": rng.uniform(4.0, 7.5),
        "asphalt": np.array([95, 95, 98]) * rng.uniform(0.8, 1.2),
        "grass": np.array([75, 110, 55]) * rng.uniform(0.8, 1.2),
        "seed": int(rng.integers(2**31)),
    }


def render(objs: list[SceneObject], road: dict, rng: np.random.Generator):
    """Ray-cast the scene. Returns image (H, W, 3) uint8, instance map (H, W) int (-1 background,
    else the object's index) and each object's pixel count when rendered alone (clipped to the
    image)."""
    H, W = IMAGE_SHAPE
    centre, dirs = camera_rays()
    normal, offset = ground_plane()
    sun = np.array([np.sin(a := rng.uniform(-np.pi, np.pi)), -rng.uniform(0.5, 1.0), np.cos(a)])
    sun /= np.linalg.norm(sun)

    t_ground = ray_plane(centre, dirs, normal, offset)
    t_ground[t_ground > 400] = np.inf
    zbuf = t_ground.copy()
    img = np.empty((H * W, 3))
    ground = np.isfinite(zbuf)
    pts = centre + zbuf[ground, None] * dirs[ground]
    img[ground] = _ground_look(pts, zbuf[ground], road)[0]
    u = np.tile(np.arange(W), H)
    img[~ground] = _sky(rng, dirs[~ground], normal, u[~ground], W)
    inst = np.full(H * W, -1)
    alone = np.zeros(len(objs), dtype=np.int64)

    boxes = (
        kg.clip_box(
            kg.project_box3d(
                np.stack([kg.box3d_corners(o.dims, o.loc, o.ry)[0] for o in objs]).reshape(
                    -1, 8, 3
                ),
                CALIB.P2,
            ),
            IMAGE_SHAPE,
        )
        if objs
        else np.zeros((0, 4))
    )
    for k, (obj, box) in enumerate(zip(objs, boxes, strict=True)):
        x1, y1 = np.floor(box[:2]).astype(int)
        x2, y2 = np.ceil(box[2:]).astype(int)
        if x2 < x1 or y2 < y1:
            continue
        idx = (np.arange(y1, y2 + 1)[:, None] * W + np.arange(x1, x2 + 1)[None, :]).ravel()
        solids = obj.solids
        t, solid, face, local = obj.trace(centre, dirs[idx])
        hit = np.isfinite(t)
        alone[k] = hit.sum()
        front = hit & (t < zbuf[idx])
        sel = idx[front]
        zbuf[sel] = t[front]
        inst[sel] = k
        albedo, _ = paint(obj, solid[front], face[front], local[front])
        n_world = solids[solid[front], face[front], :3] @ obj.rot.T
        light = 0.55 + 0.45 * np.clip(n_world @ sun, 0, 1)
        img[sel] = albedo * light[:, None]
    img += rng.normal(0, 1.5, img.shape)
    return to_uint8(img.reshape(H, W, 3)), inst.reshape(H, W), alone


def lidar_scan(objs: list[SceneObject], road: dict, rng: np.random.Generator) -> np.ndarray:
    """Simulated HDL-64E sweep: (N, 4) float32 x, y, z (velodyne frame), reflectance.

    Rays leave the velodyne origin at 64 elevations x 360 deg / AZIMUTH_STEP_DEG; each return is
    the nearest of ground and objects (an object is tested only by the rays of its box's angular
    window). Density falls with range by geometry; returns are dropped more often far away and on
    dark glass; ranges get Gaussian noise.
    """
    el = np.radians(ELEVATIONS_DEG)
    az = np.radians(np.arange(-180.0, 180.0, AZIMUTH_STEP_DEG))
    d_velo = np.stack(
        np.broadcast_arrays(
            np.cos(el)[:, None] * np.cos(az), np.cos(el)[:, None] * np.sin(az), np.sin(el)[:, None]
        ),
        axis=-1,
    ).reshape(-1, 3)
    origin = kg.velo_to_rect(np.zeros((1, 3)), CALIB)[0]
    d_rect = kg.velo_to_rect(d_velo, CALIB) - origin
    normal, offset = ground_plane()
    t = ray_plane(origin, d_rect, normal, offset)
    owner = np.full(len(t), -1)
    parts = np.full(len(t), -1)
    faces = np.full(len(t), -1)
    local = np.zeros((len(t), 3))
    for k, obj in enumerate(objs):
        corners = kg.rect_to_velo(kg.box3d_corners(obj.dims, obj.loc, obj.ry)[0], CALIB)
        c_az = np.arctan2(corners[:, 1], corners[:, 0])  # objects are ahead: no wrap-around
        c_el = np.arctan2(corners[:, 2], np.hypot(corners[:, 0], corners[:, 1]))
        rows = np.flatnonzero((el >= c_el.min() - 1e-3) & (el <= c_el.max() + 1e-3))
        cols = np.flatnonzero((az >= c_az.min() - 1e-3) & (az <= c_az.max() + 1e-3))
        idx = (rows[:, None] * len(az) + cols[None, :]).ravel()
        tk, sk, fk, lk = obj.trace(origin, d_rect[idx])
        closer = tk < t[idx]
        sel = idx[closer]
        t[sel], owner[sel], parts[sel] = tk[closer], k, sk[closer]
        faces[sel], local[sel] = fk[closer], lk[closer]
    keep = t < MAX_RANGE
    t, owner, parts, faces, local, d_velo, d_rect = (
        a[keep] for a in (t, owner, parts, faces, local, d_velo, d_rect)
    )
    refl = np.empty(len(t))
    cos_inc = np.empty(len(t))
    ground = owner < 0
    gpts = origin + t[ground, None] * d_rect[ground]
    refl[ground] = _ground_look(gpts, t[ground], road)[1]
    cos_inc[ground] = np.abs(d_rect[ground] @ normal)
    for k, obj in enumerate(objs):
        m = owner == k
        refl[m] = paint(obj, parts[m], faces[m], local[m])[1]
        normal_m = obj.solids[parts[m], faces[m], :3] @ obj.rot.T
        cos_inc[m] = np.abs(np.einsum("ij,ij->i", normal_m, d_rect[m]))
    refl = refl * (0.4 + 0.6 * cos_inc)
    p_drop = 0.02 + 0.35 * (t / MAX_RANGE) ** 2 + 0.5 * (refl < 0.03)
    alive = rng.random(len(t)) >= p_drop
    r = t[alive] + rng.normal(0, RANGE_NOISE, alive.sum())
    pts = r[:, None] * d_velo[alive]
    refl = np.clip(refl[alive] + rng.normal(0, 0.02, alive.sum()), 0, 0.99)
    return np.concatenate([pts, refl[:, None]], axis=1).astype(np.float32)


def occlusion_level(visible_fraction: float) -> int:
    for level, threshold in enumerate(OCCLUSION_VISIBLE):
        if visible_fraction >= threshold:
            return level
    return 3


def make_labels(objs: list[SceneObject], inst: np.ndarray, alone: np.ndarray) -> list[KittiObject]:
    """KITTI labels computed from the scene and its render (see module doc)."""
    labels = []
    for k, o in enumerate(objs):
        proj = kg.project_box3d(kg.box3d_corners(o.dims, o.loc, o.ry), CALIB.P2)
        box = kg.clip_box(proj, IMAGE_SHAPE)[0]
        area = (proj[0, 2] - proj[0, 0]) * (proj[0, 3] - proj[0, 1])
        area_clipped = (box[2] - box[0]) * (box[3] - box[1])
        if area_clipped <= 0 or alone[k] == 0:
            continue
        if o.dontcare:
            labels.append(
                KittiObject("DontCare", -1, -1, -10, box, [-1, -1, -1], [-1000, -1000, -1000], -10)
            )
            continue
        truncated = float(np.clip(1.0 - area_clipped / area, 0.0, 1.0))
        occluded = occlusion_level(float((inst == k).sum()) / alone[k])
        alpha = float(kg.rotation_y_to_alpha(o.ry, o.loc[0], o.loc[2]))
        labels.append(KittiObject(o.cls, truncated, occluded, alpha, box, o.dims, o.loc, o.ry))
    return labels


def write_frame(out: Path, index: int, seed: int) -> None:
    rng = frame_rng(seed, index, "kitti")
    objs = sample_objects(rng)
    road = sample_road(rng)
    image, inst, alone = render(objs, road, rng)
    points = lidar_scan(objs, road, rng)
    labels = make_labels(objs, inst, alone)
    img_path, velo_path, calib_path, label_path = frame_paths(out, index)
    atomic_write_bytes(img_path, encode_image(image, "PNG", compress_level=1))  # 5x faster than 6
    write_velodyne(velo_path, points)
    write_calib(calib_path, CALIB)
    write_label(label_path, labels)


def write_index(out: Path, num: int, seed: int) -> None:
    """ImageSets: the last 20% of the frames are ``val`` (frames are i.i.d.)."""
    n_val = split_tail(num)
    ids = list(range(num))
    sets = Path(out) / "ImageSets"
    write_split(sets / "train.txt", ids[: num - n_val])
    write_split(sets / "val.txt", ids[num - n_val :])
    write_split(sets / "trainval.txt", ids)
