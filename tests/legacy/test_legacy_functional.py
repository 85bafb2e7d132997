"""Era defaults of torch.nn.functional (migrator/legacy/functional.py, init.py)."""

import pytest

pytest.importorskip("torch")
pytestmark = pytest.mark.torch

THIRDS = [0.0, 0.333333, 0.666667, 1.0]
QUARTERS = [0.0, 0.25, 0.75, 1.0]


@pytest.mark.parametrize("era, drops", [("0.3", False), ("0.4", False), ("1.0", True), ("1.13", True)])
def test_dropout_is_a_no_op_without_training_up_to_0_4(check, era, drops):
    value = check("dropout_default").value(era)
    assert (value["functional_zeros"] > 0) is drops
    assert value["module_zeros"] is True  # nn.Dropout passes self.training


@pytest.mark.parametrize("era, expected", [("0.3", THIRDS), ("0.4", QUARTERS), ("1.13", QUARTERS)])
def test_bilinear_upsampling_aligns_corners_up_to_0_3(check, era, expected):
    value = check("upsample_bilinear").value(era)
    assert value["functional"] == expected and value["module"] == expected
    assert value["explicit"] == QUARTERS
    assert check("upsample_bilinear").warnings(era) == []


@pytest.mark.parametrize("era, expected", [("1.4", [0.0, 0.625, 1.375, 2.0]), ("1.13", [0.0, 0.5, 1.166667, 1.833333])])
def test_fractional_scale_factor_recomputed_up_to_1_5(check, era, expected):
    assert check("interpolate_fractional_scale").value(era) == expected


@pytest.mark.parametrize("era, corner", [("0.3", -1.0), ("1.0", -1.0), ("1.4", -0.5)])
def test_grid_sampling_aligns_corners_up_to_1_2(check, era, corner):
    value = check("grid_sampling").value(era)
    assert value["affine_grid"] == [corner, corner]
    assert value["grid_sample"] == [0.0, 1.0, 2.0, 3.0]
    assert value["explicit"] == [-0.5, -0.5]
    assert check("grid_sampling").warnings(era) == []


def test_softmax_without_dim_is_quiet(check):
    assert check("softmax_implicit_dim").value("0.3") == [[1.0, 1.0], [1.0, 1.0]]
    assert check("softmax_implicit_dim").warnings("0.3") == []


def test_sigmoid_and_tanh(check):
    assert check("sigmoid_tanh").value("0.3") == [True, True]


def test_embedding_third_positional_is_max_norm_up_to_0_3(check):
    assert check("embedding_positional").value("0.3") == [1.0, 0.0]
    assert "padding_idx" in check("embedding_positional").value("0.4")["raised"]


def test_init_names_without_underscore(check):
    assert check("init_without_underscore").value("0.3") == [True, True, [0.5]]
    assert check("init_without_underscore").warnings("0.3") == []


@pytest.mark.parametrize("era, kind", [("0.3", "float"), ("1.0", "Tensor")])
def test_clip_grad_norm(check, era, kind):
    assert check("clip_grad_norm").value(era) == [kind, 5.0, [0.6, 0.8]]
    assert check("clip_grad_norm").warnings(era) == []
