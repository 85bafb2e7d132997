"""`Variable(x, volatile=True)` and `.volatile`: no-grad regions instead of volatile Variables (catalog V04)."""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst

from migrator.rule import Deferred, Rule, Safety, fixes, keeps, reports
from migrator.walk import code_children
from migrator.rules._calls import bind, literal, with_args
from migrator.rules.autograd import (
    NO_GRAD,
    VARIABLE,
    assigned_pairs,
    is_loose,
    is_receiver_self,
    is_variable_call,
    releases_of,
    unwrapped,
    uses_torch,
)
from migrator.rules._triggers import SPACE, rx_attribute, rx_call

# --- volatile --------------------------------------------------------------------------------

_VARIABLE_PARAMS = ("data", "requires_grad", "volatile")
_GRAD_METHODS = frozenset(("backward", "requires_grad_", "retain_grad", "register_hook"))
_GRAD_FUNCTIONS = frozenset(
    "torch.autograd.backward torch.autograd.grad torch.enable_grad torch.set_grad_enabled "
    "torch.autograd.enable_grad torch.autograd.set_grad_enabled".split()
)
_GRAD_ATTRIBUTES = frozenset(("requires_grad", "grad_fn", "creator", "is_leaf"))


def _volatile_bound(node: cst.Call, context) -> Optional[Dict[str, cst.Arg]]:
    """The bound arguments of `Variable(data, requires_grad, volatile)` when `volatile` is given."""
    if context.qualified_name(node.func) != VARIABLE:
        return None
    bound = bind(node, _VARIABLE_PARAMS)
    if bound is None or "data" not in bound or "volatile" not in bound:
        return None
    if set(bound) - {"data", "requires_grad", "volatile", "name"}:
        return None
    return bound


def _in_no_grad(node: cst.CSTNode, parents: Dict[int, cst.CSTNode], context) -> bool:
    """Whether `node` already runs under `torch.no_grad()` (a `with` block or a decorated function)."""
    child = node
    parent = parents.get(id(child))
    while parent is not None:
        if isinstance(parent, cst.With) and child is parent.body:
            if any(_is_no_grad(item.item, context) for item in parent.items):
                return True
        if isinstance(parent, cst.FunctionDef):
            return child is parent.body and any(_is_no_grad(d.decorator, context) for d in parent.decorators)
        if isinstance(parent, (cst.Lambda, cst.ClassDef)):
            return False
        child, parent = parent, parents.get(id(parent))
    return False


def _is_no_grad(node: cst.BaseExpression, context) -> bool:
    if isinstance(node, cst.Call):
        node = node.func
    return context.qualified_name(node) in NO_GRAD


class _GradUse:
    """Why a region cannot run under `torch.no_grad()`: it builds or inspects a graph, or yields."""

    def __init__(self, context, volatile_calls: Set[int]) -> None:
        self.context = context
        self.volatile_calls = volatile_calls
        self.reason: Optional[str] = None

    def _refuse(self, why: str) -> None:
        if self.reason is None:
            self.reason = why

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _GRAD_METHODS:
            self._refuse(f"the code after it calls `.{func.attr.value}()`")
        name = self.context.qualified_name(func)
        if name in _GRAD_FUNCTIONS:
            self._refuse(f"the code after it calls `{name}`")
        if id(node) in self.volatile_calls:
            return
        if name == VARIABLE:
            bound = bind(node, _VARIABLE_PARAMS)
            flag = bound.get("requires_grad") if bound else None
            if bound is None or (flag is not None and literal(flag.value) is not False):
                self._refuse("the code after it creates a Variable that requires grad")
            return
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == "requires_grad" and literal(arg.value) is not False:
                self._refuse("the code after it creates a tensor that requires grad")

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value in _GRAD_ATTRIBUTES:
            self._refuse(f"the code after it uses `.{node.attr.value}`")

    def visit_Yield(self, node: cst.Yield) -> None:
        self._refuse("the code after it yields (the generator would leave grad mode off for its caller)")

    def visit_Await(self, node: cst.Await) -> None:
        self._refuse("the code after it awaits")

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._refuse("the code after it defines a function")
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._refuse("the code after it defines a class")
        return False

    def scan(self, statement: cst.CSTNode) -> None:
        """Visit `statement` in source order, not entering functions or classes; stop at the first reason."""
        stack = [statement]
        while stack and self.reason is None:
            node = stack.pop()
            kind = type(node)
            if kind is cst.Call:
                self.visit_Call(node)  # type: ignore[arg-type]
            elif kind is cst.Attribute:
                self.visit_Attribute(node)  # type: ignore[arg-type]
            elif kind is cst.Yield:
                self.visit_Yield(node)  # type: ignore[arg-type]
            elif kind is cst.Await:
                self.visit_Await(node)  # type: ignore[arg-type]
            elif kind is cst.FunctionDef:
                self.visit_FunctionDef(node)  # type: ignore[arg-type]
                continue
            elif kind is cst.ClassDef:
                self.visit_ClassDef(node)  # type: ignore[arg-type]
                continue
            children = code_children(node)
            children.reverse()
            stack.extend(children)


def _is_self_assignment(node: cst.BaseSmallStatement, context) -> bool:
    """`x = x`, `a, b = a, Variable(b)`: an assignment that rebinds names to what they hold."""
    if not isinstance(node, cst.Assign) or len(node.targets) != 1:
        return False
    target, value = node.targets[0].target, node.value
    if isinstance(target, cst.Name):
        pairs = [(target, value)]
    elif isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple, cst.List)):
        if len(target.elements) != len(value.elements):
            return False
        pairs = [(t.value, v.value) for t, v in zip(target.elements, value.elements)]
        if any(isinstance(e, cst.StarredElement) for e in (*target.elements, *value.elements)):
            return False
    else:
        return False
    for name, held in pairs:
        if not isinstance(name, cst.Name):
            return False
        if is_variable_call(held, context):  # `Variable(b)` alone is `b` (TM101)
            if len(held.args) != 1 or held.args[0].keyword is not None or held.args[0].star:
                return False
            held = held.args[0].value
        if not (isinstance(held, cst.Name) and held.value == name.value):
            return False
    return True


class _Unwrap(cst.CSTTransformer):
    """Replace volatile `Variable(x, volatile=True)` calls by `x`; drop lines left as `x = x`."""

    def __init__(self, calls: Set[int], parents: Dict[int, cst.CSTNode], context) -> None:
        super().__init__()
        self.calls = calls
        self.parents = parents
        self.context = context
        self.count = 0
        self.entry: List[int] = []
        self.dropped: Set[int] = set()

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if id(original_node) not in self.calls:
            return updated_node
        self.count += 1
        bound = bind(updated_node, _VARIABLE_PARAMS)
        assert bound is not None
        return unwrapped(bound["data"].value, original_node, is_loose(self.parents.get(id(original_node))))

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self.entry.append(self.count)

    def leave_SimpleStatementLine(self, original_node, updated_node):  # type: ignore[override]
        changed = self.count != self.entry.pop()
        if changed and len(updated_node.body) == 1 and _is_self_assignment(updated_node.body[0], self.context):
            self.dropped.add(id(updated_node))
        return updated_node

    def leave_IndentedBlock(self, original_node, updated_node):  # type: ignore[override]
        return updated_node.with_changes(body=drop_lines(updated_node.body, self.dropped))


def drop_lines(body: Sequence[cst.BaseStatement], dropped: Set[int]) -> List[cst.BaseStatement]:
    """`body` without the statements in `dropped`, their comments moved to the next one; kept if nothing would remain."""
    kept: List[cst.BaseStatement] = []
    carried: List[cst.EmptyLine] = []
    for statement in body:
        if id(statement) in dropped:
            carried.extend(statement.leading_lines)
            continue
        if carried:
            statement = statement.with_changes(leading_lines=[*carried, *statement.leading_lines])
            carried = []
        kept.append(statement)
    return kept if kept else list(body)


class VolatileVariable(Rule):
    """`Variable(x, volatile=True)`: wrap the evaluation in `with torch.no_grad():`.

    What it does: finds the statement that creates the volatile Variable and wraps it and
    the rest of its block (a loop body, a function body, the module) in
    `with torch.no_grad():`, with the wrapper dropped; when the Variable is created by the
    first statement of a loop body, the whole loop goes under `no_grad` instead (the
    evaluation-loop idiom). A line left as `data, target = data, Variable(target)` goes.
    Already under `no_grad`, the wrapper is just dropped. `volatile=False` is removed
    (TM101 then drops the wrapper); a runtime flag is reported.
    Why: torch 0.4 removed volatility (`volatile was removed and now has no effect`);
    `torch.no_grad()` replaced it. Without it evaluation builds a graph: more memory, and
    outputs require grad (`.numpy()` then raises).
    Example: `for d, t in loader: d = Variable(d, volatile=True); out = model(d); ...`
    becomes `with torch.no_grad(): for d, t in loader: out = model(d); ...`.
    Fix safety: unsafe. The numbers computed are identical with or without `no_grad`; only
    gradient tracking differs. But the legacy no-grad region was the data flow of the
    volatile value, the new one is a block of statements: a value computed there that
    does not depend on the volatile input (and is returned, or carried past the loop) no
    longer tracks gradients. The fix is refused (reported) when the block calls
    `backward`/`autograd.grad`, creates tensors that require grad, reads `.requires_grad`
    / `.grad_fn`, yields, or defines functions or classes, and in class bodies and lambdas.
    """

    code = "TM103"
    message = "`volatile` has no effect since torch 0.4; wrap the evaluation in `with torch.no_grad():`"
    safety = Safety.UNSAFE
    triggers = ("Variable",)  # the positional form `V(x, False, True)` does not spell `volatile`
    trigger_words = ("Variable",)  # every report is a call of `torch.autograd.Variable`
    # `volatile=`, or passed third positionally (`Variable(x, False, True)`, or an alias `Variable as V`)
    trigger_regex = r"\bvolatile\b|\bVariable\b" + rx_call(3) + r"|\bVariable" + SPACE + r"as\b"
    changed_in = "0.4"
    examples = (
        fixes(
            "import torch\nfrom torch.autograd import Variable\n\n"
            "def evaluate(model, loader):\n    total = 0\n    for data, target in loader:\n"
            "        data, target = Variable(data, volatile=True), Variable(target)\n"
            "        output = model(data)\n        total += loss_fn(output, target).data[0]\n    return total\n",
            "import torch\n\n"
            "def evaluate(model, loader):\n    total = 0\n    with torch.no_grad():\n        for data, target in loader:\n"
            "            output = model(data)\n            total += loss_fn(output, target).data[0]\n    return total\n",
            id="eval-loop",
        ),
        fixes(
            "import torch.autograd as ag\n\ndef predict(model, x):\n    # inference only\n"
            "    x = ag.Variable(x, volatile=True)\n    return model(x).data\n",
            "import torch\n\ndef predict(model, x):\n    # inference only\n    with torch.no_grad():\n        return model(x).data\n",
            id="alias-function-body",
        ),
        fixes(
            "import torch\nfrom torch.autograd import Variable as V\nfor epoch in range(3):\n    train(epoch)\n"
            "    x = V(x_val, False, True)\n    print(model(x).mean())\n",
            "import torch\nfor epoch in range(3):\n    train(epoch)\n    with torch.no_grad():\n        x = x_val\n        print(model(x).mean())\n",
            id="rest-of-loop-body",
        ),
        fixes(
            "import torch\nfrom torch.autograd import Variable\nwith torch.no_grad():\n    y = model(Variable(x, volatile=True))\n",
            "import torch\nwith torch.no_grad():\n    y = model(x)\n",
            id="already-no-grad",
        ),
        fixes(
            "from torch.autograd import Variable\nv = Variable(x, volatile=False)\n",
            "from torch.autograd import Variable\nv = Variable(x)\n",
            id="volatile-false",
        ),
        reports(
            "from torch.autograd import Variable\nfor x, y in loader:\n    xv = Variable(x, volatile=True)\n"
            "    loss = crit(model(xv), y)\n    loss.backward()\n",
            id="backward-in-region",
        ),
        reports("from torch.autograd import Variable\nv = Variable(x, volatile=not training)\n", id="runtime-flag"),
        keeps("class Variable:\n    def __init__(self, x, volatile=False):\n        pass\nv = Variable(x, volatile=True)\n", id="own-class"),
        keeps("import torch\nwith torch.no_grad():\n    y = model(x)\n", id="modern"),
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self.calls: List[Tuple[cst.Call, Dict[str, cst.Arg]]] = []

    def visit_Call(self, node: cst.Call) -> None:
        bound = _volatile_bound(node, self.context)
        if bound is not None:
            self.calls.append((node, bound))

    def leave_Module(self, original_node: cst.Module) -> None:
        if not self.calls:
            return
        parents = self.context.parents(original_node)
        volatile = {id(call) for call, bound in self.calls if literal(bound["volatile"].value) is True}
        claimed: Set[int] = set()
        for call, bound in self.calls:
            if id(call) in claimed:
                continue
            flag = literal(bound["volatile"].value)
            if flag is False:
                kept = [a for a in call.args if a is not bound["volatile"]]
                self.report(call, with_args(call, kept), safety=Safety.SAFE, message="`volatile=False` is the default and has no effect; drop it")
                continue
            if flag is not True:
                self.report(call, message=self.message + " (the flag is a runtime value: choose the no-grad region by hand)")
                continue
            if _in_no_grad(call, parents, self.context):
                data = unwrapped(bound["data"].value, call, is_loose(parents.get(id(call))))
                self.report(call, data, safety=Safety.SAFE, releases=releases_of(self.context, call.func), message=self.message + " (already under `no_grad`: drop the wrapper)")
                continue
            plan = self._plan(call, parents, volatile)
            if isinstance(plan, str):
                self.report(call, message=self.message + f" (not rewritten: {plan})")
                continue
            target, replacement, inside, imports = plan
            claimed |= inside
            for other, _ in self.calls:
                if id(other) in inside:
                    self.report(target, replacement, imports=imports, releases=releases_of(self.context, other.func), position_node=other)

    def _plan(self, call: cst.Call, parents: Dict[int, cst.CSTNode], volatile: Set[int]) -> Union[str, Tuple[cst.CSTNode, Deferred, Set[int], tuple]]:
        """The node to replace, its replacement, the volatile calls it covers and the imports it needs; or why not."""
        statement = self._statement(call, parents)
        if isinstance(statement, str):
            return statement
        block = parents.get(id(statement))
        if isinstance(block, cst.Module):
            owner = None
        elif isinstance(block, cst.IndentedBlock):
            owner = parents.get(id(block))
        else:
            return "it is not in a block of statements"
        if isinstance(owner, cst.ClassDef):
            return "it is in a class body"
        index = next(i for i, s in enumerate(block.body) if s is statement)
        whole_loop = (
            index == 0
            and isinstance(owner, (cst.For, cst.While))
            and owner.body is block
            and not (isinstance(owner, cst.For) and owner.asynchronous is not None)
        )
        region: Sequence[cst.BaseStatement] = [owner] if whole_loop else block.body[index:]  # type: ignore[list-item]
        inside = {i for i in volatile if any(_contains(s, i, parents) for s in region)}
        check = _GradUse(self.context, inside)
        for statement_ in region:
            check.scan(statement_)
        if check.reason:
            return check.reason
        no_grad, imports = self.context.reference("torch.no_grad")

        def with_block() -> cst.With:
            unwrap = _Unwrap(inside, parents, self.context)
            body = drop_lines([s.visit(unwrap) for s in region], unwrap.dropped)  # type: ignore[misc]
            first = body[0]
            return cst.With(
                items=[cst.WithItem(item=cst.Call(func=no_grad))],
                body=cst.IndentedBlock(body=[first.with_changes(leading_lines=()), *body[1:]]),
                leading_lines=first.leading_lines,
            )

        if whole_loop:
            return owner, Deferred(with_block), inside, imports  # type: ignore[return-value]
        return block, Deferred(lambda: block.with_changes(body=[*block.body[:index], with_block()])), inside, imports

    @staticmethod
    def _statement(node: cst.CSTNode, parents: Dict[int, cst.CSTNode]) -> Union[str, cst.BaseStatement]:
        child = node
        while True:
            parent = parents.get(id(child))
            if parent is None:
                return "it is not in a statement"
            if isinstance(parent, (cst.Lambda, cst.GeneratorExp)):
                return "it is evaluated lazily, in a lambda or a generator"
            if isinstance(parent, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                return parent
            child = parent


def _contains(ancestor: cst.CSTNode, node_id: int, parents: Dict[int, cst.CSTNode]) -> bool:
    """Whether the node with id `node_id` lies inside `ancestor`."""
    current = node_id
    while current in parents:
        parent = parents[current]
        if parent is ancestor:
            return True
        current = id(parent)
    return False


class VolatileAttribute(Rule):
    """`v.volatile` / `v.volatile = True`: volatility is gone since torch 0.4.

    What it does: removes `v.volatile = flag` when `v` is bound in the file to a
    `Variable(...)`; reports other assignments and every read of `x.volatile`.
    Why: torch 0.4 removed volatility; setting the attribute warns and does nothing,
    reading it warns and gives False.
    Example: `x = Variable(data); x.volatile = True` loses the second statement.
    Fix safety: removing `v.volatile = False` is safe (it was the default, and torch 2.13
    ignores the assignment anyway). Removing `v.volatile = True` (or a runtime flag) is
    unsafe: the numbers are the same, but the legacy code meant the computations on `v`
    to run without a graph; wrap them in `with torch.no_grad():` by hand. Reads are
    reported only: their legacy value depended on the data flow, the modern one is False.
    Whether a receiver is a tensor is not decidable, so `self.volatile` is never looked
    at, and a file that has a `volatile` attribute of its own (`self.volatile = ...`,
    `add_argument('--volatile')`) is looked at only for receivers bound to a `Variable`.
    """

    code = "TM104"
    message = "`.volatile` was removed in torch 0.4; use `with torch.no_grad():`"
    safety = Safety.UNSAFE
    triggers = (".volatile",)
    trigger_words = ("volatile",)
    trigger_regex = rx_attribute(("volatile",))
    changed_in = "0.4"
    examples = (
        fixes(
            "import torch\nfrom torch.autograd import Variable\nx = Variable(data)\nx.volatile = False\ny = f(x)\n",
            "import torch\nfrom torch.autograd import Variable\nx = Variable(data)\ny = f(x)\n",
            id="set-false",
        ),
        fixes(
            "import torch.autograd as ag\nv, w = ag.Variable(a), ag.Variable(b)\nv.volatile = True\n",
            "import torch.autograd as ag\nv, w = ag.Variable(a), ag.Variable(b)\n",
            id="alias-set-true",
        ),
        reports("import torch\ndef f(x):\n    if x.volatile:\n        return x\n", id="read"),
        reports("import torch\ndef f(x):\n    x.volatile = True\n", id="unknown-receiver"),
        keeps(
            "import torch\nparser.add_argument('--volatile', action='store_true')\nargs = parser.parse_args()\nif args.volatile:\n    pass\n",
            id="argparse-look-alike",
        ),
        keeps(
            "import torch\nclass Cache:\n    def __init__(self, volatile):\n        self.volatile = volatile\nprint(cache.volatile)\n",
            id="own-attribute",
        ),
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self.variables: Set[str] = set()
        self.own = False  # the file has a `volatile` attribute of its own
        self.targets: Set[int] = set()
        self.sets: List[Tuple[cst.Assign, cst.Attribute]] = []
        self.reads: List[cst.Attribute] = []

    def visit_Assign(self, node: cst.Assign) -> None:
        for name, value in assigned_pairs(node):
            if is_variable_call(value, self.context):
                self.variables.add(name)
        for target in node.targets:
            attribute = target.target
            if isinstance(attribute, cst.Attribute) and attribute.attr.value == "volatile":
                self.targets.add(id(attribute))
                if is_receiver_self(attribute.value):
                    self.own = True
                else:
                    self.sets.append((node, attribute))

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "add_argument":
            if any(isinstance(literal(a.value), str) and literal(a.value).lstrip("-") == "volatile" for a in node.args):  # type: ignore[union-attr]
                self.own = True

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value == "volatile" and id(node) not in self.targets and not is_receiver_self(node.value):
            self.reads.append(node)

    def _variable(self, receiver: cst.BaseExpression) -> bool:
        return isinstance(receiver, cst.Name) and receiver.value in self.variables

    def leave_Module(self, original_node: cst.Module) -> None:
        if not (self.sets or self.reads) or not uses_torch(self.context):
            return
        for node, attribute in self.sets:
            if not self._variable(attribute.value):
                if not self.own:
                    self.report(node, message="`.volatile` was removed in torch 0.4 (assigning it does nothing); use `with torch.no_grad():`")
            elif len(node.targets) != 1:
                self.report(node)
            elif literal(node.value) is False:
                self.report(node, cst.RemovalSentinel.REMOVE, safety=Safety.SAFE, message="`v.volatile = False` does nothing since torch 0.4; remove it")
            else:
                self.report(
                    node,
                    cst.RemovalSentinel.REMOVE,
                    message="`v.volatile = True` does nothing since torch 0.4; removed (wrap the evaluation in `with torch.no_grad():` if memory matters)",
                )
        for node in self.reads:
            if self._variable(node.value) or not self.own:
                self.report(node, message="`.volatile` is always False since torch 0.4; test `torch.is_grad_enabled()` or `x.requires_grad`")
