"""One nox session per model, each in its own virtualenv with exactly its stack.

    nox -s tests                  every model's tests, each in its own environment (CI runs this)
    nox -s <model> -- ARGS        one model's tests: common, deep3dbox, centernet, detr_deit,
                                  xnet_fusion (ARGS go to pytest)
    nox -s demo [-- MODEL ...]    the main job: embedded datasets -> train -> evaluate -> docs
    nox -s docs                   execute every command of the tutorials
    nox -s lint                   ruff

Environments are reused: a session installs only when `pyproject.toml` (the pins) or the install
recipe below changed since its last install (a stamp file in the venv records it). mmcv 2.1.0 is
built from source once (about 20 min on 2 cores) and then comes from pip's wheel cache.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from pathlib import Path

import nox

ROOT = Path(__file__).parent
nox.options.reuse_venv = "yes"
nox.options.sessions = ["tests"]
nox.options.default_venv_backend = "venv"

PYTHON = "3.11"
MODELS = ["common", "deep3dbox", "centernet", "detr_deit", "xnet_fusion"]
_EXTRAS = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]

# mmcv's setup.py imports pkg_resources (gone from setuptools >= 81) while torch 2.13 asks for
# setuptools >= 77.0.3; ninja parallelises the C++ build.
_MMCV_BUILD_TOOLS = ["setuptools>=77.0.3,<81", "wheel", "ninja", "psutil"]
# mmdet3d 1.4.0 is installed without its dependencies: its metadata asks for open3d, nuscenes-devkit
# and lyft-dataset-sdk (GBs, and old pins that do not build on Python 3.11); these are what its
# modules import.
_MMDET3D = "mmdet3d==1.4.0"
_MMDET3D_DEPS = [
    "networkx>=2.5",
    "numba>=0.59",
    "plyfile",
    "scikit-image",
    "trimesh",
    "nuscenes-devkit==1.1.11",
    "lyft-dataset-sdk==0.0.8",
]


def _recipe(name: str) -> list[list[str]]:
    """The pip install steps of an environment, in order."""
    editable = ["-e", f".[{name},test]"]
    if name in ("detr_deit", "xnet_fusion"):
        steps = [
            [*_EXTRAS["torch"], *_MMCV_BUILD_TOOLS],
            ["--no-build-isolation", "mmcv==2.1.0"],
            editable,
        ]
        if name == "xnet_fusion":
            steps += [["--no-deps", _MMDET3D], _MMDET3D_DEPS]
        return steps
    return [editable]


def _install(session: nox.Session, name: str) -> None:
    """Install the environment's stack unless the stamp says it is already there."""
    recipe = _recipe(name)
    digest = hashlib.sha256(
        repr(recipe).encode() + (ROOT / "pyproject.toml").read_bytes()
    ).hexdigest()
    stamp = Path(session.virtualenv.location) / ".installed"
    if stamp.exists() and stamp.read_text() == digest:
        session.log(f"{name}: environment up to date, skipping install")
        return
    env = {"MMCV_WITH_OPS": "1", "MAX_JOBS": str(os.cpu_count() or 2)}
    for step in recipe:
        session.install(*step, env=env)
    stamp.write_text(digest)


def _model_session(name: str):
    def run(session: nox.Session) -> None:
        _install(session, name)
        args = session.posargs or []
        session.run("pytest", f"tests/{name}", *args, env={"PYTHONHASHSEED": "0"})

    run.__doc__ = f"Install the {name} stack and run tests/{name} (extra args go to pytest)."
    return run


for _name in MODELS:
    nox.session(name=_name, python=PYTHON)(_model_session(_name))


@nox.session(python=False)
def tests(session: nox.Session) -> None:
    """Every model's tests, each in its own environment."""
    for name in MODELS:
        session.notify(name, posargs=session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff check over the whole tree."""
    session.install(*_EXTRAS["lint"])
    session.run("ruff", "check", ".")
