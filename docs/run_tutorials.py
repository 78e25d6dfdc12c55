"""Execute the ```bash blocks of the tutorials, so the docs cannot rot.

Each tutorial names the nox environment its commands run in on its first line,
``<!-- env: centernet -->``; its blocks run in order, in one bash process per tutorial, from the
repository root with that environment's ``bin/`` first on PATH.

    python docs/run_tutorials.py [TUTORIAL.md ...]     run all (or the named) tutorials
    python docs/run_tutorials.py --list-envs           print the environments they need
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
ENV_LINE = re.compile(r"<!--\s*env:\s*(\w+)\s*-->")
BASH_BLOCK = re.compile(r"^```bash\n(.*?)^```", re.S | re.M)


def tutorial_env(path: Path) -> str | None:
    """The environment named on the tutorial's first line, or None if it runs no commands."""
    first = path.read_text(encoding="utf-8").splitlines()[:1]
    match = ENV_LINE.search(first[0]) if first else None
    return match.group(1) if match else None


def bash_blocks(path: Path) -> list[str]:
    return BASH_BLOCK.findall(path.read_text(encoding="utf-8"))


def run_tutorial(path: Path) -> float:
    """Run one tutorial's blocks; returns the wall time in seconds. Exits on the first failure."""
    env_name = tutorial_env(path)
    blocks = bash_blocks(path)
    if not blocks:
        return 0.0
    if env_name is None:
        sys.exit(f"error: {path}: has ```bash blocks but no '<!-- env: NAME -->' first line")
    env = dict(os.environ)
    env["PATH"] = f"{ROOT / '.nox' / env_name / 'bin'}{os.pathsep}{env['PATH']}"
    env["MPLBACKEND"] = "Agg"
    script = "set -euo pipefail\n" + "\n".join(
        f"echo '--- {path.name} block {i + 1}/{len(blocks)}'\n{block}"
        for i, block in enumerate(blocks)
    )
    start = time.perf_counter()
    result = subprocess.run(["bash", "-c", script], cwd=ROOT, env=env)
    if result.returncode:
        sys.exit(f"error: {path}: a command failed (exit {result.returncode}); see above")
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tutorials", nargs="*", type=Path, help="tutorials to run (default: all)")
    parser.add_argument("--list-envs", action="store_true", help="print the environments needed")
    args = parser.parse_args(argv)
    paths = [p if p.is_absolute() else ROOT / p for p in args.tutorials]
    paths = paths or sorted(DOCS.glob("*.md"))
    for p in paths:
        if not p.is_file():
            parser.error(f"{p}: no such tutorial")
    if args.list_envs:
        print(" ".join(sorted({e for p in paths if (e := tutorial_env(p)) and bash_blocks(p)})))
        return
    for p in paths:
        seconds = run_tutorial(p)
        print(f"[docs] {p.name}: {len(bash_blocks(p))} block(s) ran in {seconds:.0f} s", flush=True)


if __name__ == "__main__":
    main()
