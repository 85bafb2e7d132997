"""Devices, data, masks, division and reductions (devices.py, data.py, masks.py, division.py, reductions.py)."""

import pytest

pytest.importorskip("torch")
pytestmark = pytest.mark.torch


@pytest.mark.parametrize("era", ["0.3", "1.13"])
def test_cuda_calls_run_on_the_cpu(check, era):
    assert check("cuda_on_cpu").value(era) == {
        "tensor": True,
        "module": True,
        "types": ["torch.float32", "torch.int64"],
        "cast": ["torch.int64", "torch.float64", "torch.FloatTensor"],
        "pin_memory": True,
        "current_device": 0,
    }
    assert check("cuda_on_cpu").warnings(era) == []


def test_default_cuda_tensor_type(check):
    assert check("default_tensor_type_cuda").value("0.3") == "torch.float64"


def test_tensor_dataset_keywords(check):
    assert check("tensor_dataset_keywords").value("0.3") == [3, [2.0, 3.0], 1]


def test_torch_six_and_numpy_aliases(check):
    assert check("six_module").value("1.0") == [True, True, True, True]
    assert check("numpy_aliases").value("1.0") == [1.5, 2, 3.5, True]
    assert check("numpy_aliases").warnings("1.0") == []


def test_load_unpickles_whole_checkpoints(check):
    assert check("load_full_pickle").value("1.13") == ["Linear", 1.5]


@pytest.mark.parametrize("era", ["0.3", "1.13"])
def test_uint8_masks(check, era):
    assert check("uint8_masks").value(era) == {
        "masked_fill": [9.0, -1.0, 9.0],
        "masked_fill_": [9.0, -1.0, 9.0],
        "masked_select": [1.0, 2.0],
        "setitem": [0.0, -1.0, 0.0],
        "getitem": [1.0, 2.0],
    }
    assert check("uint8_masks").warnings(era) == []


def test_one_minus_comparison_is_uint8_up_to_1_1(check):
    assert check("one_minus_comparison").value("1.0") == [[0, 1, 0], "torch.uint8"]
    assert "bool tensor is not supported" in check("one_minus_comparison").value("1.4")["raised"]


def test_integer_division_truncates_up_to_1_4(check):
    assert check("integer_division").value("1.4") == {
        "operator": [2, -2],
        "tensor_tensor": [2, -2],
        "function": [2, -2],
        "method": [2, -2],
        "reflected": [3, -3],
        "in_place": [2, -2],
        "float": [2.5, -2.5],
    }
    modern = check("integer_division").value("1.13")
    assert modern["operator"] == [2.5, -2.5] and modern["reflected"] == [3.5, -3.5]


@pytest.mark.parametrize("era, expected", [("0.3", [0.375, -2.0]), ("1.4", [0.0, -1.0]), ("1.13", [0.375, -2.0])])
def test_division_of_full_reductions(check, era, expected):
    # <= 0.3 `t.sum()` was a Python int, so Python's / and // applied; 0.4-1.4 truncated
    assert check("division_of_counts").value(era) == expected


def test_floor_division_truncates_up_to_1_12(check):
    assert check("floor_division").value("1.4") == [[2, -2], [-2.0], [2, -2]]
    assert check("floor_division").value("1.13") == [[2, -3], [-3.0], [2, -3]]


def test_reductions_keep_the_dim_in_0_1(check):
    assert check("keepdim_default").value("0.1") == {
        "method": [2, 1],
        "function": [1, 3],
        "max": [2, 1],
        "explicit": [2],
        "elementwise_max": [2, 3],
        "torch_code": [2],
    }
    assert check("keepdim_default").value("0.3")["method"] == [2]
