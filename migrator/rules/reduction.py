"""Loss reduction flags: `size_average=` / `reduce=` became `reduction=` (torch 0.4.1)."""

from __future__ import annotations

from typing import Dict, List, Optional, Set, Tuple

import libcst as cst

from migrator.names import dotted
from migrator.rule import Rule, Safety, fixes, keeps, reports
from migrator.rules._calls import (
    UNKNOWN,
    bind,
    is_simple,
    keyword_arg,
    keywordize,
    literal,
    method_call,
    positional,
    string,
    with_args,
)
from migrator.rules._losses import LEGACY_LOSS_WORDS, LOSS_FUNCTIONS, LOSS_MODULES
from migrator.rules._ranks import RankedCallRule, RankOf
from migrator.rules.init import FromImportRenameRule
from migrator.rules._triggers import SPACE, rx_any_word, rx_attribute, rx_call_without, rx_positional_call

_FN = "torch.nn.functional."


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


def _looks_like_kl_weight(node: cst.BaseExpression, era) -> bool:
    """`F.kl_div(x, y, True, w)` in 0.2 code passed a class weight where `reduce` now sits."""
    if isinstance(literal(node), (bool, type(None))):
        return False
    last = node.attr.value if isinstance(node, cst.Attribute) else getattr(node, "value", "")
    return (era is not None and era <= (0, 2)) or "weight" in str(last).lower()


def _legacy_flag_positions() -> Dict[int, List[str]]:
    """Loss words by how many positional arguments reach their first legacy flag."""
    by_count: Dict[int, List[str]] = {}
    for name, params in (*LOSS_MODULES.items(), *LOSS_FUNCTIONS.items()):
        by_count.setdefault(params.index("size_average") + 1, []).append(name.rsplit(".", 1)[-1])
    return by_count


# A flag as a keyword, or passed positionally (enough positional arguments to reach it), or a
# loss imported under an alias (whose calls the other alternatives cannot see).
_LEGACY_FLAGS = "|".join(
    (
        r"\b(?:size_average|reduce)[\s\\]*=(?!=)",
        *(rx_any_word(names) + r"\b" + rx_positional_call(count) for count, names in sorted(_legacy_flag_positions().items())),
        rx_any_word(LEGACY_LOSS_WORDS) + SPACE + r"as\b",
    )
)


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
    trigger_words = LEGACY_LOSS_WORDS
    trigger_regex = _LEGACY_FLAGS
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
            "from torch import nn\nc = nn.CrossEntropyLoss(w, reduction='none', ignore_index=-100)\n",
            id="reduce-false-wins",
        ),
        fixes(
            "import torch.nn as nn\n\ncrit = nn.CrossEntropyLoss(\n    size_average=False,\n    ignore_index=0,  # 0 is <pad>\n)\n",
            "import torch.nn as nn\n\ncrit = nn.CrossEntropyLoss(\n    reduction='sum',\n    ignore_index=0,  # 0 is <pad>\n)\n",
            id="multi-line-trailing-comma-comment-stays-on-its-argument",
        ),
        fixes(
            "import torch.nn as nn\ncrit = nn.NLLLoss(\n    weight=w,\n    size_average=False,\n)\n",
            "import torch.nn as nn\ncrit = nn.NLLLoss(\n    weight=w,\n    reduction='sum',\n)\n",
            id="multi-line-trailing-comma-no-comment",
        ),
        fixes(
            "import torch.nn as nn\ncrit = nn.NLLLoss(size_average=False,  # sum over tokens\n    ignore_index=0)\n",
            "import torch.nn as nn\ncrit = nn.NLLLoss(reduction='sum',  # sum over tokens\n    ignore_index=0)\n",
            id="multi-line-replaced-argument-keeps-its-comment",
        ),
        fixes(
            "import torch.nn as nn\ncrit = nn.NLLLoss(\n    weight=w,\n    # legacy flags\n    size_average=False,  # sum\n    reduce=True,\n    ignore_index=0\n)\n",
            "import torch.nn as nn\ncrit = nn.NLLLoss(\n    weight=w,\n    # legacy flags\n    reduction='sum',  # sum\n    ignore_index=0\n)\n",
            id="multi-line-flag-removed-from-the-middle-no-trailing-comma",
        ),
        fixes(
            "import torch.nn.functional as F\nl = F.nll_loss(out, y,\n                w,  # class weights\n                False,  # summed\n                -1)\n",
            "import torch.nn.functional as F\nl = F.nll_loss(out, y,\n                w,  # class weights\n                reduction='sum',  # summed\n                ignore_index=-1)\n",
            id="multi-line-positional-flags-keep-their-lines",
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
        if name.endswith(".kl_div") and "reduce" in bound and bound["reduce"].keyword is None:
            if _looks_like_kl_weight(bound["reduce"].value, self.context.source_era):
                return  # a 0.2 `weight` tensor in 4th place, not a flag: TM308 reports it
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
        flags = [a for a in args if a.keyword is not None and a.keyword.value in ("size_average", "reduce")]
        # `reduction=` takes the first flag's place (its line, its comment); the other flag is dropped
        reduction = keyword_arg("reduction", value, like=flags[0])
        kept = [reduction if a is flags[0] else a for a in args if not any(a is flag for flag in flags[1:])]
        self.report(node, with_args(node, kept))


def _loss_params(name: Optional[str]) -> Optional[Tuple[str, ...]]:
    if name is None:
        return None
    return LOSS_MODULES.get(name) or LOSS_FUNCTIONS.get(name)


class ElementwiseMean(Rule):
    """`reduction='elementwise_mean'`: use `reduction='mean'`.

    What it does: replaces the string `'elementwise_mean'` given as `reduction` to a loss
    module or functional loss (keyword or positional), or assigned to `loss.reduction`.
    Why: 0.4.1 introduced `reduction` with `'elementwise_mean'`; torch 1.0 renamed it `'mean'`
    and 2.13 still maps the old name with a `UserWarning`.
    Example: `nn.MSELoss(reduction='elementwise_mean')` becomes `nn.MSELoss(reduction='mean')`.
    Fix safety: safe: torch maps the old name to `'mean'` itself.
    """

    code = "TM302"
    message = "`reduction='elementwise_mean'` is deprecated; use `reduction='mean'`"
    safety = Safety.SAFE
    triggers = ("elementwise_mean",)
    trigger_words = ("elementwise_mean",)
    changed_in = "1.0"
    requires = "1.0"
    examples = (
        fixes(
            "import torch.nn as nn\ncrit = nn.MSELoss(reduction='elementwise_mean')\n",
            "import torch.nn as nn\ncrit = nn.MSELoss(reduction='mean')\n",
            id="module",
        ),
        fixes(
            'import torch.nn.functional as Fn\nl = Fn.l1_loss(a, b, None, None, "elementwise_mean")\ncrit.reduction = "elementwise_mean"\n',
            'import torch.nn.functional as Fn\nl = Fn.l1_loss(a, b, None, None, "mean")\ncrit.reduction = "mean"\n',
            id="aliased-positional-and-attribute",
        ),
        keeps("def my_loss(a, b, reduction='elementwise_mean'):\n    pass\nmy_loss(a, b, reduction='elementwise_mean')\n", id="own-function"),
        keeps("import torch.nn as nn\ncrit = nn.MSELoss(reduction='mean')\n", id="modern"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        params = _loss_params(self.context.qualified_name(node.func))
        if params is None or "reduction" not in params:
            return
        bound = bind(node, params)
        if bound is not None and "reduction" in bound:
            self._check(bound["reduction"].value)

    def visit_Assign(self, node: cst.Assign) -> None:
        if any(isinstance(t.target, cst.Attribute) and t.target.attr.value == "reduction" for t in node.targets):
            self._check(node.value)

    def _check(self, value: cst.BaseExpression) -> None:
        if isinstance(value, cst.SimpleString) and value.evaluated_value == "elementwise_mean":
            quote = value.quote
            self.report(value, cst.SimpleString(f"{value.prefix}{quote}mean{quote}"))


class _LossModules(Rule):
    """Records the dotted names bound (only) to one loss-module constructor call."""

    def __init__(self, context) -> None:
        super().__init__(context)
        self.bound: Dict[str, List[Optional[cst.Call]]] = {}

    def visit_Assign(self, node: cst.Assign) -> None:
        value = node.value
        made = value if isinstance(value, cst.Call) and self.context.qualified_name(value.func) in LOSS_MODULES else None
        for target in node.targets:
            name = dotted(target.target)
            if name is not None:
                self.bound.setdefault(name, []).append(made)

    def constructor(self, name: Optional[str]) -> Optional[cst.Call]:
        made = self.bound.get(name or "")
        return made[0] if made and len(made) == 1 else None


class LossFlagAttribute(_LossModules):
    """`criterion.size_average = False` after construction: set `criterion.reduction`.

    What it does: turns an assignment to `size_average` or `reduce` on a name bound to a
    loss module into the assignment of the `reduction` string with the same meaning (given
    the flags the module was constructed with); reading `criterion.size_average` is reported.
    Why: up to 0.4.0 losses stored the two flags and read them at every call, so toggling
    them switched between mean and sum; since 0.4.1 the module only reads `reduction`, and the
    assignment silently creates an unused attribute (an `MSELoss` keeps returning the mean).
    Example: `criterion.size_average = False` becomes `criterion.reduction = 'sum'`.
    Fix safety: safe for code written for torch 0.4 or older (assigning the flag is evidence
    of that era): same mapping as TM301. Unsafe when the source era is later, since the
    assignment had no effect there. A module built with `reduction=` or with the other flag
    also assigned is reported only.
    """

    code = "TM303"
    message = "setting `{flag}` on a loss has no effect since torch 0.4.1; set `reduction` instead"
    safety = Safety.SAFE
    triggers = (".size_average", ".reduce")
    trigger_words = ("size_average", "reduce")
    # the receiver must be built by a loss module (`nn.MSELoss()`, `L()` from `MSELoss as L`): the
    # file names one somewhere (a single anchored look-ahead: linear in the file)
    trigger_regex = r"\A(?=[\s\S]*?Loss(?:2d)?\b)[\s\S]*?" + rx_attribute(("size_average", "reduce"))
    changed_in = "0.4.1"
    examples = (
        fixes(
            "import torch.nn as nn\ncriterion = nn.MSELoss()\ncriterion.size_average = False\n",
            "import torch.nn as nn\ncriterion = nn.MSELoss()\ncriterion.reduction = 'sum'\n",
            id="size-average",
        ),
        fixes(
            "from torch.nn import NLLLoss as L\nself.crit = L(weight=w, size_average=False)\nself.crit.reduce = False\n",
            "from torch.nn import NLLLoss as L\nself.crit = L(weight=w, size_average=False)\nself.crit.reduction = 'none'\n",
            id="aliased-reduce",
        ),
        reports("import torch.nn as nn\nc = nn.L1Loss()\nif c.size_average:\n    pass\n", id="read"),
        keeps("class Opts:\n    pass\nopts = Opts()\nopts.size_average = False\n", id="own-object"),
        keeps("import torch.nn as nn\nc = nn.L1Loss()\nc.reduction = 'sum'\n", id="modern"),
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self.assignments: List[Tuple[cst.Assign, str, str]] = []
        self.reads: List[Tuple[cst.Attribute, str]] = []
        self.targets: Set[int] = set()

    def visit_Assign(self, node: cst.Assign) -> None:
        super().visit_Assign(node)
        if len(node.targets) != 1:
            return
        target = node.targets[0].target
        if isinstance(target, cst.Attribute) and target.attr.value in ("size_average", "reduce"):
            receiver = dotted(target.value)
            if receiver is not None:
                self.assignments.append((node, receiver, target.attr.value))
                self.targets.add(id(target))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value in ("size_average", "reduce") and id(node) not in self.targets:
            receiver = dotted(node.value)
            if receiver is not None:
                self.reads.append((node, receiver))

    def leave_Module(self, original_node: cst.Module) -> None:
        flags: Dict[str, Set[str]] = {}
        for _, receiver, flag in self.assignments:
            flags.setdefault(receiver, set()).add(flag)
        for node, receiver, flag in self.assignments:
            ctor = self.constructor(receiver)
            if ctor is None:
                continue
            message = self.message.format(flag=flag)
            bound = bind(ctor, LOSS_MODULES[self.context.qualified_name(ctor.func)])  # type: ignore[index]
            if bound is None or "reduction" in bound or len(flags[receiver]) > 1:
                self.report(node, message=message + " (set `reduction` by hand)")
                continue
            other = bound.get("reduce" if flag == "size_average" else "size_average")
            size_average = node.value if flag == "size_average" else (other.value if other else None)
            reduce = node.value if flag == "reduce" else (other.value if other else None)
            value = reduction_for(size_average, reduce)
            if value is None:
                self.report(node, message=message + " (set `reduction` by hand)")
                continue
            target = node.targets[0].target
            assert isinstance(target, cst.Attribute)
            replacement = node.with_changes(
                targets=[node.targets[0].with_changes(target=target.with_changes(attr=cst.Name("reduction")))], value=value
            )
            era = self.context.source_era
            if era is not None and era <= (0, 4):
                self.report(node, replacement, message=message)
            else:
                self.report(node, replacement, safety=Safety.UNSAFE, message=message + " (unsafe: for code written after 0.4.0 the assignment had no effect)")
        for node, receiver in self.reads:
            if self.constructor(receiver) is not None:
                self.report(node, message=self.message.format(flag=node.attr.value) + " (reading it raises `AttributeError`; read `reduction`)")


_KL = ("torch.nn.KLDivLoss", "torch.nn.functional.kl_div")


class KLDivMean(Rule):
    """`nn.KLDivLoss()` / `F.kl_div` with the default mean: it averages over every element, not the batch.

    What it does: reports KL-divergence losses whose reduction is the implicit mean (no
    `reduction=`, legacy flags absent or meaning mean).
    Why: the legacy mean divides the summed loss by the number of elements (batch × classes);
    torch warns on every call (`reduction: 'mean' divides the total loss by both the batch
    size and the support size ... 'mean' will be changed to behave the same as 'batchmean'`).
    Example: `crit = nn.KLDivLoss()` is reported: write `reduction='mean'` to keep the
    numbers, or `reduction='batchmean'` for the true KL divergence per sample.
    Fix safety: report only: `'batchmean'` changes the values (by the number of classes)
    and `'mean'` keeps the warning; which one is right depends on intent.
    """

    code = "TM304"
    message = "KL-divergence 'mean' divides by every element, not the batch; choose `reduction='mean'` (same numbers) or `'batchmean'` (true KL)"
    safety = Safety.NONE
    triggers = ("KLDivLoss", "kl_div")
    trigger_words = ("KLDivLoss", "kl_div")
    trigger_regex = r"\b(?:KLDivLoss|kl_div)\b" + rx_call_without(("reduction",)) + r"|\b(?:KLDivLoss|kl_div)" + SPACE + r"as\b"
    changed_in = "0.4.1"
    examples = (
        reports("import torch.nn as nn\ncrit = nn.KLDivLoss()\n", id="module"),
        reports("import torch.nn.functional as Fn\nl = Fn.kl_div(logp, q, size_average=True)\n", id="aliased-functional"),
        keeps("import torch.nn as nn\ncrit = nn.KLDivLoss(reduction='batchmean')\nc2 = nn.KLDivLoss(size_average=False)\n", id="explicit"),
        keeps("from scipy.special import kl_div\nd = kl_div(p, q)\n", id="scipy-look-alike"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        name = self.context.qualified_name(node.func)
        if name not in _KL:
            return
        bound = bind(node, _loss_params(name))  # type: ignore[arg-type]
        if bound is None or "reduction" in bound:
            return
        sa = bound.get("size_average")
        rd = bound.get("reduce")
        value = reduction_for(sa.value if sa else None, rd.value if rd else None)
        if isinstance(value, cst.SimpleString) and value.evaluated_value == "mean":
            self.report(node)


class NLLLoss2d(FromImportRenameRule):
    """`nn.NLLLoss2d`: use `nn.NLLLoss`.

    What it does: renames the class, however imported.
    Why: torch 0.4.1 made `NLLLoss` accept inputs of any rank; `NLLLoss2d` warns
    (`FutureWarning: NLLLoss2d has been deprecated. Please use NLLLoss instead as a drop-in
    replacement`).
    Example: `criterion = nn.NLLLoss2d(weight=w)` becomes `criterion = nn.NLLLoss(weight=w)`.
    Fix safety: safe: `NLLLoss2d` is a subclass of `NLLLoss` with the same parameters and
    forward.
    """

    code = "TM305"
    message = "`{old}` is deprecated; use `{new}`"
    safety = Safety.SAFE
    triggers = ("NLLLoss2d",)
    trigger_words = ("NLLLoss2d",)
    changed_in = "0.4.1"
    renames = {"torch.nn.NLLLoss2d": "torch.nn.NLLLoss"}
    examples = (
        fixes("import torch.nn as nn\ncriterion = nn.NLLLoss2d(weight=w)\n", "import torch.nn as nn\ncriterion = nn.NLLLoss(weight=w)\n", id="nn"),
        fixes(
            "from torch.nn import NLLLoss2d as Seg\ncrit = Seg(None, True, 255)\n",
            "from torch.nn import NLLLoss\ncrit = NLLLoss(None, True, 255)\n",
            id="aliased-from-import",
        ),
        keeps("class NLLLoss2d:\n    pass\nc = NLLLoss2d()\n", id="own-class"),
        keeps("import torch.nn as nn\ncriterion = nn.NLLLoss(ignore_index=255)\n", id="modern"),
    )


_POINTWISE_MODULES = ("torch.nn.MSELoss", "torch.nn.L1Loss", "torch.nn.SmoothL1Loss")
_POINTWISE_FUNCTIONS = (_FN + "mse_loss", _FN + "l1_loss", _FN + "smooth_l1_loss")
_BCE_MODULES = ("torch.nn.BCELoss", "torch.nn.BCEWithLogitsLoss", "torch.nn.SoftMarginLoss")
_BCE_FUNCTIONS = (_FN + "binary_cross_entropy", _FN + "binary_cross_entropy_with_logits", _FN + "soft_margin_loss")
_POINTWISE_WORDS = tuple(n.rsplit(".", 1)[-1] for n in (*_POINTWISE_MODULES, *_POINTWISE_FUNCTIONS))
_BCE_WORDS = tuple(n.rsplit(".", 1)[-1] for n in (*_BCE_MODULES, *_BCE_FUNCTIONS))


class _LossShapes(_LossModules, RankedCallRule):
    """Pointwise losses whose input and target ranks differ, as far as the code states them."""

    modules: Tuple[str, ...] = ()
    functions: Tuple[str, ...] = ()
    consequence = ""

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls.ranked_calls = frozenset((*cls.modules, *cls.functions))

    def on_ranked_call(self, call: cst.Call, rank_of: RankOf) -> None:
        pair = self._pair(call)
        if pair is None:
            return
        first, second = pair
        a, b = rank_of(first.value), rank_of(second.value)
        if a is not None and b is not None:
            if a == b:
                return
            fixed = self._view_as(call, first, second)
            if fixed is not None:
                self.report(call, fixed, message=self.message + f" (the code gives ranks {a} and {b})")
            else:
                self.report(call, message=self.message + self.consequence)
        elif a is None and b == 1:  # a model output against a 1-D target: the catalogue's (N, 1) vs (N)
            self.report(call, message=self.message + self.consequence)

    def _pair(self, call: cst.Call) -> Optional[Tuple[cst.Arg, cst.Arg]]:
        func = call.func
        name = self.context.qualified_name(func) if isinstance(func, (cst.Name, cst.Attribute)) else None
        if name in self.functions:
            bound = bind(call, LOSS_FUNCTIONS[name])  # type: ignore[index]
        else:
            ctor = func if isinstance(func, cst.Call) else self.constructor(dotted(func))
            if ctor is None or self.context.qualified_name(ctor.func) not in self.modules:
                return None
            bound = bind(call, ("input", "target"))
        if bound is None or "input" not in bound or "target" not in bound:
            return None
        return bound["input"], bound["target"]

    @staticmethod
    def _view_as(call: cst.Call, first: cst.Arg, second: cst.Arg) -> Optional[cst.Call]:
        """The call with the target viewed as the input (or the input as the target): the legacy element-wise pairing."""
        if is_simple(first.value):
            reshaped, keep = second, first
        elif is_simple(second.value):
            reshaped, keep = first, second
        else:
            return None
        view = method_call(reshaped.value, "view_as", [cst.Arg(keep.value)])
        return call.with_changes(args=[a.with_changes(value=view) if a is reshaped else a for a in call.args])


class PointwiseLossShapes(_LossShapes):
    """`F.mse_loss(out, y)` with out (N, 1) and y (N): before 1.0 compared element-wise, now broadcasts.

    What it does: in files written for torch 0.4 or older, finds `mse_loss`, `l1_loss`,
    `smooth_l1_loss` (functional or `nn.MSELoss`/`nn.L1Loss`/`nn.SmoothL1Loss` modules)
    whose input and target have different ranks as stated by the code, and pairs them
    element-wise with `target.view_as(input)`; a 1-D target against an input of unknown rank
    is reported.
    Why: until 0.4.1 these losses paired the elements of equally sized tensors whatever
    their shapes; torch 1.0 broadcasts them, so (N, 1) against (N) becomes an (N, N)
    comparison with a warning (`Using a target size that is different to the input size`):
    an MSE of 2.33 instead of 0.33.
    Example: with `y = torch.randn(64)`, `loss = criterion(model(x), y)` is reported, and
    `F.mse_loss(pred, y)` with `pred` known to be 2-D becomes `F.mse_loss(pred, y.view_as(pred))`.
    Fix safety: unsafe: exact where the legacy code ran (equal element counts), but the
    ranks come from the code's own statements; unknown shapes are only reported.
    """

    code = "TM306"
    message = "pointwise losses broadcast input and target since torch 1.0; legacy code compared them element-wise"
    safety = Safety.UNSAFE
    triggers = ("mse_loss", "l1_loss", "MSELoss", "L1Loss")
    trigger_words = _POINTWISE_WORDS
    trigger_regex = rx_any_word(_POINTWISE_WORDS) + r"\b"
    changed_in = "1.0"
    source_eras = (None, "0.4")
    example_era = "0.3"
    modules = _POINTWISE_MODULES
    functions = _POINTWISE_FUNCTIONS
    consequence = " (if the shapes differ, e.g. (N, 1) and (N), use `target.view_as(input)`)"
    examples = (
        fixes(
            "import torch\nimport torch.nn.functional as F\npred = torch.randn(8, 1)\ny = torch.randn(8)\nloss = F.mse_loss(pred, y)\n",
            "import torch\nimport torch.nn.functional as F\npred = torch.randn(8, 1)\ny = torch.randn(8)\nloss = F.mse_loss(pred, y.view_as(pred))\n",
            id="known-ranks",
        ),
        fixes(
            "import torch\nimport torch.nn.functional as F\nX = torch.randn(8, 1)\ny = torch.randn(8)\nperm = torch.randperm(8)\n"
            "Xb = X[perm]\nyb = y[perm]\nloss = F.mse_loss(Xb, yb)\n",
            "import torch\nimport torch.nn.functional as F\nX = torch.randn(8, 1)\ny = torch.randn(8)\nperm = torch.randperm(8)\n"
            "Xb = X[perm]\nyb = y[perm]\nloss = F.mse_loss(Xb, yb.view_as(Xb))\n",
            id="ranks-kept-by-shuffling",
        ),
        reports(
            "import torch\nimport torch.nn as tnn\ncrit = tnn.MSELoss()\ny = torch.Tensor([1.0, 2.0, 3.0])\nloss = crit(model(x), y)\n",
            id="aliased-module-1d-target",
        ),
        keeps(
            "import torch\nimport torch.nn.functional as F\npred = torch.randn(8, 1)\ny = torch.randn(8, 1)\nloss = F.mse_loss(pred, y)\n",
            id="same-rank",
        ),
        keeps("from sklearn.metrics import mean_squared_error as mse_loss\ny = torch.randn(8)\nl = mse_loss(model(x), y)\n", id="look-alike"),
    )


class BCELossShapes(_LossShapes):
    """`F.binary_cross_entropy(out, y)` with out (N, 1) and y (N): raises since 1.0; view the target.

    What it does: as TM306, for `binary_cross_entropy`, `binary_cross_entropy_with_logits`,
    `soft_margin_loss` and their modules: different stated ranks get
    `target.view_as(input)`; a 1-D target against an input of unknown rank is reported.
    Why: 0.4 paired equally sized input and target element-wise with a deprecation warning;
    since 1.0 a size mismatch raises (`ValueError: Using a target size (torch.Size([3])) that
    is different to the input size (torch.Size([3, 1])) is deprecated`).
    Example: `F.binary_cross_entropy(p, y)` with `p` 2-D and `y` 1-D becomes
    `F.binary_cross_entropy(p, y.view_as(p))`.
    Fix safety: unsafe: exact where the legacy code ran, but the ranks come from the code's
    own statements.
    """

    code = "TM307"
    message = "binary cross-entropy requires equal input and target sizes since torch 1.0; legacy code compared them element-wise"
    safety = Safety.UNSAFE
    triggers = ("binary_cross_entropy", "BCELoss", "BCEWithLogitsLoss", "soft_margin_loss", "SoftMarginLoss")
    trigger_words = _BCE_WORDS
    trigger_regex = rx_any_word(_BCE_WORDS) + r"\b"
    changed_in = "1.0"
    source_eras = (None, "0.4")
    example_era = "0.4"
    modules = _BCE_MODULES
    functions = _BCE_FUNCTIONS
    consequence = " (if the shapes differ, e.g. (N, 1) and (N), use `target.view_as(input)`)"
    examples = (
        fixes(
            "import torch\nimport torch.nn as nn\ncrit = nn.BCELoss()\np = torch.sigmoid(torch.randn(4, 1))\nt = torch.ones(4)\nl = crit(p, t)\n",
            "import torch\nimport torch.nn as nn\ncrit = nn.BCELoss()\np = torch.sigmoid(torch.randn(4, 1))\nt = torch.ones(4)\nl = crit(p, t.view_as(p))\n",
            id="module",
        ),
        reports(
            "import torch\nimport torch.nn.functional as Fn\nt = torch.zeros(16)\nl = Fn.binary_cross_entropy_with_logits(net(x), t)\n",
            id="aliased-functional-report",
        ),
        keeps("import torch.nn as nn\ncrit = nn.BCELoss()\nl = crit(net(x), t)\n", id="unknown-ranks"),
        keeps("from keras.losses import binary_crossentropy\nl = binary_crossentropy(y, p)\n", id="look-alike"),
    )


class KLDivWeight(Rule):
    """`F.kl_div(x, y, True, w)`: the fourth argument was `weight` in torch 0.2, it is `reduce` now.

    What it does: reports `F.kl_div` calls with a fourth positional argument that is not
    a boolean or None literal.
    Why: torch 0.2's `kl_div(input, target, size_average=True, weight=None)` took a weight
    tensor fourth; since 0.3 that position is `reduce`, and a tensor there raises
    `Boolean value of Tensor with more than one value is ambiguous`.
    Example: `F.kl_div(logp, q, True, class_weights)` is reported: apply the weight to the
    unreduced loss by hand (`(F.kl_div(logp, q, reduction='none') * w).mean()`).
    Fix safety: report only: torch has no weighted KL divergence to map it to.
    """

    code = "TM308"
    message = "the fourth argument of `F.kl_div` was `weight` in torch 0.2 and is `reduce` now; weight the unreduced loss by hand"
    safety = Safety.NONE
    triggers = ("kl_div",)
    trigger_words = ("kl_div",)
    trigger_regex = r"\bkl_div\b" + rx_positional_call(4) + r"|\bkl_div" + SPACE + r"as\b"
    changed_in = "0.3"
    examples = (
        reports("import torch.nn.functional as F\nl = F.kl_div(logp, q, True, w)\n", id="weight"),
        reports("from torch.nn.functional import kl_div as kld\nl = kld(logp, q, False, self.weights)\n", id="aliased"),
        keeps("import torch.nn.functional as F\nl = F.kl_div(logp, q, True, False)\n", id="reduce-literal"),
        keeps("def kl_div(a, b, c, w):\n    return a\nl = kl_div(1, 2, True, w)\n", id="own-function"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if self.context.qualified_name(node.func) != _FN + "kl_div":
            return
        given = positional(node)
        if len(given) >= 4 and node.args[3] is given[3] and not isinstance(literal(given[3].value), (bool, type(None))):
            self.report(node)
