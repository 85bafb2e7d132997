"""Loss reduction (TM302-TM308) beyond the rules' inline examples."""

from __future__ import annotations

import textwrap

import pytest

from migrator.config import Settings
from migrator.engine import check_source, fix_source


def fix(source: str, select=("TM3",), unsafe: bool = True, era: str = "auto") -> str:
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


def test_flag_attribute_with_both_flags_is_reported_only():
    source = """\
        import torch.nn as nn
        c = nn.MSELoss()
        c.size_average = False
        c.reduce = True
        """
    assert fix(source, select=("TM303",)) == textwrap.dedent(source)
    assert len(found(source, "TM303")) == 2


def test_flag_attribute_non_literal_and_era():
    source = "import torch.nn as nn\nc = nn.L1Loss()\nc.size_average = avg\n"
    assert fix(source, select=("TM303",)) == "import torch.nn as nn\nc = nn.L1Loss()\nc.reduction = 'mean' if avg or avg is None else 'sum'\n"
    assert [f.safety.value for f in found(source, "TM303", era="1.0")] == ["unsafe"]
    assert [f.safety.value for f in found(source, "TM303", era="0.4")] == ["safe"]


def test_kl_div_reduction_none_or_sum_is_not_reported():
    source = "import torch.nn.functional as F\na = F.kl_div(x, y, reduce=False)\nb = F.kl_div(x, y, False)\nc = F.kl_div(x, y, reduction='sum')\n"
    assert not found(source, "TM304")


def test_pointwise_shapes_need_a_stated_rank():
    source = """\
        import torch
        import torch.nn.functional as F
        a = F.mse_loss(model(x), y)
        b = F.l1_loss(out.view(-1), target)
        """
    assert not found(source, "TM306", era="0.3")
    assert len(found(source.replace("target)", "target.view(-1, 1))"), "TM306", era="0.3")) == 1
    assert not found(source.replace("target)", "target.view(-1, 1))"), "TM306", era="1.0")


@pytest.mark.torch
def test_safe_reduction_rewrites_give_identical_losses():
    torch = pytest.importorskip("torch")
    source = """\
        import warnings
        warnings.simplefilter('ignore')
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        torch.manual_seed(0)
        logp = F.log_softmax(torch.randn(2, 3, 4, 4), 1)
        target = torch.randint(0, 3, (2, 4, 4))
        crit = nn.NLLLoss2d(ignore_index=1)
        mse = nn.MSELoss(reduction='elementwise_mean')
        a, b = torch.randn(5, 3), torch.randn(5, 3)
        summed = nn.MSELoss()
        summed.size_average = False
        unreduced = nn.L1Loss()
        unreduced.reduce = False
        out = [crit(logp, target), mse(a, b), F.l1_loss(a, b, reduction='elementwise_mean'), summed(a, b), unreduced(a, b)]
        """
    migrated = fix(source, era="0.4")
    assert "NLLLoss2d" not in migrated and "elementwise_mean" not in migrated
    assert "summed.reduction = 'sum'" in migrated and "unreduced.reduction = 'none'" in migrated
    after = run(migrated)["out"]
    a, b = run(source, names=("a", "b")).values()
    assert torch.equal(after[3], ((a - b) ** 2).sum())  # what 0.4.0 computed after the toggle
    assert torch.equal(after[4], (a - b).abs())
    for x, y in zip(run(source)["out"][:3], after[:3]):
        assert torch.equal(x, y)


@pytest.mark.torch
def test_view_as_pairs_elements_as_legacy_losses_did():
    torch = pytest.importorskip("torch")
    source = """\
        import warnings
        warnings.simplefilter('ignore')
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        torch.manual_seed(0)
        pred = torch.randn(6, 1)
        y = torch.randn(6)
        p = torch.sigmoid(torch.randn(6, 1))
        t = torch.rand(6).round()
        bce = nn.BCELoss()
        out = [F.mse_loss(pred, y), F.smooth_l1_loss(pred, y), bce(p, t)]
        """
    migrated = fix(source, era="0.4")
    assert "y.view_as(pred)" in migrated and "t.view_as(p)" in migrated
    after = run(migrated)["out"]
    pred, y, p, t = run(migrated, names=("pred", "y", "p", "t")).values()
    flat = pred.reshape(-1)
    assert torch.equal(after[0], ((flat - y) ** 2).mean())
    assert torch.equal(after[1], F_smooth_l1(flat, y))
    assert torch.allclose(after[2], -(t * p.reshape(-1).log() + (1 - t) * (1 - p.reshape(-1)).log()).mean())


def F_smooth_l1(a, b):
    import torch

    d = (a - b).abs()
    return torch.where(d < 1, 0.5 * d * d, d - 0.5).mean()


def test_reduction_in_a_multi_line_call_keeps_layout_and_comments():
    """`reduction=` takes the first flag's line and comment; the other arguments keep theirs, none is copied."""
    source = """\
        import torch.nn as nn

        class Model(nn.Module):
            def __init__(self):
                self.crit = nn.CrossEntropyLoss(
                    size_average=False,
                    ignore_index=0,  # 0 is <pad>
                )
                self.nll = nn.NLLLoss(size_average=False,  # sum over tokens
                                      ignore_index=0)
        """
    expected = """\
        import torch.nn as nn

        class Model(nn.Module):
            def __init__(self):
                self.crit = nn.CrossEntropyLoss(
                    reduction='sum',
                    ignore_index=0,  # 0 is <pad>
                )
                self.nll = nn.NLLLoss(reduction='sum',  # sum over tokens
                                      ignore_index=0)
        """
    assert fix(source, select=("TM301",)) == textwrap.dedent(expected)


def test_dropped_second_flag_hands_its_comment_to_the_statement():
    source = "import torch.nn as nn\nc = nn.NLLLoss(\n    size_average=False,  # sum\n    reduce=True,  # per batch\n)\n"
    assert fix(source, select=("TM301",)) == "import torch.nn as nn\n# per batch\nc = nn.NLLLoss(\n    reduction='sum',  # sum\n)\n"
