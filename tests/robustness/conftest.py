"""Shared fixtures for the robustness tests (helpers live in `support.py`)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from robust_support import GOOD, no_pyproject_above, write  # noqa: E402


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """An empty directory with no pyproject.toml above it, so the CLI runs with default settings."""
    assert no_pyproject_above(tmp_path), "a pyproject.toml above the temporary directory would change the settings"
    return tmp_path


@pytest.fixture
def good(workdir: Path) -> Path:
    """A legacy script that must be migrated whatever else is on the command line."""
    return write(workdir / "good.py", GOOD)
