"""2D boxes -> full KITTI 3D results: crop, regress dimensions and alpha, solve the location.

    python -m deep3dbox.predict --data-root KITTI --split val --boxes gt \
        --checkpoint RUN/best.keras --out RUN/results/val
    python -m deep3dbox.predict ... --boxes centernet_results/   # any KITTI result folder (ID.txt)

For each 2D box of a known class: dimensions = class mean + regressed residual (times the class
std when meta.json's dim_target is "normalised"; a meta.json without one is metres), alpha decoded
from the most confident MultiBin bin, rotation_y = alpha + theta_ray (box centre column, P2),
location from :func:`deep3dbox.geometry.solve_locations`. Every frame of the split gets a result
file (empty when it has no box), score = the 2D box's score (1 for ground-truth boxes).

``--flip-test`` (not in the paper; CenterNet's flip test for this network) also runs every crop
mirrored and averages the two: the dimensions, and the angles alpha and pi - alpha' as unit
vectors.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from common.errors import DataFormatError
from common.kitti import KittiFrameSet, KittiObject, objects_to_arrays, read_label, write_label
from deep3dbox import dimensions, multibin
from deep3dbox.crop import crop_resize
from deep3dbox.data import flip_alpha, preprocess
from deep3dbox.geometry import alpha_to_yaw, solve_locations


class Predictor:
    """A trained model and its meta.json (classes, class means and stds, dimension target, input
    size, crop mode, bins); ``flip_test``: average each crop's outputs with its mirror's."""

    def __init__(self, checkpoint: str | Path, meta: str | Path | None = None,
                 flip_test: bool = False):
        from deep3dbox.model import load_checkpoint  # imports keras

        checkpoint = Path(checkpoint)
        meta = Path(meta) if meta else checkpoint.parent / "meta.json"
        if not checkpoint.is_file():
            raise DataFormatError(checkpoint, "expected a .keras checkpoint, found no such file")
        if not meta.is_file():
            raise DataFormatError(meta, "expected the run's meta.json beside the checkpoint")
        self.meta = json.loads(meta.read_text())
        self.model = load_checkpoint(checkpoint, compile=False)
        self.means = {k: np.asarray(v) for k, v in self.meta["class_means"].items()}
        self.scales = ({k: np.asarray(v) for k, v in self.meta["class_stds"].items()}
                       if self.meta.get("dim_target", "metres") == "normalised" else None)
        self.size = int(self.meta["input_size"])
        self.crop_mode = self.meta.get("crop_mode", "stretch")
        self.flip_test = flip_test

    def predict(self, image: np.ndarray, boxes: np.ndarray, names, P2: np.ndarray,
                batch_size: int = 32) -> dict[str, np.ndarray]:
        """image (H, W, 3) uint8, boxes (N, 4), class names (N,) -> dimensions (N, 3), alpha (N,),
        rotation_y (N,), location (N, 3) bottom centres."""
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        if len(boxes) == 0:
            z = np.zeros(0)
            return {"dimensions": np.zeros((0, 3)), "alpha": z, "rotation_y": z,
                    "location": np.zeros((0, 3))}
        x = preprocess(np.stack([crop_resize(image, b, self.size, self.crop_mode) for b in boxes]))
        dims, alpha = self._decode(x, names, batch_size)
        if self.flip_test:
            dims_m, alpha_m = self._decode(np.ascontiguousarray(x[:, :, ::-1]), names, batch_size)
            dims = (dims + dims_m) / 2
            alpha_m = flip_alpha(alpha_m)
            alpha = np.arctan2(np.sin(alpha) + np.sin(alpha_m), np.cos(alpha) + np.cos(alpha_m))
        ry = alpha_to_yaw(alpha, boxes, P2)
        loc = solve_locations(boxes, dims, ry, P2, image_shape=image.shape[:2])
        return {"dimensions": dims, "alpha": alpha, "rotation_y": ry, "location": loc}

    def _decode(self, x: np.ndarray, names, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
        """Preprocessed crops (N, S, S, 3) -> dimensions (N, 3) m and alpha (N,)."""
        outs = [self.model(x[i:i + batch_size], training=False)
                for i in range(0, len(x), batch_size)]
        out = {k: np.concatenate([np.asarray(o[k]) for o in outs]) for k in outs[0]}
        dims = dimensions.decode(out["dimensions"], np.stack([self.means[n] for n in names]),
                                 None if self.scales is None
                                 else np.stack([self.scales[n] for n in names]))
        return dims, multibin.decode(out["confidence"], out["orientation"])


def _boxes(frames: KittiFrameSet, fid: str, source: str, classes) -> list[KittiObject]:
    """The 2D boxes of a frame from its labels ("gt") or from SOURCE/ID.txt result files."""
    if source == "gt":
        return [KittiObject(o.type, -1.0, -1, -10.0, o.bbox, np.zeros(3), np.zeros(3), -10.0, 1.0)
                for o in frames.label(fid) if o.type in classes]
    path = Path(source) / f"{fid}.txt"
    if not path.is_file():
        return []
    return [o for o in read_label(path) if o.type in classes]


def run(data_root, split, boxes: str, checkpoint, out_dir, subset: str = "training",
        flip_test: bool = False) -> list[str]:
    """Write OUT_DIR/ID.txt for every frame of the split; returns the frame ids."""
    predictor = Predictor(checkpoint, flip_test=flip_test)
    if boxes != "gt" and not Path(boxes).is_dir():
        raise DataFormatError(boxes, "expected 'gt' or a folder of KITTI result files")
    frames = KittiFrameSet(data_root, split=split, subset=subset)
    classes = set(predictor.means)
    out_dir = Path(out_dir)
    for fid in tqdm(frames.ids, desc="deep3dbox predict", unit="frame", disable=None):
        objs = _boxes(frames, fid, boxes, classes)
        if objs:
            try:
                image = frames.image(fid)
            except DataFormatError as e:
                print(f"warning: no results for unreadable image: {e}", file=sys.stderr)
                objs, image = [], None
        if objs:
            arr = objects_to_arrays(objs)
            pred = predictor.predict(image, arr["bbox"], arr["name"], frames.calib(fid).P2)
            objs = [KittiObject(o.type, -1.0, -1, float(pred["alpha"][i]), o.bbox,
                                pred["dimensions"][i], pred["location"][i],
                                float(pred["rotation_y"][i]),
                                1.0 if o.score is None else float(o.score))
                    for i, o in enumerate(objs)]
        write_label(out_dir / f"{fid}.txt", objs)
    return frames.ids


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m deep3dbox.predict",
                                description=__doc__.split("\n")[0])
    p.add_argument("--data-root", required=True, help="KITTI root (SUBSET/{image_2,calib})")
    p.add_argument("--split", default="val", help="split name or file ('all': every image)")
    p.add_argument("--subset", default="training", help="training or testing")
    p.add_argument("--boxes", default="gt", help="'gt' (label_2 boxes) or a KITTI result folder")
    p.add_argument("--checkpoint", required=True, help="a .keras file with meta.json beside it")
    p.add_argument("--out", required=True, help="folder for the ID.txt result files")
    p.add_argument("--flip-test", action="store_true",
                   help="average each crop's dimensions and alpha with its mirror's")
    args = p.parse_args(argv)
    try:
        ids = run(args.data_root, None if args.split == "all" else args.split, args.boxes,
                  args.checkpoint, args.out, args.subset, args.flip_test)
    except (DataFormatError, OSError) as e:
        sys.exit(f"error: {e}")
    print(f"wrote {len(ids)} result files to {args.out}")


if __name__ == "__main__":
    main()
