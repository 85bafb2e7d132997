"""The worker pool: workers retire after a few dozen files, and every file is still processed once."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from migrator import runner
from migrator.config import Settings
from migrator.runner import FileOutcome, Mode, process_files

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")


def _pid_of_worker(item) -> FileOutcome:
    """Stands in for `_work` (inherited by the forked workers): which process took the file."""
    return FileOutcome(str(item[0]), era_reason=str(os.getpid()))


def test_workers_retire_and_every_file_is_processed_once(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(runner, "_work", _pid_of_worker)
    monkeypatch.setattr(runner, "_FILES_PER_WORKER", 4)
    files = [tmp_path / f"f{i}.py" for i in range(40)]
    outcomes = list(process_files(files, Settings(), Mode(), jobs=2))
    assert sorted(o.path for o in outcomes) == sorted(map(str, files))
    workers = {o.era_reason for o in outcomes}
    assert str(os.getpid()) not in workers
    assert len(workers) >= 40 // 4  # each took at most four files (one per task at this size)


def test_a_worker_says_nothing_once_its_parent_is_gone(capsys) -> None:
    parent_alive = runner._SilentOnceOrphaned(sys.stdout, os.getppid())
    parent_gone = runner._SilentOnceOrphaned(sys.stdout, -1)
    assert parent_alive.write("seen\n") == 5
    assert parent_gone.write("BrokenPipeError\n") == 16
    assert capsys.readouterr().out == "seen\n"


def test_real_files_give_the_same_findings_with_retiring_workers(monkeypatch, tmp_path: Path) -> None:
    legacy = b"import torch\nfrom torch.autograd import Variable\nx = Variable(torch.ones(2))\nprint(x.data[0])\n"
    files = []
    for i in range(24):
        path = tmp_path / f"s{i}.py"
        path.write_bytes(legacy if i % 3 else b"x = 1\n")
        files.append(path)
    mode = Mode(fix=False, write=False)
    alone = {o.path: o.remaining for o in process_files(files, Settings(), mode, jobs=1)}
    monkeypatch.setattr(runner, "_FILES_PER_WORKER", 2)
    pooled = {o.path: o.remaining for o in process_files(files, Settings(), mode, jobs=2)}
    assert pooled == alone
    assert sum(len(found) for found in alone.values()) >= 16
