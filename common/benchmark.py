"""Render every results record of a folder into comparative tables and accuracy-vs-speed plots.

``python -m common.benchmark RESULTS_DIR --out docs/benchmarks.md`` writes one markdown table per
task (2D detection, orientation / monocular 3D, 3D fusion), one row per record and headline
metric with the paper's figure beside ours, and one PNG per task next to the markdown
(``benchmarks_<task>.png``): the record's first headline metric against inference time.

Headline metrics: the un-nested ones of 2D records (``mAP@0.5``, ``AP``, ``AP50`` ...), KITTI's
Car 3D / BEV / AOS / 2D box AP40 at moderate difficulty, and every metric the paper reports
(so that the paper's figure always has our number beside it). ``--all-metrics`` lists them all.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from common.errors import DataFormatError
from common.io import atomic_save, atomic_write_text
from common.results import TASKS, ResultRecord, load_records

# KITTI metrics shown in the tables, in this order (the first present one is plotted)
KITTI_HEADLINE = ("Car/3d/AP40/moderate", "Car/bev/AP40/moderate", "Car/aos/AP40/moderate",
                  "Car/bbox/AP40/moderate")
TASK_TITLES = {"2d": "2D detection", "mono3d": "Orientation / monocular 3D detection",
               "fusion3d": "3D detection from image and point cloud (fusion)"}


def _num(v: float | int | None, fmt: str = "{:.2f}") -> str:
    return "-" if v is None else fmt.format(v)


def _params(n: int | None) -> str:
    return "-" if n is None else f"{n / 1e6:.1f} M"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.1f} min"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def headline_metrics(r: ResultRecord) -> dict[str, float]:
    """The metrics of ``r`` worth a table row (see the module docstring), headline order."""
    names = [k for k in r.metrics if "/" not in k]
    names += [k for k in KITTI_HEADLINE if k in r.metrics]
    names += [k for k in r.metrics if k in (r.paper or {}) and k not in names]
    return {k: r.metrics[k] for k in names} or dict(list(r.metrics.items())[:1])


def task_table(records: Sequence[ResultRecord], all_metrics: bool = False) -> str:
    """Markdown table: one row per (record, headline metric, or every metric with
    ``all_metrics``); paper figure and difference beside ours."""
    head = ("| Model | Config | Data (split) | Metric | Ours | Paper | Ours - paper | Params | "
            "Train | ms / image | Hardware |")
    lines = [head, "|" + "---|" * 11]
    for r in records:
        metrics = r.metrics if all_metrics else headline_metrics(r)
        for k, (name, value) in enumerate(metrics.items()):
            paper = (r.paper or {}).get(name)
            diff = None if paper is None else value - paper
            first = k == 0
            lines.append("| " + " | ".join(_cell(c) for c in (
                r.model if first else "", r.config if first else "",
                f"{r.dataset} ({r.split})" if first else "", name, _num(value), _num(paper),
                _num(diff, "{:+.2f}"), _params(r.params) if first else "",
                _duration(r.train_seconds) if first else "",
                _num(r.infer_ms_per_image, "{:.1f}") if first else "",
                r.hardware if first else "")) + " |")
    sources = sorted({f"{r.model}: {r.paper_source}" for r in records if r.paper_source})
    notes = sorted({f"{r.model} ({r.config}): {r.notes}" for r in records if r.notes})
    if sources:
        lines += ["", "Paper figures: " + "; ".join(sources) + "."]
    if notes:
        lines += ["", "Notes: " + "; ".join(notes) + "."]
    return "\n".join(lines)


def plot_accuracy_vs_speed(records: Sequence[ResultRecord], title: str, path: Path) -> bool:
    """Scatter of headline metric against ms/image; False (no file) if no record has both."""
    points = [(r.infer_ms_per_image, next(iter(headline_metrics(r).items())), r) for r in records
              if r.infer_ms_per_image is not None and r.metrics]
    if not points:
        return False
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4), dpi=100)
    ax = fig.add_subplot()
    for ms, (metric, value), r in points:
        ax.scatter(ms, value, s=40)
        ax.annotate(f"{r.model} ({r.config})\n{metric}", (ms, value), fontsize=7,
                    xytext=(4, 4), textcoords="offset points")
        paper = (r.paper or {}).get(metric)
        if paper is not None:
            ax.scatter(ms, paper, marker="x", color="gray", s=30)
    ax.set_xscale("log")
    ax.set_xlabel("inference time (ms / image, log scale)")
    ax.set_ylabel("headline metric (ours: dots, paper: crosses)")
    ax.set_title(title, fontsize=10)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    atomic_save(path, lambda p: fig.savefig(p, format="png"))
    return True


def render(records: Sequence[ResultRecord], out: Path, all_metrics: bool = False) -> str:
    """The markdown page (written by the caller) and the per-task PNGs beside ``out``."""
    parts = ["# Benchmarks", "",
             "Generated by `python -m common.benchmark RESULTS_DIR --out docs/benchmarks.md` "
             "from the results records (`common/results.py`): headline metrics only (see "
             "`common/benchmark.py`; `--all-metrics` for every one); the first is plotted.", ""]
    for task in TASKS:
        rows = [r for r in records if r.task == task]
        parts += [f"## {TASK_TITLES[task]}", ""]
        if not rows:
            parts += ["No results recorded yet.", ""]
            continue
        parts += [task_table(rows, all_metrics), ""]
        png = out.parent / f"{out.stem}_{task}.png"
        if plot_accuracy_vs_speed(rows, TASK_TITLES[task], png):
            parts += [f"![{TASK_TITLES[task]}: accuracy vs speed]({png.name})", ""]
    return "\n".join(parts)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m common.benchmark",
                                 description="Tables and plots of all results records.")
    ap.add_argument("results_dir", help="folder searched recursively for results *.json")
    ap.add_argument("--out", default="docs/benchmarks.md", help="markdown file to write "
                    "(PNGs go beside it; default: %(default)s)")
    ap.add_argument("--all-metrics", action="store_true",
                    help="a row for every metric of a record, not only the headline ones")
    args = ap.parse_args(argv)
    try:
        records = []
        for r in load_records(args.results_dir):  # a run's headline copy is the same record
            if r not in records:
                records.append(r)
        out = Path(args.out)
        atomic_write_text(out, render(records, out, args.all_metrics))
    except (DataFormatError, OSError) as e:
        sys.exit(f"error: {e}")
    print(f"{len(records)} records -> {args.out}")


if __name__ == "__main__":
    main()
