"""Scalar extraction: losses were 1-element vectors until torch 0.4; now they are 0-dim."""

from __future__ import annotations

from typing import Dict, List, Optional, Set, Tuple

import libcst as cst

from migrator.rule import Rule, Safety, fixes, keeps, reports
from migrator.rules._calls import literal, method_call
from migrator.rules._losses import LOSS_FUNCTIONS, LOSS_MODULES, MODERN_LOSS_FUNCTIONS, MODERN_LOSS_MODULES

_FULL_REDUCTIONS = frozenset("sum mean max min prod norm std var median".split())
_UNREDUCED = ("none",)


def _index(node: cst.Subscript) -> Optional[int]:
    """The integer of a single `[0]` / `[-1]` subscript."""
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    value = literal(node.slice[0].slice.value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _is_count(node: cst.BaseExpression) -> bool:
    """`x.size(0)` or `len(...)`: a Python int."""
    if not isinstance(node, cst.Call):
        return False
    if isinstance(node.func, cst.Attribute) and node.func.attr.value == "size":
        return len(node.args) == 1 and isinstance(node.args[0].value, cst.Integer)
    return isinstance(node.func, cst.Name) and node.func.value == "len"


def _data_receiver(node: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    """`x` of `x.data`."""
    if isinstance(node, cst.Attribute) and node.attr.value == "data":
        return node.value
    return None


def _reduces(call: cst.Call) -> bool:
    """Whether a loss call keeps its default (scalar) reduction."""
    for arg in call.args:
        if arg.keyword is None:
            continue
        value = literal(arg.value)
        if arg.keyword.value == "reduction" and value in _UNREDUCED + (None,) or (
            arg.keyword.value == "reduction" and not isinstance(value, str)
        ):
            return False
        if arg.keyword.value == "reduce" and value is not True:
            return False
    return not any(a.star for a in call.args)


class _ScalarFacts(Rule):
    """What the file proves about 0-dim tensors: losses, full reductions, names bound only to them.

    A name is known only if every binding of it in the file is a plain assignment (or an
    augmented one); loop targets, parameters, `with` targets and walrus targets are unknown.
    """

    def __init__(self, context) -> None:
        super().__init__(context)
        self.assigned: Dict[str, List[cst.BaseExpression]] = {}
        self.unknown: Set[str] = set()

    # Bindings: a name is known only if every binding in the file is a plain assignment.
    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self.assigned.setdefault(target.target.value, []).append(node.value)
            else:
                self._mark_unknown(target.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name):
            self.assigned.setdefault(node.target.value, []).append(node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._mark_unknown(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._mark_unknown(node.target)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._mark_unknown(node.asname.name)

    def visit_Param(self, node: cst.Param) -> None:
        self.unknown.add(node.name.value)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._mark_unknown(node.target)

    def _mark_unknown(self, target: cst.BaseExpression) -> None:
        for name in _names_in(target):
            self.unknown.add(name)

    def _is_scalar(self, node: cst.BaseExpression, seen: Set[str], losses: bool = False) -> bool:
        """Whether `node` is provably a 0-dim tensor; with `losses`, a loss value (a float on the graph)."""
        if isinstance(node, cst.Name):
            name = node.value
            if name in self.unknown or name in seen or name not in self.assigned:
                return False
            if losses:  # `total = 0; total += loss` may still be the int 0
                return all(self._is_scalar(value, seen | {name}, losses) for value in self.assigned[name])
            return all(self._is_scalar_or_number(value, seen | {name}) for value in self.assigned[name])
        if isinstance(node, cst.BinaryOperation):
            return (self._is_scalar(node.left, seen, losses) and self._is_scalar_or_number(node.right, seen, losses)) or (
                self._is_scalar(node.right, seen, losses) and self._is_scalar_or_number(node.left, seen, losses)
            )
        if isinstance(node, cst.UnaryOperation):
            return self._is_scalar(node.expression, seen, losses)
        if isinstance(node, cst.Call):
            return self._is_scalar_call(node, seen, losses)
        return False

    def _is_scalar_or_number(self, node: cst.BaseExpression, seen: Set[str], losses: bool = False) -> bool:
        if isinstance(node, (cst.Integer, cst.Float)) or _is_count(node):
            return True
        return self._is_scalar(node, seen, losses)

    def _is_scalar_call(self, call: cst.Call, seen: Set[str], losses: bool = False) -> bool:
        func = call.func
        name = self.context.qualified_name(func)
        if name in LOSS_FUNCTIONS or name in MODERN_LOSS_FUNCTIONS:
            return _reduces(call)
        if isinstance(func, cst.Call):  # `nn.MSELoss()(a, b)`
            return self._is_loss_module(func)
        if isinstance(func, cst.Name):
            values = self.assigned.get(func.value, [])
            return (
                func.value not in self.unknown
                and bool(values)
                and all(isinstance(v, cst.Call) and self._is_loss_module(v) for v in values)
            )
        if isinstance(func, cst.Attribute) and not losses:
            method = func.attr.value
            if method in ("sum", "mean", "prod", "norm", "std", "var") and not call.args:
                return True
            if method in ("max", "min", "median") and not call.args:
                return True
            if method in ("cpu", "detach", "clone", "float", "double") and not call.args:
                return self._is_scalar(func.value, seen)
            if name in ("torch.sum", "torch.mean", "torch.prod", "torch.norm") and len(call.args) == 1:
                return True
        return False

    def _is_loss_module(self, call: cst.Call) -> bool:
        name = self.context.qualified_name(call.func)
        if name in LOSS_MODULES or name in MODERN_LOSS_MODULES:
            return _reduces(call) and not self._legacy_unreduced(call, name)
        return False

    @staticmethod
    def _legacy_unreduced(call: cst.Call, name: str) -> bool:
        """`reduce=False` passed positionally also makes a per-element loss."""
        params = LOSS_MODULES.get(name)
        if params is None or "reduce" not in params:
            return False
        position = params.index("reduce")
        positional = [a for a in call.args if a.keyword is None]
        return len(positional) > position and literal(positional[position].value) is not True


class ScalarDataIndex(_ScalarFacts):
    """`loss.data[0]`: a loss is 0-dim since torch 0.4; use `loss.item()`.

    What it does: `x.data[0]` (and `x.data[-1]`) becomes `x.item()` when `x` is provably a
    scalar: the result of a loss module or functional loss with its default reduction, a
    full reduction such as `.sum()` or `.mean()` without `dim`, arithmetic on those, or a
    name bound only to such values. `model(x).data[0][0]` becomes `model(x)[0][0].item()`.
    Why: until 0.3 losses were 1-element vectors and `[0]` took their number; since 0.4
    they are 0-dim and indexing raises `IndexError: invalid index of a 0-dim tensor`.
    Example: `print(epoch, loss.data[0])` becomes `print(epoch, loss.item())`.
    Fix safety: safe when the receiver is provably a scalar; otherwise unsafe (`x.data[0]`
    is legitimate row indexing when `x` is a matrix), applied only with `--unsafe-fixes`.
    """

    code = "TM201"
    message = "indexing a 0-dim tensor raises since torch 0.4; use `.item()`"
    safety = Safety.SAFE
    triggers = (".data[",)
    changed_in = "0.4"
    examples = (
        fixes(
            "import torch\ncriterion = torch.nn.MSELoss()\nloss = criterion(y_pred, y)\nprint(epoch, loss.data[0])\n",
            "import torch\ncriterion = torch.nn.MSELoss()\nloss = criterion(y_pred, y)\nprint(epoch, loss.item())\n",
            id="loss-module",
        ),
        fixes(
            "import torch.nn.functional as Fn\nl = Fn.nll_loss(out, t)\ntotal += l.data[0]\n",
            "import torch.nn.functional as Fn\nl = Fn.nll_loss(out, t)\ntotal += l.item()\n",
            id="functional-alias",
        ),
        fixes(
            "correct += pred.eq(target.data).cpu().sum().data[0]\n",
            "correct += pred.eq(target.data).cpu().sum().item()\n",
            id="full-reduction",
        ),
        fixes("print(model(x).data[0][0])\n", "print(model(x)[0][0].item())\n", id="unknown-matrix-unsafe"),
        fixes("row = weights.data[0]\n", "row = weights.item()\n", id="unknown-unsafe"),
        keeps("row = weights[0]\n", id="plain-index"),
        keeps("import torch\nc = torch.nn.MSELoss(reduction='none')\nl = c(a, b)\nfirst = l.data[1]\n", id="not-zero-index"),
        keeps("import torch\nloss = torch.nn.MSELoss()(a, b)\nprint(loss.item())\n", id="modern"),
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self.candidates: List[Tuple[cst.Subscript, cst.BaseExpression, List[cst.SubscriptElement]]] = []
        self._inner: Set[int] = set()

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if id(node) in self._inner:
            return
        # `x.data[0]`, `x.data[0][0]`: the chain of integer subscripts above `.data`
        chain: List[cst.Subscript] = []
        current: cst.BaseExpression = node
        while isinstance(current, cst.Subscript) and _index(current) is not None:
            chain.append(current)
            current = current.value
        receiver = _data_receiver(current)
        if receiver is None or not chain or _index(chain[-1]) not in (0, -1):
            return
        self._inner.update(id(inner) for inner in chain[1:])
        self.candidates.append((node, receiver, [c.slice[0] for c in reversed(chain)]))

    def leave_Module(self, original_node: cst.Module) -> None:
        for node, receiver, indexes in self.candidates:
            if len(indexes) > 1:
                indexed = receiver
                for element in indexes:
                    indexed = cst.Subscript(value=indexed, slice=[element.with_changes(comma=cst.MaybeSentinel.DEFAULT)])
                self.report(
                    node,
                    method_call(indexed, "item"),
                    safety=Safety.UNSAFE,
                    message=self.message + " (unsafe: assumes the indexed element is a single number)",
                )
            elif self._is_scalar(receiver, set()):
                self.report(node, method_call(receiver, "item"))
            else:
                self.report(
                    node,
                    method_call(receiver, "item"),
                    safety=Safety.UNSAFE,
                    message=self.message + " (unsafe: cannot prove the tensor is a scalar; for a vector use `x[0].item()`)",
                )


def _names_in(target: cst.BaseExpression) -> List[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for element in target.elements for n in _names_in(element.value)]
    if isinstance(target, cst.StarredElement):
        return _names_in(target.value)
    return []
