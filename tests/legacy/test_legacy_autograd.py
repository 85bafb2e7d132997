"""Variable-era autograd on the legacy runtime (migrator/legacy/autograd.py)."""

import pytest

pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def test_volatile_propagates_through_modules_up_to_0_3(check):
    value = check("variable_volatile").value("0.3")
    assert value == {
        "input_volatile": True,
        "output_requires_grad": False,
        "output_volatile": True,
        "loss_requires_grad": False,
        "numpy_ok": True,
        "isinstance": True,
    }


@pytest.mark.parametrize("era", ["0.4", "1.4"])
def test_volatile_has_no_effect_from_0_4(check, era):
    value = check("variable_volatile").value(era)
    assert value["input_volatile"] is False and value["output_requires_grad"] is True


@pytest.mark.parametrize("era", ["0.3", "1.0"])
def test_volatile_spellings_are_quiet(check, era):
    for name in ("variable_volatile", "variable_positional_volatile", "volatile_assignment"):
        assert check(name).warnings(era) == []


def test_volatile_third_positional_and_assignment(check):
    assert check("variable_positional_volatile").value("0.3") == [True, False]
    assert check("volatile_assignment").value("0.3") is True
    assert check("volatile_assignment").value("1.0") is False


def test_variable_requires_grad_shares_storage(check):
    assert check("variable_requires_grad").value("0.3") == [True, True, False, [2.0, 2.0, 2.0]]


def test_creator_is_grad_fn(check):
    assert check("creator").value("0.1") == [True, True]


@pytest.mark.parametrize("era", ["0.1", "1.13"])
def test_backward_retain_variables(check, era):
    assert check("retain_variables").value(era) == [4.0, 4.0]


@pytest.mark.parametrize("era", ["0.3", "1.4"])
def test_autograd_backward_legacy_keywords(check, era):
    assert check("autograd_backward_variables").value(era) == [3.0, 3.0]
    assert check("autograd_backward_variables").warnings(era) == []


def test_one_element_gradient_for_a_scalar_output_only_up_to_0_3(check):
    assert check("backward_gradient_of_one_element").value("0.3") == [2.0, 2.0]
    assert "Mismatch in shape" in check("backward_gradient_of_one_element").value("1.0")["raised"]


@pytest.mark.parametrize("era", ["0.3", "1.13"])
def test_legacy_function_gradients(check, era):
    assert check("legacy_function").value(era) == {"out": [6.0, 16.0], "grad_a": [6.0, 8.0], "grad_b": None}
    assert check("legacy_function").warnings(era) == []


def test_legacy_function_instance_reused(check):
    # d/da [3*a*1 + 3*a*2] = 9
    assert check("legacy_function_reused_instance").value("0.3") == [9.0, 9.0]


def test_legacy_function_mark_dirty(check):
    assert check("legacy_function_mark_dirty").value("0.3") == [1.0, 1.0]


@pytest.mark.parametrize("era", ["0.1", "0.3", "1.13"])
def test_legacy_function_graph_nodes_are_named_after_the_class(check, era):
    """`grad_fn=<DoublerBackward>` as the new-style `Doubler` of a migration prints, not the bridge's name."""
    assert check("legacy_function_grad_fn_name").value(era) == ["DoublerBackward", "DoublerBackward", True, "ScaleBackward"]


def test_new_style_function_called_through_an_instance(check):
    assert check("new_style_function_called_on_instance").value("1.0") == [[9.0], [6.0]]


def test_reinforce_is_unsupported(check):
    message = check("reinforce").value("0.3")
    assert "reinforce()" in message and "torch.distributions" in message


def test_stochastic_function_import_is_unsupported_and_an_import_error(check):
    value = check("stochastic_function_import").value("0.3")
    assert value["unsupported"] is True
    assert "torch.autograd.stochastic_function" in value["message"]


def test_multinomial_draws_one_sample_by_default_up_to_0_3(check):
    assert check("multinomial_default").value("0.3") == [1]
    assert "num_samples" in check("multinomial_default").value("0.4")["raised"]
