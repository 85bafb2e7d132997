"""Which torch release a file was written for, read off its idioms."""

from __future__ import annotations

import pytest

from migrator.era import infer_era


@pytest.mark.parametrize(
    "source, era",
    [
        ("v = Variable(x)\n", (0, 3)),
        ("y.creator\n", (0, 1)),
        ("loss.backward(retain_variables=True)\n", (0, 3)),  # still an alias in 0.2 and 0.3
        ("crit = nn.MSELoss(size_average=False)\n", (0, 4)),
        ("x = torch.ones(2)\n", None),
        # 0.4 idioms next to older ones: the code ran on 0.4, where both worked
        ("v = Variable(x)\nprint(loss.item())\n", (0, 4)),
        ("print(loss.data[0])\nwith torch.no_grad():\n    pass\n", (0, 4)),
        ("v = Variable(x, volatile=True)\nt = torch.tensor([1.0])\n", (0, 4)),
        ("v = Variable(x)\ncrit = nn.L1Loss(reduction='sum')\n", (0, 4)),
        # newer idioms alone say nothing of how new the code is
        ("print(loss.item())\n", None),
        # evidence of 0.4 or later eras is not overruled
        ("y = F.upsample(x, scale_factor=2)\nprint(loss.item())\n", (1, 0)),
    ],
)
def test_era_inferred_from_idioms(source, era):
    assert infer_era(source)[0] == era


def test_the_reason_names_both_sides_of_a_mixed_file():
    era, why = infer_era("v = Variable(x)\nprint(loss.item())\n")
    assert era == (0, 4) and "`Variable(...)`" in why and "`.item()`" in why


UPSAMPLE = "import torch.nn.functional as F\ny = F.upsample(x, scale_factor=2, mode='bilinear')\n"


def test_an_inferred_era_bounds_the_code_from_above_only():
    """`F.upsample` says "at most 1.0": the code may be 0.3 code, whose bilinear upsampling aligned corners."""
    from migrator.config import Settings
    from migrator.engine import check_source

    inferred = [f for f in check_source(UPSAMPLE.encode(), Settings(select=("TM404",))).remaining]
    given = [f for f in check_source(UPSAMPLE.encode(), Settings(select=("TM404",), source_version="1.0")).remaining]
    assert [f.safety.value for f in inferred] == ["unsafe"]
    assert [f.safety.value for f in given] == ["safe"]


def test_fixing_twice_changes_nothing_the_second_time():
    """The first fix removes the idioms the era was read from (`.data[0]`): the second run must not
    take the file for newer code and apply what is exact only there."""
    from migrator.config import Settings
    from migrator.engine import fix_source

    source = (UPSAMPLE + "import torch.nn as nn\nloss = nn.MSELoss()(y, t)\nprint(loss.data[0])\n").encode()
    once = fix_source(source, Settings())
    assert once.changed and "loss.item()" in once.output.decode()
    assert fix_source(once.output, Settings()).output == once.output
