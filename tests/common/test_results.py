"""Results records: round trip, validation, folder loading."""

import json

import pytest

from common.errors import DataFormatError
from common.results import (
    DATASETS,
    MODELS,
    SPLITS,
    ResultRecord,
    check_name,
    cpu_from_cpuinfo,
    hardware_string,
    load_records,
    make_record,
    save_record,
)


def _record(**kw):
    base = dict(model="CenterNet", config="res18_384", dataset="kitti", split="val", task="2d",
                metrics={"Car/bbox/AP40/moderate": 61.5, "mAP": 40}, paper={"mAP": 42.0},
                paper_source="Zhou et al. 2019, Table 2", params=14_000_000,
                train_seconds=3600.0, infer_ms_per_image=12.5, notes="synthetic data")
    base.update(kw)
    return ResultRecord(**base)


def test_round_trip_keeps_every_field(tmp_path):
    rec = _record()
    save_record(rec, tmp_path / "a" / "results.json")
    on_disk = json.loads((tmp_path / "a" / "results.json").read_text())
    assert set(on_disk) == {"model", "config", "dataset", "split", "task", "metrics", "paper",
                            "paper_source", "params", "train_seconds", "infer_ms_per_image",
                            "hardware", "notes", "init_from"}
    assert on_disk["metrics"]["mAP"] == 40.0 and isinstance(on_disk["metrics"]["mAP"], float)
    assert load_records(tmp_path) == [rec]


def test_record_written_before_init_from_existed_still_loads(tmp_path):
    d = _record().to_dict()
    del d["init_from"]
    (tmp_path / "old.json").write_text(json.dumps(d))
    assert load_records(tmp_path)[0].init_from == ""


def test_bad_task_and_bad_files_are_errors(tmp_path):
    with pytest.raises(ValueError, match="task"):
        _record(task="3d")
    (tmp_path / "r.json").write_text('{"model": "m", "task": "2d", "metrics": {}}')
    with pytest.raises(DataFormatError, match="lacks field"):
        load_records(tmp_path)
    (tmp_path / "r.json").unlink()
    (tmp_path / "results.json").write_text('{"model": "m", "task": "2d", "metrics": {')
    with pytest.raises(DataFormatError, match="results.json:1"):
        load_records(tmp_path)


@pytest.mark.parametrize("field, value, allowed", [("model", "centernet", MODELS),
                                                   ("dataset", "synth_kitti", DATASETS),
                                                   ("split", "VOC2007 test", SPLITS)])
def test_names_outside_the_canonical_ones_are_named_errors(tmp_path, field, value, allowed):
    with pytest.raises(ValueError) as e:
        _record(**{field: value})
    assert str(e.value) == (f"{field} must be one of {', '.join(map(repr, allowed))}; "
                            f"got {value!r}")
    d = _record().to_dict() | {field: value}
    (tmp_path / "results.json").write_text(json.dumps(d))
    with pytest.raises(DataFormatError, match=f"results.json: bad results record: {field} must "
                                              f"be one of .*; got '{value}'"):
        load_records(tmp_path)


def test_check_name_knows_each_fields_names():
    check_name("task", "fusion3d")
    check_name("model", "CenterNet -> Deep3DBox")
    with pytest.raises(ValueError, match="dataset must be one of 'synth-voc', .*; got 'VOC'"):
        check_name("dataset", "VOC")


def test_make_record_fills_the_hardware_and_wants_a_short_config_name():
    rec = make_record(model="X-Net", config="synth/base", dataset="synth-kitti", split="val",
                      task="fusion3d", metrics={"Car/3d/AP40/moderate": 70.2}, params=5)
    assert rec.hardware == hardware_string() and rec.params == 5 and rec.notes == ""
    assert _record().hardware == ""  # a record made otherwise does not claim this machine
    for path in ("detr_deit/configs/detr_deit-tiny_cpu-1xb4_synth-scannet.py", "/abs/base",
                 "base.py", ""):
        with pytest.raises(ValueError, match="config must be a short name"):
            make_record(model="X-Net", config=path, dataset="kitti", split="val",
                        task="fusion3d", metrics={})


def test_other_json_files_are_skipped(tmp_path):
    save_record(_record(), tmp_path / "run" / "results.json")
    (tmp_path / "run" / "kitti_ap.json").write_text('{"Car": {"bbox": {}}}')
    # mmengine's scalars log: one JSON object per line, not one JSON document
    (tmp_path / "run" / "vis_data.json").write_text('{"loss": 1.0}\n{"loss": 0.5}\n')
    assert len(load_records(tmp_path)) == 1


def test_hardware_string_names_cores():
    import os

    n = len(os.sched_getaffinity(0))
    text = hardware_string()
    assert (f", {n} cores" in text) if n > 1 else (", 1 core" in text and "1 cores" not in text)


def test_cpu_names_its_widest_vector_unit():
    zen3 = "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse avx avx2 fma\n"
    zen4 = "model name\t: AMD EPYC\nflags\t\t: avx2 avx512f avx512_bf16\n"
    spr = "model name\t: Intel(R) Xeon(R) Processor\nflags\t: avx2 avx512f avx512_bf16 amx_bf16\n"
    assert cpu_from_cpuinfo(zen3) == "AMD EPYC (AVX2)"
    assert cpu_from_cpuinfo(zen4) == "AMD EPYC (AVX-512 BF16)"
    assert cpu_from_cpuinfo(spr) == "Intel(R) Xeon(R) Processor (AMX)"
    assert cpu_from_cpuinfo("model name\t: Old CPU\nflags\t: sse2\n") == "Old CPU"
    assert cpu_from_cpuinfo("processor\t: 0\n") is None
