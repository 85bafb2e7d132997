"""The pre-commit hooks, through the real `pre-commit try-repo` in a temporary git repository.

pre-commit installs the hook repository with pip into a fresh environment on every
`try-repo`. The dependencies are fetched once into a wheelhouse kept in pytest's cache
and installed from there without an index, so only the first run needs PyPI. The test
is skipped when pre-commit is not installed.
"""

from __future__ import annotations

import os
import shutil
import tomllib
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pre_commit")
if shutil.which("git") is None:
    pytest.skip("needs git", allow_module_level=True)

ROOT = Path(__file__).resolve().parent.parent
LEGACY = "import torch\nfrom torch.autograd import Variable\nx = Variable(torch.ones(2))\nprint(x.sum().data[0])\n"
MIGRATED = "import torch\nx = torch.ones(2)\nprint(x.sum().item())\n"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.com",
}


def _git(cwd: Path, *args: str) -> None:
    """Run git in `cwd` with a fixed identity."""
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env={**os.environ, **GIT_ENV})


def _hook_repository(target: Path) -> Path:
    """This checkout's package as committed files, tracked or not yet.

    `try-repo` on a working copy commits only changes to tracked files, so a copy of
    what pip needs keeps the test honest about uncommitted and new files alike, and
    independent of whether the checkout is a git clone at all.
    """
    target.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", ".pre-commit-hooks.yaml"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, target / name)
    shutil.copytree(ROOT / "migrator", target / "migrator", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    _git(target, "init", "-q")
    _git(target, "add", "-A")
    _git(target, "commit", "-q", "-m", "hooks")
    return target


def _wheelhouse(cache) -> Path:
    """Wheels of the package's runtime and build requirements, downloaded on the first run only."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    requirements = sorted(project["project"]["dependencies"] + project["build-system"]["requires"])
    folder = Path(cache.mkdir("migrator-hook-wheels"))
    stamp = folder / "requirements.txt"
    if not stamp.exists() or stamp.read_text() != "\n".join(requirements):
        completed = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(folder), *requirements],
            capture_output=True, text=True,
        )
        if completed.returncode != 0:
            pytest.skip(f"cannot fetch the hook's dependencies: {completed.stderr.strip().splitlines()[-1:]}")
        stamp.write_text("\n".join(requirements))
    return folder


def _try_repo(work: Path, hooks: Path, hook: str, *files: str, home: Path, wheels: Path) -> subprocess.CompletedProcess:
    """`pre-commit try-repo HOOKS HOOK --files FILES` in `work`, installing from the wheelhouse."""
    env = {
        **os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels),
    }
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hooks), hook, "--files", *files],
        cwd=work, capture_output=True, text=True, env=env, timeout=600,
    )


def test_hooks_fix_then_pass(tmp_path, request):
    wheels = _wheelhouse(request.config.cache)
    hooks = _hook_repository(tmp_path / "hooks")
    work = tmp_path / "work"
    work.mkdir()
    _git(work, "init", "-q")
    (work / "legacy.py").write_text(LEGACY)
    (work / "other.py").write_text(LEGACY)
    _git(work, "add", "-A")
    home = tmp_path / "pre-commit-home"

    first = _try_repo(work, hooks, "migrator", "legacy.py", home=home, wheels=wheels)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout
    assert (work / "legacy.py").read_text() == MIGRATED

    second = _try_repo(work, hooks, "migrator", "legacy.py", home=home, wheels=wheels)
    assert second.returncode == 0, second.stdout + second.stderr

    checked = _try_repo(work, hooks, "migrator-check", "legacy.py", "other.py", home=home, wheels=wheels)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "other.py:3:5: TM101" in checked.stdout and "legacy.py:" not in checked.stdout
    assert (work / "other.py").read_text() == LEGACY
