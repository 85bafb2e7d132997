"""The recorder's wrappers, installed in this process: what is recorded, once, and in which order."""

from __future__ import annotations

import base64
from array import array

import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from migrator.harness.recorder import MAX_VALUES, Recorder, capture_values, loss_function_names  # noqa: E402


@pytest.fixture
def recorder():
    installed = Recorder().install()
    try:
        yield installed
    finally:
        installed.uninstall()


def values(entry):
    return [float.fromhex(v) for v in entry["v"]]


def test_loss_functions_are_all_found():
    names = set(loss_function_names(F))
    assert {"mse_loss", "nll_loss", "cross_entropy", "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div", "ctc_loss"} <= names
    assert "relu" not in names and "_Reduction" not in names


def test_uninstall_restores_torch():
    before = (F.mse_loss, torch.Tensor.backward, torch.autograd.backward, nn.Module.__init__)
    Recorder().install().uninstall()
    assert (F.mse_loss, torch.Tensor.backward, torch.autograd.backward, nn.Module.__init__) == before


def test_module_losses_and_backward_are_recorded_once(recorder):
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(8, 3), torch.randn(8, 1)
    expected = []
    for _ in range(3):
        optimizer.zero_grad()
        loss = nn.MSELoss(reduction="sum")(model(x), y)
        expected.append(loss.item())
        loss.backward()  # Tensor.backward calls torch.autograd.backward: one record
        optimizer.step()
    assert [values(e) for e in recorder.losses] == [[v] for v in expected]
    assert [e["fn"] for e in recorder.losses] == ["mse_loss"] * 3
    assert [values(e) for e in recorder.backward] == [[v] for v in expected]


def test_values_are_taken_when_computed(recorder):
    loss = F.l1_loss(torch.tensor([1.0]), torch.tensor([3.0]))
    loss.data.mul_(10)  # later in-place changes do not rewrite history
    assert values(recorder.losses[0]) == [2.0]


def test_nested_loss_calls_are_recorded_at_the_outside(recorder):
    inner = F.nll_loss

    def outer(*args, **kwargs):
        return inner(*args, **kwargs) * 1.0

    F.cross_entropy_like = outer  # a loss that calls another loss through the module
    try:
        wrapped = recorder._wrap_loss("cross_entropy_like", lambda *a: F.nll_loss(*a))
        wrapped(torch.log_softmax(torch.randn(4, 3), 1), torch.tensor([0, 1, 2, 0]))
    finally:
        del F.cross_entropy_like
    assert [e["fn"] for e in recorder.losses] == ["cross_entropy_like"]


def test_autograd_backward_records_every_root(recorder):
    a = torch.ones(2, requires_grad=True)
    torch.autograd.backward([(a * 2).sum(), (a * 3).sum()])
    assert [values(e) for e in recorder.backward] == [[4.0], [6.0]]


def test_legacy_shaped_loss_flattens_like_a_scalar():
    assert capture_values(torch.tensor([0.75])) == capture_values(torch.tensor(0.75))
    assert capture_values(torch.tensor([0.75]))["v"] == [(0.75).hex()]


def test_large_values_keep_a_prefix_and_a_digest():
    big = torch.arange(MAX_VALUES + 10, dtype=torch.float32)
    entry = capture_values(big)
    assert entry["n"] == MAX_VALUES + 10 and len(entry["v"]) == MAX_VALUES and len(entry["sha256"]) == 64
    changed = big.clone()
    changed[-1] += 1
    assert capture_values(changed)["sha256"] != entry["sha256"]


def test_parameters_come_from_optimizers_with_module_names(recorder):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)
            self.unused = nn.Linear(2, 2)

    net = Net()
    torch.optim.SGD(net.fc.parameters(), lr=0.1)
    torch.optim.Adam(net.fc.parameters())  # the same parameters twice: recorded once
    snapshot = recorder.snapshot()
    assert snapshot["parameter_source"] == "optimizer"
    assert [p["name"] for p in snapshot["parameters"]] == ["Net.fc.weight", "Net.fc.bias"]
    weight = array("f", base64.b64decode(snapshot["parameters"][0]["data"]))
    assert list(weight) == net.fc.weight.detach().reshape(-1).tolist()


def test_without_an_optimizer_live_module_parameters_are_taken(recorder):
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    snapshot = recorder.snapshot()
    assert snapshot["parameter_source"] == "modules"
    assert [p["name"] for p in snapshot["parameters"]] == ["Sequential.0.weight", "Sequential.0.bias", "Sequential.1.weight", "Sequential.1.bias"]
    assert snapshot["parameters"][0]["shape"] == [3, 2]
    del model
