"""The `torch.nn.init` family (TM501) beyond the rule's inline examples."""

from __future__ import annotations

import textwrap

import pytest

from migrator.config import Settings
from migrator.engine import fix_source

NAMES = (
    "uniform", "normal", "constant", "eye", "dirac", "xavier_uniform", "xavier_normal",
    "kaiming_uniform", "kaiming_normal", "orthogonal", "sparse",
)


def fix(source: str, unsafe: bool = False) -> str:
    result = fix_source(textwrap.dedent(source).encode(), Settings(select=("TM5",), unsafe_fixes=unsafe))
    assert result.error is None, result.error
    return result.output.decode()


@pytest.mark.parametrize(
    "header,spelling",
    [
        ("import torch", "torch.nn.init.{}"),
        ("import torch.nn as nn", "nn.init.{}"),
        ("import torch.nn.init as init", "init.{}"),
        ("from torch.nn import init", "init.{}"),
        ("from torch.nn import init as I", "I.{}"),
    ],
)
def test_every_name_through_every_module_spelling(header, spelling):
    calls = "\n".join(spelling.format(name) + "(w)" for name in NAMES)
    out = fix(f"{header}\n{calls}\n")
    assert out == f"{header}\n" + "\n".join(spelling.format(name + "_") + "(w)" for name in NAMES) + "\n"


def test_from_import_keeps_from_style_and_drops_old_names():
    out = fix("from torch.nn.init import kaiming_normal as kn, constant\nkn(w, mode='fan_out')\nconstant(b, 0)\n")
    assert out == "from torch.nn.init import constant_, kaiming_normal_\nkaiming_normal_(w, mode='fan_out')\nconstant_(b, 0)\n"


def test_modern_and_unrelated_names_stay():
    source = "import torch.nn as nn\nnn.init.normal_(w)\nnn.init.calculate_gain('relu')\nimport random\nrandom.uniform(0, 1)\n"
    assert fix(source) == source


@pytest.mark.torch
def test_renamed_initialisers_give_identical_values():
    torch = pytest.importorskip("torch")
    source = """\
        import warnings
        warnings.simplefilter('ignore')
        import torch
        from torch.nn import init
        shapes = {'dirac': (4, 2, 3, 3), 'eye': (5, 4)}
        out = []
        for name, args in [('uniform', (-0.5, 0.5)), ('normal', (0.0, 0.02)), ('constant', (0.3,)), ('eye', ()),
                           ('dirac', ()), ('xavier_uniform', (2.0,)), ('xavier_normal', ()), ('kaiming_uniform', (0.1,)),
                           ('kaiming_normal', (0, 'fan_out')), ('orthogonal', (1.5,)), ('sparse', (0.3, 0.05))]:
            torch.manual_seed(7)
            w = torch.empty(*shapes.get(name, (6, 5)))
            result = {
                'uniform': lambda: init.uniform(w, *args), 'normal': lambda: init.normal(w, *args),
                'constant': lambda: init.constant(w, *args), 'eye': lambda: init.eye(w),
                'dirac': lambda: init.dirac(w), 'xavier_uniform': lambda: init.xavier_uniform(w, *args),
                'xavier_normal': lambda: init.xavier_normal(w), 'kaiming_uniform': lambda: init.kaiming_uniform(w, *args),
                'kaiming_normal': lambda: init.kaiming_normal(w, *args), 'orthogonal': lambda: init.orthogonal(w, *args),
                'sparse': lambda: init.sparse(w, *args),
            }[name]()
            out.append((result is w, w.clone()))
        """
    migrated = fix(source)
    assert all(f"init.{name}_(" in migrated for name in NAMES)
    before, after = {}, {}
    exec(compile(textwrap.dedent(source), "<before>", "exec"), before)
    exec(compile(migrated, "<after>", "exec"), after)
    for (same_a, a), (same_b, b) in zip(before["out"], after["out"]):
        assert same_a and same_b
        assert torch.equal(a, b)
