"""Legacy originals on the emulated runtime: proving a right migration, catching a wrong one, run-legacy."""

from __future__ import annotations

import os
import textwrap
import time

import pytest

pytest.importorskip("torch")
pytestmark = pytest.mark.torch

from click.testing import CliRunner  # noqa: E402

from migrator.config import Settings  # noqa: E402
from migrator.verify import migrate_source, verify_against  # noqa: E402
from migrator.verify_commands import run_legacy, verify  # noqa: E402
from processes import HAS_PROC, survivors  # noqa: E402

legacy = pytest.importorskip("migrator.legacy")
if not hasattr(legacy, "install"):
    pytest.skip("the legacy runtime is not available yet", allow_module_level=True)

# 0.3 style: does not even compile on Python 3.7+ (`async=`), Variables, a (1,)-shaped loss.
LEGACY = textwrap.dedent(
    """\
    import torch
    from torch.autograd import Variable

    torch.manual_seed(777)
    x = Variable(torch.Tensor([[1.0], [2.0], [3.0]]))
    if torch.cuda.is_available():
        x = x.cuda(async=True)
    y = Variable(torch.Tensor([[2.0], [4.0], [6.0]]))
    model = torch.nn.Linear(1, 1)
    criterion = torch.nn.MSELoss(size_average=False)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for epoch in range(30):
        loss = criterion(model(x), y)
        print('%d %.6f' % (epoch, loss.data[0]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    """
)

MIGRATED = textwrap.dedent(
    """\
    import torch

    torch.manual_seed(777)
    x = torch.tensor([[1.0], [2.0], [3.0]])
    y = torch.tensor([[2.0], [4.0], [6.0]])
    model = torch.nn.Linear(1, 1)
    criterion = torch.nn.MSELoss(reduction='sum')
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for epoch in range(30):
        loss = criterion(model(x), y)
        print('%d %.6f' % (epoch, loss.item()))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    """
)


@pytest.fixture(scope="module")
def scripts(tmp_path_factory):
    directory = tmp_path_factory.mktemp("legacy")
    (directory / "legacy.py").write_text(LEGACY)
    (directory / "migrated.py").write_text(MIGRATED)
    (directory / "wrong.py").write_text(MIGRATED.replace("reduction='sum'", "reduction='mean'"))
    return directory


def test_legacy_original_against_right_wrong_and_rewritten_migrations(scripts):
    rewritten = migrate_source((scripts / "legacy.py").read_bytes(), Settings(), "legacy.py")
    assert b"Variable" not in rewritten
    right, wrong, in_memory = verify_against(scripts / "legacy.py", [scripts / "migrated.py", scripts / "wrong.py", rewritten])
    assert right.status == "equivalent", right.render_text()
    assert right.line() == (
        "equivalent: 30 losses bit-identical, 30 backward values bit-identical, stdout identical (30 lines), 2 parameters identical"
    )
    assert wrong.status == "divergent"
    losses = {s.name: s for s in wrong.sections}["losses"]
    assert losses.first[0].index == 0
    assert float(losses.first[0].original) == pytest.approx(3 * float(losses.first[0].migrated))
    assert in_memory.status == "equivalent", in_memory.render_text()
    assert in_memory.migrated is None


def test_run_legacy_streams_output_and_returns_the_exit_status(scripts, capfd):
    script = scripts / "exits.py"
    script.write_text(LEGACY.replace("range(30)", "range(2)") + "import sys\nprint(sys.argv[1:])\nsys.exit(int(sys.argv[1]))\n")
    result = CliRunner().invoke(run_legacy, [str(script), "3", "--flag"])
    assert result.exit_code == 3
    out = capfd.readouterr().out.splitlines()
    assert out[-1] == "['3', '--flag']" and out[0].startswith("0 ")


def test_run_legacy_refuses_an_unknown_era_before_running(scripts, capfd):
    result = CliRunner().invoke(run_legacy, ["--era", "9.9", str(scripts / "legacy.py")])
    assert result.exit_code == 2
    assert "not a PyTorch era: '9.9'" in result.output
    assert capfd.readouterr().out == ""  # the script never ran


def test_a_migration_made_in_memory_that_fails_is_divergent_and_named_so(tmp_path):
    script = tmp_path / "vector.py"
    script.write_text(
        "import torch\nfrom torch.autograd import Variable\ndef first(t):\n    return t.data[0]\n"
        "x = Variable(torch.ones(3))\nprint(first(x))\n"
    )
    result = CliRunner().invoke(verify, ["-q", "--unsafe-fixes", str(script)])
    assert result.exit_code == 1, result.output
    assert "divergent: the migrated script failed on stock torch" in result.output
    assert f"{script} (migrated in memory)" in result.output


@pytest.mark.skipif(not HAS_PROC, reason="finds survivors through /proc")
def test_run_legacy_timeout_kills_what_the_script_started(tmp_path):
    marker = f"migrator-test-{os.getpid()}-grandchild"
    script = tmp_path / "spawns.py"
    script.write_text(
        "import subprocess, sys, time\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)', '{marker}'])\n"
        "time.sleep(120)\n"
    )
    result = CliRunner().invoke(run_legacy, ["--timeout", "3", str(script)])
    assert result.exit_code == 124
    time.sleep(0.3)
    assert survivors(marker) == []



@pytest.mark.parametrize("command", [verify, run_legacy], ids=["verify", "run-legacy"])
def test_notebooks_are_refused_in_one_line(tmp_path, command):
    notebook = tmp_path / "nb.ipynb"
    notebook.write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n')
    result = CliRunner().invoke(command, [str(notebook)])
    assert result.exit_code == 2 and "jupyter nbconvert --to script" in result.output
