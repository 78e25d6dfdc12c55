"""Render a folder of results records into the benchmark page: per task one table and one plot.

``python -m common.benchmark RESULTS_DIR --out docs/benchmarks.md`` renders the records of one
machine (named once at the top; records of several machines are an error). Per task ("2d",
"mono3d", "fusion3d") one table, a row per model, config and dataset: its headline metrics as
columns, the paper's figure on the real data in a column of its own (never set against ours),
then parameters, training time and ms/image. Beside the markdown, ``<stem>_<task>.png`` plots
each row's plotted metric against ms/image.

``--history`` renders a folder of earlier runs instead: one section per subfolder (one run) and
machine, tables only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from common.errors import DataFormatError
from common.io import atomic_save, atomic_write_text
from common.results import TASKS, ResultRecord, load_records

KITTI_HEADLINE = ("Car/3d/AP40/moderate", "Car/bev/AP40/moderate", "Car/aos/AP40/moderate",
                  "Car/bbox/AP40/moderate")
# Table columns per task, in this order; a column no row has is left out.
HEADLINE = {"2d": ("mAP@0.5", "AP", "AP50", "Car/bbox/AP40/moderate"),
            "mono3d": KITTI_HEADLINE, "fusion3d": KITTI_HEADLINE}
# The metric plotted per task: the first of these the row has.
PLOTTED = {"2d": ("mAP@0.5", "AP", "Car/bbox/AP40/moderate"),
           "mono3d": ("Car/aos/AP40/moderate",), "fusion3d": ("Car/3d/AP40/moderate",)}
TASK_TITLES = {"2d": "2D detection", "mono3d": "Orientation / monocular 3D detection",
               "fusion3d": "3D detection from image and point cloud (fusion)"}
_KITTI_KINDS = {"3d": "3D", "bev": "BEV", "aos": "AOS", "bbox": "2D box"}
_MARKERS = "osD^vP*Xph"
_LOG_TICKS = [k * 10 ** e for e in range(-1, 6) for k in (1, 1.5, 2, 3, 5, 7)]


def _num(v: float | None, fmt: str = "{:.1f}") -> str:
    return "-" if v is None else fmt.format(v)


def _params(n: int | None) -> str:
    return "-" if n is None else f"{n / 1e6:.1f} M"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def label(metric: str) -> str:
    """Column label: ``Car/aos/AP40/moderate`` -> ``Car AOS AP40`` (moderate is implied)."""
    parts = metric.split("/")
    if len(parts) != 4 or parts[1] not in _KITTI_KINDS:
        return metric
    cls, kind, ap, difficulty = parts
    return " ".join([cls, _KITTI_KINDS[kind], ap] + ([] if difficulty == "moderate" else
                                                      [difficulty]))


def paper_metric(r: ResultRecord) -> str | None:
    """The paper's figure shown for ``r``: its moderate-difficulty one, else its first."""
    names = list(r.paper or {})
    return next((m for m in names if m.endswith("/moderate")), names[0] if names else None)


def headline_metrics(r: ResultRecord) -> list[str]:
    """``r``'s metrics shown as columns: its task's headline ones, then the one the paper
    reports; its first metric when it has none of them."""
    names = [m for m in HEADLINE[r.task] if m in r.metrics]
    reported = paper_metric(r)
    if reported in r.metrics and reported not in names:
        names.append(reported)
    return names or list(r.metrics)[:1]


def _plotted(r: ResultRecord) -> str | None:
    return next((m for m in PLOTTED[r.task] if m in r.metrics),
                next(iter(headline_metrics(r)), None))


def _config(r: ResultRecord) -> str:
    return f"{r.config} (from {r.init_from})" if r.init_from else r.config


def _row_name(r: ResultRecord) -> str:
    return f"{r.model}, {_config(r)}, {r.dataset} {r.split}"


def task_table(records: Sequence[ResultRecord], links: Sequence[str] | None = None) -> str:
    """Markdown table, one row per record (its model name linked to ``links[i]`` when given),
    then one line: units and the papers' sources."""
    shown = dict.fromkeys(m for r in records for m in headline_metrics(r))
    order = HEADLINE[records[0].task]
    columns = sorted(shown, key=lambda m: order.index(m) if m in order else len(order))
    papers = list(dict.fromkeys(m for r in records if (m := paper_metric(r))))
    head = (["Model", "Config", "Data"] + [label(m) for m in columns]
            + [f"Paper (real data): {label(m)}" for m in papers]
            + ["Params", "Train", "ms / image"])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for i, r in enumerate(records):
        cells = [_cell(c) for c in [r.model, _config(r), f"{r.dataset} {r.split}"]
                 + [_num(r.metrics.get(m)) for m in columns]
                 + [_num((r.paper or {}).get(m), "{:g}") for m in papers]
                 + [_params(r.params), _duration(r.train_seconds), _num(r.infer_ms_per_image)]]
        if links:
            cells[0] = f"[{cells[0]}]({links[i]})"
        lines.append("| " + " | ".join(cells) + " |")
    note = "AP in %"
    if any(m.count("/") == 3 for m in columns):
        note += ", KITTI's at moderate difficulty"
    sources: dict[str, list[str]] = {}
    for r in records:
        if r.paper and r.model not in sources.setdefault(r.paper_source, []):
            sources[r.paper_source].append(r.model)
    note += "".join(f". Paper ({', '.join(models)}): {source or 'source not recorded'}"
                    for source, models in sources.items())
    return "\n".join(lines + ["", _cell(note) + "."])


def accuracy_vs_speed(records: Sequence[ResultRecord], title: str):
    """Matplotlib figure: each timed record's plotted metric against ms/image, one marker per
    record named in the legend; None if no record has both."""
    points = [(r, _plotted(r)) for r in records if r.infer_ms_per_image is not None]
    points = [(r, m) for r, m in points if m is not None]
    if not points:
        return None
    from matplotlib.figure import Figure

    metrics = {m for _, m in points}
    fig = Figure(figsize=(7, 2.8 + 0.2 * len(points)), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    for i, (r, m) in enumerate(points):
        name = _row_name(r) if len(metrics) == 1 else f"{_row_name(r)}: {label(m)}"
        ax.scatter(r.infer_ms_per_image, r.metrics[m], s=60, marker=_MARKERS[i % len(_MARKERS)],
                   color=f"C{i % 10}", label=name)
    ms = [r.infer_ms_per_image for r, _ in points]
    lo, hi = min(ms) / 1.5, max(ms) * 1.5
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    ax.set_xticks([t for t in _LOG_TICKS if lo <= t <= hi], minor=False)
    ax.set_xticks([], minor=True)
    ax.xaxis.set_major_formatter("{x:g}")
    ax.set_xlabel("inference time (ms / image, log scale)")
    ax.set_ylabel(f"{label(metrics.pop())} (%)" if len(metrics) == 1 else "metric in legend (%)")
    ax.set_ylim(0, 105)
    ax.set_title(title, fontsize=10)
    ax.grid(True, alpha=0.3)
    fig.legend(loc="outside lower center", fontsize=8, frameon=False)
    return fig


def _shown(path: Path) -> str:
    """``path`` as a reader can retype it: relative to the working directory when inside it."""
    rel = os.path.relpath(path.resolve())
    return path.as_posix() if rel.startswith("..") else Path(rel).as_posix()


def _link(page: Path, other: Path, text: str) -> str:
    """`` text [name](name)`` when ``other`` (beside ``page``) exists, else ``""``."""
    return f" {text} [{other.name}]({other.name})." if other != page and other.exists() else ""


def _tables(found: Sequence[tuple[Path, ResultRecord]], task: str, out: Path) -> str:
    rows = [(p, r) for p, r in found if r.task == task]
    links = [Path(os.path.relpath(p.resolve(), out.resolve().parent)).as_posix() for p, _ in rows]
    return task_table([r for _, r in rows], links) if rows else ""


def render(found: Sequence[tuple[Path, ResultRecord]], results_dir: Path, out: Path) -> str:
    """The markdown page of one machine's records (written by the caller) and the per-task
    PNGs beside ``out``; ValueError if the records come from several machines."""
    machines = sorted({r.hardware for _, r in found})
    if len(machines) > 1:
        raise ValueError(f"records of {len(machines)} machines ({'; '.join(machines)}) in "
                         f"{results_dir}: one machine per page, earlier runs with --history")
    machine = machines[0] if machines and machines[0] else "not recorded"
    parts = ["# Benchmarks", "",
             f"Produced by `python -m common.benchmark {_shown(results_dir)} --out {_shown(out)}`"
             f" (`nox -s demo` runs it over its work dir). Reference machine: **{machine}**. "
             "Data `synth-*` is the project's generated data; a paper's figure is on the real "
             "data, for orientation only; a model name links to its record."
             + _link(out, out.with_name(f"{out.stem}_history{out.suffix}"),
                     "Earlier runs and other machines:"), ""]
    for task in TASKS:
        table = _tables(found, task, out)
        parts += [f"## {TASK_TITLES[task]}", "", table or "No results recorded yet.", ""]
        fig = accuracy_vs_speed([r for _, r in found if r.task == task], TASK_TITLES[task])
        if fig is not None:
            png = out.with_name(f"{out.stem}_{task}.png")
            atomic_save(png, lambda p, fig=fig: fig.savefig(p, format="png"))
            parts += [f"![{TASK_TITLES[task]}: accuracy vs ms / image]({png.name})", ""]
    return "\n".join(parts)


def render_history(root: Path, out: Path) -> str:
    """The markdown page of earlier runs: one section per subfolder of ``root`` (one run) and
    machine, with one table per task; DataFormatError for a JSON file directly in ``root``."""
    loose = sorted(root.glob("*.json"))
    if loose:
        raise DataFormatError(loose[0], "put each run's records in a subfolder of the history "
                                        "folder")
    parts = ["# Benchmark history", "",
             f"Produced by `python -m common.benchmark {_shown(root)} --history --out "
             f"{_shown(out)}`: earlier runs and other machines, one section per run folder and "
             "machine; a model name links to its record."
             + _link(out, out.with_name(out.stem.removesuffix("_history") + out.suffix),
                     "The current figures:"), ""]
    for run in sorted(p for p in root.iterdir() if p.is_dir()):
        found = records_under(run)
        for machine in dict.fromkeys(r.hardware for _, r in found):
            parts += [f"## {run.name}: {machine or 'machine not recorded'}", ""]
            for task in TASKS:
                table = _tables([(p, r) for p, r in found if r.hardware == machine], task, out)
                parts += [f"### {TASK_TITLES[task]}", "", table, ""] if table else []
    return "\n".join(parts)


def records_under(directory: Path) -> list[tuple[Path, ResultRecord]]:
    """(path, record) of the records :func:`load_records` reads under ``directory``, each
    record once (a run's headline copy of a row's record is left out)."""
    records = load_records(directory)  # sorted by path; raises for a bad record
    paths = []
    for p in sorted(directory.rglob("*.json")):  # the files it read them from
        try:
            d = json.loads(p.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if isinstance(d, dict) and {"model", "task", "metrics"} <= d.keys():
            paths.append(p)
    found: list[tuple[Path, ResultRecord]] = []
    for p, r in zip(paths, records, strict=True):
        if all(r != seen for _, seen in found):
            found.append((p, r))
    return found


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m common.benchmark",
                                 description="The benchmark page of a folder of results records.")
    ap.add_argument("results_dir", help="folder searched recursively for results *.json")
    ap.add_argument("--out", default="docs/benchmarks.md", help="markdown file to write "
                    "(PNGs go beside it; default: %(default)s)")
    ap.add_argument("--history", action="store_true",
                    help="earlier runs: one section per subfolder and machine, no plots")
    args = ap.parse_args(argv)
    results_dir, out = Path(args.results_dir), Path(args.out)
    try:
        if args.history:
            if not results_dir.is_dir():
                raise DataFormatError(results_dir, "expected a folder of run folders")
            page = render_history(results_dir, out)
        else:
            page = render(records_under(results_dir), results_dir, out)
        atomic_write_text(out, page)
    except (DataFormatError, OSError, ValueError) as e:
        sys.exit(f"error: {e}")
    print(f"{args.results_dir} -> {args.out}")


if __name__ == "__main__":
    main()
