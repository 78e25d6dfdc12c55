"""common.cli: the command line of a dict of options sets exactly those options."""

from __future__ import annotations

from pathlib import Path

from common.cli import command_line, reproduce_parser


def test_command_line_round_trips_through_a_parser():
    p = reproduce_parser("x.reproduce", "doc", "a root", 15.0)
    p.add_argument("--lr", type=float)
    p.add_argument("--classes", nargs="+")
    p.add_argument("--amp", action="store_true")
    p.add_argument("--neck")
    argv = command_line(data_root=Path("d"), work_dir="w", lr=1e-4, classes=["Car", "Van"],
                        amp=True, neck=None)
    assert argv == ["--data-root", "d", "--work-dir", "w", "--lr", "0.0001",
                    "--classes", "Car", "Van", "--amp"]
    args = p.parse_args(argv)
    assert (args.data_root, args.work_dir, args.lr, args.classes, args.amp, args.neck,
            args.minutes) == (Path("d"), Path("w"), 1e-4, ["Car", "Van"], True, None, 15.0)
    assert not p.parse_args(command_line(data_root="d", work_dir="w", amp=False)).amp
