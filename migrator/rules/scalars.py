"""Scalar extraction: losses were 1-element vectors until torch 0.4; now they are 0-dim."""

from __future__ import annotations

import re
import string as _string
from typing import Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from migrator.names import dotted
from migrator.rule import Rule, Safety, fixes, keeps, reports
from migrator.rules._bindings import names_bound_by
from migrator.rules._calls import find_keyword, literal, method_call
from migrator.rules._ranks import shared_flow, watch_rank
from migrator.rules._losses import LOSS_FUNCTIONS, LOSS_MODULES, LOSS_WORDS, MODERN_LOSS_FUNCTIONS, MODERN_LOSS_MODULES
from migrator.rules._triggers import DOT, GAP, SPACE, rx_attribute, rx_call, rx_from_import, rx_star_import
from migrator.walk import code_children, node_types

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

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._mark_unknown(node.target)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._mark_unknown(node.asname.name)

    def visit_Param(self, node: cst.Param) -> None:
        self.unknown.add(node.name.value)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._mark_unknown(node.target)

    def _mark_unknown(self, target: cst.BaseExpression) -> None:
        for name in names_bound_by(target):
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


# What a Python number answers besides arithmetic: any other attribute read off `x.data[0]`
# shows that it was a tensor, not the number of a 1-element vector.
_FLOAT_ATTRIBUTES = frozenset(("real", "imag", "conjugate", "is_integer", "hex", "as_integer_ratio", "numerator", "denominator", "bit_length"))

# `x.data[0]` / `x.data[-1]` (however spaced, `-(1)`, `0x0`): the subscript starts with 0 or 1.
_DATA_INDEX = rx_attribute(("data",)) + r"(?:[\s\\)]|#[^\n]*\n)*\[(?:[\s\\(\-]|#[^\n]*\n)*[01]"
# `<...>).sum()` / `<...>.data.sum()`: a full sum of a comparison (`(p == t).sum()`, `p.eq(t).cpu().sum()`)
_COMPARISON_SUM = r"\.(?:(?<=[)\s\\]\.)|(?<=\bdata\.))" + GAP + r"sum\b(?:[\s\\)]|#[^\n]*\n)*\(" + GAP + r"\)"


class ScalarDataIndex(_ScalarFacts):
    """`loss.data[0]`: a loss is 0-dim since torch 0.4; use `loss.item()`.

    What it does: `x.data[0]` (and `x.data[-1]`) becomes `x.item()` when `x` is provably a
    scalar: the result of a loss module or functional loss with its default reduction, a
    full reduction such as `.sum()` or `.mean()` without `dim`, arithmetic on those, or a
    name bound only to such values. `model(x).data[0][0]` becomes `model(x)[0][0].item()`.
    Why: until 0.3 losses were 1-element vectors and `[0]` took their number; since 0.4
    they are 0-dim and indexing raises `IndexError: invalid index of a 0-dim tensor`.
    Where the code says the tensor is a vector (`y = x.sum(1)`), `y.data[0]` becomes
    `y[0].item()` in code of 0.3 or older (the element was a number until 0.3, a 0-dim
    tensor since; unsafe when the era is unknown, not reported in code of 0.4 or later);
    where it says a matrix or more, `[0]` picks a row as it always did and nothing is reported.
    Example: `print(epoch, loss.data[0])` becomes `print(epoch, loss.item())`.
    Fix safety: safe when the receiver is provably a scalar; otherwise unsafe (`x.data[0]`
    is legitimate row indexing when `x` is a matrix), applied only with `--unsafe-fixes`.
    """

    code = "TM201"
    message = "indexing a 0-dim tensor raises since torch 0.4; use `.item()`"
    element_message = "an element of a vector is a 0-dim tensor since torch 0.4, not a number; use `x[i].item()`"
    safety = Safety.SAFE
    triggers = (".data[",)
    trigger_words = ("data",)
    trigger_regex = _DATA_INDEX
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
        keeps("import torch\nx = torch.randn(3, 4)\nprint(x.data[0])\n", id="known-matrix-row"),
        fixes(
            "import torch\nfrom torch.autograd import Variable\nx = Variable(torch.randn(4, 3))\ny = x.sum(1)\nprint(y.data[0])\n",
            "import torch\nfrom torch.autograd import Variable\nx = Variable(torch.randn(4, 3))\ny = x.sum(1)\nprint(y[0].item())\n",
            id="known-vector-element",
        ),
        keeps("print('%.4f' % x.data[0].sum())\n", id="used-as-tensor"),
        fixes("import torch\nx = torch.randn(4)\ns = x.sum()\nprint(s.data[0])\n", "import torch\nx = torch.randn(4)\ns = x.sum()\nprint(s.item())\n", id="known-scalar"),
        keeps("row = weights[0]\n", id="plain-index"),
        keeps("import torch\nc = torch.nn.MSELoss(reduction='none')\nl = c(a, b)\nfirst = l.data[1]\n", id="not-zero-index"),
        keeps("import torch\nloss = torch.nn.MSELoss()(a, b)\nprint(loss.item())\n", id="modern"),
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self.candidates: List[Tuple[cst.Subscript, cst.BaseExpression, List[cst.SubscriptElement]]] = []
        self._inner: Set[int] = set()
        self._used_as_tensor: Set[int] = set()  # subscripts whose result has a tensor attribute read

    def visit_Attribute(self, node: cst.Attribute) -> None:
        # parents are visited first: `x.data[0].sum()` is known before its subscript is
        if type(node.value) is cst.Subscript and node.attr.value not in _FLOAT_ATTRIBUTES:
            self._used_as_tensor.add(id(node.value))

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if id(node) in self._inner or id(node) in self._used_as_tensor:
            # `x.data[0].sum()`: a number has no `.sum()`, so `x` was never a 1-element vector
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
        if len(chain) == 1:
            watch_rank(self.context, receiver)

    def leave_Module(self, original_node: cst.Module) -> None:
        ranks = shared_flow(self.context, original_node).watched_ranks if self.candidates else {}
        for node, receiver, indexes in self.candidates:
            rank = ranks.get(id(receiver)) if len(indexes) == 1 else None
            if rank is not None and rank >= 2:
                continue  # the code says it is a matrix or more: `[0]` picks a row, as it always did
            if rank == 1:
                # a vector's element was a number until 0.3, and is a 0-dim tensor since 0.4
                era = self.context.source_era
                if era is not None and era >= (0, 4):
                    continue  # code of 0.4 or later got the 0-dim tensor it gets today
                element = cst.Subscript(value=receiver, slice=[indexes[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)])
                safety = Safety.SAFE if era is not None else Safety.UNSAFE
                self.report(node, method_call(element, "item"), message=self.element_message, safety=safety)
                continue
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
            elif rank == 0 or self._is_scalar(receiver, set()):
                self.report(node, method_call(receiver, "item"))
            else:
                self.report(
                    node,
                    method_call(receiver, "item"),
                    safety=Safety.UNSAFE,
                    message=self.message + " (unsafe: cannot prove the tensor is a scalar; for a vector use `x[0].item()`)",
                )


def _strip_views(node: cst.BaseExpression) -> Tuple[cst.BaseExpression, bool]:
    """`x` of `x.data`, `x.data.cpu()`, `x.cpu().data`, `x.detach()`; and whether `.data` was among them."""
    saw_data = False
    while True:
        if isinstance(node, cst.Attribute) and node.attr.value == "data":
            saw_data = True
            node = node.value
        elif (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in ("cpu", "detach")
            and not node.args
        ):
            node = node.func.value
        else:
            return node, saw_data


def _converted(node: cst.BaseExpression, method: str) -> Optional[cst.BaseExpression]:
    """`x` of `x.<method>()` (no arguments)."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == method and not node.args:
        return node.func.value
    return None


class _IndexedConversion(_ScalarFacts):
    """`x.data.<method>()[0]`: the single element of what was a 1-element vector until 0.3."""

    method = ""

    def __init__(self, context) -> None:
        super().__init__(context)
        self.candidates: List[Tuple[cst.Subscript, cst.BaseExpression, bool]] = []

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if _index(node) not in (0, -1):
            return
        converted = _converted(node.value, self.method)
        if converted is None:
            return
        base, saw_data = _strip_views(converted)
        self.candidates.append((node, base, saw_data))

    def leave_Module(self, original_node: cst.Module) -> None:
        for node, base, saw_data in self.candidates:
            if self._is_scalar(base, set()):
                self.fix(node, base)
            elif saw_data:
                self.report(node, message=self.message + " (cannot prove the tensor is a scalar: check it)")

    def fix(self, node: cst.Subscript, base: cst.BaseExpression) -> None:
        self.report(node, method_call(base, "item"))


class ScalarNumpyIndex(_IndexedConversion):
    """`loss.data.numpy()[0]`: the array of a 0-dim tensor has no element 0; use `loss.item()`.

    What it does: `x.data.numpy()[0]` (also `x.data.cpu().numpy()[0]`, `x.cpu().data.numpy()[0]`,
    `[-1]`) becomes `x.item()` when `x` is provably a scalar (a loss, a full reduction, a name
    bound only to those); with `.data` on another receiver it is reported.
    Why: until 0.3 a loss was a 1-element vector and its array a shape-(1,) array; since 0.4 it
    is 0-dim and indexing its array raises `IndexError: too many indices for array`.
    Example: `losses.append(loss.data.cpu().numpy()[0])` becomes `losses.append(loss.item())`.
    Fix safety: unsafe: the legacy value was a numpy float32 and `.item()` gives a Python
    float (double precision arithmetic afterwards, another `repr`); receivers that may be
    vectors or matrices (`output.data.numpy()[0]` is a row) are only reported.
    """

    code = "TM202"
    message = "indexing the array of a 0-dim tensor raises since torch 0.4; use `.item()`"
    safety = Safety.UNSAFE
    triggers = ("numpy()[",)
    trigger_words = ("numpy",)
    changed_in = "0.4"
    method = "numpy"
    examples = (
        fixes(
            "import torch\ncrit = torch.nn.MSELoss()\nloss = crit(out, y)\nlosses.append(loss.data.cpu().numpy()[0])\n",
            "import torch\ncrit = torch.nn.MSELoss()\nloss = crit(out, y)\nlosses.append(loss.item())\n",
            id="loss",
        ),
        fixes(
            "import torch.nn.functional as Fn\nl = Fn.cross_entropy(o, t)\nv = l.cpu().data.numpy()[0]\n",
            "import torch.nn.functional as Fn\nl = Fn.cross_entropy(o, t)\nv = l.item()\n",
            id="aliased-functional",
        ),
        reports("first = output.data.numpy()[0]\n", id="unknown-receiver"),
        keeps("import numpy as np\nrow = np.asarray(x).numpy()[0] if False else arr[0]\n", id="look-alike"),
        keeps("import torch\nloss = torch.nn.MSELoss()(a, b)\nv = loss.item()\nrow = out.detach().numpy()[0]\n", id="modern"),
    )


class ScalarListIndex(_IndexedConversion):
    """`loss.data.tolist()[0]`: the list of a 0-dim tensor is a number; use `loss.item()`.

    What it does: `x.data.tolist()[0]` (also through `.cpu()`/`.detach()`) becomes `x.item()`
    when `x` is provably a scalar; with `.data` on another receiver it is reported.
    Why: until 0.3 `tolist()` of a loss was a list of one number; since 0.4 it is the number
    and `[0]` raises `TypeError: 'float' object is not subscriptable`.
    Example: `total += loss.data.tolist()[0]` becomes `total += loss.item()`.
    Fix safety: safe when the tensor is provably a scalar: both give the same Python number.
    """

    code = "TM203"
    message = "`tolist()` of a 0-dim tensor is a number since torch 0.4; use `.item()`"
    safety = Safety.SAFE
    triggers = ("tolist()[",)
    trigger_words = ("tolist",)
    changed_in = "0.4"
    method = "tolist"
    examples = (
        fixes(
            "import torch.nn as nn\ncriterion = nn.NLLLoss()\nloss = criterion(out, y)\ntotal += loss.data.tolist()[0]\n",
            "import torch.nn as nn\ncriterion = nn.NLLLoss()\nloss = criterion(out, y)\ntotal += loss.item()\n",
            id="loss",
        ),
        fixes(
            "import torch.nn.functional as Fn\nacc = pred.eq(y).float().mean()\nprint(acc.data.cpu().tolist()[0])\n",
            "import torch.nn.functional as Fn\nacc = pred.eq(y).float().mean()\nprint(acc.item())\n",
            id="full-reduction",
        ),
        reports("top = scores.data.tolist()[0]\n", id="unknown-receiver"),
        keeps("words = sentence.tolist()[0]\n", id="look-alike"),
        keeps("import torch\nloss = torch.nn.MSELoss()(a, b)\nv = loss.item()\n", id="modern"),
    )


class NumpyAsscalar(Rule):
    """`np.asscalar(loss.data.numpy())`: numpy removed `asscalar`; use `loss.item()`.

    What it does: `np.asscalar(a)` becomes `a.item()`; when `a` is a tensor's array
    (`x.data.numpy()`, `x.data.cpu().numpy()`), `x.item()`.
    Why: numpy 1.16 deprecated `asscalar` and 1.23 removed it (`AttributeError: module
    'numpy' has no attribute 'asscalar'`); it was the 0.3 idiom to read a loss.
    Example: `np.asscalar(loss.data.cpu().numpy())` becomes `loss.item()`.
    Fix safety: safe: `asscalar(a)` was defined as `a.item()`, and a tensor's `.item()` gives
    the same Python number as its array's.
    """

    code = "TM204"
    message = "`np.asscalar` was removed in numpy 1.23; use `.item()`"
    safety = Safety.SAFE
    triggers = ("asscalar",)
    trigger_words = ("asscalar",)
    changed_in = "numpy 1.23"
    examples = (
        fixes(
            "import numpy as np\nprint(np.asscalar(loss.data.cpu().numpy()))\n",
            "import numpy as np\nprint(loss.item())\n",
            id="tensor-array",
        ),
        fixes(
            "from numpy import asscalar as scal\nv = scal(arr[i] * 2)\n",
            "v = (arr[i] * 2).item()\n",
            id="aliased-array",
        ),
        keeps("def asscalar(a):\n    return a\nv = asscalar(x)\n", id="own-function"),
        keeps("import numpy as np\nv = np.asarray(x).item()\n", id="modern"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if self.context.qualified_name(node.func) != "numpy.asscalar":
            return
        if len(node.args) != 1 or node.args[0].keyword is not None or node.args[0].star:
            return
        value = node.args[0].value
        array = _converted(value, "numpy")
        if array is not None:
            value = _strip_views(array)[0]
        binding = self.context.names.binding_of(node.func)
        releases = (binding,) if binding and self.context.names.bindings[binding].obj else ()
        self.report(node, method_call(value, "item"), releases=releases)


# a call of `torch.cat` however imported (`T.cat(`, `from torch import cat as c`)
_TORCH_CAT = r"\btorch" + DOT + r"cat\b" + rx_call() + r"|\btorch" + SPACE + r"as\b|" + rx_from_import("torch", ("cat",)) + "|" + rx_star_import("torch")


class ScalarCat(_ScalarFacts):
    """`torch.cat(losses)` of 0-dim tensors: use `torch.stack(losses)`.

    What it does: `torch.cat(seq)` becomes `torch.stack(seq)` when `seq` is a list literal
    of provable scalars, or a name bound only to such lists and grown only by
    `.append(<scalar>)`.
    Why: until 0.3 losses were 1-element vectors and `cat` joined them into a vector; since
    0.4 they are 0-dim and `cat` raises `RuntimeError: zero-dimensional tensor (at position 0)
    cannot be concatenated`. `stack` builds the same vector.
    Example: `torch.cat(losses).mean()` becomes `torch.stack(losses).mean()`.
    Fix safety: safe: for 0-dim tensors `stack` gives the (n,) vector `cat` gave for the
    legacy 1-element ones; other sequences are left alone.
    """

    code = "TM205"
    message = "`torch.cat` of 0-dim tensors raises since torch 0.4; use `torch.stack`"
    safety = Safety.SAFE
    triggers = ("cat(",)
    trigger_words = ("cat",)
    trigger_regex = _TORCH_CAT
    changed_in = "0.4"
    examples = (
        fixes(
            "import torch\nimport torch.nn as nn\ncrit = nn.MSELoss()\nlosses = []\nfor x, y in data:\n"
            "    losses.append(crit(model(x), y))\ntotal = torch.cat(losses).mean()\n",
            "import torch\nimport torch.nn as nn\ncrit = nn.MSELoss()\nlosses = []\nfor x, y in data:\n"
            "    losses.append(crit(model(x), y))\ntotal = torch.stack(losses).mean()\n",
            id="appended-losses",
        ),
        fixes(
            "import torch as T\nimport torch.nn.functional as Fn\nl1 = Fn.l1_loss(a, b)\nboth = T.cat([l1, x.sum()], 0)\n",
            "import torch as T\nimport torch.nn.functional as Fn\nl1 = Fn.l1_loss(a, b)\nboth = T.stack([l1, x.sum()], 0)\n",
            id="aliased-literal",
        ),
        fixes(
            "import torch\nimport torch.nn.functional as F\nlosses = [F.mse_loss(out[i], t[i]) for i in range(4)]\ntotal = torch.cat(losses).mean()\n",
            "import torch\nimport torch.nn.functional as F\nlosses = [F.mse_loss(out[i], t[i]) for i in range(4)]\ntotal = torch.stack(losses).mean()\n",
            id="comprehension-of-losses",
        ),
        fixes(
            "import torch\nimport torch.nn.functional as F\nx = torch.cat([F.l1_loss(a, b) for a, b in pairs])\n",
            "import torch\nimport torch.nn.functional as F\nx = torch.stack([F.l1_loss(a, b) for a, b in pairs])\n",
            id="comprehension-argument",
        ),
        keeps("import torch\nfeats = [model(x) for x in xs]\nout = torch.cat(feats, 1)\n", id="comprehension-of-unknowns"),
        keeps(
            "import torch\nimport torch.nn as nn\nloss = nn.MSELoss()(a, b)\nout = torch.cat([loss for loss in rows])\n",
            id="comprehension-variable-is-not-the-loss",
        ),
        keeps("import torch\nfeats = []\nfeats.append(model(x))\nout = torch.cat(feats, 1)\n", id="unknown-elements"),
        keeps("import numpy as np\nv = np.concatenate([a, b])\ncat([a, b])\n", id="look-alike"),
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self.calls: List[cst.Call] = []
        self.appended: Dict[str, List[cst.BaseExpression]] = {}
        self.mutated: Set[str] = set()

    def visit_Call(self, node: cst.Call) -> None:
        if self.context.qualified_name(node.func) == "torch.cat" and node.args and node.args[0].keyword is None:
            self.calls.append(node)
        elif isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Name):
            name = node.func.value.value
            if node.func.attr.value == "append" and len(node.args) == 1:
                self.appended.setdefault(name, []).append(node.args[0].value)
            elif node.func.attr.value in ("extend", "insert", "__setitem__", "__iadd__"):
                self.mutated.add(name)

    def leave_Module(self, original_node: cst.Module) -> None:
        for call in self.calls:
            if self._scalar_sequence(call.args[0].value):
                replacement, imports = self.context.reference("torch.stack")
                self.report(call, call.with_changes(func=replacement), imports=imports)

    def _scalar_sequence(self, node: cst.BaseExpression) -> bool:
        if isinstance(node, (cst.List, cst.Tuple)):
            return bool(node.elements) and self._scalar_elements(node)
        if isinstance(node, cst.ListComp):
            return self._scalar_elements(node)
        if isinstance(node, cst.Name):
            name = node.value
            values = self.assigned.get(name, [])
            appended = self.appended.get(name, [])
            if name in self.unknown or name in self.mutated or not values:
                return False
            if not all(isinstance(v, (cst.List, cst.ListComp)) and self._scalar_elements(v) for v in values):
                return False
            # an empty list grown by nothing holds no scalar to tell by
            filled = appended or any(isinstance(v, cst.ListComp) or v.elements for v in values)  # type: ignore[attr-defined]
            return bool(filled) and all(self._is_scalar(v, set()) for v in appended)
        return False

    def _scalar_elements(self, node: cst.BaseExpression) -> bool:
        """Every element of a list or tuple literal, or a list comprehension's element, is a provable scalar."""
        if isinstance(node, cst.ListComp):
            return self._is_scalar(node.elt, set())
        return all(not isinstance(e, cst.StarredElement) and self._is_scalar(e.value, set()) for e in node.elements)  # type: ignore[attr-defined]


_DATASET_NAME = re.compile(r"(?:data)?set$|dataset|loader|mnist|cifar|^ds$|_ds$|_data$", re.I)


class DataNumpy(Rule):
    """`x.data.numpy()`: use `x.detach().numpy()`.

    What it does: in `x.data.numpy()`, `x.data.cpu().numpy()` and `x.cpu().data.numpy()`
    replaces `.data` with `.detach()`. Receivers named like datasets (`train_set.data`,
    `mnist.data`, `loader.dataset.data`, `train_data.data`) are left alone, as is
    `.data.numpy()[0]` (TM202).
    Why: `.data` was how 0.1-0.3 code reached a Variable's tensor; since 0.4 `.detach()` is
    the supported way to leave autograd (`.data` also hides in-place changes from autograd).
    Example: `plt.plot(y_pred.data.numpy())` becomes `plt.plot(y_pred.detach().numpy())`.
    Fix safety: safe: both return a tensor that shares memory with `x` and does not require
    grad, so the arrays are the same.
    """

    code = "TM206"
    message = "`.data.numpy()` is the legacy way to leave autograd; use `.detach().numpy()`"
    safety = Safety.SAFE
    triggers = (".data.numpy(", ".data.cpu().numpy(", ".cpu().data.numpy(")
    trigger_words = ("numpy",)
    changed_in = "0.4"
    examples = (
        fixes(
            "plt.plot(x.numpy(), y_pred.data.numpy())\nw = model.fc.weight.data.cpu().numpy()\n",
            "plt.plot(x.numpy(), y_pred.detach().numpy())\nw = model.fc.weight.detach().cpu().numpy()\n",
            id="plot-and-weights",
        ),
        fixes(
            "import torch.nn.functional as Fn\nprobs = Fn.softmax(out, dim=1).cpu().data.numpy()\n",
            "import torch.nn.functional as Fn\nprobs = Fn.softmax(out, dim=1).cpu().detach().numpy()\n",
            id="after-cpu",
        ),
        keeps("images = train_set.data.numpy()\nlabels = mnist.data.numpy()\n", id="dataset-look-alike"),
        keeps("v = loss.data.numpy()[0]\narr = out.detach().numpy()\n", id="indexed-and-modern"),
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self.indexed: Set[int] = set()

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if _index(node) is not None:
            self.indexed.add(id(node.value))

    def visit_Call(self, node: cst.Call) -> None:
        receiver = _converted(node, "numpy")
        if receiver is None or id(node) in self.indexed:
            return
        while _converted(receiver, "cpu") is not None:
            receiver = _converted(receiver, "cpu")  # type: ignore[assignment]
        if not (isinstance(receiver, cst.Attribute) and receiver.attr.value == "data"):
            return
        owner = receiver.value
        name = dotted(owner) or ""
        if _DATASET_NAME.search(name.rsplit(".", 1)[-1]) or any(_DATASET_NAME.search(part) for part in name.split(".")):
            return
        self.report(receiver, method_call(owner, "detach"))


_PERCENT = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?[#0\- +]*(?P<width>\*|\d+)?(?:\.(?P<precision>\*|\d+))?[hlL]?(?P<type>[diouxXeEfFgGcrsa%])"
)
_NUMERIC = set("diouxXeEfFgG")


def _percent_types(text: str) -> Optional[List[str]]:
    """The conversion types of a %-format string, or None when it uses mappings or `*`."""
    types = []
    for match in _PERCENT.finditer(text):
        if match.group("type") == "%":
            continue
        if match.group("key") is not None or match.group("width") == "*" or match.group("precision") == "*":
            return None
        types.append(match.group("type"))
    return types


def _format_fields(text: str) -> Optional[List[Tuple[object, bool]]]:
    """(position or keyword, numeric spec?) of each `str.format` field; None when too intricate."""
    fields: List[Tuple[object, bool]] = []
    auto = 0
    try:
        parsed = list(_string.Formatter().parse(text))
    except ValueError:
        return None
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if spec and "{" in spec:
            return None
        if name == "":
            key: object = auto
            auto += 1
        elif name.isdigit():
            key = int(name)
        elif name.isidentifier():
            key = name
        else:
            fields.append((None, False))
            continue
        fields.append((key, bool(spec) and conversion is None))
    return fields


class TensorAsNumber(_ScalarFacts):
    """`float(loss)`, `'%.4f' % loss`, `'{:.4f}'.format(loss)` on a loss: use `loss.item()`.

    What it does: where a value that is provably a loss (a loss module or function result,
    arithmetic on it, or a name bound only to those) is converted to a number by `float()`,
    by a numeric `%` conversion (`%f`, `%d`, `%g`, ...), by a `str.format` field with a
    format spec, or by an f-string field with a format spec, it reads `loss.item()` instead.
    Why: the conversion runs on a tensor that requires grad and warns (`UserWarning:
    Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior`).
    Example: `print('loss %.4f' % loss)` becomes `print('loss %.4f' % loss.item())`.
    Fix safety: safe: the conversions call `.item()` themselves (a loss is a float tensor);
    `%s`, `{}` and `print(loss)` show the tensor's repr and are left alone.
    """

    code = "TM207"
    message = "converting a loss that requires grad to a number warns; use `.item()`"
    safety = Safety.SAFE
    triggers = ("Loss", "_loss", "cross_entropy", "kl_div")  # the value must be a loss
    trigger_words = LOSS_WORDS  # the value must be a loss
    # the words say a loss is named; the text must also convert something to a number
    trigger_regex = r"float\s*\(|%|format\s*\(|\{[^{}\n]*:"
    changed_in = "0.4"
    examples = (
        fixes(
            "import torch.nn as nn\ncrit = nn.MSELoss()\nloss = crit(out, y)\nprint('epoch %d loss %.4f' % (epoch, loss))\nv = float(loss)\n",
            "import torch.nn as nn\ncrit = nn.MSELoss()\nloss = crit(out, y)\nprint('epoch %d loss %.4f' % (epoch, loss.item()))\nv = loss.item()\n",
            id="percent-and-float",
        ),
        fixes(
            "import torch.nn.functional as Fn\nl = Fn.nll_loss(o, t)\nprint('{} {:.3f}'.format(i, l))\nprint(f'{l:.2e}')\n",
            "import torch.nn.functional as Fn\nl = Fn.nll_loss(o, t)\nprint('{} {:.3f}'.format(i, l.item()))\nprint(f'{l.item():.2e}')\n",
            id="aliased-format-fstring",
        ),
        keeps("import torch.nn as nn\nloss = nn.MSELoss()(a, b)\nprint('loss %s' % loss)\nprint('{}'.format(loss))\n", id="repr"),
        keeps("x = float(value)\nprint('%.4f' % score)\n", id="unknown-value"),
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self.candidates: List[cst.BaseExpression] = []
        self.floats: List[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Name) and func.value == "float" and len(node.args) == 1 and not node.args[0].star:
            self.floats.append(node)
            return
        if not (isinstance(func, cst.Attribute) and func.attr.value == "format" and isinstance(func.value, cst.SimpleString)):
            return
        fields = _format_fields(func.value.evaluated_value)  # type: ignore[arg-type]
        if fields is None or any(a.star for a in node.args):
            return
        given = [a for a in node.args if a.keyword is None]
        for key, numeric in fields:
            if not numeric:
                continue
            if isinstance(key, int) and key < len(given):
                self.candidates.append(given[key].value)
            elif isinstance(key, str):
                arg = find_keyword(node, key)
                if arg is not None:
                    self.candidates.append(arg.value)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if not (isinstance(node.operator, cst.Modulo) and isinstance(node.left, cst.SimpleString)):
            return
        types = _percent_types(node.left.evaluated_value)  # type: ignore[arg-type]
        if not types:
            return
        values = [e.value for e in node.right.elements] if isinstance(node.right, cst.Tuple) else [node.right]
        if isinstance(node.right, cst.Tuple) and any(isinstance(e, cst.StarredElement) for e in node.right.elements):
            return
        if len(values) != len(types):
            return
        self.candidates.extend(v for v, t in zip(values, types) if t in _NUMERIC)

    def visit_FormattedStringExpression(self, node: cst.FormattedStringExpression) -> None:
        if node.format_spec and node.conversion is None:
            self.candidates.append(node.expression)

    def leave_Module(self, original_node: cst.Module) -> None:
        for call in self.floats:
            value = call.args[0].value
            if self._is_scalar(value, set(), losses=True):
                self.report(call, method_call(value, "item"))
        for node in self.candidates:
            if self._is_scalar(node, set(), losses=True):
                self.report(node, method_call(node, "item"))


# Calls and methods whose arguments are only printed, logged or compared.
_SINK_FUNCTIONS = frozenset("print float int round str repr format abs".split())
_SINK_METHODS = frozenset("format write info debug warning add_scalar set_postfix set_description".split())


# `isinstance` on libcst's classes goes through the ABC machinery: this loop visits every node
_ATTRIBUTE, _ARG, _NAME = node_types(cst.Attribute), node_types(cst.Arg), node_types(cst.Name)
_ASSIGNING = node_types(cst.AssignTarget, cst.AugAssign)
_NAMING = node_types(cst.Param, cst.FunctionDef, cst.ClassDef)
_IMPORTS = node_types(cst.Import, cst.ImportFrom)


class _Uses:
    """Every load of a name, with its ancestors (nearest last)."""

    def __init__(self) -> None:
        self.loads: Dict[str, List[Tuple[cst.CSTNode, ...]]] = {}
        self.skip: Set[int] = set()

    def scan(self, root: cst.CSTNode) -> None:
        """Walk `root` in source order, not entering imports."""
        path: List[cst.CSTNode] = []
        skip = self.skip
        loads = self.loads
        pending: List[Tuple[cst.CSTNode, int]] = [(root, 0)]
        while pending:
            node, depth = pending.pop()
            del path[depth:]
            kind = type(node)
            if kind in _ATTRIBUTE:
                skip.add(id(node.attr))  # type: ignore[attr-defined]
            elif kind in _ARG:
                if node.keyword is not None:  # type: ignore[attr-defined]
                    skip.add(id(node.keyword))  # type: ignore[attr-defined]
            elif kind in _ASSIGNING:
                skip.add(id(node.target))  # type: ignore[attr-defined]
            elif kind in _NAMING:
                skip.add(id(node.name))  # type: ignore[attr-defined]
            elif kind in _NAME and id(node) not in skip:
                loads.setdefault(node.value, []).append(tuple(path) + (node,))  # type: ignore[attr-defined]
            path.append(node)
            if kind in _IMPORTS:
                continue
            children = code_children(node)
            depth += 1
            for child in reversed(children):
                pending.append((child, depth))


def _indexed_loads(uses: _Uses, name: str) -> Optional[List[cst.Subscript]]:
    """Every load of `name` as `name[0]` (or `name[-1]`); None if it is read any other way."""
    found = []
    for chain in uses.loads.get(name, []):
        parent = chain[-2] if len(chain) > 1 else None
        if not isinstance(parent, cst.Subscript) or parent.value is not chain[-1] or _index(parent) not in (0, -1):
            return None
        found.append(parent)
    return found


def _printed_only(
    uses: _Uses, name: str, seen: Optional[Set[str]] = None, indexed: Optional[List[cst.Subscript]] = None
) -> bool:
    """Whether every value computed from `name` is only printed, formatted, logged or compared.

    Arithmetic assigned to another name (`avg = total / n`) passes the question on to that name.
    With `indexed`, `name[0]` counts as `name` (a 1-element vector's number), and is added to it.
    """
    seen = (seen or set()) | {name}
    for chain in uses.loads.get(name, []):
        verdict = _use_of(chain, indexed if len(seen) == 1 else None)
        if verdict is True:
            continue
        if isinstance(verdict, str) and (verdict in seen or _printed_only(uses, verdict, seen)):
            continue
        return False
    return True


def _use_of(chain: Sequence[cst.CSTNode], indexed: Optional[List[cst.Subscript]] = None) -> object:
    """True (a number is fine here), False, or the name an arithmetic result is assigned to."""
    child = chain[-1]
    arithmetic = True
    parents = list(reversed(chain[:-1]))
    if indexed is not None and parents and isinstance(parents[0], cst.Subscript) and parents[0].value is child:
        if _index(parents[0]) not in (0, -1):
            return False
        indexed.append(parents[0])
        child = parents.pop(0)
    for parent in parents:
        if isinstance(parent, cst.Attribute) or isinstance(parent, cst.Subscript):
            return False
        if isinstance(parent, cst.Call):
            if child is parent.func:
                return False
            func = parent.func
            return (isinstance(func, cst.Name) and func.value in _SINK_FUNCTIONS) or (
                isinstance(func, cst.Attribute) and func.attr.value in _SINK_METHODS
            )
        if isinstance(parent, cst.BinaryOperation):
            if isinstance(parent.operator, cst.Modulo) and isinstance(parent.left, (cst.SimpleString, cst.ConcatenatedString)):
                return child is parent.right
        elif isinstance(parent, (cst.Comparison, cst.FormattedStringExpression, cst.If, cst.While, cst.Expr)):
            return True
        elif isinstance(parent, (cst.Tuple, cst.List)):
            arithmetic = False
        elif isinstance(parent, (cst.Assign, cst.AugAssign, cst.AnnAssign)):
            targets = [t.target for t in parent.targets] if isinstance(parent, cst.Assign) else [parent.target]
            if not arithmetic or len(targets) != 1 or not isinstance(targets[0], cst.Name) or child is targets[0]:
                return False
            return targets[0].value
        elif not isinstance(parent, (cst.UnaryOperation, cst.Arg, cst.ComparisonTarget, cst.BooleanOperation, cst.IfExp, cst.Element, cst.FormattedString)):
            return False
        child = parent
    return False


class _Accumulation(_ScalarFacts):
    """`total += <tensor>` where `total` starts as a number and is only printed afterwards."""

    def __init__(self, context) -> None:
        super().__init__(context)
        self.accumulations: List[cst.AugAssign] = []
        self.numbers: Set[str] = set()

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        super().visit_AugAssign(node)
        if isinstance(node.operator, cst.AddAssign) and isinstance(node.target, cst.Name):
            self.accumulations.append(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        super().visit_Assign(node)
        if isinstance(node.value, (cst.Integer, cst.Float)):
            self.numbers.update(t.target.value for t in node.targets if isinstance(t.target, cst.Name))

    def accumulates(self, value: cst.BaseExpression) -> bool:
        raise NotImplementedError

    def accumulated(self, value: cst.BaseExpression) -> Optional[Tuple[cst.BaseExpression, bool]]:
        """What `.item()` is taken of, and whether `value` was a legacy tensor (`loss.data`); None: not ours."""
        return (value, False) if self.accumulates(value) else None

    def leave_Module(self, original_node: cst.Module) -> None:
        uses: Optional[_Uses] = None
        found: Dict[str, List[Tuple[cst.AugAssign, cst.BaseExpression, bool]]] = {}
        for node in self.accumulations:
            name = node.target.value  # type: ignore[attr-defined]
            if name in self.unknown or name not in self.numbers:
                continue
            accumulated = self.accumulated(node.value)
            if accumulated is not None:
                found.setdefault(name, []).append((node, *accumulated))
        for name, accumulations in found.items():
            if uses is None:
                uses = _Uses()
                uses.scan(original_node)
            # a total of `loss.data` was a 1-element vector until 0.3, read as `total[0]`
            legacy_total = all(legacy for _, _, legacy in accumulations)
            indexed = _indexed_loads(uses, name) if legacy_total else None
            if indexed is None:
                # read as `total[0]` only: a number then and now, wherever it goes; else it must only be printed
                indexed = [] if legacy_total else None
                if not _printed_only(uses, name, indexed=indexed):
                    continue
            for node, base, _ in accumulations:
                self.report(node.value, method_call(base, "item"))
            for subscript in indexed or ():
                self.report(subscript, subscript.value, message=self.indexed_message)

    indexed_message = "a total of 0-dim tensors cannot be indexed since torch 0.4; once it sums `.item()` it is the number"


class ReductionAccumulated(_Accumulation):
    """`correct += pred.eq(target).sum()`: accumulate the number, `.sum().item()`.

    What it does: where a counter that starts as a number and is only printed, formatted or
    compared afterwards accumulates the full sum of a comparison (`pred.eq(t)...sum()`,
    `(pred == t).sum()`), appends `.item()`.
    Why: until 0.3 a full reduction of a tensor was a Python number; since 0.4 it is a 0-dim
    tensor, so the counter becomes a tensor (`'{}'.format(correct)` prints `tensor(85)`).
    Example: `correct += pred.eq(target.data.view_as(pred)).cpu().sum()` becomes
    `correct += pred.eq(target.data.view_as(pred)).cpu().sum().item()`.
    Fix safety: unsafe: it gives back the 0.3 numbers and output for tensors, but code
    written for 0.4-1.x printed the tensor, and 0.3 Variables gave a 1-element Variable.
    """

    code = "TM208"
    message = "a full reduction is a 0-dim tensor since torch 0.4; accumulate `.item()`"
    safety = Safety.UNSAFE
    triggers = ("sum()",)
    trigger_words = ("sum",)
    trigger_regex = _COMPARISON_SUM
    changed_in = "0.4"
    examples = (
        fixes(
            "correct = 0\nfor x, y in loader:\n    pred = model(x).max(1)[1]\n    correct += pred.eq(y.view_as(pred)).cpu().sum()\n"
            "print('Accuracy: {}/{} ({:.0f}%)'.format(correct, n, 100. * correct / n))\n",
            "correct = 0\nfor x, y in loader:\n    pred = model(x).max(1)[1]\n    correct += pred.eq(y.view_as(pred)).cpu().sum().item()\n"
            "print('Accuracy: {}/{} ({:.0f}%)'.format(correct, n, 100. * correct / n))\n",
            id="mnist",
        ),
        fixes(
            "import torch as T\nhits = 0\nhits += (p == y).float().sum()\nacc = hits / len(y)\nprint('%.3f' % acc)\n",
            "import torch as T\nhits = 0\nhits += (p == y).float().sum().item()\nacc = hits / len(y)\nprint('%.3f' % acc)\n",
            id="comparison-operator",
        ),
        keeps("correct = 0\ncorrect += pred.eq(y).sum()\nreturn correct\n", id="returned-tensor"),
        keeps("total = 0\ntotal += x.sum()\ncorrect += pred.eq(y).sum().item()\n", id="not-a-comparison-or-modern"),
    )

    def accumulates(self, value: cst.BaseExpression) -> bool:
        reduced = _converted(value, "sum")
        if reduced is None:
            return False
        while True:
            if isinstance(reduced, cst.Comparison):
                return True
            if isinstance(reduced, cst.Attribute) and reduced.attr.value == "data":
                reduced = reduced.value
                continue
            if isinstance(reduced, cst.Call) and isinstance(reduced.func, cst.Attribute):
                method = reduced.func.attr.value
                if method in ("eq", "ne", "lt", "le", "gt", "ge"):
                    return True
                if method in ("cpu", "float", "long", "int", "double", "squeeze", "view_as", "view") or (method == "type" and len(reduced.args) == 1):
                    reduced = reduced.func.value
                    continue
            return False


class LossAccumulated(_Accumulation):
    """`total_loss += loss`: accumulate `loss.item()`, not the graph.

    What it does: where a running total that starts as a number and is only printed,
    formatted or compared afterwards adds a loss (a loss module or function result, or a
    name bound only to those, possibly times `x.size(0)`), appends `.item()`.
    Why: since 0.4 the loss is a 0-dim tensor that requires grad; adding it keeps every
    iteration's graph alive (the 0.4 migration guide's memory leak), and the total prints as
    `tensor(..., grad_fn=<AddBackward0>)`. A total that is returned, indexed or differentiated
    (`loss += criterion(...); loss.backward()`) is left alone.
    Example: `running_loss += loss` becomes `running_loss += loss.item()`.
    Fix safety: safe: the printed value is the same sum (accumulated in double precision,
    which can change the last printed digit of long float32 sums).
    """

    code = "TM209"
    message = "accumulating a loss tensor keeps its graph alive; accumulate `loss.item()`"
    safety = Safety.SAFE
    triggers = ("Loss", "_loss", "cross_entropy", "kl_div")  # the value must be a loss
    trigger_words = LOSS_WORDS  # the value must be a loss
    # the words say a loss is named; accumulating it needs a `+`
    trigger_regex = r"\+"
    changed_in = "0.4"
    examples = (
        fixes(
            "import torch.nn as nn\ncriterion = nn.CrossEntropyLoss()\nrunning_loss = 0.0\nfor x, y in loader:\n"
            "    loss = criterion(model(x), y)\n    loss.backward()\n    running_loss += loss\nprint('loss: %.3f' % (running_loss / len(loader)))\n",
            "import torch.nn as nn\ncriterion = nn.CrossEntropyLoss()\nrunning_loss = 0.0\nfor x, y in loader:\n"
            "    loss = criterion(model(x), y)\n    loss.backward()\n    running_loss += loss.item()\nprint('loss: %.3f' % (running_loss / len(loader)))\n",
            id="running-loss",
        ),
        fixes(
            "import torch.nn.functional as Fn\ntest_loss = 0\ntest_loss += Fn.nll_loss(out, t, reduction='sum')\ntest_loss /= n\n"
            "avg = test_loss * 1.0\nprint(f'{avg:.4f}')\n",
            "import torch.nn.functional as Fn\ntest_loss = 0\ntest_loss += Fn.nll_loss(out, t, reduction='sum').item()\ntest_loss /= n\n"
            "avg = test_loss * 1.0\nprint(f'{avg:.4f}')\n",
            id="aliased-derived",
        ),
        keeps(
            "import torch.nn as nn\ncrit = nn.MSELoss()\nloss = 0\nfor t in range(5):\n    loss += crit(out[t], y[t])\nloss.backward()\n",
            id="backward-through-total",
        ),
        fixes(
            "import torch.nn as nn\ncriterion = nn.MSELoss()\ntotal_loss = 0\nfor x, y in loader:\n"
            "    loss = criterion(model(x), y)\n    total_loss += loss.data\nprint('loss %.4f' % (total_loss[0] / 3))\n",
            "import torch.nn as nn\ncriterion = nn.MSELoss()\ntotal_loss = 0\nfor x, y in loader:\n"
            "    loss = criterion(model(x), y)\n    total_loss += loss.item()\nprint('loss %.4f' % (total_loss / 3))\n",
            id="legacy-data-total-indexed",
        ),
        keeps(
            "import torch.nn as nn\ncriterion = nn.MSELoss()\ntotal_loss = 0\ntotal_loss += criterion(a, b).data\nx = total_loss[1]\n",
            id="indexed-elsewhere",
        ),
        fixes(
            "import torch.nn as nn\ncriterion = nn.NLLLoss()\ndef evaluate(batches):\n    total_loss = 0\n    for data, targets in batches:\n"
            "        total_loss += len(data) * criterion(model(data), targets).data\n    return total_loss[0] / len(batches)\n",
            "import torch.nn as nn\ncriterion = nn.NLLLoss()\ndef evaluate(batches):\n    total_loss = 0\n    for data, targets in batches:\n"
            "        total_loss += (len(data) * criterion(model(data), targets)).item()\n    return total_loss / len(batches)\n",
            id="word-language-model-evaluate",
        ),
        keeps("total = 0\nfor x in xs:\n    total += x\nprint(total)\n", id="plain-numbers"),
    )

    def accumulates(self, value: cst.BaseExpression) -> bool:
        return self._is_scalar(value, set(), losses=True)

    def accumulated(self, value: cst.BaseExpression) -> Optional[Tuple[cst.BaseExpression, bool]]:
        base, saw_data = _strip_views(value)
        if saw_data and self.accumulates(base):
            return base, True  # `total += loss.data`: `loss.item()`
        if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Multiply):
            # `total += len(batch) * loss.data`: `(len(batch) * loss).item()`
            for side, other in (("left", "right"), ("right", "left")):
                inner, saw = _strip_views(getattr(value, side))
                if saw and _is_count(getattr(value, other)) and self.accumulates(inner):
                    return value.with_changes(**{side: inner}), True
        return (value, False) if self.accumulates(value) else None
