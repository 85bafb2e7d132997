"""Helpers for the legacy runtime tests: everything torch-related runs in fresh subprocesses.

`install()` mutates torch for the rest of a process, so every check runs in a child.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, Sequence

REPO = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).with_name("era_probe.py")
TIMEOUT = 240


def child_env() -> Dict[str, str]:
    """The environment of a child: this checkout importable, one thread per child."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["OMP_NUM_THREADS"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_python(args: Sequence[str], cwd: Path = REPO) -> subprocess.CompletedProcess:
    """Run `python -W always ARGS...` to completion, capturing text output."""
    return subprocess.run(
        [sys.executable, "-W", "always", *args],
        cwd=str(cwd),
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def run_legacy(script: Path, argv: Sequence[str] = (), era: str = "0.3") -> subprocess.CompletedProcess:
    """Run `script` through `run_script` in a fresh interpreter, as the harness would."""
    code = f"from migrator.legacy import run_script; run_script({str(script)!r}, {list(argv)!r}, {era!r})"
    return run_python(["-c", code], cwd=script.parent)


def start_python(args: Sequence[str]) -> subprocess.Popen:
    """Start `python -W always ARGS...` in the background."""
    return subprocess.Popen(
        [sys.executable, "-W", "always", *args],
        cwd=str(REPO),
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
