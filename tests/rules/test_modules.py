"""Module and environment rules (TM0xx)."""

from __future__ import annotations

import warnings

import pytest

from migrator.config import Settings
from migrator.engine import check_source, fix_source


def fix(source: str, era: str = "auto", unsafe: bool = True) -> str:
    result = fix_source(source.encode(), Settings(select=("TM0",), unsafe_fixes=unsafe, source_version=era))
    assert result.error is None, result.error
    return result.output.decode()


def run(source: str, **values):
    migrated = fix(source)
    namespace = dict(values)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exec(compile(migrated, "<migrated>", "exec"), namespace)
    return namespace, migrated


@pytest.mark.torch
def test_container_subclass_and_instance():
    torch = pytest.importorskip("torch")
    source = (
        "import torch\n"
        "import torch.nn as nn\n"
        "class Net(nn.Container):\n"
        "    def __init__(self):\n"
        "        super(Net, self).__init__()\n"
        "        self.fc = nn.Linear(2, 1)\n"
        "    def forward(self, x):\n"
        "        return self.fc(x)\n"
        "block = nn.Container(conv=nn.Conv2d(1, 1, 1), fc=nn.Linear(2, 2))\n"
    )
    ns, migrated = run(source)
    assert "Container" not in migrated
    assert ns["Net"]()(torch.zeros(3, 2)).shape == (3, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        legacy = torch.nn.Container(conv=torch.nn.Conv2d(1, 1, 1), fc=torch.nn.Linear(2, 2))
    assert list(ns["block"].state_dict()) == list(legacy.state_dict())  # the same keys
    assert [n for n, _ in ns["block"].named_children()] == ["conv", "fc"]


@pytest.mark.torch
def test_dotted_names_are_accepted_after_the_fix():
    pytest.importorskip("torch")
    source = (
        "import torch.nn as nn\n"
        "net = nn.Module()\n"
        "for i in range(2):\n"
        "    net.add_module('conv.%d' % i, nn.Linear(1, 1))\n"
        "net.register_buffer('stats.mean', None)\n"
    )
    ns, migrated = run(source)
    assert [n for n, _ in ns["net"].named_children()] == ["conv_0", "conv_1"]


@pytest.mark.torch
def test_single_layer_rnn_dropout_never_applied():
    torch = pytest.importorskip("torch")
    source = "import torch.nn as nn\nrnn = nn.LSTM(3, 4, dropout=0.5)\ngru = nn.GRU(3, 4, 1, True, False, 0.5, True)\n"
    migrated = fix(source)
    assert "dropout" not in migrated and "0.5" not in migrated
    x = torch.randn(5, 2, 3)
    for name, legacy_args in (("rnn", dict(dropout=0.5)), ("gru", dict(bidirectional=True, dropout=0.5))):
        torch.manual_seed(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            legacy = (torch.nn.LSTM if name == "rnn" else torch.nn.GRU)(3, 4, **legacy_args)
        torch.manual_seed(0)
        ns, _ = run(source)
        modern = ns[name]
        modern.load_state_dict(legacy.state_dict())
        legacy.train()
        modern.train()
        assert torch.equal(legacy(x)[0], modern(x)[0])  # train mode: dropout would show if applied


def test_pack_padded_sequence_only_for_legacy_eras():
    source = "from torch.nn.utils.rnn import pack_padded_sequence\np = pack_padded_sequence(x, lengths)\n"
    assert "enforce_sorted=False" in fix(source, era="0.4")
    assert fix(source, era="0.4", unsafe=False) == source
    assert fix(source, era="1.8") == source


def test_numpy_aliases():
    np = pytest.importorskip("numpy")
    source = "import numpy as np\nm = np.zeros(2, dtype=np.bool)\nf = np.array([1, 2]).astype(np.float)\nk = np.int(3.7)\n"
    ns, migrated = run(source)
    assert "np.bool" not in migrated and "np.float)" not in migrated
    assert ns["m"].dtype == np.dtype(bool) and ns["f"].dtype == np.float64 and ns["k"] == 3


def test_numpy_star_import_is_not_taken_for_aliases():
    source = "from numpy import *\nx = float(y)\nz = int(w)\n"
    assert fix(source) == source
    assert check_source(source.encode(), Settings(select=("TM005",))).remaining == ()
