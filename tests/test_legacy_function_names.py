"""A legacy Function's graph nodes on the emulated runtime are named as a migration names them.

The legacy runtime runs an old-style Function through a bridging new-style Function
(migrator/legacy/autograd.py); torch names graph nodes after the Function class, so the
bridge must carry the user's class name or `print(y)` differs between the original and
its migration (`grad_fn=<DoubleBackward>`), and `migrator verify` reports a correct
migration as divergent.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.torch

SCRIPT = textwrap.dedent(
    """\
    import torch
    from torch.autograd import Function


    class Double(Function):
        def forward(self, x):
            return x * 2

        def backward(self, g):
            return g * 2


    y = Double()(torch.ones(2, requires_grad=True))
    print(y)
    print(type(y.grad_fn).__name__, y.grad_fn.name())
    """
)


def test_verify_finds_a_printed_grad_fn_equivalent(tmp_path):
    pytest.importorskip("torch")
    script = tmp_path / "gradfn_print.py"
    script.write_text(SCRIPT)
    result = subprocess.run(
        [sys.executable, "-m", "migrator", "verify", str(script)], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "equivalent:" in result.stdout and "stdout identical (2 lines)" in result.stdout


def test_legacy_runtime_prints_the_class_name(tmp_path):
    pytest.importorskip("torch")
    script = tmp_path / "gradfn_print.py"
    script.write_text(SCRIPT)
    code = f"from migrator.legacy import run_script; run_script({str(script)!r})"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines() == ["tensor([2., 2.], grad_fn=<DoubleBackward>)", "DoubleBackward DoubleBackward"]
