"""The `torch.nn.functional` family (TM402-TM412) beyond the rules' inline examples.

Pure tests pin the rewrites (rank inference, era gates, argument mapping); the tests
marked `torch` execute snippets before and after the rewrite and compare the numbers,
in process where the fix is exact on current torch, against the legacy runtime of the
code's era where the fix restores an old default.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from migrator.config import Settings
from migrator.engine import check_source, fix_source

ROOT = Path(__file__).resolve().parents[2]


def fix(source: str, select=("TM4",), unsafe: bool = True, era: str = "auto") -> str:
    result = fix_source(textwrap.dedent(source).encode(), Settings(select=tuple(select), unsafe_fixes=unsafe, source_version=era))
    assert result.error is None, result.error
    return result.output.decode()


def found(source: str, code: str, era: str = "auto"):
    result = check_source(textwrap.dedent(source).encode(), Settings(select=(code,), unsafe_fixes=True, source_version=era))
    return [f for f in result.remaining if f.code == code]


def run(source: str, names=("out",)) -> dict:
    namespace: dict = {}
    exec(compile(textwrap.dedent(source), "<snippet>", "exec"), namespace)
    return {n: namespace[n] for n in names}


def _python(*args: str, cwd: Path) -> str:
    env = dict(os.environ, PYTHONHASHSEED="0", OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def legacy_and_migrated(tmp_path: Path, source: str, era: str, select=("TM4",)) -> tuple:
    """Stdout of `source` on the legacy runtime of `era`, and of its migration on current torch (warnings as errors)."""
    source = textwrap.dedent(source)
    (tmp_path / "legacy.py").write_text(source)
    (tmp_path / "migrated.py").write_text(fix(source, select, era=era))
    legacy = _python("-c", f"from migrator.legacy import run_script; run_script('legacy.py', era={era!r})", cwd=tmp_path)
    migrated = _python("-W", "error::DeprecationWarning", "-W", "error::FutureWarning", "migrated.py", cwd=tmp_path)
    return legacy, migrated


# --- rank inference (TM408) -------------------------------------------------------------------


def test_rank_follows_straight_line_assignments():
    out = fix(
        """\
        import torch
        import torch.nn.functional as F
        x = torch.randn(4, 5)
        a = F.softmax(x)
        x = x.view(2, 2, 5)
        b = F.softmax(x)
        c = F.softmax(x.sum(0))
        d = F.softmax(x.unsqueeze(0))
        e = F.softmax(x[0])
        f = F.softmax(x.mean(1, keepdim=True))
        """,
        select=("TM408",),
        unsafe=False,
    )
    assert "a = F.softmax(x, dim=1)" in out
    assert "b = F.softmax(x, dim=0)" in out  # 3-D input: the legacy rule picked dim 0
    assert "c = F.softmax(x.sum(0), dim=1)" in out
    assert "d = F.softmax(x.unsqueeze(0), dim=1)" in out
    assert "e = F.softmax(x[0], dim=1)" in out
    assert "f = F.softmax(x.mean(1, keepdim=True), dim=0)" in out


def test_rank_is_forgotten_across_branches_and_loops():
    source = """\
        import torch
        import torch.nn.functional as F
        x = torch.randn(4, 5)
        if flag:
            x = x.view(2, 2, 5)
        p = F.softmax(x)
        y = torch.randn(3, 3)
        for step in range(3):
            q = F.softmax(y)
            y = y.unsqueeze(0)
        z = torch.randn(2, 2)
        r = [F.softmax(z) for z in batches]
        """
    assert fix(source, select=("TM408",), unsafe=False) == textwrap.dedent(source)
    unsafe = fix(source, select=("TM408",))
    assert "F.softmax(x, dim=(0 if x.dim() in (0, 1, 3) else 1))" in unsafe
    assert "F.softmax(y, dim=(0 if y.dim() in (0, 1, 3) else 1))" in unsafe
    assert "F.softmax(z, dim=(0 if z.dim() in (0, 1, 3) else 1)) for z in batches" in unsafe


def test_rank_flows_through_modules_and_variable():
    out = fix(
        """\
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        from torch.autograd import Variable

        class Net(nn.Module):
            def __init__(self):
                super(Net, self).__init__()
                self.emb = nn.Embedding(10, 4)
                self.fc = nn.Linear(4, 3)
                self.head = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Dropout(0.5))

            def forward(self, ids):
                ids = ids.view(-1)
                return F.log_softmax(self.fc(self.emb(ids)))

        net = Net()
        v = Variable(torch.randn(6, 4))
        p = F.softmax(net.fc(F.relu(net.head(v))))
        """,
        select=("TM408",),
        unsafe=False,
    )
    assert "F.log_softmax(self.fc(self.emb(ids)), dim=1)" in out
    assert "F.softmax(net.fc(F.relu(net.head(v))), dim=1)" in out


def test_softmax_keeps_stacklevel_and_replaces_dim_none():
    out = fix(
        """\
        import torch
        import torch.nn.functional as F
        x = torch.randn(3)
        a = F.log_softmax(x, dim=None, _stacklevel=5)
        b = F.softmin(x, None)
        """,
        select=("TM408",),
    )
    assert "a = F.log_softmax(x, dim=0, _stacklevel=5)" in out
    assert "b = F.softmin(x, dim=0)" in out


def test_softmax_positional_dim_none_before_positional_stacklevel_stays_positional():
    out = fix("import torch\nimport torch.nn.functional as F\nx = torch.randn(3)\na = F.softmax(x, None, 5)\n", select=("TM408",))
    assert "a = F.softmax(x, 0, 5)" in out


def test_softmax_dim_added_to_a_multi_line_call_keeps_its_layout():
    """The new `dim=` on its own line at the arguments' indentation; each comment stays on its argument's line."""
    out = fix(
        """\
        import torch.nn.functional as F
        def f(x):
            return F.log_softmax(
                x,  # logits
            )
        p = F.softmax(
            x  # logits
        )
        """,
        select=("TM408",),
    )
    assert out == textwrap.dedent(
        """\
        import torch.nn.functional as F
        def f(x):
            return F.log_softmax(
                x,  # logits
                dim=(0 if x.dim() in (0, 1, 3) else 1),
            )
        p = F.softmax(
            x,  # logits
            dim=(0 if x.dim() in (0, 1, 3) else 1)
        )
        """
    )


def test_softmax_module_known_through_sequential_owner():
    out = fix(
        """\
        import torch
        import torch.nn as nn
        class M(nn.Module):
            def __init__(self):
                super(M, self).__init__()
                self.out = nn.Sequential(nn.Linear(4, 3), nn.LogSoftmax())
        model = M()
        x = torch.randn(5, 2, 4)
        y = model.out(x)
        """,
        select=("TM408",),
        unsafe=False,
    )
    assert "nn.LogSoftmax(dim=0)" in out  # 3-D input through a rank-keeping Linear


# --- upsampling and grid sampling --------------------------------------------------------------


def test_upsample_linear_depends_on_the_era():
    source = "import torch.nn.functional as F\ny = F.upsample(x, scale_factor=2, mode='bilinear')\n"
    assert "align_corners=True" in fix(source, era="0.3")
    assert "align_corners=False" in fix(source, era="0.4")
    assert [f.safety.value for f in found(source, "TM404", era="0.4")] == ["safe"]
    assert [f.safety.value for f in found("import torch.nn.functional as Fn\ny = Fn.upsample(x, None, 2, 'bilinear')\n", "TM404")] == ["unsafe"]
    assert not found(source, "TM404", era="0.3") and not found(source, "TM403", era="0.4")


def test_upsample_module_only_changes_for_legacy_code():
    source = "import torch.nn as nn\nup = nn.Upsample(scale_factor=2, mode='bilinear')\n"
    assert fix(source, era="0.4") == source
    assert fix(source, era="0.3") == "import torch.nn as nn\nup = nn.Upsample(scale_factor=2, mode='bilinear', align_corners=True)\n"


def test_recompute_scale_factor_for_tuples_and_integral_floats():
    source = """\
        import torch.nn.functional as F
        a = F.interpolate(x, scale_factor=(2.0, 2))
        b = F.interpolate(x, scale_factor=(1.5, 2), mode='bilinear', align_corners=False)
        """
    out = fix(source, select=("TM405",), era="1.0")
    assert "a = F.interpolate(x, scale_factor=(2.0, 2))\n" in out
    assert "align_corners=False, recompute_scale_factor=True)" in out
    assert fix(source, select=("TM405",), era="1.6") == textwrap.dedent(source)


def test_grid_sample_unknown_era_is_unsafe():
    source = "import torch.nn.functional as F\ny = F.grid_sample(x, g)\n"
    assert [f.safety.value for f in found(source, "TM407")] == ["unsafe"]
    assert [f.safety.value for f in found(source, "TM407", era="1.4")] == ["safe"]
    assert not found(source, "TM407", era="1.2")
    assert fix(source, select=("TM407",), unsafe=False) == source


def test_embedding_legacy_positional_only_for_old_code():
    source = "import torch.nn.functional as F\ne = F.embedding(ids, w, 2.0)\n"
    assert fix(source, era="0.3") == "import torch.nn.functional as F\ne = F.embedding(ids, w, max_norm=2.0)\n"
    assert fix(source, era="0.4") == source


# --- numbers ----------------------------------------------------------------------------------


@pytest.mark.torch
def test_upsample_aliases_give_identical_numbers():
    pytest.importorskip("torch")
    source = """\
        import warnings
        warnings.simplefilter('ignore')
        import torch
        import torch.nn.functional as F
        torch.manual_seed(0)
        x = torch.randn(2, 3, 5, 4)
        v = torch.randn(1, 2, 6)
        out = [
            F.upsample(x, scale_factor=2),
            F.upsample(x, (7, 9), None, 'bilinear', True),
            F.upsample(v, size=11, mode='linear', align_corners=False),
            F.upsample_nearest(x, None, 3),
            F.upsample_bilinear(x, size=(8, 8)),
            F.upsample_bilinear(x, None, 2),
        ]
        """
    migrated = fix(source, select=("TM402",), unsafe=False)
    assert "upsample" not in migrated.replace("import", "")
    before, after = run(source)["out"], run(migrated)["out"]
    import torch

    for a, b in zip(before, after):
        assert torch.equal(a, b)


@pytest.mark.torch
def test_softmax_dims_reproduce_the_implicit_rule():
    torch = pytest.importorskip("torch")
    source = """\
        import warnings
        warnings.simplefilter('ignore')
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        torch.manual_seed(0)
        a = torch.randn(5)
        b = torch.randn(3, 4)
        c = torch.randn(2, 3, 4)
        d = torch.randn(2, 3, 4, 5)
        e = torch.randn(2, 3, 4, 5, 2)
        lin = nn.Linear(4, 6)
        def unknown(t):
            return F.log_softmax(t)
        out = [F.softmax(a), F.log_softmax(b), F.softmin(c), F.softmax(d), F.log_softmax(e),
               F.softmax(lin(c)), F.log_softmax(b.view(2, 6)), nn.Softmax()(b)]
        out += [unknown(t) for t in (a, b, c, d, e)]
        """
    migrated = fix(source, select=("TM408",))
    assert "dim=None" not in migrated and migrated.count("dim=") == 9
    before, after = run(source)["out"], run(migrated)["out"]
    for x, y in zip(before, after):
        assert torch.equal(x, y)


@pytest.mark.torch
def test_dropout2d_on_3d_input_is_dropout1d():
    torch = pytest.importorskip("torch")
    source = """\
        import warnings
        warnings.simplefilter('ignore')
        import torch
        import torch.nn.functional as F
        torch.manual_seed(0)
        h = torch.randn(4, 6, 10)
        h = h.view(4, 6, -1)
        torch.manual_seed(1)
        out = F.dropout2d(h, 0.5, True)
        """
    migrated = fix(source, select=("TM410",))
    assert "F.dropout1d(h, 0.5, True)" in migrated
    assert torch.equal(run(source)["out"], run(migrated)["out"])


@pytest.mark.torch
def test_gumbel_softmax_without_eps_draws_the_same_sample():
    torch = pytest.importorskip("torch")
    source = """\
        import warnings
        warnings.simplefilter('ignore')
        import torch
        import torch.nn.functional as F
        logits = torch.randn(3, 5, generator=torch.Generator().manual_seed(0))
        torch.manual_seed(2)
        out = F.gumbel_softmax(logits, 0.5, True, 1e-20)
        """
    migrated = fix(source, select=("TM412",))
    assert "1e-20" not in migrated
    assert torch.equal(run(source)["out"], run(migrated)["out"])


ERA_SNIPPET = """\
import torch
import torch.nn as nn
import torch.nn.functional as F
torch.manual_seed(0)
x = torch.randn(1, 2, 3, 3)
up = nn.Upsample(scale_factor=2, mode='bilinear')
a = F.upsample(x, size=(5, 7), mode='bilinear')
theta = torch.Tensor([[[0.9, 0.1, 0.05], [-0.1, 1.1, 0.0]]])
grid = F.affine_grid(theta, x.size())
b = F.grid_sample(x, grid)
c = F.dropout(x, 0.5)
d = F.interpolate(x, scale_factor=1.7, mode='bilinear', align_corners=False) if hasattr(F, 'interpolate') else x
for t in (up(x), a, b, c, d):
    print(' '.join(v.hex() for v in t.reshape(-1).tolist()))
"""


@pytest.mark.torch
@pytest.mark.parametrize("era", ["0.3", "1.0"])
def test_era_fixes_reproduce_the_legacy_runtime(tmp_path, era):
    pytest.importorskip("torch")
    source = ERA_SNIPPET if era == "1.0" else ERA_SNIPPET.replace("d = F.interpolate", "d = x  # F.interpolate")
    legacy, migrated = legacy_and_migrated(tmp_path, source, era)
    assert migrated == legacy and len(legacy.splitlines()) == 5
