"""Synthetic Pascal VOC 2007: the 20 classes as 20 shape x colour x pattern combinations.

Layout written (VOCdevkit): ``OUT/VOC2007/{JPEGImages/ID.jpg, Annotations/ID.xml,
ImageSets/Main/{train,val,trainval,test}.txt}``. Each class has its own shape AND its own colour
(plus one of four patterns), objects are mostly large, backgrounds are muted, so a small detector
separates the classes after minutes of CPU training. Boxes are the tight extent of an object's
mask inside the image, in VOC's 1-based inclusive pixels. ``truncated`` marks an object cut by the
border; ``difficult`` one that is tiny (< 24 px) or mostly outside the image (< 40% visible).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from common.io import atomic_write_bytes
from common.synth.generate import frame_rng, split_tail
from common.synth.raster import encode_image, points_in_polygon, to_uint8, value_noise
from common.voc import VOC_CLASSES, VocAnnotation, VocObject, write_annotation, write_image_set

OUTPUTS = ("VOC2007",)
YEAR = "VOC2007"
MIN_SIDE_PX = 24  # smaller objects are marked difficult
MIN_VISIBLE = 0.4  # objects with less of their mask inside the image are marked difficult


def _regular(n: int, start: float = -np.pi / 2, radius=1.0) -> np.ndarray:
    a = start + 2 * np.pi * np.arange(n) / n
    r = np.resize(np.atleast_1d(radius), n)
    return np.stack([r * np.cos(a), r * np.sin(a)], axis=1)


# Shape outlines in the unit square [-1, 1]^2 (y down); analytic ones are handled in _shape_mask.
_POLYGONS = {
    "triangle": np.array([[0, -1], [1, 1], [-1, 1]]),
    "inv_triangle": np.array([[-1, -1], [1, -1], [0, 1]]),
    "diamond": np.array([[0, -1], [1, 0], [0, 1], [-1, 0]]),
    "pentagon": _regular(5),
    "hexagon": _regular(6, 0.0),
    "star5": _regular(10, radius=[1.0, 0.45]),
    "star4": _regular(8, radius=[1.0, 0.35]),
    "plus": np.array(
        [
            [-0.33, -1],
            [0.33, -1],
            [0.33, -0.33],
            [1, -0.33],
            [1, 0.33],
            [0.33, 0.33],
            [0.33, 1],
            [-0.33, 1],
            [-0.33, 0.33],
            [-1, 0.33],
            [-1, -0.33],
            [-0.33, -0.33],
        ]
    ),
    "arrow": np.array(
        [[-1, -0.35], [0.2, -0.35], [0.2, -1], [1, 0], [0.2, 1], [0.2, 0.35], [-1, 0.35]]
    ),
    "trapezoid": np.array([[-0.5, -1], [0.5, -1], [1, 1], [-1, 1]]),
    "parallelogram": np.array([[-0.4, -1], [1, -1], [0.4, 1], [-1, 1]]),
    "house": np.array([[0, -1], [1, -0.2], [1, 1], [-1, 1], [-1, -0.2]]),
    "L": np.array([[-1, -1], [-0.3, -1], [-0.3, 0.35], [1, 0.35], [1, 1], [-1, 1]]),
    "T": np.array(
        [[-1, -1], [1, -1], [1, -0.4], [0.3, -0.4], [0.3, 1], [-0.3, 1], [-0.3, -0.4], [-1, -0.4]]
    ),
}

# class -> (shape, RGB colour, pattern): 20 distinct shapes; the colours are a 20-colour
# maximum-contrast palette (Trubetskoy's list without grey), kept apart from the muted backgrounds
CLASS_LOOKS = {
    "aeroplane": ("plus", (0, 130, 200), "solid"),
    "bicycle": ("ring", (245, 130, 48), "solid"),
    "bird": ("triangle", (255, 225, 25), "hstripes"),
    "boat": ("semicircle", (0, 0, 128), "hstripes"),
    "bottle": ("capsule", (60, 180, 75), "solid"),
    "bus": ("rect", (128, 0, 0), "vstripes"),
    "car": ("trapezoid", (230, 25, 75), "solid"),
    "cat": ("star5", (145, 30, 180), "dots"),
    "chair": ("L", (128, 128, 0), "solid"),
    "cow": ("ellipse", (245, 245, 245), "dots"),
    "diningtable": ("T", (170, 110, 40), "hstripes"),
    "dog": ("pentagon", (250, 190, 212), "checker"),
    "horse": ("parallelogram", (0, 128, 128), "vstripes"),
    "motorbike": ("arrow", (25, 25, 25), "solid"),
    "person": ("capsule_h", (255, 215, 180), "checker"),
    "pottedplant": ("star4", (210, 245, 60), "solid"),
    "sheep": ("hexagon", (220, 190, 255), "checker"),
    "sofa": ("house", (70, 240, 240), "dots"),
    "train": ("diamond", (240, 50, 230), "checker"),
    "tvmonitor": ("inv_triangle", (170, 255, 195), "vstripes"),
}
assert tuple(CLASS_LOOKS) == VOC_CLASSES
BASE_ASPECT = {"capsule": 0.5, "capsule_h": 2.0, "rect": 1.6, "T": 1.3}  # width / height


def frame_id(index: int) -> str:
    return f"{index + 1:06d}"


def frame_paths(out: Path, index: int) -> list[Path]:
    root = Path(out) / YEAR
    fid = frame_id(index)
    return [root / "JPEGImages" / f"{fid}.jpg", root / "Annotations" / f"{fid}.xml"]


def _shape_mask(shape: str, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Inside test of a class shape at object-local coordinates u, v (the unit square)."""
    r2 = u * u + v * v
    if shape == "ellipse":
        return r2 <= 1
    if shape == "ring":
        return (r2 <= 1) & (r2 >= 0.5**2)
    if shape == "semicircle":  # flat side up, spanning the unit square
        return (u * u + ((v + 1) / 2) ** 2 <= 1) & (v >= -1)
    if shape == "rect":
        return (np.abs(u) <= 1) & (np.abs(v) <= 1)
    if shape in ("capsule", "capsule_h"):
        a, b = (u, v) if shape == "capsule" else (v, u)  # a across, b along
        body = (np.abs(a) <= 1) & (np.abs(b) <= 0.5)
        return body | (a * a + (np.abs(b) - 0.5) ** 2 * 4 <= 1) & (np.abs(b) <= 1)
    return points_in_polygon(u, v, _POLYGONS[shape])


def _pattern(pattern: str, u: np.ndarray, v: np.ndarray, phase: float) -> np.ndarray:
    """Which pixels take the secondary colour (object-local coordinates, ~4 periods across)."""
    if pattern == "hstripes":
        return np.mod(v * 2.2 + phase, 1.0) < 0.4
    if pattern == "vstripes":
        return np.mod(u * 2.2 + phase, 1.0) < 0.4
    if pattern == "checker":
        return (np.floor(u * 2.5 + phase) + np.floor(v * 2.5 + phase)) % 2 == 0
    if pattern == "dots":
        fu, fv = np.mod(u * 2.5 + phase, 1.0) - 0.5, np.mod(v * 2.5 + phase, 1.0) - 0.5
        return fu * fu + fv * fv < 0.22**2
    return np.zeros(u.shape, dtype=bool)


def _background(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Muted backgrounds of four kinds: gradient, clouds, tiles, horizon."""

    def muted():
        grey = rng.uniform(70, 170)
        return grey + rng.uniform(-15, 15, 3)

    kind = int(rng.integers(4))
    c1, c2 = muted(), muted()
    y = np.linspace(0, 1, h)[:, None, None]
    x = np.linspace(0, 1, w)[None, :, None]
    if kind == 0:
        a = rng.uniform(0, 2 * np.pi)
        k = np.clip(0.5 + (np.cos(a) * (x - 0.5) + np.sin(a) * (y - 0.5)), 0, 1)
        img = c1 * (1 - k) + c2 * k
    elif kind == 1:
        k = value_noise(rng, h, w, int(rng.integers(20, 80)))[..., None]
        img = c1 * (1 - k) + c2 * k
    elif kind == 2:
        cell = int(rng.integers(25, 70))
        yy, xx = np.mgrid[0:h, 0:w]
        k = (((yy // cell) + (xx // cell)) % 2)[..., None] * 0.35
        img = c1 * (1 - k) + c2 * k
    else:
        horizon = rng.uniform(0.3, 0.7)
        img = np.where(y < horizon, c1 + 20 * y, c2 * (0.8 + 0.3 * y)) + 0 * x
    img = img + 18 * (value_noise(rng, h, w, 8)[..., None] - 0.5)
    return np.broadcast_to(img, (h, w, 3)).copy()


def _sample_object(rng: np.random.Generator, h: int, w: int, border: bool) -> dict:
    small = rng.random() < 0.1
    side = min(h, w) * (rng.uniform(0.05, 0.11) if small else rng.uniform(0.2, 0.62))
    cls = VOC_CLASSES[int(rng.integers(20))]
    aspect = rng.uniform(0.75, 1.33) * BASE_ASPECT.get(CLASS_LOOKS[cls][0], 1.0)
    sx, sy = side / 2 * np.sqrt(aspect), side / 2 / np.sqrt(aspect)
    if border and rng.random() < 0.2:  # across the left or right border: truncated
        cx = rng.uniform(-0.6, 0.5) * sx
        cx = w - cx if rng.random() < 0.5 else cx
        cy = rng.uniform(0.15, 0.85) * h
    else:
        cx = rng.uniform(sx, w - sx) if w > 2 * sx else w / 2
        cy = rng.uniform(sy, h - sy) if h > 2 * sy else h / 2
    return {
        "cls": cls,
        "cx": cx,
        "cy": cy,
        "sx": sx,
        "sy": sy,
        "angle": rng.uniform(-0.3, 0.3),
        "phase": rng.random(),
        "tint": rng.uniform(0.85, 1.12),
        "light": rng.uniform(-0.5, 0.5, 2),
    }


def _draw(img: np.ndarray, obj: dict) -> tuple[np.ndarray, float] | None:
    """Paint one object onto img (H, W, 3) in place; returns the box x1, y1, x2, y2 (0-based,
    inclusive) of its mask inside the image and the fraction of the mask inside, or None."""
    h, w = img.shape[:2]
    shape, colour, pattern = CLASS_LOOKS[obj["cls"]]
    r = np.hypot(obj["sx"], obj["sy"])
    x0, x1 = int(np.floor(obj["cx"] - r)), int(np.ceil(obj["cx"] + r))
    y0, y1 = int(np.floor(obj["cy"] - r)), int(np.ceil(obj["cy"] + r))
    yy, xx = np.mgrid[y0 : y1 + 1, x0 : x1 + 1].astype(np.float64)
    c, s = np.cos(obj["angle"]), np.sin(obj["angle"])
    dx, dy = xx - obj["cx"], yy - obj["cy"]
    u = (c * dx + s * dy) / obj["sx"]
    v = (-s * dx + c * dy) / obj["sy"]
    mask = _shape_mask(shape, u, v)
    total = mask.sum()
    inside = (xx >= 0) & (xx < w) & (yy >= 0) & (yy < h)
    vis = mask & inside
    if total == 0 or not vis.any():
        return None
    base = np.array(colour, dtype=np.float64) * obj["tint"]
    second = base * 0.45 if base.mean() > 110 else base * 0.4 + 150
    col = np.where(_pattern(pattern, u, v, obj["phase"])[..., None], second, base)
    col = col * (1 + 0.12 * (obj["light"][0] * u + obj["light"][1] * v))[..., None]
    ys, xs = yy[vis].astype(int), xx[vis].astype(int)
    img[ys, xs] = col[vis]
    return np.array([xs.min(), ys.min(), xs.max(), ys.max()]), vis.sum() / total


def render(rng: np.random.Generator) -> tuple[np.ndarray, VocAnnotation]:
    """One image (H, W, 3) uint8 and its annotation (filename left empty)."""
    h, w = int(rng.integers(300, 420)), int(rng.integers(360, 500))
    img = _background(rng, h, w)
    objs, boxes = [], []
    for n in range(int(rng.choice([1, 2, 2, 3, 3, 4]))):
        for _ in range(20):
            o = _sample_object(rng, h, w, border=n > 0)  # the first object is whole
            b = np.array(
                [o["cx"] - o["sx"], o["cy"] - o["sy"], o["cx"] + o["sx"], o["cy"] + o["sy"]]
            )
            if all(_overlap(b, other) < 0.3 for other in boxes):
                objs.append(o)
                boxes.append(b)
                break
    ann = VocAnnotation("", w, h, [])
    for o in objs:
        drawn = _draw(img, o)
        if drawn is None:
            continue
        (x1, y1, x2, y2), visible = drawn
        small = max(x2 - x1, y2 - y1) + 1 < MIN_SIDE_PX
        ann.objects.append(
            VocObject(
                o["cls"],
                (x1 + 1, y1 + 1, x2 + 1, y2 + 1),
                difficult=bool(small or visible < MIN_VISIBLE),
                truncated=bool(visible < 0.999),
            )
        )
    img += rng.normal(0, 3.0, img.shape)
    return to_uint8(img), ann


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over the smaller box (so no object hides inside another)."""
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return iw * ih / smaller


def write_frame(out: Path, index: int, seed: int) -> None:
    img, ann = render(frame_rng(seed, index, "voc"))
    jpg, xml = frame_paths(out, index)
    ann.filename = jpg.name
    atomic_write_bytes(jpg, encode_image(img, "JPEG", quality=92))
    write_annotation(xml, ann, folder=YEAR)


def write_index(out: Path, num: int, seed: int) -> None:
    """test = the last 20% of the images; trainval the rest, split alternately into train/val."""
    ids = [frame_id(i) for i in range(num)]
    n_test = split_tail(num)
    trainval, test = ids[: num - n_test], ids[num - n_test :]
    for split, part in (
        ("trainval", trainval),
        ("train", trainval[0::2]),
        ("val", trainval[1::2]),
        ("test", test),
    ):
        write_image_set(out, YEAR, split, part)
