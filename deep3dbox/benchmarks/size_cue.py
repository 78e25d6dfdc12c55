"""How much of an object's size its crop shows: a linear probe from crop pixels to h, w, l.

    python -m deep3dbox.benchmarks.size_cue --data-root DATA [--cls Car] [--input-size 32]
        [--crop-mode letterbox] [--json OUT.json]

The training split's crops (the training selection of ``deep3dbox.data.collect_crops``, no
jitter, no flip) are fitted by ridge regression from their pixels (0-1, standardised) and the
observation angle (cos, sin of alpha and 2 alpha) to the class-normalised h, w, l; the ridge
strength is chosen on the last fifth of the training crops, then refitted on all of them. The
val crops are scored: mean absolute error (m) per axis next to that of always predicting the
training mean, and their ratio. A ratio near 1 means the pixels tell a linear model nothing of
the size; a network can read more than a linear probe, so this is a floor of what is there.
"""

from __future__ import annotations

import sys

import numpy as np
from tqdm import tqdm

from common.cli import command_parser
from common.errors import DataFormatError
from common.io import atomic_write_json
from common.kitti import KittiFrameSet
from deep3dbox.crop import CROP_MODES, crop_resize

STRENGTHS = (1.0, 10.0, 100.0, 1000.0, 10000.0)
MIN_CROPS = 10  # the ridge strength is chosen on the last fifth of the training crops


def crop_arrays(root, split: str, cls: str, size: int, mode: str):
    """Crops (N, size * size * 3 + 4) as pixels 0-1 and alpha harmonics, and h, w, l (N, 3)."""
    from deep3dbox.data import collect_crops  # imports Keras: not needed for --help

    frames = KittiFrameSet(root, split)
    crops = collect_crops(frames, classes=(cls,))
    if len(crops) < MIN_CROPS:
        raise DataFormatError(frames.root / "ImageSets" / f"{split}.txt",
                              f"expected at least {MIN_CROPS} {cls} objects within the training "
                              f"selection in this split, found {len(crops)}")
    feats, dims, image, image_id = [], [], None, None
    for c in tqdm(crops, desc=f"{split} crops", unit="crop"):
        if c.frame_id != image_id:
            image, image_id = frames.image(c.frame_id), c.frame_id
        pixels = crop_resize(image, c.bbox, size, mode).astype(np.float64).ravel() / 255
        a = c.alpha
        feats.append(np.concatenate([pixels, [np.cos(a), np.sin(a), np.cos(2 * a), np.sin(2 * a)]]))
        dims.append(c.dimensions)
    return np.array(feats), np.array(dims, dtype=np.float64)


def ridge_predict(x_fit, y_fit, x_eval, strength: float) -> np.ndarray:
    """Kernel-form ridge regression (N fit samples << features): predictions for ``x_eval``."""
    gram = x_fit @ x_fit.T
    coef = np.linalg.solve(gram + strength * np.eye(len(gram)), y_fit)
    return x_eval @ (x_fit.T @ coef)


def probe(x_train, y_train, x_val, y_val) -> dict:
    """Errors (m, per axis) of the class mean and of the ridge probe on the val crops."""
    mean, std = y_train.mean(axis=0), y_train.std(axis=0)
    f_mean, f_std = x_train.mean(axis=0), x_train.std(axis=0) + 1e-6
    xt, xv = (x_train - f_mean) / f_std, (x_val - f_mean) / f_std
    yt = (y_train - mean) / std
    cut = int(0.8 * len(xt))
    held = {s: np.abs(ridge_predict(xt[:cut], yt[:cut], xt[cut:], s) - yt[cut:]).mean()
            for s in STRENGTHS}
    strength = min(held, key=held.get)
    pred = mean + ridge_predict(xt, yt, xv, strength) * std
    baseline = np.abs(y_val - mean).mean(axis=0)
    err = np.abs(pred - y_val).mean(axis=0)
    return {"train_crops": len(y_train), "val_crops": len(y_val), "ridge_strength": strength,
            "class_mean_err_m": baseline.tolist(), "probe_err_m": err.tolist(),
            "probe_share": (err / baseline).tolist()}


def main(argv=None) -> None:
    p = command_parser("deep3dbox.benchmarks.size_cue", __doc__)
    p.add_argument("--data-root", required=True, help="KITTI root (training/, ImageSets/)")
    p.add_argument("--cls", default="Car", help="object class")
    p.add_argument("--input-size", type=int, default=32, help="crop side in pixels")
    p.add_argument("--crop-mode", choices=CROP_MODES, default="letterbox")
    p.add_argument("--json", help="write the result here too")
    args = p.parse_args(argv)
    try:
        xt, yt = crop_arrays(args.data_root, "train", args.cls, args.input_size, args.crop_mode)
        xv, yv = crop_arrays(args.data_root, "val", args.cls, args.input_size, args.crop_mode)
    except (DataFormatError, OSError) as e:
        sys.exit(f"error: {e}")
    result = {"cls": args.cls, "input_size": args.input_size, "crop_mode": args.crop_mode,
              **probe(xt, yt, xv, yv)}
    for name in ("class_mean_err_m", "probe_err_m", "probe_share"):
        print(f"{name:18s} h w l: " + " ".join(f"{v:.3f}" for v in result[name]))
    if args.json:
        atomic_write_json(args.json, result)


if __name__ == "__main__":
    main()
