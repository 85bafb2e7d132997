"""`loss.data[0]` and friends on the legacy runtime (migrator/legacy/scalars.py)."""

import pytest

pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def test_loss_data_index_is_a_python_float_up_to_0_3(check):
    assert check("loss_data_index").value("0.3") == {"type": "float", "equal": True}


def test_loss_data_index_is_an_alias_in_0_4(check):
    assert check("loss_data_index").value("0.4") == {"type": "Tensor", "equal": True}


def test_loss_index_raises_from_1_0(check):
    assert check("loss_data_index").value("1.0")["raised"].startswith("IndexError: invalid index of a 0-dim tensor")


@pytest.mark.parametrize("era", ["0.3", "0.4"])
def test_loss_index_keeps_the_graph(check, era):
    assert check("loss_index_keeps_graph").value(era) == {"type": "Tensor", "requires_grad": True, "last": True}


def test_printed_like_loss_item(check):
    legacy, modern = check("print_loss_data").value("0.3")
    assert legacy == modern


def test_reduction_index(check):
    assert check("reduction_index").value("0.3") == "float"


def test_one_d_tensors_index_and_iterate_to_numbers_up_to_0_3(check):
    assert check("tensor_element").value("0.3") == ["float", "float", "Tensor"]  # a Variable stays a tensor
    assert check("tensor_iteration").value("0.3") == ["int", "int"]
    assert check("tensor_element").value("0.4") == ["Tensor", "Tensor", "Tensor"]
    assert check("tensor_iteration").value("0.4") == ["Tensor", "Tensor"]


def test_torch_code_still_gets_tensors(check):
    assert check("element_index_from_torch_code").value("0.3") == "Tensor"


def test_cat_of_scalar_losses_up_to_0_3(check):
    assert check("cat_of_scalars").value("0.3") == [2]
    assert "zero-dimensional" in check("cat_of_scalars").value("0.4")["raised"]


def test_loss_numpy_and_tolist_are_one_element_up_to_0_3(check):
    assert check("loss_numpy_and_tolist_index").value("0.3") == [True, True, [1]]
    assert check("loss_numpy_and_tolist_index").value("1.0")["raised"].startswith("IndexError")
