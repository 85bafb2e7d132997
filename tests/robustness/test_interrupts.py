"""Kill `migrator fix` over a large tree at random moments: every file is the original or the migration, never a mix.

SIGINT goes to the whole process group, as a terminal's Ctrl-C does; SIGKILL and
SIGTERM go to the group or to the main process only (an OOM killer, `kill PID`).
After SIGINT and SIGTERM no temporary file may remain; after SIGKILL a stale
`.NAME.XXXXXXXX.migrator-tmp` sibling may (the next run ignores it, see test_writes).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from robust_support import (
    GOOD,
    TEMPORARY,
    clean_environment,
    legacy_fixtures,
    migrated,
    processes_in_group,
    temporary_leftovers,
    write,
)

FILES = 400

CONFIGS = [  # jobs, signal, who receives it
    (2, "SIGINT", "group"),
    (1, "SIGINT", "group"),
    (2, "SIGKILL", "group"),
    (1, "SIGKILL", "group"),
    (2, "SIGKILL", "main"),
    (2, "SIGTERM", "main"),
    (1, "SIGTERM", "main"),
]
DEFAULT_CONFIGS = CONFIGS[:6]


def _small_legacy_scripts() -> List[bytes]:
    """Each rule's own legacy examples (the ones it rewrites): many quick writes, so kills land among them."""
    from migrator.registry import all_rules

    scripts = []
    for rule in all_rules():
        for example in rule.examples:
            if example.flagged and example.after not in (None, example.before):
                scripts.append(example.before.encode())
    return scripts


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Tuple[Path, Dict[str, bytes], Dict[str, bytes], float]:
    """400 legacy scripts in 20 directories (a quarter of them the fixtures, the rest small): their bytes,
    their expected migrations, and how long a run writes."""
    root = tmp_path_factory.mktemp("kill-template") / "tree"
    large = [p.read_bytes() for p in legacy_fixtures()] + [GOOD]
    small = _small_legacy_scripts()
    originals: Dict[str, bytes] = {}
    for index in range(FILES):
        number_in_directory = index // 20
        if number_in_directory % 4 == 0:
            source = large[(index // 4) % len(large)]
        else:
            source = small[index % len(small)]
        relative = f"pkg{index % 20:02d}/script_{index:03d}.py"
        write(root / relative, source)
        originals[relative] = source
    return root, originals, _Expected(originals), _writing_time(root, originals, tmp_path_factory.mktemp("calibration"))


def _writing_time(source_root: Path, originals: Dict[str, bytes], scratch: Path) -> float:
    """How long an uninterrupted run keeps writing after its first write, on this machine.

    Kills are aimed inside that window: a fixed delay would miss it on a faster engine or
    machine (the run already over) and waste time on a slower one.
    """
    root = scratch / "tree"
    shutil.copytree(source_root, root, symlinks=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "migrator", "fix", "-q", "--jobs", "1", str(root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        env=clean_environment(),
    )
    _wait_for_first_write(root, originals, process, 120)
    start = time.monotonic()
    process.wait(timeout=600)
    shutil.rmtree(root)
    return time.monotonic() - start


class _Expected(dict):
    """The migrated bytes of each file, computed in process when first needed (most files stay original)."""

    def __init__(self, originals: Dict[str, bytes]) -> None:
        super().__init__()
        self.originals = originals

    def __missing__(self, relative: str) -> bytes:
        value = self[relative] = migrated(self.originals[relative])
        return value


def _wait_for_first_write(root: Path, originals: Dict[str, bytes], process: subprocess.Popen, limit: float) -> None:
    deadline = time.monotonic() + limit
    stamps = {r: (root / r).stat().st_mtime_ns for r in originals}
    while time.monotonic() < deadline and process.poll() is None:
        for relative, stamp in stamps.items():
            if (root / relative).stat().st_mtime_ns != stamp:
                return
        time.sleep(0.05)
    pytest.fail("the run wrote nothing in time (or ended first)")


def _default_sigint() -> None:
    """Ctrl-C as in a terminal: a test run started in the background (`cmd &`, nohup) ignores
    SIGINT, and an ignored signal stays ignored in the child, which would then never see it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_gone(group: int, limit: float) -> None:
    deadline = time.monotonic() + limit
    while processes_in_group(group):
        assert time.monotonic() < deadline, f"processes of the killed run still alive: {processes_in_group(group)}"
        time.sleep(0.05)


def _run_and_kill(
    root: Path, originals: Dict[str, bytes], tmp_path: Path, jobs: int, signal_name: str, target: str, delay: float
) -> Optional[int]:
    """Run `migrator fix` over `root` and send the signal `delay` s after its first write; the
    run's exit status, or None when it ended before the signal could be sent."""
    number = getattr(signal, signal_name)
    with open(tmp_path / "out", "wb") as out, open(tmp_path / "err", "wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "migrator", "fix", "-q", "--jobs", str(jobs), str(root)],
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env=clean_environment(),
            start_new_session=True,
            preexec_fn=_default_sigint,
        )
        try:
            # Ctrl-C during interpreter start-up (imports) shows Python's own traceback, and a kill then
            # tests nothing: aim at a random moment once files are being written
            _wait_for_first_write(root, originals, process, 120)
            time.sleep(delay)
            if process.poll() is not None:
                return None
            if target == "group":
                os.killpg(process.pid, number)
            else:
                os.kill(process.pid, number)
            returncode = process.wait(timeout=120)
            _wait_gone(process.pid, 60)
            return returncode
        finally:
            if process.poll() is None or processes_in_group(process.pid):
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _trial(template, tmp_path: Path, jobs: int, signal_name: str, target: str, seed: int) -> Dict[str, object]:
    source_root, originals, expected, writing = template
    rng = random.Random(f"{jobs}-{signal_name}-{target}-{seed}")
    window = writing / 2  # within the first half of one process's writing time (two write faster)
    for attempt in range(4):
        root = tmp_path / f"tree-{jobs}-{signal_name}-{target}-{seed}-{attempt}"
        shutil.copytree(source_root, root, symlinks=True)
        returncode = _run_and_kill(root, originals, tmp_path, jobs, signal_name, target, rng.uniform(0.0, window))
        if returncode is not None:
            break
        shutil.rmtree(root)
        window /= 2  # the run was over before the kill: aim earlier
    else:
        pytest.fail("every run ended before it could be interrupted")
    stderr = (tmp_path / "err").read_bytes().decode("utf-8", "replace")
    migrated_count = 0
    for relative, original in originals.items():
        data = (root / relative).read_bytes()
        if data != original:
            assert data == expected[relative], f"{relative}: neither the original nor the migration ({len(data)} bytes)"
            migrated_count += 1
    leftovers = temporary_leftovers(root)
    if signal_name == "SIGKILL":
        assert returncode == -signal.SIGKILL
        for leftover in leftovers:
            match = TEMPORARY.match(leftover.name)
            assert match and (leftover.parent / match.group("name")).is_file(), leftover
    else:
        assert not leftovers, leftovers
        assert "Traceback" not in stderr, stderr
        if signal_name == "SIGINT":
            assert returncode == 130, (returncode, stderr)
            assert stderr.strip().splitlines()[-1] == "migrator: interrupted", stderr
        else:
            assert returncode == -signal.SIGTERM, (returncode, stderr)
    assert migrated_count > 0  # the kill came after the first write
    shutil.rmtree(root)
    return {"migrated": migrated_count, "leftovers": len(leftovers)}


@pytest.mark.parametrize("jobs, signal_name, target", DEFAULT_CONFIGS, ids=lambda v: str(v))
def test_kill_leaves_every_file_whole(jobs, signal_name, target, template, tmp_path, request) -> None:
    outcome = _trial(template, tmp_path, jobs, signal_name, target, seed=0)
    _record(request, f"kill {signal_name}->{target} jobs={jobs} seed=0", outcome)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("jobs, signal_name, target", CONFIGS, ids=lambda v: str(v))
def test_kill_leaves_every_file_whole_more_seeds(jobs, signal_name, target, seed, template, tmp_path, request) -> None:
    outcome = _trial(template, tmp_path, jobs, signal_name, target, seed=seed)
    _record(request, f"kill {signal_name}->{target} jobs={jobs} seed={seed}", outcome)


def _record(request, key: str, value: object) -> None:
    figures = request.config.cache.get("robustness/figures", {})
    figures[key] = value
    request.config.cache.set("robustness/figures", figures)
