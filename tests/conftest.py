"""Shared pytest fixtures: where the repository and the real-data fixtures are, and the check
that a command stops with one error line."""

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES_DIR = REPO_ROOT / "tests" / "data"  # real KITTI frame, licence in its README.md


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """The real-data fixtures (``tests/data``); a missing folder is an error, not a skip."""
    if not (FIXTURES_DIR / "kitti" / "training").is_dir():
        raise FileNotFoundError(f"{FIXTURES_DIR}: expected the real-data fixtures (kitti/)")
    return FIXTURES_DIR


@pytest.fixture(scope="session")
def kitti_fixture_root(fixtures_dir: Path) -> Path:
    """Root of the one real KITTI frame (``training/{image_2,label_2,calib,velodyne}``)."""
    return fixtures_dir / "kitti"


@pytest.fixture
def exit_line():
    """exit_line(run) -> the message of the SystemExit that ``run()`` raises, checked to be one
    line starting "error: " (how every command reports bad input)."""
    def run_to_exit(run) -> str:
        with pytest.raises(SystemExit) as e:
            run()
        msg = str(e.value.code)
        assert msg.startswith("error: ") and "\n" not in msg
        return msg
    return run_to_exit
