"""Replacements that rebuild a whole region are built only when their fix is applied."""

from __future__ import annotations

from typing import List

from migrator.config import Settings
from migrator.engine import check_source, fix_source
from migrator.rule import Deferred

# A legacy Function (rewritten with its uses: the whole module) and a volatile Variable
# (rewritten with the rest of its block under `no_grad`).
LEGACY = b"""import torch
from torch.autograd import Function, Variable


class Exp(Function):
    def forward(self, x):
        y = x.exp()
        self.save_for_backward(y)
        return y

    def backward(self, g):
        y, = self.saved_tensors
        return g * y


x = Variable(torch.zeros(2), volatile=True)
y = Exp()(x)
print(y)
"""


def _count_builds(monkeypatch) -> List[Deferred]:
    built: List[Deferred] = []
    original = Deferred.get

    def get(self: Deferred):
        built.append(self)
        return original(self)

    monkeypatch.setattr(Deferred, "get", get)
    return built


def test_a_check_builds_no_deferred_replacement(monkeypatch):
    built = _count_builds(monkeypatch)
    result = check_source(LEGACY, Settings(), "legacy.py")
    assert {"TM103", "TM109"} <= {f.code for f in result.remaining}
    assert built == []


def test_a_fix_builds_each_deferred_replacement_it_applies_once(monkeypatch):
    built = _count_builds(monkeypatch)
    result = fix_source(LEGACY, Settings(unsafe_fixes=True), "legacy.py")
    assert b"with torch.no_grad():" in result.output and b"Exp.apply(x)" in result.output
    assert b"volatile" not in result.output and b"def forward(ctx, x):" in result.output
    assert built and len({id(d) for d in built}) == len(built)
