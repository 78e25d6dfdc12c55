"""Detect objects in images and draw them; optionally save the predicted centre heatmap and a
Grad-CAM view of one detection.

    python -m centernet.demo IMG_OR_DIR --checkpoint W/model_final.pth --out OUT [--heatmap]
        [--gradcam RANK]

Writes OUT/<name>.png with boxes and labels, and with --heatmap OUT/<name>_heatmap.png: the
maximum over classes of the centre heatmap, mapped back onto the image (what the network
"sees": one blob per object centre). ``--gradcam RANK`` writes OUT/<name>_gradcam.png for the
RANK-th best detection (0: the best): its box, its class's heatmap, and the Grad-CAMs of the
backbone's stride-32 stage and of the neck output behind its peak (centernet.gradcam).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from centernet.data.augment import affine_matrix, warp_image
from centernet.data.datasets import inference_inputs, load_bgr
from centernet.decode import ctdet_decode, to_image_coords
from centernet.gradcam import detection_cams
from centernet.predict import load_model, options_for, predict
from common.errors import DataFormatError
from common.viz import draw_boxes_2d, new_figure, save_figure, show_image

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp"}


def list_images(path: Path) -> list[Path]:
    if path.is_dir():
        images = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not images:
            raise DataFormatError(path, "expected a folder with .jpg/.png images, found none")
        return images
    if not path.exists():
        raise DataFormatError(path, "expected an image or a folder of images, found no such path")
    return [path]


def save_picture(path: Path, rgb: np.ndarray, dets: np.ndarray | None = None, classes=(),
                 threshold: float = 0.3) -> None:
    """The image at its own size, with the boxes of score >= threshold ("class score")."""
    height, width = rgb.shape[:2]
    fig, (ax,) = new_figure(1, size=(width / 100, height / 100), dpi=100)
    show_image(ax, rgb)
    if dets is not None:
        keep = dets[dets[:, 4] >= threshold]
        draw_boxes_2d(ax, keep[:, :4], [classes[int(c)] for c in keep[:, 5]], keep[:, 4])
    save_figure(fig, path)


def heatmap_overlay(rgb: np.ndarray, heatmap: np.ndarray, center, side: float) -> np.ndarray:
    """Max-over-classes heatmap (C, h, w) warped back onto the (H, W, 3) image: red on a dimmed
    grey copy, (H, W, 3) uint8."""
    h, w = heatmap.shape[1:]
    to_map = np.vstack([affine_matrix(center, side, (h, w)), [0, 0, 1]])
    back = np.linalg.inv(to_map)[:2]
    heat = (np.clip(heatmap.max(0), 0, 1) * 255).astype(np.uint8)
    heat = warp_image(np.repeat(heat[:, :, None], 3, 2), back, rgb.shape[:2])[:, :, 0] / 255.0
    grey = rgb.mean(2, keepdims=True) * 0.6
    red = np.array([255.0, 40.0, 0.0])
    out = grey * (1 - heat[:, :, None]) + red * heat[:, :, None]
    return out.clip(0, 255).astype(np.uint8)


def save_gradcam(path: Path, model, bgr: np.ndarray, opt, classes, rank: int) -> None:
    """Three panels for the rank-th detection: its class's heatmap with the peak's box, and the
    Grad-CAMs of the backbone (stride 32) and of the neck (stride 4), warped onto the image."""
    x, meta = inference_inputs(bgr, opt.input_size, opt.mean, opt.std)
    cams, (cls, y, x_cell), score = detection_cams(model, x, rank)
    with torch.no_grad():
        out = model(x)
    heat = out["hm"][0, cls].float().sigmoid().numpy()
    dets = ctdet_decode(out["hm"].float().sigmoid(), out["wh"].float(), out["reg"].float(),
                        k=rank + 1)[0].numpy()
    box = to_image_coords(dets[rank:rank + 1], meta["center"], meta["side"],
                          meta["output_size"])[:, :4]
    rgb = np.ascontiguousarray(bgr[:, :, ::-1])
    center, side = meta["center"], meta["side"]
    panels = [("heatmap", heat), ("Grad-CAM backbone (stride 32)", cams["backbone"]),
              ("Grad-CAM neck (stride 4)", cams["neck"])]
    height, width = rgb.shape[:2]
    fig, axes = new_figure(3, size=(3 * width / 100, height / 100 + 0.4), dpi=100)
    for ax, (title, grid) in zip(axes, panels, strict=True):
        show_image(ax, heatmap_overlay(rgb, grid[None], center, side))
        draw_boxes_2d(ax, box, [classes[cls]], [score])
        ax.set_title(f"{title}, cell ({x_cell}, {y})", fontsize=8)
    save_figure(fig, path)


def run(args) -> list[Path]:
    images = list_images(Path(args.input))
    model, state = load_model(args.checkpoint)
    opt = options_for(state, flip=args.flip)
    out_dir = Path(args.out)
    written = []
    for path in tqdm(images, desc="demo"):
        bgr = load_bgr(path)
        dets, heatmap = predict(model, bgr, opt, len(state["classes"]), return_heatmap=True)
        rgb = np.ascontiguousarray(bgr[:, :, ::-1])
        target = out_dir / f"{path.stem}.png"
        save_picture(target, rgb, dets, state["classes"], args.threshold)
        written.append(target)
        if args.heatmap:
            height, width = rgb.shape[:2]
            center = np.array([width / 2.0, height / 2.0])
            target = out_dir / f"{path.stem}_heatmap.png"
            save_picture(target, heatmap_overlay(rgb, heatmap, center, float(max(height, width))))
            written.append(target)
        if args.gradcam is not None:
            target = out_dir / f"{path.stem}_gradcam.png"
            save_gradcam(target, model, bgr, opt, state["classes"], args.gradcam)
            written.append(target)
    return written


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m centernet.demo", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", help="an image file or a folder of images")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--out", default="demo_out")
    p.add_argument("--threshold", type=float, default=0.3, help="score to draw a box")
    p.add_argument("--heatmap", action="store_true", help="also save the centre heatmap overlay")
    p.add_argument("--flip", action="store_true", help="flip test")
    p.add_argument("--gradcam", type=int, metavar="RANK",
                   help="also save the Grad-CAM view of the RANK-th best detection (0: best)")
    args = p.parse_args(argv)
    if args.gradcam is not None and args.gradcam < 0:
        p.error(f"--gradcam expects a rank >= 0, got {args.gradcam}")
    try:
        for path in run(args):
            print(path)
    except DataFormatError as e:
        sys.exit(f"error: {e}")


if __name__ == "__main__":
    main()
