"""common.benchmark: one compact table and one plot per task, the history page."""

from pathlib import Path

import pytest

from common import benchmark
from common.results import ResultRecord, save_record

MACHINE = "Some CPU (AVX2), 2 cores"


def _rec(model, task, metrics, paper=None, ms=None, config="cfg", dataset="synth-kitti",
         hardware=MACHINE):
    return ResultRecord(model=model, config=config, dataset=dataset, split="val", task=task,
                        metrics=metrics, paper=paper, paper_source="paper T1" if paper else "",
                        params=2_500_000, train_seconds=5400.0, infer_ms_per_image=ms,
                        hardware=hardware)


def _kitti(**values):
    return {f"Car/{kind}/AP40/moderate": v for kind, v in values.items()}


def test_page_has_one_row_per_record_and_the_paper_in_its_own_column(tmp_path):
    results = tmp_path / "results"
    save_record(_rec("CenterNet", "2d", {"mAP@0.5": 90.0, "AP@0.5/car": 80.0}, ms=20.0,
                     dataset="synth-voc"), results / "centernet" / "results.json")
    save_record(_rec("DETR-DeiT-tiny", "2d", {"AP": 13.2, "AP50": 31.7, "APs": 1.0}, ms=13.0,
                     dataset="synth-scannet"), results / "detr" / "results.json")
    save_record(_rec("Deep3DBox", "mono3d",
                     {**_kitti(aos=98.0, bbox=100.0), "Car/aos/AP11/moderate": 97.5},
                     paper={"Car/aos/AP11/easy": 92.9, "Car/aos/AP11/moderate": 88.75}),
                results / "deep3dbox" / "results.json")
    out = tmp_path / "docs" / "benchmarks.md"
    benchmark.main([str(results), "--out", str(out)])
    md = out.read_text()
    assert md.index("## 2D detection") < md.index("## Orientation") < md.index("## 3D detection")
    assert md.count(MACHINE) == 1  # named once, at the top
    assert "| Model | Config | Data | mAP@0.5 | AP | AP50 | Params | Train | ms / image |" in md
    assert ("| [CenterNet](../results/centernet/results.json) | cfg | synth-voc val | 90.0 | - | "
            "- | 2.5 M | 1.5 h | 20.0 |") in md
    assert ("| Car AOS AP40 | Car 2D box AP40 | Car AOS AP11 | Paper (real data): Car AOS AP11 |"
            in md)
    # ours and the paper's figure side by side, never subtracted
    assert "| synth-kitti val | 98.0 | 100.0 | 97.5 | 88.75 | 2.5 M | 1.5 h | - |" in md
    assert "Paper (Deep3DBox): paper T1." in md
    assert "No results recorded yet." in md  # fusion3d
    # a plot for the task with timed records only
    assert (tmp_path / "docs" / "benchmarks_2d.png").stat().st_size > 1000
    assert "(benchmarks_2d.png)" in md
    assert not (tmp_path / "docs" / "benchmarks_mono3d.png").exists()


def test_records_of_two_machines_are_a_one_line_error(tmp_path):
    save_record(_rec("X-Net", "fusion3d", _kitti(**{"3d": 70.0})), tmp_path / "a" / "r.json")
    save_record(_rec("X-Net", "fusion3d", _kitti(**{"3d": 60.0}), hardware="Other CPU, 2 cores"),
                tmp_path / "b" / "r.json")
    with pytest.raises(SystemExit) as e:
        benchmark.main([str(tmp_path), "--out", str(tmp_path / "b.md")])
    assert str(e.value).startswith("error: records of 2 machines")
    assert not (tmp_path / "b.md").exists()


def test_missing_folder_is_a_one_line_error(tmp_path):
    with pytest.raises(SystemExit) as e:
        benchmark.main([str(tmp_path / "nope"), "--out", str(tmp_path / "b.md")])
    assert str(e.value).startswith("error: ")


def test_kitti_columns_are_the_car_moderate_ones_and_the_papers_metric():
    names = [f"{c}/{m}/{ap}/{d}" for c in ("Car", "Pedestrian")
             for m in ("bbox", "aos", "bev", "3d") for ap in ("AP11", "AP40")
             for d in ("easy", "moderate", "hard")]
    rec = _rec("Deep3DBox", "mono3d", {name: 10.0 * i for i, name in enumerate(names)},
               {"Car/aos/AP11/easy": 92.9, "Car/aos/AP11/moderate": 88.75})
    assert benchmark.headline_metrics(rec) == [
        "Car/3d/AP40/moderate", "Car/bev/AP40/moderate", "Car/aos/AP40/moderate",
        "Car/bbox/AP40/moderate", "Car/aos/AP11/moderate"]
    assert benchmark.label("Car/aos/AP11/easy") == "Car AOS AP11 easy"
    head = benchmark.task_table([rec]).splitlines()[0]
    assert head == ("| Model | Config | Data | Car 3D AP40 | Car BEV AP40 | Car AOS AP40 | "
                    "Car 2D box AP40 | Car AOS AP11 | Paper (real data): Car AOS AP11 | Params | "
                    "Train | ms / image |")


def test_plot_has_one_legend_entry_per_timed_row():
    rows = [_rec("X-Net", "fusion3d", _kitti(**{"3d": 70.0}), ms=160.0, config="synth/base"),
            _rec("X-Net", "fusion3d", _kitti(**{"3d": 75.0}), ms=250.0, config="synth/s8"),
            _rec("X-Net", "fusion3d", _kitti(**{"3d": 50.0}), ms=None, config="synth/untimed")]
    ax = benchmark.accuracy_vs_speed(rows, "fusion").axes[0]
    assert [t.get_text() for t in ax.figure.legends[0].get_texts()] == [
        "X-Net, synth/base, synth-kitti val", "X-Net, synth/s8, synth-kitti val"]
    assert ax.get_ylabel() == "Car 3D AP40 (%)"
    assert benchmark.accuracy_vs_speed(rows[2:], "fusion") is None


def test_history_page_has_a_section_per_run_and_machine(tmp_path):
    history = tmp_path / "history"
    save_record(_rec("X-Net", "fusion3d", _kitti(**{"3d": 70.0})),
                history / "run_a" / "base_results.json")
    save_record(_rec("X-Net", "fusion3d", _kitti(**{"3d": 40.0}), hardware="Old CPU, 1 core"),
                history / "run_a" / "exp_results.json")
    save_record(_rec("CenterNet", "2d", {"mAP@0.5": 7.5}, dataset="synth-voc"),
                history / "run_b" / "centernet" / "results.json")
    out = tmp_path / "docs" / "benchmarks_history.md"
    benchmark.main([str(history), "--history", "--out", str(out)])
    md = out.read_text()
    sections = [line for line in md.splitlines() if line.startswith("## ")]
    assert sections == [f"## run_a: {MACHINE}", "## run_a: Old CPU, 1 core",
                        f"## run_b: {MACHINE}"]
    assert "| [X-Net](../history/run_a/exp_results.json) | cfg | synth-kitti val | 40.0 |" in md
    assert md.count("### 3D detection") == 2 and md.count("### 2D detection") == 1
    save_record(_rec("CenterNet", "2d", {"mAP@0.5": 1.0}), history / "loose.json")
    with pytest.raises(SystemExit, match="loose.json: put each run's records in a subfolder"):
        benchmark.main([str(history), "--history", "--out", str(out)])


def test_a_headline_copy_of_a_record_is_listed_once(tmp_path):
    rec = _rec("X-Net", "fusion3d", _kitti(**{"3d": 38.8}))
    save_record(rec, tmp_path / "runs" / "geometric" / "results.json")
    save_record(rec, tmp_path / "runs" / "results.json")  # reproduce's copy of the headline row
    benchmark.main([str(tmp_path / "runs"), "--out", str(tmp_path / "b.md")])
    md = (tmp_path / "b.md").read_text()
    assert md.count("| [X-Net]") == 1
    assert "[X-Net](runs/geometric/results.json)" in md


def test_the_committed_records_render_one_machine_and_its_history(tmp_path):
    demo = Path(__file__).resolve().parents[2] / "docs" / "demo"
    benchmark.main([str(demo / "xeon_amx"), "--out", str(tmp_path / "b.md")])
    rows = [line for line in (tmp_path / "b.md").read_text().splitlines()
            if line.startswith("| [")]
    assert len(rows) == 8  # the eight stages of the full demo
    benchmark.main([str(demo / "history"), "--history", "--out", str(tmp_path / "h.md")])
    assert "## epyc_avx2_demo: AMD EPYC (AVX2), 2 cores" in (tmp_path / "h.md").read_text()
