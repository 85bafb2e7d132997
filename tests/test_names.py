"""The cheap import table agrees with libcst's full scope analysis on the names rules match."""

from __future__ import annotations

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, QualifiedNameProvider

from migrator.names import ImportTable, canonical

SNIPPETS = [
    "import torch\ntorch.autograd.Variable(x)\n",
    "import torch.nn as nn\nnn.MSELoss()\n",
    "from torch import nn\nnn.functional.sigmoid(x)\n",
    "import torch.nn.functional as F\nF.sigmoid(x)\n",
    "from torch.autograd import Variable as V\nV(x)\n",
    "from torch.autograd.variable import Variable\nVariable(x)\n",
    "import torch.autograd as ag\nag.Variable(x)\n",
    "import torch.nn\ntorch.nn.BCELoss()\n",
    "from torch.nn import init\ninit.xavier_uniform(w)\n",
    "from torch.nn.functional import tanh as th\nth(x)\n",
    "try:\n    import torch.nn.functional as F\nexcept ImportError:\n    F = None\nF.tanh(x)\n",
    "if True:\n    from torch.autograd import Variable\nVariable(x)\n",
]

LOOK_ALIKES = [
    "class Variable:\n    pass\nVariable(x)\n",
    "def sigmoid(x):\n    return x\nsigmoid(x)\n",
    "from torch.autograd import Variable\nclass Variable:\n    pass\nVariable(x)\n",
    "import numpy as F\nF.tanh(x)\n",
    "Variable = make()\nVariable(x)\n",
]


def _calls(module: cst.Module):
    return [node for node in _walk(module) if isinstance(node, cst.Call)]


def _walk(node):
    yield node
    for child in node.children:
        yield from _walk(child)


def _reference(source: str):
    wrapper = MetadataWrapper(cst.parse_module(source))
    calls = _calls(wrapper.module)
    expected = []
    for call in calls:
        found = wrapper.resolve(QualifiedNameProvider).get(call.func)
        found = found() if callable(found) else (found or ())
        expected.append({canonical(q.name) for q in found})
    return wrapper.module, expected


@pytest.mark.parametrize("source", SNIPPETS)
def test_table_matches_scope_analysis(source):
    module, expected = _reference(source)
    table = ImportTable.from_module(module)
    for call, names in zip(_calls(module), expected):
        ours = table.qualified_name(call.func)
        assert ours is not None and ours in names, (ours, names)


@pytest.mark.parametrize("source", LOOK_ALIKES)
def test_own_definitions_are_not_torch(source):
    module = cst.parse_module(source)
    table = ImportTable.from_module(module)
    for call in _calls(module):
        name = table.qualified_name(call.func)
        assert name is None or not name.startswith("torch"), name


def test_canonical_spellings():
    assert canonical("torch.nn.modules.loss.MSELoss") == "torch.nn.MSELoss"
    assert canonical("torch.autograd.variable.Variable") == "torch.autograd.Variable"
    assert canonical("torch.nn.functional.relu") == "torch.nn.functional.relu"


def test_star_import_resolves_to_the_module():
    module = cst.parse_module("from torch.autograd import *\nVariable(x)\n")
    table = ImportTable.from_module(module)
    assert table.qualified_name(_calls(module)[0].func) == "torch.autograd.Variable"


def test_local_spelling_prefers_existing_bindings():
    table = ImportTable.from_module(cst.parse_module("import torch as th\nfrom torch import nn\n"))
    assert table.local_name_for("torch.sigmoid") == "th.sigmoid"
    assert table.local_name_for("torch.nn.MSELoss") == "nn.MSELoss"
    assert table.local_name_for("numpy.zeros") is None


def test_match_statements_are_walked():
    source = "match x:\n    case 1:\n        from torch.autograd import Variable\n    case _:\n        pass\nVariable(x)\n"
    module = cst.parse_module(source)
    table = ImportTable.from_module(module)
    assert table.qualified_name(_calls(module)[0].func) == "torch.autograd.Variable"
