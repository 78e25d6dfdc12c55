"""deep3dbox.benchmarks.solve_limits: the four re-solves on the real KITTI fixture frame."""

import dataclasses
import json

import numpy as np
import pytest

from common.eval import kitti as kitti_eval
from common.kitti import KittiFrameSet, write_label
from common.kitti.frameset import check_image
from deep3dbox.benchmarks.solve_limits import SOURCES, limits, main
from deep3dbox.geometry import solve_locations


def _root(tmp_path, kitti_fixture_root):
    """A KITTI root of the fixture frame 000000 (one Pedestrian) as the val split."""
    root = tmp_path / "kitti"
    root.mkdir()
    (root / "training").symlink_to(kitti_fixture_root / "training")
    (root / "ImageSets").mkdir()
    (root / "ImageSets" / "val.txt").write_text("000000\n")
    return root


def _pedestrian_solver(root):
    """The fixture's pedestrian, and ``solve(dh, dyaw)``: its label's dimensions with the height
    dh m off and the yaw dyaw rad off -> those dimensions (3,) and the location solved from its
    2D box with them (3,)."""
    frames = KittiFrameSet(root, split="val")
    ped = frames.label("000000")[0]
    P2 = frames.calib("000000").P2
    width, height = check_image(frames.image_path("000000"))
    box = np.asarray(ped.bbox)[None]

    def solve(dh, dyaw):
        dims = (np.asarray(ped.dimensions) + [dh, 0.0, 0.0])[None]
        return dims[0], solve_locations(box, dims, np.array([ped.rotation_y + dyaw]), P2,
                                        image_shape=(height, width))[0]

    return ped, solve


def test_label_sources_undo_a_wrong_height_and_the_first_row_is_the_run(tmp_path,
                                                                        kitti_fixture_root):
    """Results as deep3dbox.predict writes them, with the height 0.4 m too tall and the yaw
    exact: solving with the label's dimensions brings the location back to the oracle's 0.205 m
    (the hand-drawn 2D box; tests/deep3dbox/test_geometry.py), the results' dimensions keep it
    off; the first row scores the results as written."""
    root = _root(tmp_path, kitti_fixture_root)
    ped, solve = _pedestrian_solver(root)
    dims, loc = solve(0.4, 0.0)
    results = tmp_path / "results"
    write_label(results / "000000.txt",
                [dataclasses.replace(ped, dimensions=dims, location=loc, score=1.0)])
    rows = limits(root, results, "val", "Pedestrian")
    assert [(r["dims_from"], r["yaw_from"]) for r in rows] == list(SOURCES)
    err = {(r["dims_from"], r["yaw_from"]): r["location_error_m"] for r in rows}
    assert err[("label", "label")] == err[("label", "results")] < 0.3
    assert err[("results", "results")] == err[("results", "label")] > 0.6
    gts, dts, _ = kitti_eval.load_folder(root / "training" / "label_2", results, ["000000"])
    as_written = kitti_eval.evaluate(gts, dts, classes=["Pedestrian"], metrics=("3d",))
    assert rows[0]["ap3d_AP40"] == as_written["Pedestrian"]["3d"]["AP40"]
    assert all(r["matched"] == 1 for r in rows)


def test_shrink_rows_scale_both_errors_towards_the_label(tmp_path, kitti_fixture_root):
    """Results 0.4 m too tall and 0.2 rad off in yaw and alpha: the row of factor 0.5 solves
    with the height 0.2 m off and the yaw 0.1 rad off, as solve_locations does from those."""
    root = _root(tmp_path, kitti_fixture_root)
    ped, solve = _pedestrian_solver(root)
    dims, loc = solve(0.4, 0.2)
    results = tmp_path / "results"
    write_label(results / "000000.txt", [dataclasses.replace(
        ped, dimensions=dims, location=loc, rotation_y=ped.rotation_y + 0.2,
        alpha=ped.alpha + 0.2, score=1.0)])
    rows = limits(root, results, "val", "Pedestrian", shrink=[0.5, 0.0])
    assert [(r["dims_from"], r["yaw_from"]) for r in rows[4:]] == [
        ("0.5 x error", "0.5 x error"), ("0 x error", "0 x error")]
    half = np.linalg.norm(solve(0.2, 0.1)[1] - ped.location)
    assert rows[4]["location_error_m"] == pytest.approx(half, abs=0.01)  # labels round to 1 cm
    assert rows[5]["location_error_m"] == rows[3]["location_error_m"]  # 0: the label row
    assert rows[3]["location_error_m"] < half < rows[0]["location_error_m"]


def test_dims_spread_rows_draw_the_size_around_the_label(tmp_path, kitti_fixture_root):
    """Results exact but 0.2 rad off in yaw: the spread rows solve with the label's height plus
    0.1 m times seed 0's first standard-normal draw (clipped to +-2.5), with the results' yaw and
    then the label's; a zero spread is the label's dimensions; two draws average seeds 0 and 1."""
    root = _root(tmp_path, kitti_fixture_root)
    ped, solve = _pedestrian_solver(root)

    def error(dh, dyaw):
        return np.linalg.norm(solve(dh, dyaw)[1] - ped.location)

    results = tmp_path / "results"
    write_label(results / "000000.txt", [dataclasses.replace(
        ped, rotation_y=ped.rotation_y + 0.2, alpha=ped.alpha + 0.2, score=1.0)])
    rows = limits(root, results, "val", "Pedestrian", dims_spread=(0.1, 0.0, 0.0), draws=1)
    assert [(r["dims_from"], r["yaw_from"]) for r in rows[4:]] == [
        ("label +- spread", "results"), ("label +- spread", "label")]
    z = [float(np.clip(np.random.default_rng(seed).standard_normal(3)[0], -2.5, 2.5))
         for seed in (0, 1)]
    assert rows[4]["location_error_m"] == pytest.approx(error(0.1 * z[0], 0.2))
    assert rows[5]["location_error_m"] == pytest.approx(error(0.1 * z[0], 0.0))
    assert rows[4]["location_error_m"] != pytest.approx(rows[2]["location_error_m"])
    rows = limits(root, results, "val", "Pedestrian", dims_spread=(0.0, 0.0, 0.0), draws=1)
    assert rows[4]["location_error_m"] == rows[2]["location_error_m"]  # label dims, run's yaw
    assert rows[5]["location_error_m"] == rows[3]["location_error_m"]
    rows = limits(root, results, "val", "Pedestrian", dims_spread=(0.1, 0.0, 0.0), draws=2)
    assert rows[5]["location_error_m"] == pytest.approx(
        (error(0.1 * z[0], 0.0) + error(0.1 * z[1], 0.0)) / 2)


def test_cli_bad_input_is_one_line_and_the_json_is_written(tmp_path, kitti_fixture_root,
                                                            exit_line, capsys):
    """A missing result file and a class absent from the labels stop in one line; a class
    without a devkit threshold is refused; no matched box prints n/a."""
    root = _root(tmp_path, kitti_fixture_root)
    results = tmp_path / "results"
    results.mkdir()
    args = ["--data-root", str(root), "--results", str(results)]
    msg = exit_line(lambda: main([*args, "--cls", "Pedestrian"]))
    assert "000000.txt" in msg and "expected a result file for every frame of val" in msg
    (results / "000000.txt").write_text("")  # no detection: nothing matched
    msg = exit_line(lambda: main(["--data-root", str(root), "--results", str(results),
                                  "--cls", "Car"]))  # the fixture frame holds no car
    assert "label_2" in msg and "expected Car objects in the labels of val, found none" in msg
    with pytest.raises(SystemExit):  # no IoU threshold: refused by the parser
        main(["--data-root", str(root), "--results", str(results), "--cls", "Misc"])
    main([*args, "--cls", "Pedestrian"])
    assert "n/a (no box matched)" in capsys.readouterr().out
    with pytest.raises(SystemExit):  # refused by the parser
        main([*args, "--cls", "Pedestrian", "--shrink", "-0.5"])
    assert "--shrink: factors must be >= 0" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*args, "--cls", "Pedestrian", "--dims-spread", "0.1", "-0.1", "0"])
    assert "--dims-spread: spreads must be >= 0" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*args, "--cls", "Pedestrian", "--dims-spread", "0.1", "0.1", "0.1", "--draws", "0"])
    assert "--draws must be >= 1" in capsys.readouterr().err
    frames = KittiFrameSet(root, split="val")
    write_label(results / "000000.txt",
                [dataclasses.replace(o, score=1.0) for o in frames.label("000000")])
    out = tmp_path / "limits.json"
    main(["--data-root", str(root), "--results", str(results), "--cls", "Pedestrian",
          "--json", str(out)])
    saved = json.loads(out.read_text())
    assert saved["cls"] == "Pedestrian" and len(saved["rows"]) == 4
