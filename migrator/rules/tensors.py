"""Tensor construction: the typed legacy constructors (`torch.FloatTensor(...)`)."""

from __future__ import annotations

from typing import Optional, Tuple

import libcst as cst

from migrator.rule import Rule, Safety, fixes, keeps, reports
from migrator.rules._calls import keyword_arg

# Legacy constructor -> (dtype it produced, or None for the default dtype; float-valued?)
CONSTRUCTORS = {
    "torch.Tensor": (None, True),
    "torch.FloatTensor": ("torch.float32", True),
    "torch.DoubleTensor": ("torch.float64", True),
    "torch.HalfTensor": ("torch.float16", True),
    "torch.LongTensor": ("torch.int64", False),
    "torch.IntTensor": ("torch.int32", False),
    "torch.ShortTensor": ("torch.int16", False),
    "torch.CharTensor": ("torch.int8", False),
    "torch.ByteTensor": ("torch.uint8", False),
    "torch.BoolTensor": ("torch.bool", False),
}


def _number_kind(node: cst.BaseExpression) -> Optional[str]:
    """'int' or 'float' for a numeric literal (signed), else None."""
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
        return _number_kind(node.expression)
    if isinstance(node, cst.Integer):
        return "int"
    if isinstance(node, cst.Float):
        return "float"
    return None


def _literal_kinds(node: cst.BaseExpression) -> Optional[set]:
    """The kinds of numbers in a (nested) list/tuple literal of numbers; None if anything else is in it."""
    if isinstance(node, (cst.List, cst.Tuple)):
        kinds: set = set()
        for element in node.elements:
            if isinstance(element, cst.StarredElement):
                return None
            inner = _literal_kinds(element.value)
            if inner is None:
                return None
            kinds |= inner
        return kinds
    kind = _number_kind(node)
    return {kind} if kind else None


def _is_size(node: cst.BaseExpression, context) -> bool:
    """An expression that is certainly a size: `x.size()`, `torch.Size(...)`, `x.shape`."""
    if isinstance(node, cst.Call):
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "size" and not node.args:
            return True
        return context.qualified_name(node.func) == "torch.Size"
    return isinstance(node, cst.Attribute) and node.attr.value == "shape"


class LegacyConstructor(Rule):
    """`torch.FloatTensor([...])` / `torch.Tensor(2, 3)`: use `torch.tensor` / `torch.empty`.

    What it does: a legacy typed constructor called with a literal list becomes
    `torch.tensor(list, dtype=...)` with the dtype the legacy call produced (a list of
    float literals given to `torch.Tensor` needs none); called with sizes it becomes
    `torch.empty(sizes, dtype=...)`; with no argument, `torch.empty(0)`.
    Why: the typed constructors are legacy since torch 0.4 (`torch.tensor` and the
    factory functions replaced them); their data/size overloading is error-prone
    (`torch.Tensor(3)` is an uninitialised vector of 3, `torch.Tensor([3])` holds 3).
    Example: `Variable(torch.Tensor([[1.0], [2.0]]))` becomes `torch.tensor([[1.0], [2.0]])`.
    Fix safety: safe: the dtype is stated whenever `torch.tensor` would infer another
    one (`torch.tensor([1, 2])` is int64, `torch.Tensor([1, 2])` float32). A single
    argument of unknown kind (a name that may be a size, a list, an array or a tensor)
    is reported, not rewritten.
    """

    code = "TM701"
    message = "legacy tensor constructor; use `torch.tensor(data)` or `torch.empty(size)`"
    safety = Safety.SAFE
    triggers = ("Tensor(",)
    changed_in = "0.4"
    examples = (
        fixes("import torch\nx = torch.Tensor([[1.0], [2.0]])\n", "import torch\nx = torch.tensor([[1.0], [2.0]])\n", id="floats"),
        fixes(
            "import torch\ny = torch.LongTensor([0, 1, 1])\nz = torch.FloatTensor([1, 2])\n",
            "import torch\ny = torch.tensor([0, 1, 1])\nz = torch.tensor([1, 2], dtype=torch.float32)\n",
            id="typed",
        ),
        fixes(
            "from torch import Tensor as T, FloatTensor\nw = T(2, 3)\nb = FloatTensor(n)\n",
            "from torch import Tensor as T, FloatTensor\nimport torch\n\nw = torch.empty(2, 3)\nb = FloatTensor(n)\n",
            id="sizes-alias",
        ),
        reports("import torch\nt = torch.Tensor(array)\n", id="unknown-kind"),
        keeps("import torch\nok = isinstance(x, torch.Tensor)\n", id="isinstance"),
        keeps("class Tensor:\n    pass\nt = Tensor([1])\n", id="own-class"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        name = self.context.qualified_name(node.func)
        if name not in CONSTRUCTORS or any(a.star for a in node.args):
            return
        dtype, floating = CONSTRUCTORS[name]
        keywords = [a for a in node.args if a.keyword is not None]
        positional = [a for a in node.args if a.keyword is None]
        if keywords:
            return  # `device=` and friends: rare in legacy code; leave to a human
        if not positional:
            self._replace(node, "torch.empty", [cst.Arg(cst.Integer("0"))], dtype)
            return
        if len(positional) == 1:
            value = positional[0].value
            kinds = _literal_kinds(value)
            if kinds is not None and isinstance(value, (cst.List, cst.Tuple)):
                self._replace(node, "torch.tensor", [positional[0]], self._data_dtype(dtype, floating, kinds))
                return
            if kinds is not None or _is_size(value, self.context):
                self._replace(node, "torch.empty", [positional[0]], dtype)
                return
            self.report(
                node,
                message=self.message + " (the argument may be a size, a list, an array or a tensor: choose by hand)",
            )
            return
        self._replace(node, "torch.empty", positional, dtype)

    def _data_dtype(self, dtype: Optional[str], floating: bool, kinds: set) -> Optional[str]:
        inferred_float = "float" in kinds
        if dtype is None:  # torch.Tensor: the default dtype
            return None if inferred_float else "torch.get_default_dtype()"
        if floating and inferred_float and dtype == "torch.float32":
            return None
        if not floating and not inferred_float and dtype == "torch.int64":
            return None
        return dtype

    def _replace(self, node: cst.Call, factory: str, args, dtype: Optional[str]) -> None:
        func, imports = self.context.reference(factory)
        new_args = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in args]
        if dtype is not None:
            dtype_expr, more = self.context.reference(dtype) if "(" not in dtype else self._call_ref(dtype)
            imports += more
            new_args.append(keyword_arg("dtype", dtype_expr))
        fixed = [a.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))) for a in new_args[:-1]]
        fixed.append(new_args[-1])
        self.report(node, node.with_changes(func=func, args=fixed), imports=imports)

    def _call_ref(self, expression: str):
        func, imports = self.context.reference(expression[: expression.index("(")])
        return cst.Call(func=func), imports
