"""Helpers for the robustness tests: run the CLI as a user would, and compute what it must write."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

from migrator.config import Settings
from migrator.engine import fix_source

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
TEMPORARY = re.compile(r"^\.(?P<name>.+)\.[^.]+\.migrator-tmp$")

# A short legacy script that every bad-input test puts next to the bad file: it must still be migrated.
GOOD = (
    b"import torch\n"
    b"from torch.autograd import Variable\n"
    b"import torch.nn.functional as F\n"
    b"\n"
    b"x = Variable(torch.ones(2))\n"
    b"y = x.cuda(async=True)\n"
    b"z = F.sigmoid(y)\n"
    b"loss = F.mse_loss(z, y, size_average=False)\n"
)


def legacy_fixtures() -> List[Path]:
    return sorted(FIXTURES.glob("**/legacy.py"))


@lru_cache(maxsize=None)
def migrated(source: bytes) -> bytes:
    """What `migrator fix` (default settings, no pyproject) must make of `source`, computed in-process."""
    return fix_source(source, Settings()).output


def run_cli(
    *args: str,
    cwd: Optional[Path] = None,
    env: Optional[Dict[str, str]] = None,
    timeout: float = 300,
    **kwargs,
) -> subprocess.CompletedProcess:
    """`migrator ARGS` in a fresh interpreter, as bytes, with this test session's venv."""
    environment = clean_environment()
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "migrator", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        **kwargs,
    )


def clean_environment() -> Dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MIGRATOR_")}
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    environment.pop("PYTHONWARNINGS", None)
    return environment


def stderr_text(result: subprocess.CompletedProcess) -> str:
    return result.stderr.decode("utf-8", "replace")


def assert_no_traceback(result: subprocess.CompletedProcess) -> None:
    for stream in (result.stdout, result.stderr):
        text = stream.decode("utf-8", "replace")
        assert "Traceback" not in text, text
        assert not re.search(r"^\w+(Error|Exception): ", text, re.M), text  # a raw exception line


def error_lines(result: subprocess.CompletedProcess, path: Path) -> List[str]:
    """The `PATH: error: ...` lines the run printed for `path`."""
    prefix = f"{path}: error: "
    return [line for line in stderr_text(result).splitlines() if line.startswith(prefix)]


def one_error(result: subprocess.CompletedProcess, path: Path) -> str:
    """The single one-line error reported for `path` (its message)."""
    lines = error_lines(result, path)
    assert len(lines) == 1, f"expected one error line for {path}, got {lines!r}\n{stderr_text(result)}"
    return lines[0].split(": error: ", 1)[1]


def temporary_leftovers(root: Path) -> List[Path]:
    return sorted(p for p in root.rglob("*") if p.name.endswith(".migrator-tmp"))


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def snapshot(root: Path, names: Iterable[Path]) -> Dict[Path, bytes]:
    return {p: p.read_bytes() for p in names}


def processes_in_group(group: int) -> List[int]:
    """Live (non-zombie) processes of a process group, from /proc."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        state, pgrp = fields[0], int(fields[2])
        if pgrp == group and state not in ("Z", "X"):
            alive.append(int(entry.name))
    return alive


def compiles(source: bytes, name: str = "<migrated>") -> Optional[str]:
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, name, "exec", dont_inherit=True)
    except SyntaxError as error:
        return f"{error.msg} (line {error.lineno})"
    return None


def no_pyproject_above(path: Path) -> bool:
    return not any((parent / "pyproject.toml").exists() for parent in [path, *path.parents])


def sequence_text(values: Sequence[object]) -> str:
    return ", ".join(str(v) for v in values)
