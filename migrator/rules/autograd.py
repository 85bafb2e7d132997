"""`Variable` and the autograd API of torch 0.1-0.3.

`volatile` (TM103, TM104) lives in `autograd_volatile.py`, the legacy (non-static)
`autograd.Function` rewrite (TM109, TM110) in `autograd_function.py`; the helpers
below are shared with them.
"""

from __future__ import annotations

from typing import List, Optional, Set, Tuple

import libcst as cst

from migrator.rule import Rule, Safety, fixes, keeps, reports
from migrator.rules._calls import bind, find_keyword, keyword_arg, keywordize, literal, method_call, with_args
from migrator.rules._triggers import GAP, SPACE, rx_attribute, rx_call, rx_from_import, rx_word

# `Variable(...)` however imported: every spelling ends in the word (`V` comes from `Variable as V`)
VARIABLE_CALL = r"\bVariable\b" + rx_call() + r"|\bVariable" + SPACE + r"as\b"

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


def _asks_for_grad(chain: cst.BaseExpression) -> bool:
    """Whether a call of the chain `torch.randn(3, requires_grad=True).float()` passes `requires_grad=`."""
    while isinstance(chain, cst.Call):
        if find_keyword(chain, "requires_grad") is not None:
            return True
        chain = chain.func.value if isinstance(chain.func, cst.Attribute) else chain.func
    return False


# --- helpers shared with autograd_function.py ------------------------------------------------

NO_GRAD = frozenset(("torch.no_grad", "torch.autograd.no_grad", "torch.inference_mode", "torch.autograd.grad_mode.no_grad"))

def uses_torch(context) -> bool:
    """Whether the file imports anything from torch (attribute idioms are only looked for then)."""
    names = context.names
    return any(b.qualified == "torch" or b.qualified.startswith("torch.") for b in names.bindings.values()) or any(
        m == "torch" or m.startswith("torch.") for m in names.star_modules
    )


def is_receiver_self(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value in ("self", "cls")


def releases_of(context, node: cst.BaseExpression) -> Tuple[str, ...]:
    """The import binding a removed reference may leave unused (never `torch` itself)."""
    binding = context.names.binding_of(node)
    return (binding,) if binding and binding != "torch" else ()


def is_variable_call(node: cst.CSTNode, context) -> bool:
    return isinstance(node, cst.Call) and context.qualified_name(node.func) == VARIABLE


_ATOMIC = (
    cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString,
    cst.ConcatenatedString, cst.FormattedString, cst.List, cst.Dict, cst.Set, cst.ListComp, cst.DictComp, cst.SetComp,
    cst.Ellipsis,
)
_LOOSE_PARENTS = (cst.Arg, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Return, cst.Expr, cst.Element, cst.DictElement, cst.WithItem)


def unwrapped(data: cst.BaseExpression, call: cst.Call, loose: bool) -> cst.BaseExpression:
    """`data` standing where `call` stood: the call's parentheses, or new ones where precedence needs them.

    `loose`: the call stands where any expression may (an argument, an assigned value).
    """
    if call.lpar:
        return data if data.lpar else data.with_changes(lpar=call.lpar, rpar=call.rpar)
    if data.lpar or isinstance(data, _ATOMIC) or loose:
        return data
    return data.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def is_loose(parent: Optional[cst.CSTNode]) -> bool:
    return isinstance(parent, _LOOSE_PARENTS)


class LoosePositions:
    """Mixin for rules that replace a call by one of its arguments without a parent map.

    Parents are visited first, so by `visit_Call` the ids of the expressions standing
    where any expression may (arguments, assigned or returned values) are known.
    """

    def _loose(self) -> Set[int]:
        if not hasattr(self, "_loose_ids"):
            self._loose_ids: Set[int] = set()
        return self._loose_ids

    def visit_Arg(self, node: cst.Arg) -> None:
        self._loose().add(id(node.value))

    def visit_Element(self, node: cst.Element) -> None:
        self._loose().add(id(node.value))

    def visit_Assign(self, node: cst.Assign) -> None:
        self._loose().add(id(node.value))

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self._loose().add(id(node.value))

    def visit_Expr(self, node: cst.Expr) -> None:
        self._loose().add(id(node.value))


def assigned_pairs(node: cst.Assign) -> List[Tuple[str, cst.BaseExpression]]:
    """(name, value) for each plain name an assignment binds to a known value, tuples paired up."""
    pairs: List[Tuple[str, cst.BaseExpression]] = []
    for target in node.targets:
        pairs.extend(_pairs(target.target, node.value))
    return pairs


def _pairs(target: cst.BaseExpression, value: cst.BaseExpression) -> List[Tuple[str, cst.BaseExpression]]:
    if isinstance(target, cst.Name):
        return [(target.value, value)]
    if isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple, cst.List)):
        if len(target.elements) == len(value.elements) and not any(
            isinstance(e, cst.StarredElement) for e in (*target.elements, *value.elements)
        ):
            return [p for t, v in zip(target.elements, value.elements) for p in _pairs(t.value, v.value)]
    return []


class VariableWrapper(LoosePositions, Rule):
    """`Variable(x)`: a tensor is its own variable since 0.4; drop the wrapper.

    What it does: `Variable(x)` (and `requires_grad=False`, `name=`) becomes `x`;
    `Variable(x, requires_grad=True)` becomes `torch.randn(..., requires_grad=True)` for a
    factory call, `x.requires_grad_()` for a fresh tensor built in place, and
    `x.detach().requires_grad_()` otherwise; the `Variable` import goes when its last use does.
    Why: torch 0.4 merged `Variable` into `Tensor`; `Variable(...)` now only returns a
    detached alias of its argument.
    Example: `x = Variable(torch.randn(3, 2), requires_grad=True)` becomes
    `x = torch.randn(3, 2, requires_grad=True)`.
    Fix safety: safe for code of torch <= 0.3, where the argument of `Variable` had to be a
    plain tensor, which could not require grad, so `x` itself is what the wrapper held; and
    safe for a fresh factory call (`Variable(torch.randn(3))`). In code of 0.4 and later
    (`.item()`, `torch.no_grad` next to `Variable`), `Variable(x)` returned `x` detached: if
    `x` requires grad (a network's output), dropping the wrapper lets gradients through, so
    the fix is unsafe there. `x.detach().requires_grad_()` is the exact modern meaning of
    `requires_grad=True` (a new leaf sharing storage) and never mutates `x`. `volatile=` is
    handled by TM103.
    """

    code = "TM101"
    message = "`Variable(...)` is a no-op wrapper since torch 0.4; use the tensor itself"
    safety = Safety.SAFE
    triggers = ("Variable",)
    trigger_words = ("Variable",)
    trigger_regex = VARIABLE_CALL
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
        fixes(
            "import torch\nfrom torch.autograd import Variable\ntarget = Variable(net(x + 1))\nprint(loss.item())\n",
            "import torch\ntarget = net(x + 1)\nprint(loss.item())\n",
            id="later-era-output-unsafe",
        ),
        fixes(
            "import torch\nfrom torch.autograd import Variable\nx = Variable(torch.zeros(3))\nprint(x.sum().item())\n",
            "import torch\nx = torch.zeros(3)\nprint(x.sum().item())\n",
            id="later-era-fresh-factory-safe",
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
            replacement = unwrapped(data, node, id(node) in self._loose())
            if self._cannot_require_grad(data):
                self.report(node, replacement, releases=release)
            else:
                self.report(node, replacement, releases=release, safety=Safety.UNSAFE, message=self.detaching)
            return
        if requires is True:
            replacement = self._requiring_grad(data)
        else:  # a runtime flag: an exact leaf with that flag
            replacement = method_call(method_call(data, "detach"), "requires_grad_", [cst.Arg(grad_arg.value)])
        self.report(node, replacement, releases=release)

    detaching = (
        "`Variable(x)` detaches `x` since torch 0.4; use `x` itself if it never requires grad here, else `x.detach()`"
    )

    def _cannot_require_grad(self, data: cst.BaseExpression) -> bool:
        """In torch <= 0.3 the argument had to be a plain tensor, which never requires grad; later, only
        a fresh factory call without `requires_grad=` is sure not to."""
        era = self.context.source_era
        if era is not None and era <= (0, 3):
            return True
        return is_fresh_tensor(data, self.context) and not _asks_for_grad(data)

    def _requiring_grad(self, data: cst.BaseExpression) -> cst.BaseExpression:
        if isinstance(data, cst.Call) and self.context.qualified_name(data.func) in FACTORIES and find_keyword(data, "requires_grad") is None:
            return with_args(data, [*data.args, keyword_arg("requires_grad", cst.Name("True"))])
        if is_fresh_tensor(data, self.context):
            return method_call(data, "requires_grad_")
        return method_call(method_call(data, "detach"), "requires_grad_")


# --- isinstance ------------------------------------------------------------------------------


def _is_type_call(node: cst.BaseExpression) -> bool:
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value == "type"
        and len(node.args) == 1
        and node.args[0].keyword is None
        and not node.args[0].star
    )


class VariableIsinstance(Rule):
    """`isinstance(x, Variable)`: every tensor is a Variable since torch 0.4; test `torch.Tensor`.

    What it does: replaces `Variable`, however imported, in the class argument of
    `isinstance` (alone or in a tuple) with `torch.Tensor`; reports `type(x) == Variable`
    and `type(x) is Variable` (and `!=`, `is not`) without a fix.
    Why: torch 0.4 merged `Variable` into `Tensor`; `isinstance(t, Variable)` is kept True
    for every tensor by a metaclass hook, while `type(t) is Variable` is always False.
    Example: `if not isinstance(x, Variable): x = Variable(x)` becomes
    `if not isinstance(x, torch.Tensor): x = Variable(x)` (TM101 then drops the wrapper).
    Fix safety: safe: on torch 2.13 `isinstance(x, Variable)` and `isinstance(x, torch.Tensor)`
    agree for every object, and the legacy meaning (is it autograd-aware?) is the modern one.
    `type(x) == Variable` is left to a human: on a legacy Variable it was True but False
    for an `nn.Parameter`, so neither `isinstance` nor `type(x) is torch.Tensor` is right
    for every program.
    """

    code = "TM102"
    message = "`isinstance(x, Variable)`: every tensor is a `Variable` since torch 0.4; use `torch.Tensor`"
    safety = Safety.SAFE
    triggers = ("Variable",)
    trigger_words = ("Variable",)
    trigger_regex = r"\bVariable\b"  # `isinstance(x, Variable)`, `type(x) == V` (`Variable as V`)
    changed_in = "0.4"
    examples = (
        fixes(
            "import torch\nfrom torch.autograd import Variable as V\nok = isinstance(x, V)\n",
            "import torch\nok = isinstance(x, torch.Tensor)\n",
            id="alias",
        ),
        fixes(
            "import torch.autograd as ag\nif isinstance(x, (ag.Variable, float)):\n    pass\n",
            "import torch\n\nif isinstance(x, (torch.Tensor, float)):\n    pass\n",
            id="module-alias-tuple",
        ),
        fixes(
            "import torch\nfrom torch.autograd import Variable\ndef to_var(x):\n    if not isinstance(x, Variable):\n        x = Variable(x)\n    return x\n",
            "import torch\nfrom torch.autograd import Variable\ndef to_var(x):\n    if not isinstance(x, torch.Tensor):\n        x = Variable(x)\n    return x\n",
            id="to-var",
        ),
        reports("from torch.autograd import Variable\nif type(x) == Variable:\n    pass\n", id="type-equals"),
        keeps("class Variable:\n    pass\nok = isinstance(x, Variable)\n", id="own-class"),
        keeps("import torch\nok = isinstance(x, torch.Tensor)\nsame = type(x) is torch.Tensor\n", id="modern"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not (isinstance(func, cst.Name) and func.value == "isinstance"):
            return
        if "isinstance" in self.context.names.shadowed or "isinstance" in self.context.names.bindings:
            return
        if len(node.args) != 2 or any(a.star or a.keyword is not None for a in node.args):
            return
        classes = node.args[1].value
        if isinstance(classes, cst.Tuple):
            candidates = [e.value for e in classes.elements if isinstance(e, cst.Element)]
        else:
            candidates = [classes]
        for candidate in candidates:
            if isinstance(candidate, (cst.Name, cst.Attribute)) and self.context.qualified_name(candidate) == VARIABLE:
                tensor, imports = self.context.reference("torch.Tensor")
                self.report(
                    candidate,
                    tensor.with_changes(lpar=candidate.lpar, rpar=candidate.rpar),
                    imports=imports,
                    releases=releases_of(self.context, candidate),
                )

    def visit_Comparison(self, node: cst.Comparison) -> None:
        if not all(isinstance(c.operator, (cst.Equal, cst.NotEqual, cst.Is, cst.IsNot)) for c in node.comparisons):
            return
        operands = [node.left, *(c.comparator for c in node.comparisons)]
        if any(_is_type_call(o) for o in operands) and any(
            isinstance(o, (cst.Name, cst.Attribute)) and self.context.qualified_name(o) == VARIABLE for o in operands
        ):
            self.report(
                node,
                message="`type(x) == Variable` is always False since torch 0.4; "
                "use `isinstance(x, torch.Tensor)` (also True for `nn.Parameter`) or `type(x) is torch.Tensor`",
            )


class CreatorAttribute(Rule):
    """`y.creator`: renamed `y.grad_fn` in torch 0.2.

    What it does: replaces the attribute read `x.creator` with `x.grad_fn`.
    Why: torch 0.2 renamed the attribute; it is gone (`AttributeError`) today.
    Example: `print(loss.creator)` becomes `print(loss.grad_fn)`.
    Fix safety: safe under a documented assumption. Whether `x` is a tensor cannot be
    decided statically, so the rule runs only in files that import torch and never define
    a `creator` attribute themselves (`self.creator = ...`, `creator=` keyword, a
    `creator` method or class attribute); `self.creator` is never touched. A `creator`
    attribute of another library's object read in such a file would be renamed wrongly.
    """

    code = "TM105"
    message = "`.creator` was renamed `.grad_fn` in torch 0.2"
    safety = Safety.SAFE
    triggers = (".creator",)
    trigger_words = ("creator",)
    trigger_regex = rx_attribute(("creator",))
    changed_in = "0.2"
    examples = (
        fixes("import torch\ny = x * 2\nprint(y.creator)\n", "import torch\ny = x * 2\nprint(y.grad_fn)\n", id="read"),
        fixes(
            "import torch.autograd as ag\nv = ag.Variable(t, requires_grad=True)\nassert (v + 1).creator is not None\n",
            "import torch.autograd as ag\nv = ag.Variable(t, requires_grad=True)\nassert (v + 1).grad_fn is not None\n",
            id="alias",
        ),
        keeps("post = Post(author)\nprint(post.creator)\n", id="no-torch"),
        keeps(
            "import torch\nclass Job:\n    def __init__(self, user):\n        self.creator = user\nprint(job.creator)\n",
            id="own-attribute-look-alike",
        ),
        keeps("import torch\nprint(y.grad_fn)\n", id="modern"),
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self.reads: List[cst.Attribute] = []
        self.written: Set[int] = set()
        self.defined = False
        self.scopes: List[str] = []

    def _target(self, target: cst.BaseExpression) -> None:
        for element in [target] if not isinstance(target, (cst.Tuple, cst.List)) else [e.value for e in target.elements]:
            if isinstance(element, cst.Attribute) and element.attr.value == "creator":
                self.written.add(id(element))
                self.defined = True
            if isinstance(element, cst.Name) and element.value == "creator" and self.scopes[-1:] == ["class"]:
                self.defined = True

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._target(target.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._target(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._target(node.target)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.scopes.append("class")

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.scopes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.name.value == "creator":
            self.defined = True
        self.scopes.append("function")

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.scopes.pop()

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None and node.keyword.value == "creator":
            self.defined = True

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value == "creator" and not is_receiver_self(node.value):
            self.reads.append(node)

    def leave_Module(self, original_node: cst.Module) -> None:
        if not self.reads or self.defined or not uses_torch(self.context):
            return
        for node in self.reads:
            if id(node) not in self.written:
                self.report(node, node.with_changes(attr=cst.Name("grad_fn")))


class RetainVariables(Rule):
    """`backward(retain_variables=True)`: renamed `retain_graph=` in torch 0.2.

    What it does: renames the keyword in `x.backward(...)` and `torch.autograd.backward(...)`.
    Why: torch 0.2 renamed it; today both calls raise `TypeError: ... unexpected keyword
    argument 'retain_variables'`.
    Example: `loss.backward(retain_variables=True)` becomes `loss.backward(retain_graph=True)`.
    Fix safety: safe: the same parameter under its new name. `.backward(...)` is a method
    of anything, so the method form is left alone in a file that defines a `backward`
    function taking `retain_variables` itself; a call giving both names is reported.
    """

    code = "TM106"
    message = "`retain_variables=` was renamed `retain_graph=` in torch 0.2"
    safety = Safety.SAFE
    triggers = ("retain_variables",)
    trigger_words = ("retain_variables",)
    changed_in = "0.2"
    examples = (
        fixes("loss.backward(retain_variables=True)\n", "loss.backward(retain_graph=True)\n", id="method"),
        fixes(
            "import torch.autograd as ag\nag.backward([a, b], [ga, gb], retain_variables=keep)\n",
            "import torch.autograd as ag\nag.backward([a, b], [ga, gb], retain_graph=keep)\n",
            id="alias-function",
        ),
        reports("loss.backward(retain_graph=True, retain_variables=True)\n", id="both"),
        keeps(
            "class Layer:\n    def backward(self, g, retain_variables=False):\n        return g\nlayer.backward(g, retain_variables=True)\n",
            id="own-method-look-alike",
        ),
        keeps("loss.backward(retain_graph=True)\n", id="modern"),
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self.own = False
        self.calls: List[Tuple[cst.Call, cst.Arg, bool]] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.name.value == "backward":
            params = node.params
            every = [*params.posonly_params, *params.params, *params.kwonly_params]
            if any(p.name.value == "retain_variables" for p in every):
                self.own = True

    def visit_Call(self, node: cst.Call) -> None:
        arg = find_keyword(node, "retain_variables")
        if arg is None:
            return
        if self.context.qualified_name(node.func) == "torch.autograd.backward":
            self.calls.append((node, arg, False))
        elif isinstance(node.func, cst.Attribute) and node.func.attr.value == "backward":
            self.calls.append((node, arg, True))

    def leave_Module(self, original_node: cst.Module) -> None:
        for call, arg, method in self.calls:
            if method and self.own:
                continue
            if find_keyword(call, "retain_graph") is not None:
                self.report(call, message="both `retain_graph=` and the legacy `retain_variables=` are given; keep one")
            else:
                self.report(arg, arg.with_changes(keyword=cst.Name("retain_graph")))


class BackwardVariablesKeywords(Rule):
    """`torch.autograd.backward(variables=, grad_variables=)`: use `tensors=` / `grad_tensors=`.

    What it does: renames the two keywords of `torch.autograd.backward`.
    Why: torch 0.4 renamed them with the Variable/Tensor merge; today `variables=` raises
    `TypeError` and `grad_variables=` warns (`FutureWarning`).
    Example: `torch.autograd.backward(variables=[l1, l2], grad_variables=[g1, g2])` becomes
    `torch.autograd.backward(tensors=[l1, l2], grad_tensors=[g1, g2])`.
    Fix safety: safe: the same parameters under their new names (positional calls are
    unchanged). A call giving an old and a new name is reported.
    """

    code = "TM107"
    message = "`variables=`/`grad_variables=` were renamed `tensors=`/`grad_tensors=` in torch 0.4"
    safety = Safety.SAFE
    triggers = ("variables=", "variables =")
    trigger_words = ("variables", "grad_variables")
    trigger_regex = r"variables(?<!\w[^\W_]variables)" + GAP + r"=(?!=)"  # a keyword, however spaced
    changed_in = "0.4"
    examples = (
        fixes(
            "import torch\ntorch.autograd.backward(variables=[l1, l2], grad_variables=[g1, g2])\n",
            "import torch\ntorch.autograd.backward(tensors=[l1, l2], grad_tensors=[g1, g2])\n",
            id="both",
        ),
        fixes(
            "from torch.autograd import backward as bw\nbw(outs, grad_variables=grads)\n",
            "from torch.autograd import backward as bw\nbw(outs, grad_tensors=grads)\n",
            id="alias",
        ),
        reports("import torch\ntorch.autograd.backward(variables=a, tensors=b)\n", id="old-and-new"),
        keeps("def backward(variables=None):\n    pass\nbackward(variables=[1])\n", id="own-function"),
        keeps("import torch\ntorch.autograd.backward([l1], [g1])\n", id="positional"),
    )

    _RENAMES = {"variables": "tensors", "grad_variables": "grad_tensors"}

    def visit_Call(self, node: cst.Call) -> None:
        if self.context.qualified_name(node.func) != "torch.autograd.backward":
            return
        old = [a for a in node.args if a.keyword is not None and a.keyword.value in self._RENAMES]
        if not old:
            return
        if any(find_keyword(node, self._RENAMES[a.keyword.value]) is not None for a in old):  # type: ignore[union-attr]
            self.report(node, message=self.message + " (both the old and the new name are given: keep one)")
            return
        args = [
            a.with_changes(keyword=cst.Name(self._RENAMES[a.keyword.value])) if a in old else a  # type: ignore[union-attr]
            for a in node.args
        ]
        self.report(node, node.with_changes(args=args))


_GRAD_PARAMS = ("outputs", "inputs", "grad_outputs", "retain_graph", "create_graph", "only_inputs", "allow_unused")


# One-element all-ones gradients as 0.3 scripts spelled them (their losses had shape (1,)).
_ONES_CONSTRUCTORS = frozenset(
    f"torch.{prefix}{name}"
    for prefix in ("", "cuda.")
    for name in ("Tensor", "FloatTensor", "DoubleTensor", "HalfTensor")
)


def _is_one_ones(node: cst.BaseExpression, context) -> bool:
    """`torch.FloatTensor([1])`, `torch.Tensor([1.0])`, `torch.ones(1)`, `torch.tensor([1.])`, `Variable(...)` of one."""
    if not isinstance(node, cst.Call) or any(a.keyword is not None or a.star for a in node.args) or len(node.args) != 1:
        return False
    name = context.qualified_name(node.func)
    value = node.args[0].value
    if name in ("torch.autograd.Variable", "torch.autograd.variable.Variable"):
        return _is_one_ones(value, context)
    if name == "torch.ones":
        return literal(value) == 1 and not isinstance(literal(value), bool)
    if name in _ONES_CONSTRUCTORS or name == "torch.tensor":
        return (
            isinstance(value, cst.List)
            and len(value.elements) == 1
            and not isinstance(value.elements[0], cst.StarredElement)
            and literal(value.elements[0].value) == 1
            and not isinstance(literal(value.elements[0].value), bool)
        )
    return False


class BackwardOneElementGradient(Rule):
    """`loss.backward(torch.FloatTensor([1]))`: call `loss.backward()`.

    What it does: drops a gradient argument that is a one-element tensor of ones
    (`torch.FloatTensor([1])`, `torch.Tensor([1.0])`, `torch.ones(1)`, `torch.tensor([1.])`,
    possibly wrapped in `Variable`), keeping the other arguments.
    Why: up to torch 0.3 a loss had shape (1,), so its gradient had too; since 0.4 a loss is
    0-dim and the (1,) gradient raises `RuntimeError: Mismatch in shape: grad_output[0] has a
    shape of torch.Size([1]) and output[0] has a shape of torch.Size([])`.
    Example: `loss.backward(torch.FloatTensor([1]))` becomes `loss.backward()`.
    Fix safety: safe: for any one-element output the implicit gradient is that same one;
    for an output of another size both forms fail.
    """

    code = "TM112"
    message = "a (1,) gradient for a 0-dim loss raises since torch 0.4; call `backward()` without it"
    safety = Safety.SAFE
    triggers = ("backward(",)
    trigger_words = ("backward",)
    trigger_regex = rf"{rx_attribute(('backward',))}{GAP}\({GAP}(?:gradient{GAP}={GAP})?[\w.]+{GAP}\("
    changed_in = "0.4"
    examples = (
        fixes(
            "import torch\nloss = crit(net(x), y)\nloss.backward(torch.FloatTensor([1]))\n",
            "import torch\nloss = crit(net(x), y)\nloss.backward()\n",
            id="typed-constructor",
        ),
        fixes(
            "import torch as th\nfrom torch.autograd import Variable\nd_loss.backward(Variable(th.ones(1)), retain_graph=True)\n",
            "import torch as th\nd_loss.backward(retain_graph=True)\n",
            id="alias-variable-ones",
        ),
        fixes(
            "import torch\nloss.backward(gradient=torch.tensor([1.0]))\n",
            "import torch\nloss.backward()\n",
            id="keyword",
        ),
        keeps("import torch\nout.backward(torch.ones(4))\n", id="several-elements"),
        keeps("import torch\nout.backward(-torch.FloatTensor([1]))\nz.backward(torch.FloatTensor([2]))\n", id="not-ones"),
        keeps("import numpy as np\nlayer.backward(np.ones(1))\n", id="look-alike"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "backward") or not node.args:
            return
        first = node.args[0]
        if first.star:
            return
        gradient = first if first.keyword is None or first.keyword.value == "gradient" else find_keyword(node, "gradient")
        if gradient is None or not _is_one_ones(gradient.value, self.context):
            return
        rest = [a for a in node.args if a is not gradient]
        if rest and rest[0].keyword is None:
            return  # `backward(g, True)`: the positional flags would shift
        # names imported only for the dropped gradient (`from torch.autograd import Variable`) may go
        dropped = [gradient.value, gradient.value.args[0].value]  # type: ignore[attr-defined]
        bindings = self.context.names.bindings
        releases = tuple(
            b
            for b in (self.context.names.binding_of(d.func) for d in dropped if isinstance(d, cst.Call))
            if b and bindings[b].obj
        )
        self.report(node, with_args(node, rest), releases=releases)


class GradOnlyInputs(Rule):
    """`torch.autograd.grad(..., only_inputs=True)`: the argument is deprecated; drop it.

    What it does: removes `only_inputs=True` (keyword, or the sixth positional argument,
    turning a following `allow_unused` into a keyword); reports `only_inputs=False` and
    runtime values.
    Why: torch 0.4 made `only_inputs` meaningless (it is ignored, and `False` warns with a
    `FutureWarning`).
    Example: `torch.autograd.grad(y, x, only_inputs=True)` becomes `torch.autograd.grad(y, x)`.
    Fix safety: safe for a literal True (the default and the only behaviour left).
    `only_inputs=False` also accumulated gradients into the `.grad` of the other leaves:
    that needs a separate `backward()` call, which is left to a human.
    """

    code = "TM108"
    message = "`only_inputs=` is deprecated and ignored since torch 0.4; drop it"
    safety = Safety.SAFE
    triggers = ("only_inputs", "grad(")
    trigger_words = ("grad",)  # every report is a call of `torch.autograd.grad`
    # `only_inputs=`, or passed sixth positionally (`grad` or an alias `grad as g`)
    trigger_regex = rx_word("only_inputs") + r"\b|" + rx_word("grad") + r"(?:\b" + rx_call(6) + "|" + SPACE + r"as\b)"
    changed_in = "0.4"
    examples = (
        fixes("import torch\ng, = torch.autograd.grad(y, x, only_inputs=True)\n", "import torch\ng, = torch.autograd.grad(y, x)\n", id="keyword"),
        fixes(
            "import torch.autograd as ag\ng = ag.grad([y], [x], None, True, False, True, True)\n",
            "import torch.autograd as ag\ng = ag.grad([y], [x], None, True, False, allow_unused=True)\n",
            id="alias-positional",
        ),
        reports("import torch\ng = torch.autograd.grad(y, x, only_inputs=False)\n", id="false"),
        keeps("def grad(y, x, only_inputs=True):\n    pass\ngrad(1, 2, only_inputs=True)\n", id="own-function"),
        keeps("import torch\ng = torch.autograd.grad(y, x, create_graph=True)\n", id="modern"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if self.context.qualified_name(node.func) != "torch.autograd.grad":
            return
        bound = bind(node, _GRAD_PARAMS)
        if bound is None or "only_inputs" not in bound:
            return
        arg = bound["only_inputs"]
        value = literal(arg.value)
        if value is not True:
            self.report(
                node,
                message="`only_inputs=` is ignored since torch 0.4; to also fill `.grad` of the other leaves "
                "call `torch.autograd.backward` (rewrite by hand)",
            )
            return
        args = keywordize(node, _GRAD_PARAMS, _GRAD_PARAMS.index("only_inputs") + 1)
        if args is None:
            self.report(node)
            return
        index = node.args.index(arg)
        self.report(node, with_args(node, [a for i, a in enumerate(args) if i != index]))


class MultinomialDefault(Rule):
    """`probs.multinomial()`: draw one sample, as the default of torch <= 0.3 did.

    What it does: `x.multinomial()` becomes `x.multinomial(1)`, and `torch.multinomial(p)`
    becomes `torch.multinomial(p, 1)` (other arguments kept).
    Why: until 0.3 `num_samples` defaulted to 1 (the policy-gradient tutorials' `action =
    probs.multinomial()`); since 0.4 it is required and the call raises `TypeError:
    multinomial() missing 1 required positional arguments: "num_samples"`.
    Example: `action = probs.multinomial()` becomes `action = probs.multinomial(1)`.
    Fix safety: safe: the call ran only where the default was 1, and `1` is that default.
    Only files that import torch are looked at, and a user's own `multinomial` with
    parameters of its own is never called without `num_samples` by torch's signature.
    """

    code = "TM113"
    message = "`multinomial()` without `num_samples` raises since torch 0.4; pass `1` (the old default)"
    safety = Safety.SAFE
    triggers = ("multinomial(",)
    trigger_words = ("multinomial",)
    trigger_regex = rx_word("multinomial") + rx_call() + "|" + rx_from_import("torch", ("multinomial",))
    changed_in = "0.4"
    examples = (
        fixes("import torch\naction = probs.multinomial()\n", "import torch\naction = probs.multinomial(1)\n", id="method"),
        fixes(
            "from torch import multinomial as draw\na = draw(p, replacement=True)\n",
            "from torch import multinomial as draw\na = draw(p, 1, replacement=True)\n",
            id="function-alias",
        ),
        keeps("import torch\naction = probs.multinomial(1)\nb = torch.multinomial(p, num_samples=2)\n", id="modern"),
        keeps("import numpy as np\nnp.random.multinomial(20, [0.2, 0.8])\nx.multinomial()\n", id="no-torch"),
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self.calls: List[Tuple[cst.Call, bool]] = []

    def visit_Call(self, node: cst.Call) -> None:
        if any(a.star or (a.keyword is not None and a.keyword.value == "num_samples") for a in node.args):
            return
        positional = [a for a in node.args if a.keyword is None]
        if self.context.qualified_name(node.func) == "torch.multinomial":
            if len(positional) == 1:
                self.calls.append((node, True))
        elif isinstance(node.func, cst.Attribute) and node.func.attr.value == "multinomial" and not positional:
            self.calls.append((node, False))

    def leave_Module(self, original_node: cst.Module) -> None:
        if not self.calls or not uses_torch(self.context):
            return
        for call, function in self.calls:
            one = cst.Arg(cst.Integer("1"))
            before = 1 if function else 0  # after the probabilities of `torch.multinomial(p)`
            self.report(call, with_args(call, [*call.args[:before], one, *call.args[before:]]))


class Reinforce(Rule):
    """`action.reinforce(reward)`: stochastic functions were removed in torch 0.3.

    What it does: reports `x.reinforce(r)` with a pointer to `torch.distributions`.
    Why: torch 0.3 removed stochastic Variables (`multinomial`, `bernoulli`, `normal`
    results that took a reward); today `reinforce()` raises `RuntimeError: reinforce() was
    removed`.
    Example: `action = probs.multinomial(); action.reinforce(r); action.backward()` should
    become `m = torch.distributions.Categorical(probs); action = m.sample();
    (-m.log_prob(action) * r).backward()`.
    Fix safety: no fix: the replacement restructures the algorithm (a distribution object,
    a loss built from `log_prob`, where the rewards are summed), which no local rewrite
    can do. Only files that import torch and define no `reinforce` of their own are looked at.
    """

    code = "TM111"
    message = (
        "`.reinforce()` was removed in torch 0.3; use `torch.distributions` "
        "(`m = Categorical(probs); a = m.sample(); loss = -m.log_prob(a) * reward`)"
    )
    safety = Safety.NONE
    triggers = (".reinforce(",)
    trigger_words = ("reinforce",)
    trigger_regex = rx_attribute(("reinforce",)) + rx_call()
    changed_in = "0.3"
    examples = (
        reports("import torch\naction = probs.multinomial()\naction.reinforce(reward)\n", id="multinomial"),
        reports(
            "import torch.autograd as ag\nfor action, r in zip(saved_actions, rewards):\n    action.reinforce(r)\nag.backward(saved_actions, [None] * len(saved_actions))\n",
            id="alias-policy-gradient",
        ),
        keeps("class Agent:\n    def reinforce(self, reward):\n        pass\nimport torch\nagent.reinforce(1.0)\n", id="own-method-look-alike"),
        keeps("agent.reinforce(1.0)\n", id="no-torch"),
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self.own = False
        self.calls: List[cst.Call] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.name.value == "reinforce":
            self.own = True

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "reinforce" and len(node.args) == 1:
            self.calls.append(node)

    def leave_Module(self, original_node: cst.Module) -> None:
        if self.own or not uses_torch(self.context):
            return
        for call in self.calls:
            self.report(call)
