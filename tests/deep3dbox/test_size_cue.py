"""deep3dbox.benchmarks.size_cue: the ridge probe finds a size that the features carry, and
none where they carry none."""

import numpy as np

from deep3dbox.benchmarks.size_cue import main, probe, ridge_predict


def test_ridge_predict_is_the_closed_form():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(20, 50)), rng.normal(size=(20, 3))
    primal = np.linalg.solve(x.T @ x + 3.0 * np.eye(50), x.T @ y)  # (X'X + sI)^-1 X'y
    x_new = rng.normal(size=(5, 50))
    np.testing.assert_allclose(ridge_predict(x, y, x_new, 3.0), x_new @ primal, atol=1e-9)


def _cars(rng, n, weights, noise):
    feats = rng.normal(size=(n, 200))
    dims = np.array([1.53, 1.63, 3.88]) + feats[:, :3] @ weights + noise * rng.normal(size=(n, 3))
    return feats, dims


def test_probe_reads_a_linear_size_cue_and_not_noise():
    rng = np.random.default_rng(1)
    weights = np.diag([0.12, 0.10, 0.40])
    xt, yt = _cars(rng, 800, weights, 0.01)
    xv, yv = _cars(rng, 300, weights, 0.01)
    seen = probe(xt, yt, xv, yv)
    assert seen["train_crops"] == 800 and seen["val_crops"] == 300
    assert max(seen["probe_share"]) < 0.25
    np.testing.assert_allclose(seen["class_mean_err_m"], 0.8 * np.array([0.12, 0.10, 0.40]),
                               rtol=0.12)  # E|N(0, s)| = 0.80 s
    blind = probe(xt, yt, rng.normal(size=(300, 200)), yv)  # val features unrelated to size
    assert min(blind["probe_share"]) > 0.9


def test_bad_input_is_one_line(tmp_path, kitti_fixture_root, exit_line):
    """A root without split files, and a split with too few objects of the class (the real
    KITTI frame 000000 holds one Pedestrian), stop with one line naming the file."""
    msg = exit_line(lambda: main(["--data-root", str(tmp_path / "missing")]))
    assert "train.txt" in msg
    (tmp_path / "training").symlink_to(kitti_fixture_root / "training")
    (tmp_path / "ImageSets").mkdir()
    (tmp_path / "ImageSets" / "train.txt").write_text("000000\n")
    msg = exit_line(lambda: main(["--data-root", str(tmp_path), "--cls", "Pedestrian"]))
    assert "train.txt" in msg and "at least 10 Pedestrian objects" in msg and "found 1" in msg
