"""common.benchmark: tables per task with paper figures beside ours, and the plots."""

import pytest

from common import benchmark
from common.results import ResultRecord, save_record


def _rec(model, task, metrics, paper=None, ms=None):
    return ResultRecord(model=model, config="cfg", dataset="kitti", split="val", task=task,
                        metrics=metrics, paper=paper, paper_source="paper T1" if paper else "",
                        params=2_500_000, train_seconds=5400.0, infer_ms_per_image=ms,
                        hardware="cpu x2", notes="")


def test_markdown_has_one_table_per_task_with_paper_beside_ours(tmp_path):
    results = tmp_path / "results"
    save_record(_rec("centernet", "2d", {"AP": 30.0, "AP50": 50.0}, {"AP": 34.8}, ms=20.0),
                results / "centernet" / "results.json")
    save_record(_rec("deep3dbox", "mono3d", {"Car/aos/AP11/moderate": 88.5}, ms=None),
                results / "deep3dbox" / "results.json")
    out = tmp_path / "docs" / "benchmarks.md"
    benchmark.main([str(results), "--out", str(out)])
    md = out.read_text()
    assert md.index("## 2D detection") < md.index("## Orientation") < md.index("## 3D detection")
    # centernet: AP ours 30.00, paper 34.80, difference -4.80; AP50 without paper figure
    row = "| centernet | cfg | kitti (val) | AP | 30.00 | 34.80 | -4.80 | 2.5 M | 1.5 h | 20.0 |"
    assert row in md
    assert "| AP50 | 50.00 | - | - |" in md
    assert "No results recorded yet." in md  # fusion3d
    # a plot for the task with a timed record only
    assert (tmp_path / "docs" / "benchmarks_2d.png").stat().st_size > 1000
    assert "benchmarks_2d.png" in md
    assert not (tmp_path / "docs" / "benchmarks_mono3d.png").exists()


def test_missing_folder_is_a_one_line_error(tmp_path):
    with pytest.raises(SystemExit) as e:
        benchmark.main([str(tmp_path / "nope"), "--out", str(tmp_path / "b.md")])
    assert str(e.value).startswith("error: ")


def test_kitti_records_show_headline_metrics_and_every_paper_metric(tmp_path):
    names = [f"{c}/{m}/{ap}/{d}" for c in ("Car", "Pedestrian")
             for m in ("bbox", "aos", "bev", "3d") for ap in ("AP11", "AP40")
             for d in ("easy", "moderate", "hard")]
    metrics = {name: 10.0 * i for i, name in enumerate(names)}
    rec = _rec("deep3dbox", "mono3d", metrics, {"Car/aos/AP11/moderate": 88.75})
    assert list(benchmark.headline_metrics(rec)) == [
        "Car/3d/AP40/moderate", "Car/bev/AP40/moderate", "Car/aos/AP40/moderate",
        "Car/bbox/AP40/moderate", "Car/aos/AP11/moderate"]
    table = benchmark.task_table([rec])
    assert sum(" | Car/" in line for line in table.splitlines()) == 5
    assert "| Car/aos/AP11/moderate | 70.00 | 88.75 | -18.75 |" in table
    assert benchmark.task_table([rec], all_metrics=True).count("Pedestrian/") == 24


def test_a_headline_copy_of_a_record_is_listed_once(tmp_path):
    rec = _rec("xnet", "fusion3d", {"Car/3d/AP40/moderate": 38.8})
    save_record(rec, tmp_path / "runs" / "geometric" / "results.json")
    save_record(rec, tmp_path / "runs" / "results.json")  # reproduce's copy of the headline row
    benchmark.main([str(tmp_path / "runs"), "--out", str(tmp_path / "b.md")])
    assert (tmp_path / "b.md").read_text().count("| xnet |") == 1
