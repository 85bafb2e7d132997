"""Loss reduction flags: `size_average=` / `reduce=` became `reduction=` (torch 0.4.1)."""

from __future__ import annotations

from typing import Optional

import libcst as cst

from migrator.rule import Rule, Safety, fixes, keeps
from migrator.rules._calls import UNKNOWN, bind, is_simple, keyword_arg, keywordize, literal, string, with_args
from migrator.rules._losses import LOSS_FUNCTIONS, LOSS_MODULES


def _truthy(expr: cst.BaseExpression) -> cst.BaseExpression:
    """`x or x is None`: legacy treated an explicit None as the default, True."""
    return cst.parse_expression(f"{_code(expr)} or {_code(expr)} is None")


def _code(expr: cst.BaseExpression) -> str:
    return cst.Module(body=[]).code_for_node(expr)


def reduction_for(size_average: Optional[cst.BaseExpression], reduce: Optional[cst.BaseExpression]) -> Optional[cst.BaseExpression]:
    """The `reduction=` value with exactly the legacy meaning (`torch.nn._reduction.legacy_get_string`).

    `reduce=False` means 'none' whatever `size_average` says; otherwise `size_average=False`
    means 'sum' and anything else 'mean'. None stood for the default, True.
    Non-literal flags give an exact conditional expression; None when that would
    evaluate a complex expression twice.
    """
    sa = True if size_average is None else literal(size_average)
    rd = True if reduce is None else literal(reduce)
    if sa is None:
        sa = True
    if rd is None:
        rd = True
    if rd is not UNKNOWN and not rd:
        return string("none")
    if sa is UNKNOWN:
        if not is_simple(size_average):  # type: ignore[arg-type]
            return None
        averaged = cst.IfExp(test=_truthy(size_average), body=string("mean"), orelse=string("sum"))  # type: ignore[arg-type]
    else:
        averaged = string("mean" if sa else "sum")
    if rd is UNKNOWN:
        if not is_simple(reduce):  # type: ignore[arg-type]
            return None
        if isinstance(averaged, cst.IfExp):
            averaged = averaged.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return cst.IfExp(test=_truthy(reduce), body=averaged, orelse=string("none"))  # type: ignore[arg-type]
    return averaged


class SizeAverageArgument(Rule):
    """`size_average=` / `reduce=` on a loss: use `reduction=`.

    What it does: replaces the two legacy flags of every loss module and functional
    loss, keyword or positional, by the one `reduction=` string with the same meaning.
    Why: torch 0.4.1 deprecated the flags in favour of `reduction`; torch 2.13 still
    accepts them with a `UserWarning`.
    Example: `nn.MSELoss(size_average=False)` becomes `nn.MSELoss(reduction='sum')`.
    Fix safety: safe. The mapping is `torch.nn._reduction.legacy_get_string`
    (`reduce=False` gives 'none', `size_average=False` gives 'sum', else 'mean'), bitwise
    identical results; non-literal flags become an exact conditional expression.
    """

    code = "TM301"
    message = "`size_average`/`reduce` are deprecated; use `reduction=`"
    safety = Safety.SAFE
    triggers = ("Loss", "_loss", "cross_entropy", "kl_div")
    changed_in = "0.4.1"
    examples = (
        fixes(
            "import torch\ncriterion = torch.nn.MSELoss(size_average=False)\n",
            "import torch\ncriterion = torch.nn.MSELoss(reduction='sum')\n",
            id="module-keyword",
        ),
        fixes(
            "import torch.nn.functional as F\nloss = F.nll_loss(out, y, None, False)\n",
            "import torch.nn.functional as F\nloss = F.nll_loss(out, y, None, reduction='sum')\n",
            id="functional-positional-alias",
        ),
        fixes(
            "from torch import nn\nc = nn.CrossEntropyLoss(w, True, -100, False)\n",
            "from torch import nn\nc = nn.CrossEntropyLoss(w, ignore_index=-100, reduction='none')\n",
            id="reduce-false-wins",
        ),
        fixes(
            "from torch.nn import BCELoss as B\nc = B(size_average=avg)\n",
            "from torch.nn import BCELoss as B\nc = B(reduction='mean' if avg or avg is None else 'sum')\n",
            id="non-literal",
        ),
        keeps("def mse_loss(a, b, size_average=True):\n    pass\nmse_loss(1, 2, size_average=False)\n", id="own-function"),
        keeps("import torch\nc = torch.nn.MSELoss(reduction='sum')\n", id="modern"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        name = self.context.qualified_name(node.func)
        if name is None:
            return
        params = LOSS_MODULES.get(name) or LOSS_FUNCTIONS.get(name)
        if params is None:
            return
        bound = bind(node, params)
        if bound is None or ("size_average" not in bound and "reduce" not in bound):
            return
        if "reduction" in bound:
            return  # both spellings given: torch itself ignores the flags only with a warning; leave it
        sa = bound.get("size_average")
        rd = bound.get("reduce")
        value = reduction_for(sa.value if sa else None, rd.value if rd else None)
        if value is None:
            self.report(node, message=self.message + " (the flags are complex expressions: rewrite by hand)")
            return
        start = min(params.index(p) for p in ("size_average", "reduce") if p in bound)
        args = keywordize(node, params, start)
        if args is None:
            self.report(node)
            return
        kept = [a for a in args if not (a.keyword is not None and a.keyword.value in ("size_average", "reduce"))]
        kept.append(keyword_arg("reduction", value))
        self.report(node, with_args(node, kept))
