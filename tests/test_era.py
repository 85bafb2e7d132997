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
