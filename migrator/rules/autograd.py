"""`Variable` and the autograd API of torch 0.1-0.3."""

from __future__ import annotations

from typing import Optional

import libcst as cst

from migrator.rule import Rule, Safety, fixes, keeps, reports
from migrator.rules._calls import UNKNOWN, bind, find_keyword, keyword_arg, literal, method_call, with_args

VARIABLE = "torch.autograd.Variable"

# Factories that accept `requires_grad=` themselves.
FACTORIES = frozenset(
    "torch." + n
    for n in (
        "randn rand randint zeros ones empty full eye arange linspace logspace tensor "
        "randn_like rand_like zeros_like ones_like empty_like full_like"
    ).split()
)
# Methods that return a fresh tensor, or self, from a fresh tensor without tensor inputs.
_FRESH_METHODS = frozenset(
    "type float double half long int short byte cuda cpu view reshape t contiguous clone "
    "unsqueeze squeeze uniform_ normal_ fill_ zero_ random_ resize_".split()
)
# Legacy constructors build a fresh leaf too (`torch.Tensor([[1.0]])`).
_LEGACY_CONSTRUCTORS = frozenset(
    "torch." + n
    for n in "Tensor FloatTensor DoubleTensor HalfTensor LongTensor IntTensor ShortTensor CharTensor ByteTensor".split()
)


def is_fresh_tensor(node: cst.BaseExpression, context) -> bool:
    """A call chain rooted at a factory that nobody else can hold a reference to."""
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        name = context.qualified_name(node.func)
        if name in FACTORIES or name in _LEGACY_CONSTRUCTORS:
            return True
        if node.func.attr.value not in _FRESH_METHODS:
            return False
        node = node.func.value
    if isinstance(node, cst.Call):
        name = context.qualified_name(node.func)
        return name in FACTORIES or name in _LEGACY_CONSTRUCTORS
    return False


class VariableWrapper(Rule):
    """`Variable(x)`: a tensor is its own variable since 0.4; drop the wrapper.

    What it does: `Variable(x)` (and `requires_grad=False`, `name=`) becomes `x`;
    `Variable(x, requires_grad=True)` becomes `torch.randn(..., requires_grad=True)` for a
    factory call, `x.requires_grad_()` for a fresh tensor built in place, and
    `x.detach().requires_grad_()` otherwise; the `Variable` import goes when its last use does.
    Why: torch 0.4 merged `Variable` into `Tensor`; `Variable(...)` now only returns a
    detached alias of its argument.
    Example: `x = Variable(torch.randn(3, 2), requires_grad=True)` becomes
    `x = torch.randn(3, 2, requires_grad=True)`.
    Fix safety: safe for legacy code. In torch <= 0.3 the argument of `Variable` had to be
    a plain tensor, which could not require grad, so `x` itself is what the wrapper held;
    `x.detach().requires_grad_()` is the exact modern meaning (a new leaf sharing storage)
    and never mutates `x`. `volatile=` is handled by TM103.
    """

    code = "TM101"
    message = "`Variable(...)` is a no-op wrapper since torch 0.4; use the tensor itself"
    safety = Safety.SAFE
    triggers = ("Variable",)
    changed_in = "0.4"
    examples = (
        fixes(
            "from torch.autograd import Variable\nimport torch\nx = Variable(torch.ones(2))\ny = f(x)\n",
            "import torch\nx = torch.ones(2)\ny = f(x)\n",
            id="plain",
        ),
        fixes(
            "import torch\nfrom torch.autograd import Variable as V\nw = V(torch.randn(3, 2), requires_grad=True)\n",
            "import torch\nw = torch.randn(3, 2, requires_grad=True)\n",
            id="alias-factory",
        ),
        fixes(
            "import torch.autograd as autograd\nw = autograd.Variable(data, True)\n",
            "w = data.detach().requires_grad_()\n",
            id="module-alias-positional",
        ),
        fixes(
            "import torch\nfrom torch.autograd import Variable\nw = Variable(torch.randn(3, 2).type(dtype), requires_grad=True)\nb = Variable(x)\n",
            "import torch\nw = torch.randn(3, 2).type(dtype).requires_grad_()\nb = x\n",
            id="fresh-chain",
        ),
        keeps("class Variable:\n    pass\nv = Variable(x)\n", id="own-class"),
        keeps("from torch.autograd import Variable\nv = Variable(x, volatile=True)\n", id="volatile-left-to-TM103"),
        keeps("import torch\nx = torch.randn(2, requires_grad=True)\n", id="modern"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if self.context.qualified_name(node.func) != VARIABLE:
            return
        bound = bind(node, ("data", "requires_grad", "volatile"))
        if bound is None or "data" not in bound or "volatile" in bound:
            return
        if set(bound) - {"data", "requires_grad", "volatile", "name"}:
            return
        data = bound["data"].value
        grad_arg = bound.get("requires_grad")
        requires = False if grad_arg is None else literal(grad_arg.value)
        release = (self.context.names.binding_of(node.func),)
        release = tuple(r for r in release if r and r != "torch")
        if requires is False or requires is None:
            self.report(node, data.with_changes(lpar=node.lpar, rpar=node.rpar) if node.lpar else data, releases=release)
            return
        if requires is True:
            replacement = self._requiring_grad(data)
        else:  # a runtime flag: an exact leaf with that flag
            replacement = method_call(method_call(data, "detach"), "requires_grad_", [cst.Arg(grad_arg.value)])
        self.report(node, replacement, releases=release)

    def _requiring_grad(self, data: cst.BaseExpression) -> cst.BaseExpression:
        if isinstance(data, cst.Call) and self.context.qualified_name(data.func) in FACTORIES and find_keyword(data, "requires_grad") is None:
            return with_args(data, [*data.args, keyword_arg("requires_grad", cst.Name("True"))])
        if is_fresh_tensor(data, self.context):
            return method_call(data, "requires_grad_")
        return method_call(method_call(data, "detach"), "requires_grad_")
