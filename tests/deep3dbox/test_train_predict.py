"""Training CLI (one tiny epoch, resume), inference writing KITTI results, evaluation record."""

import json
import shutil

import numpy as np
import pytest

from common.kitti import KittiFrameSet, read_label
from common.results import load_record
from deep3dbox import predict, train
from deep3dbox import test as d3test
from deep3dbox.dimensions import MIN_STD


@pytest.fixture(scope="module")
def run_dir(kitti_fixture_root, tmp_path_factory):
    """The fixture frame as train and val split, trained for one epoch at 32 px."""
    tmp = tmp_path_factory.mktemp("d3")
    root = tmp / "kitti"
    shutil.copytree(kitti_fixture_root, root)
    (root / "ImageSets").mkdir()
    for split in ("train", "val"):
        (root / "ImageSets" / f"{split}.txt").write_text("000000\n")
    work = tmp / "run"
    args = ["--data-root", str(root), "--work-dir", str(work), "--input-size", "32",
            "--workers", "1"]
    train.main([*args, "--epochs", "1"])
    return root, work, args


def test_train_writes_checkpoints_logs_and_resumes(run_dir, capsys):
    root, work, args = run_dir
    for name in ("meta.json", "best.keras", "last.keras", "state.json", "log.csv"):
        assert (work / name).is_file(), name
    assert any((work / "tensorboard").rglob("*tfevents*"))
    meta = json.loads((work / "meta.json").read_text())
    np.testing.assert_allclose(meta["class_means"]["Pedestrian"], [1.89, 0.48, 1.20])
    assert meta["dim_target"] == "normalised"
    np.testing.assert_allclose(meta["class_stds"]["Pedestrian"], [MIN_STD] * 3)  # one object
    capsys.readouterr()
    train.main([*args, "--epochs", "2"])
    assert "resuming" in capsys.readouterr().err
    state = json.loads((work / "state.json").read_text())
    assert state["epoch"] == 2 and state["monitor"] == "val_loss"
    rows = (work / "log.csv").read_text().strip().splitlines()
    assert [r.split(",")[0] for r in rows[1:]] == ["0", "1"]  # one CSV log across the resume


def test_infer_writes_complete_kitti_results(run_dir, tmp_path):
    root, work, _ = run_dir
    out = tmp_path / "res"
    predict.main(["--data-root", str(root), "--checkpoint", str(work / "best.keras"),
                "--out", str(out)])
    (obj,) = read_label(out / "000000.txt")
    (gt,) = read_label(root / "training" / "label_2" / "000000.txt")
    assert obj.type == "Pedestrian" and obj.score == 1.0
    np.testing.assert_allclose(obj.bbox, gt.bbox)
    assert np.all(obj.dimensions > 0) and obj.location[2] > 0
    # the location is the solver's answer for the predicted dims and yaw, on this very box
    from deep3dbox.geometry import alpha_to_yaw, solve_locations

    assert obj.rotation_y == pytest.approx(
        float(alpha_to_yaw(np.array([obj.alpha]), obj.bbox[None], _p2(root))[0]), abs=0.011)
    loc = solve_locations(obj.bbox[None], obj.dimensions[None], np.array([obj.rotation_y]),
                          _p2(root), image_shape=(370, 1224))[0]
    np.testing.assert_allclose(obj.location, loc, atol=0.15)  # label rounding to 0.01
    # 2D boxes from a result folder (e.g. CenterNet's): score kept, other classes ignored
    dets = tmp_path / "dets"
    dets.mkdir()
    (dets / "000000.txt").write_text(
        "Pedestrian -1 -1 -10 700.00 140.00 800.00 300.00 -1 -1 -1 -1000 -1000 -1000 -10 0.7000\n"
        "Tram -1 -1 -10 10.00 10.00 50.00 50.00 -1 -1 -1 -1000 -1000 -1000 -10 0.9000\n")
    predict.main(["--data-root", str(root), "--checkpoint", str(work / "best.keras"),
                "--out", str(tmp_path / "res2"), "--boxes", str(dets)])
    (obj,) = read_label(tmp_path / "res2" / "000000.txt")
    assert obj.score == pytest.approx(0.7) and obj.bbox[0] == 700


def test_predictor_decodes_dimensions_as_the_run_was_trained(run_dir, tmp_path):
    root, work, _ = run_dir
    meta = json.loads((work / "meta.json").read_text())
    (tmp_path / "meta.json").write_text(json.dumps({**meta, "dim_target": "metres"}))
    (gt,) = read_label(root / "training" / "label_2" / "000000.txt")
    image = KittiFrameSet(root, split="val").image("000000")
    args = (image, gt.bbox[None], ["Pedestrian"], _p2(root))
    normalised = predict.Predictor(work / "best.keras").predict(*args)["dimensions"]
    metres = predict.Predictor(work / "best.keras", tmp_path / "meta.json").predict(*args)
    mean = np.array(meta["class_means"]["Pedestrian"])
    # the same network output, read in class stds (here MIN_STD) or in metres
    np.testing.assert_allclose(normalised - mean, MIN_STD * (metres["dimensions"] - mean),
                               rtol=1e-5, atol=1e-7)


def test_flip_test_averages_each_crop_with_its_mirror(run_dir):
    """A stand-in network that tells a crop from its mirror (bright left half or right half):
    original h residual +1 std and alpha 0.2 (bin 0); mirror h residual -0.5 std and alpha
    pi - 0.4 (bin 1, centre pi), i.e. 0.4 mirrored back. The flip test gives h = mean + 0.25 std and
    alpha 0.3, the two averaged; without it, the original's."""
    root, work, _ = run_dir

    def network(x, training=False):
        x = np.asarray(x)
        mirrored = x[:, :, : x.shape[2] // 2].mean() < x[:, :, x.shape[2] // 2:].mean()
        res, conf, angle = (-0.5, [0.0, 1.0], -0.4) if mirrored else (1.0, [1.0, 0.0], 0.2)
        n = len(x)
        return {"dimensions": np.tile([res, 0.0, 0.0], (n, 1)),
                "confidence": np.tile(conf, (n, 1)),
                "orientation": np.tile([np.cos(angle), np.sin(angle)], (n, 2, 1))}

    image = np.zeros((100, 200, 3), np.uint8)
    image[:, :100] = 255
    box = np.array([[50.0, 20.0, 150.0, 80.0]])
    out = {}
    for flip in (False, True):
        predictor = predict.Predictor(work / "best.keras", flip_test=flip)
        predictor.model = network
        out[flip] = predictor.predict(image, box, ["Pedestrian"], _p2(root))
    mean = np.array(json.loads((work / "meta.json").read_text())["class_means"]["Pedestrian"])
    assert out[False]["dimensions"][0, 0] == pytest.approx(mean[0] + MIN_STD)
    assert out[True]["dimensions"][0, 0] == pytest.approx(mean[0] + 0.25 * MIN_STD)
    np.testing.assert_allclose(out[True]["dimensions"][0, 1:], mean[1:])
    assert out[False]["alpha"][0] == pytest.approx(0.2)
    assert out[True]["alpha"][0] == pytest.approx(0.3)


def _p2(root):
    from common.kitti import read_calib

    return read_calib(root / "training" / "calib" / "000000.txt").P2


def test_evaluate_writes_record(run_dir, tmp_path):
    root, work, _ = run_dir
    rec_path = tmp_path / "results.json"
    d3test.main(["--data-root", str(root), "--checkpoint", str(work / "best.keras"),
                   "--out", str(tmp_path / "eval"), "--record", str(rec_path)])
    rec = load_record(rec_path)
    assert rec.task == "mono3d" and rec.config == "vgg16-32px-bins2"
    m = rec.metrics
    # one val pedestrian: its AP cells are n/a (fewer than 41 valid objects), its errors kept
    assert "Pedestrian/aos/AP40/moderate" not in m and 0 <= m["Pedestrian/orientation_score"] <= 1
    # GT boxes: the location error is only the solver's, driven by predicted dims/yaw
    assert m["Pedestrian/location_error_m"] < 5
    # the val object is the train object: the class mean is exact
    assert m["Pedestrian/dims_abs_err_baseline_m/h"] == pytest.approx(0, abs=1e-9)
    assert {"Pedestrian/dims_abs_err_m/l", "Pedestrian/yaw_median_err_deg",
            "Pedestrian/centre_err_m", "Pedestrian/closest_point_err_m",
            "Pedestrian/iou3d_mean"} <= m.keys()
    assert rec.model == "Deep3DBox" and rec.notes == (
        f"2D boxes: gt, checkpoint: {work / 'best.keras'}; n/a (fewer than 41 valid "
        "ground-truth objects): Pedestrian easy (1), "
        "Pedestrian moderate (1), Pedestrian hard (1)")
    assert (rec.dataset, rec.split) == ("kitti", "val") and rec.hardware


def test_evaluate_names_the_pipeline_in_the_record(run_dir, tmp_path):
    root, work, _ = run_dir
    rec_path = tmp_path / "results.json"
    d3test.main(["--data-root", str(root), "--checkpoint", str(work / "best.keras"),
                   "--out", str(tmp_path / "eval"), "--record", str(rec_path),
                   "--model", "CenterNet -> Deep3DBox"])
    assert load_record(rec_path).model == "CenterNet -> Deep3DBox"


def test_evaluate_leaves_out_classes_the_model_was_not_trained_on(run_dir, tmp_path, capsys):
    root, work, _ = run_dir
    # the same network, as if trained on Cyclists only: it predicts nothing for the Pedestrian
    run = tmp_path / "run"
    shutil.copytree(work, run)
    meta = json.loads((run / "meta.json").read_text())
    for key in ("class_means", "class_stds"):
        meta[key] = {"Cyclist": meta[key]["Pedestrian"]}
    (run / "meta.json").write_text(json.dumps(meta))
    report = d3test.evaluate(root, "val", run / "best.keras", tmp_path / "eval")
    assert "not evaluated, the model was not trained on them: Car, Pedestrian" in (
        capsys.readouterr().err)
    # no AP of 0 for a class it never predicts, and no n/a cells counted for it
    assert report["ap"] == {} and report["errors"] == {} and report["valid_gt_counts"] == {}
    assert read_label(tmp_path / "eval" / "data" / "000000.txt") == []


def test_a_record_of_a_split_without_a_canonical_name_is_refused_before_evaluating(tmp_path,
                                                                                  capsys):
    with pytest.raises(SystemExit):
        d3test.main(["--data-root", str(tmp_path), "--checkpoint", str(tmp_path / "m.keras"),
                     "--out", str(tmp_path / "eval"), "--split", str(tmp_path / "cars.txt"),
                     "--record", str(tmp_path / "results.json")])
    assert ("--record: split must be one of 'train', 'val', 'test'; got 'cars'"
            in capsys.readouterr().err)
    assert not (tmp_path / "eval").exists()


def test_record_notes_show_box_folders_relative_to_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "work" / "dets").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    assert d3test._shown(str(tmp_path / "work" / "dets")) == "work/dets"
    assert d3test._shown("gt") == "gt"
    assert d3test._shown("/elsewhere/dets") == "/elsewhere/dets"


def test_a_misspelled_class_is_refused_by_the_parser(tmp_path, capsys):
    from deep3dbox import reproduce

    for parse in (train.parse_args, reproduce.main):
        with pytest.raises(SystemExit):
            parse(["--data-root", str(tmp_path), "--work-dir", str(tmp_path / "w"),
                   "--classes", "Car", "Pedestrain"])
        assert "argument --classes: invalid choice: 'Pedestrain'" in capsys.readouterr().err
    assert not (tmp_path / "w").exists()


def test_errors_are_one_line(tmp_path):
    with pytest.raises(SystemExit) as e:
        predict.main(["--data-root", str(tmp_path), "--checkpoint", str(tmp_path / "x.keras"),
                    "--out", str(tmp_path / "o")])
    assert str(e.value).startswith("error: ") and "x.keras" in str(e.value)
    with pytest.raises(SystemExit) as e:
        train.main(["--data-root", str(tmp_path), "--work-dir", str(tmp_path / "w")])
    assert str(e.value).startswith("error: ")


def test_amp_trains_in_bfloat16_resumes_so_and_leaves_the_global_policy(run_dir, tmp_path,
                                                                        monkeypatch):
    import keras

    import deep3dbox.model

    monkeypatch.setattr(deep3dbox.model, "has_native_bf16", lambda: True)  # any CPU
    root, _, args = run_dir
    work = tmp_path / "amp"
    args = [*args[:2], "--work-dir", str(work), *args[4:], "--amp"]
    train.main([*args, "--epochs", "1"])
    assert keras.mixed_precision.global_policy().name == "float32"
    layer = deep3dbox.model.load_checkpoint(work / "last.keras").get_layer("block1_conv1")
    assert layer.dtype_policy.name == "mixed_bfloat16"
    train.main([*args, "--epochs", "2"])  # the resumed model keeps its policy
    assert json.loads((work / "state.json").read_text())["epoch"] == 2
    layer = deep3dbox.model.load_checkpoint(work / "last.keras").get_layer("block1_conv1")
    assert layer.dtype_policy.name == "mixed_bfloat16"
    assert keras.mixed_precision.global_policy().name == "float32"


def test_cosine_schedule_over_epochs_carries_across_a_resume(run_dir, tmp_path):
    """One batch per epoch (one crop). Planned for 1 epoch, the batch runs at the peak lr; resumed
    for 2 epochs, the second batch runs at half of it (cosine at step 1 of 2); the checkpoint
    keeps the last rate used."""
    from deep3dbox.model import load_checkpoint

    root, _, args = run_dir
    work = tmp_path / "cosine"
    args = [*args[:2], "--work-dir", str(work), *args[4:], "--lr", "0.01",
            "--lr-schedule", "cosine"]
    train.main([*args, "--epochs", "1"])
    lr = load_checkpoint(work / "last.keras").optimizer.learning_rate
    assert float(lr.numpy()) == pytest.approx(0.01)  # step 0 of 1: the peak
    train.main([*args, "--epochs", "2"])  # resumed: step 1 of 2
    lr = load_checkpoint(work / "last.keras").optimizer.learning_rate
    assert float(lr.numpy()) == pytest.approx(0.005)
