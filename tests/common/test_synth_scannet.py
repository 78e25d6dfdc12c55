"""Synthetic ScanNet frames: re-read with common.scannet; depth, pose and labels agree."""

import numpy as np
import pytest

from common.scannet import (
    SCANNET20_NYU40_IDS,
    list_frames,
    read_frame,
    read_scene_split,
    scannet_to_coco,
)
from common.synth import generate
from common.synth.scannet import FRAMES_PER_SCENE

NUM = 2 * FRAMES_PER_SCENE + 4  # three scenes, the last one short


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    out = tmp_path_factory.mktemp("scannet")
    generate("scannet", out, NUM, seed=0, progress=False)
    return out


@pytest.fixture(scope="module")
def frames(root):
    return [
        (scene, fid, read_frame(root / scene, fid))
        for scene in ("scene0000_00", "scene0001_00", "scene0002_00")
        for fid in list_frames(root / scene)
    ]


def test_layout_and_splits(root, frames):
    assert read_scene_split(root, "train") == ["scene0000_00", "scene0001_00"]
    assert read_scene_split(root, "val") == ["scene0002_00"]
    assert list_frames(root / "scene0000_00") == [f"{100 * k:06d}" for k in range(FRAMES_PER_SCENE)]
    assert len(list_frames(root / "scene0002_00")) == 4 and len(frames) == NUM
    for sub in ("depth", "instance", "label", "pose"):
        assert len(list((root / "scene0001_00" / sub).iterdir())) == FRAMES_PER_SCENE


def test_frame_encodings(frames):
    benchmark = set(SCANNET20_NYU40_IDS)
    for _, _, f in frames:
        assert f.color.shape == (240, 320, 3)
        assert f.depth.shape == f.label.shape == f.instance.shape == (240, 320)
        assert f.depth.dtype == np.float32 and 0.05 < f.depth.min() and f.depth.max() < 12
        np.testing.assert_array_equal(f.nyu40_label, f.label)  # instance PNG carries the class
        assert (f.instance > 0).all()
        assert set(np.unique(f.label)) <= benchmark | {22}  # 22 = ceiling, not a benchmark class
        np.testing.assert_allclose(f.pose[:3, :3] @ f.pose[:3, :3].T, np.eye(3), atol=1e-5)
        np.testing.assert_allclose(f.pose[3], [0, 0, 0, 1])
        # one class per instance
        for inst in np.unique(f.instance):
            assert len(np.unique(f.label[f.instance == inst])) == 1


def _world_points(f):
    """Back-project every pixel with its depth, intrinsics and camera-to-world pose -> (H, W, 3)."""
    K = f.intrinsics[:3, :3]
    v, u = np.mgrid[0 : f.depth.shape[0], 0 : f.depth.shape[1]]
    rays = np.linalg.solve(K, np.stack([u.ravel(), v.ravel(), np.ones(u.size)]))  # z = 1
    cam = rays * f.depth.ravel()
    return (f.pose[:3, :3] @ cam + f.pose[:3, 3:4]).T.reshape(*f.depth.shape, 3)


def test_floor_and_walls_in_the_world(frames):
    """Floor pixels back-project to z = 0 in the world; each wall instance to one vertical plane
    x = const or y = const, the same in every frame of its scene."""
    walls = {}
    floors = 0
    for scene, _, f in frames:
        pts = _world_points(f)
        floor = f.label == 2
        if floor.any():
            assert np.abs(pts[floor][:, 2]).max() < 0.01  # depth is stored in whole mm
        floors += floor.sum() > 1000
        for inst in np.unique(f.instance[f.label == 1]):
            p = pts[f.instance == inst]
            if len(p) < 200:
                continue
            axis = int(np.argmin(np.ptp(p[:, :2], axis=0)))
            assert np.ptp(p[:, axis]) < 0.02
            walls.setdefault((scene, inst), []).append((axis, np.median(p[:, axis])))
    assert floors >= 0.7 * len(frames) and len(walls) >= 3
    for planes in walls.values():
        axes, where = zip(*planes, strict=True)
        assert len(set(axes)) == 1 and np.ptp(where) < 0.005


def test_views_of_a_scene_agree(frames):
    """Pixels of one frame re-projected into another frame of the scene land, where visible
    there, on the same instance: depth, poses and labels describe one consistent room."""
    pairs = 0
    for (sa, _, a), (sb, _, b) in zip(frames, frames[1:], strict=False):
        if sa != sb:
            continue
        pts = _world_points(a).reshape(-1, 3)
        cam = (pts - b.pose[:3, 3]) @ b.pose[:3, :3]  # world -> camera b
        z = cam[:, 2]
        front = z > 0.1
        uv = cam[front, :2] / z[front, None] * np.diag(b.intrinsics)[:2] + b.intrinsics[:2, 2]
        u, v = np.rint(uv[:, 0]).astype(int), np.rint(uv[:, 1]).astype(int)
        ok = (u >= 0) & (u < 320) & (v >= 0) & (v < 240)
        src = np.flatnonzero(front)[ok]
        u, v = u[ok], v[ok]
        visible = np.abs(b.depth[v, u] - z[src]) < 0.02
        if visible.sum() < 1000:
            continue
        same = a.instance.ravel()[src[visible]] == b.instance[v[visible], u[visible]]
        assert same.mean() > 0.97
        pairs += 1
    assert pairs >= 3


def test_objects_convert_to_coco(root):
    coco = scannet_to_coco(root, "train", min_area=100)
    assert len(coco["images"]) == 2 * FRAMES_PER_SCENE
    cats = {c["id"]: c["name"] for c in coco["categories"]}
    names = {cats[a["category_id"]] for a in coco["annotations"]}
    assert {"wall", "floor"} <= names and len(names - {"wall", "floor"}) >= 5
    # every frame shows at least one piece of furniture
    per_image = {}
    for a in coco["annotations"]:
        if cats[a["category_id"]] not in ("wall", "floor"):
            per_image[a["image_id"]] = per_image.get(a["image_id"], 0) + 1
    assert len(per_image) >= 0.9 * len(coco["images"])
