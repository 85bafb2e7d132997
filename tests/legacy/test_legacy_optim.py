"""Optimizer and scheduler semantics of their era (migrator/legacy/optim.py)."""

import pytest

pytest.importorskip("torch")
pytestmark = pytest.mark.torch

LEGACY_STEP_LR = [1.0, 1.0, 0.1, 0.1, 0.01]  # <= 1.0, stepped at epoch start


@pytest.mark.parametrize("era", ["0.3", "1.0"])
def test_scheduler_stepped_at_epoch_start_up_to_1_0(check, era):
    assert check("step_lr_at_epoch_start").value(era) == LEGACY_STEP_LR
    assert check("step_lr_at_epoch_end").value(era) == [1.0, 1.0, 1.0, 0.1, 0.1]
    assert check("step_lr_at_epoch_start").warnings(era) == []


def test_scheduler_from_1_1(check):
    assert check("step_lr_at_epoch_start").value("1.4") == [1.0, 0.1, 0.1, 0.01, 0.01]
    assert check("step_lr_at_epoch_end").value("1.4") == LEGACY_STEP_LR


def test_other_schedulers_match_the_legacy_closed_forms(check):
    assert check("other_schedulers_at_epoch_start").value("0.3") == {
        "exponential": [1.0, 0.5, 0.25, 0.125, 0.0625],
        "cosine": [1.0, 0.853553, 0.5, 0.146447, 0.0],
        "lambda": [1.0, 0.5, 0.333333, 0.25, 0.2],
        "multistep": [1.0, 0.1, 0.1, 0.01, 0.01],
    }


def test_get_lr_reports_the_current_rate_up_to_1_3(check):
    rates, current = check("get_lr_outside_step").value("1.0")
    assert rates == [current]
    rates, current = check("get_lr_outside_step").value("1.4")
    assert rates == [round(current * 0.1, 6)]  # 2.x chainable form, as 1.4 already had
    assert check("get_lr_outside_step").warnings("1.0") == []


@pytest.mark.parametrize("era", ["0.3", "1.13"])
def test_verbose_argument_dropped(check, era):
    # ReduceLROnPlateau(opt, 'min', 0.5, 3, True): verbose is the 5th positional, threshold stays 1e-4
    assert check("scheduler_verbose").value(era) == [0.0001, 3, 0.5, 2, 0.9]


@pytest.mark.parametrize("era", ["0.3", "1.13"])
def test_zero_grad_zeroes_in_place(check, era):
    assert check("zero_grad_in_place").value(era) == [[[0.0, 0.0]], [0.0]]


def test_step_between_backwards_uses_the_new_weights_up_to_1_4(check):
    assert check("step_between_backwards").value("1.4")["second_uses_new_weights"] is True
    assert "modified by an inplace operation" in check("step_between_backwards").value("1.13")["raised"]


def test_data_updates_give_the_same_trajectories(check):
    legacy, modern = check("optimizer_trajectories").value("1.4"), check("optimizer_trajectories").value("1.13")
    assert legacy == modern
    assert legacy["sgd_momentum_state_keyed_by_param"] and legacy["adam_state_keyed_by_param"]
