"""Whole scripts through `run_script`, each in a fresh interpreter (migrator/legacy/__init__.py)."""

import json
import textwrap

import pytest
from legacy_support import run_legacy, run_python, start_python, TIMEOUT

pytest.importorskip("torch")
pytestmark = pytest.mark.torch

# A 0.3-style script: does not even compile on Python 3.7+ (`async=True`).
LEGACY_TRAIN = '''\
# -*- coding: utf-8 -*-
import sys
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.autograd import Variable, Function
from torch.nn import init
from torch.optim import lr_scheduler
from torch.utils.data import TensorDataset, DataLoader


class Clip(Function):
    def __init__(self, bound):
        super(Clip, self).__init__()
        self.bound = bound

    def forward(self, x):
        self.save_for_backward(x)
        return x.clamp(-self.bound, self.bound)

    def backward(self, grad_output):
        x, = self.saved_tensors
        grad = grad_output.clone()
        grad[x.abs() > self.bound] = 0
        return grad


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(4, 8)
        self.fc2 = nn.Linear(8, 3)
        self.unused = nn.Linear(3, 3)
        init.xavier_uniform(self.fc1.weight)
        init.constant(self.fc1.bias, 0.1)

    def forward(self, x):
        x = F.sigmoid(self.fc1(x))
        x = Clip(0.9)(x)
        x = F.dropout(x, 0.5)
        return F.log_softmax(self.fc2(x))


torch.manual_seed(int(sys.argv[1]))
X = torch.randn(32, 4)
y = (X[:, 0] > 0).long() + (X[:, 1] > 0).long()
loader = DataLoader(TensorDataset(data_tensor=X, target_tensor=y), batch_size=8)
model = Net()
model.cuda()
optimizer = optim.SGD(model.parameters(), lr=0.5, momentum=0.9, weight_decay=1e-3)
scheduler = lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
criterion = nn.NLLLoss(size_average=False)
for epoch in range(4):
    scheduler.step()
    model.train()
    total = 0
    for data, target in loader:
        data, target = Variable(data.cuda(async=True)), Variable(target.cuda(async=True))
        optimizer.zero_grad()
        loss = criterion(model(data), target)
        loss.backward(retain_variables=True)
        torch.nn.utils.clip_grad_norm(model.parameters(), 5.0)
        optimizer.step()
        total += loss.data[0]
    model.eval()
    output = model(Variable(X, volatile=True))
    test_loss = F.nll_loss(output, Variable(y), size_average=False).data[0]
    pred = output.data.max(1)[1]
    correct = pred.eq(y).sum()
    print(epoch, loss.data[0], '%.4f' % total, test_loss, np.float(correct), pred[0])
'''

# The same computation written for torch 2.x, reproducing the 0.3 semantics explicitly.
MIGRATED_TRAIN = '''\
import sys
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.autograd import Function
from torch.nn import init
from torch.optim import lr_scheduler
from torch.utils.data import TensorDataset, DataLoader


class Clip(Function):
    @staticmethod
    def forward(ctx, x, bound):
        ctx.save_for_backward(x)
        ctx.bound = bound
        return x.clamp(-bound, bound)

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        grad = grad_output.clone()
        grad[x.abs() > ctx.bound] = 0
        return grad, None


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.fc2 = nn.Linear(8, 3)
        self.unused = nn.Linear(3, 3)
        init.xavier_uniform_(self.fc1.weight)
        init.constant_(self.fc1.bias, 0.1)

    def forward(self, x):
        x = torch.sigmoid(self.fc1(x))
        x = Clip.apply(x, 0.9)
        x = F.dropout(x, 0.5, training=False)
        return F.log_softmax(self.fc2(x), dim=1)


torch.manual_seed(int(sys.argv[1]))
X = torch.randn(32, 4)
y = (X[:, 0] > 0).long() + (X[:, 1] > 0).long()
loader = DataLoader(TensorDataset(X, y), batch_size=8)
model = Net()
optimizer = optim.SGD(model.parameters(), lr=0.5, momentum=0.9, weight_decay=1e-3)
scheduler = lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
criterion = nn.NLLLoss(reduction='sum')
for epoch in range(4):
    model.train()
    total = 0
    for data, target in loader:
        optimizer.zero_grad(set_to_none=False)
        loss = criterion(model(data), target)
        loss.backward(retain_graph=True)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()
        total += loss.item()
    scheduler.step()
    model.eval()
    with torch.no_grad():
        output = model(X)
    test_loss = F.nll_loss(output, y, reduction='sum').item()
    pred = output.max(1)[1]
    correct = pred.eq(y).sum()
    print(epoch, loss.item(), '%.4f' % total, test_loss, float(correct), pred[0].item())
'''


def test_legacy_training_script_matches_its_migration(tmp_path):
    legacy, migrated = tmp_path / "legacy_train.py", tmp_path / "migrated_train.py"
    legacy.write_text(LEGACY_TRAIN, encoding="utf-8")
    migrated.write_text(MIGRATED_TRAIN, encoding="utf-8")
    stock = start_python([str(migrated), "3"])
    result = run_legacy(legacy, ["3"], era="0.3")
    stock_out, stock_err = stock.communicate(timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert stock.returncode == 0, stock_err
    assert result.stderr == ""  # quiet, even under -W always
    lines = result.stdout.splitlines()
    assert len(lines) == 4
    assert lines == stock_out.splitlines()


def test_runs_as_main_with_argv_file_and_path(tmp_path):
    (tmp_path / "helper.py").write_text("VALUE = 42\n")
    script = tmp_path / "script.py"
    script.write_text(
        textwrap.dedent(
            """\
            import io, os, sys
            import torch
            import helper

            class Net(torch.nn.Module):
                def __init__(self):
                    super(Net, self).__init__()
                    self.fc = torch.nn.Linear(2, 1)

            buffer = io.BytesIO()
            torch.save(Net(), buffer)
            buffer.seek(0)
            print(__name__, os.path.basename(__file__), sys.argv[1:], sys.path[0] == os.path.dirname(os.path.abspath(__file__)),
                  helper.VALUE, type(torch.load(buffer)).__name__)
            """
        )
    )
    code = (
        "import sys\nfrom migrator.legacy import run_script\n"
        f"run_script({str(script)!r}, ['a', 'b'], '1.0')\n"
        "print(sys.argv)\n"
    )
    result = run_python(["-c", code], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["__main__ script.py ['a', 'b'] True 42 Net", "['-c']"]


UNSUPPORTED = {
    "pstrf": ("import torch\ntorch.pstrf(torch.eye(2))\n", "torch.pstrf"),
    "reinforce": ("import torch\ntorch.ones(1, 2).multinomial(1).reinforce(1.0)\n", "reinforce()"),
    "stochastic_function": ("from torch.autograd import stochastic_function\n", "torch.autograd.stochastic_function"),
    "torch_legacy": ("import torch.legacy.nn\n", "torch.legacy"),
    "load_lua": ("from torch.utils.serialization import load_lua\nload_lua('model.t7')\n", "load_lua"),
    "print_statement": ("import torch\nprint 'loss', 1\n", "`print` statement"),
    "xrange": ("for i in xrange(3):\n    pass\n", "`xrange`"),
    "iteritems": ("for k, v in {1: 2}.iteritems():\n    pass\n", "`.iteritems()`"),
}


def test_unsupported_constructs_raise_legacy_unsupported(tmp_path):
    for name, (source, _) in UNSUPPORTED.items():
        (tmp_path / f"{name}.py").write_text(source)
    code = textwrap.dedent(
        f"""\
        import json
        from migrator.legacy import LegacyUnsupported, run_script
        report = {{}}
        for name in {sorted(UNSUPPORTED)!r}:
            try:
                run_script(name + ".py", [], "0.3")
            except LegacyUnsupported as error:
                report[name] = str(error)
            except BaseException as error:
                report[name] = "not LegacyUnsupported: " + repr(error)
            else:
                report[name] = "ran"
        print(json.dumps(report))
        """
    )
    result = run_python(["-c", code], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    for name, (_, construct) in UNSUPPORTED.items():
        assert construct in report[name], (name, report[name])
        assert "\n" not in report[name]
