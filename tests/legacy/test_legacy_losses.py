"""Loss reduction flags and shapes (migrator/legacy/losses.py)."""

import pytest

pytest.importorskip("torch")
pytestmark = pytest.mark.torch


@pytest.mark.parametrize("era", ["0.3", "1.13"])
def test_reduction_flags_keep_their_meaning_quietly(check, era):
    assert check("reduction_flags").value(era) == {
        "size_average_false": 4.0,
        "reduce_false": [2, 2],
        "positional": 4.0,
        "nll_positional": 0.0,
    }
    assert check("reduction_flags").warnings(era) == []


@pytest.mark.parametrize("era, expected", [("0.3", [True, 4.0]), ("0.4", [True, 4.0]), ("1.0", [None, 1.0])])
def test_size_average_assignment_after_construction(check, era, expected):
    assert check("size_average_toggle").value(era) == expected


@pytest.mark.parametrize("era, expected", [("0.3", 0.0), ("0.4", 0.0), ("1.0", 1.333333)])
def test_same_numel_different_shape_is_elementwise_up_to_0_4(check, era, expected):
    assert check("pointwise_shape_mismatch").value(era) == expected


def test_other_legacy_loss_spellings_are_quiet(check):
    assert check("quiet_losses").value("0.4") is True
    assert check("quiet_losses").warnings("0.4") == []
