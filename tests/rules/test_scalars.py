"""Scalar extraction (TM202-TM209) beyond the rules' inline examples."""

from __future__ import annotations

import contextlib
import io
import textwrap

import pytest

from migrator.config import Settings
from migrator.engine import check_source, fix_source


def fix(source: str, select=("TM2",), unsafe: bool = True, era: str = "auto") -> str:
    result = fix_source(textwrap.dedent(source).encode(), Settings(select=tuple(select), unsafe_fixes=unsafe, source_version=era))
    assert result.error is None, result.error
    return result.output.decode()


def found(source: str, code: str):
    result = check_source(textwrap.dedent(source).encode(), Settings(select=(code,), unsafe_fixes=True))
    return [f for f in result.remaining if f.code == code]


def printed(source: str) -> str:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(compile(textwrap.dedent(source), "<snippet>", "exec"), {})
    return buffer.getvalue()


LOOP = """\
import torch
import torch.nn as nn
torch.manual_seed(0)
model = nn.Linear(3, 1)
criterion = nn.MSELoss()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
"""


# --- accumulation guards (TM208, TM209) -----------------------------------------------------------


@pytest.mark.parametrize(
    "use",
    [
        "return total",
        "total.backward()",
        "history.append(total)",
        "print(total.item())",
        "avg = total / n\nreturn avg",
        "best = min(best, total)",
    ],
)
def test_loss_total_used_as_a_tensor_stays(use):
    source = LOOP + "def f(xs, n, history, best):\n    total = 0\n    for x in xs:\n        loss = criterion(model(x), x)\n        total += loss\n" + textwrap.indent(use, "    ") + "\n"
    assert not found(source, "TM209")


@pytest.mark.parametrize(
    "use",
    [
        "print(total)",
        "print('%.3f %d' % (total / n, n))",
        "print('{:.3f}'.format(total))",
        "print(f'{total:.3f}')",
        "if total < 1.0:\n    print('small')",
        "avg = total / n\nprint(avg)",
        "writer.add_scalar('loss', total, 0)",
    ],
)
def test_loss_total_only_printed_is_fixed(use):
    source = LOOP + "total = 0.0\nfor x in xs:\n    loss = criterion(model(x), x)\n    total += loss\n" + use + "\n"
    assert "total += loss.item()" in fix(source, select=("TM209",))


def test_loss_total_needs_a_number_start():
    source = LOOP + "total = torch.zeros(1)\nfor x in xs:\n    loss = criterion(model(x), x)\n    total += loss\nprint(total)\n"
    assert not found(source, "TM209")


def test_loss_times_batch_size_is_a_loss():
    source = LOOP + "total = 0\nloss = criterion(model(x), x)\ntotal += loss * x.size(0)\nprint(total / 10)\n"
    assert "total += (loss * x.size(0)).item()" in fix(source, select=("TM209",))


def test_reduction_accumulated_through_data_and_casts():
    source = "correct = 0\ncorrect += pred.eq(target.data).cpu().long().sum()\nprint('%d' % correct)\n"
    assert "correct += pred.eq(target.data).cpu().long().sum().item()" in fix(source, select=("TM208",))
    assert not found(source.replace("pred.eq(target.data)", "pred"), "TM208")


# --- conversions -----------------------------------------------------------------------------------


def test_format_strings_with_mappings_or_stars_are_skipped():
    source = LOOP + "loss = criterion(a, b)\nprint('%(l).4f' % {'l': loss})\nprint('%*.*f' % (8, 3, loss))\nprint('%% %.4f' % loss)\n"
    out = fix(source, select=("TM207",))
    assert "{'l': loss}" in out and "(8, 3, loss)" in out and "'%% %.4f' % loss.item()" in out


def test_format_with_keyword_and_index_fields():
    source = LOOP + "loss = criterion(a, b)\nprint('{0} {l:.4f} {0:>6}'.format(step, l=loss))\nprint('{x.y:.2f}'.format(x=loss))\n"
    out = fix(source, select=("TM207",))
    assert "format(step, l=loss.item())" in out and "format(x=loss)" in out


def test_float_of_a_reduction_keeps_its_type():
    source = "import torch\ns = x.sum()\nv = float(s)\n"
    assert not found(source, "TM207")


def test_numpy_index_unknown_receiver_is_reported_not_fixed():
    source = "v = output.data.numpy()[0]\n"
    assert fix(source, select=("TM202",)) == source
    assert [f.safety.value for f in found(source, "TM202")] == ["none"]


def test_cat_of_list_mutated_otherwise_stays():
    source = LOOP + "losses = []\nlosses.append(criterion(a, b))\nlosses.extend(more)\ntotal = torch.cat(losses)\n"
    assert not found(source, "TM205")


def test_data_numpy_dataset_heuristics():
    source = "a = loader.dataset.data.numpy()\nb = ds.data.numpy()\nc = self.train_data.data.numpy()\nd = net.fc.bias.data.numpy()\n"
    out = fix(source, select=("TM206",))
    assert out == "a = loader.dataset.data.numpy()\nb = ds.data.numpy()\nc = self.train_data.data.numpy()\nd = net.fc.bias.detach().numpy()\n"


# --- numbers ------------------------------------------------------------------------------------------


@pytest.mark.torch
def test_rewritten_training_loop_prints_the_same(recwarn):
    pytest.importorskip("torch")
    source = LOOP + textwrap.dedent(
        """\
        import numpy as np
        np.asscalar = getattr(np, 'asscalar', lambda a: a.item())
        xs = [torch.randn(4, 3) for _ in range(5)]
        running = 0.0
        correct = 0
        losses = []
        for x in xs:
            opt.zero_grad()
            loss = criterion(model(x), x.sum(1, keepdim=True))
            loss.backward()
            opt.step()
            running += loss
            losses.append(loss)
            correct += (model(x) > 0).float().sum()
            print('loss %.6f / {:.6f} / %s' % (loss, float(loss)))
            print(f'{loss:.6f}', np.asscalar(loss.data.numpy()), loss.data.tolist()[0] if loss.dim() else loss.data.tolist())
        print('%.6f %d' % (running / len(xs), correct))
        print('%.6f' % torch.cat([l.reshape(1) for l in losses]).mean().item())
        print(loss.data.numpy())
        """
    )
    migrated = fix(source)
    for fragment in ("running += loss.item()", "% (loss.item(), loss.item())", "f'{loss.item():.6f}'", "loss.item(), loss.item() if loss.dim()",
                     "correct += (model(x) > 0).float().sum().item()", "loss.detach().numpy()"):
        assert fragment in migrated, fragment
    assert printed(migrated) == printed(source)


@pytest.mark.torch
def test_stack_of_scalar_losses_is_the_legacy_cat():
    torch = pytest.importorskip("torch")
    source = LOOP + "losses = []\nfor i in range(3):\n    losses.append(criterion(torch.ones(2) * i, torch.zeros(2)))\nout = torch.cat(losses)\n"
    migrated = fix(source, select=("TM205",))
    assert "torch.stack(losses)" in migrated
    namespace: dict = {}
    exec(compile(migrated, "<m>", "exec"), namespace)
    legacy = torch.cat([l.reshape(1) for l in namespace["losses"]])  # 0.3: each loss was (1,)
    assert torch.equal(namespace["out"], legacy)
