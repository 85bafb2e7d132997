"""Optimizers, schedulers, utilities and serialization (catalog family O)."""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from migrator.names import canonical, dotted
from migrator.rule import Import, Rule, Safety, fixes, keeps, reports
from migrator.rules._bindings import names_bound_by
from migrator.rules._calls import bind, find_keyword, keyword_arg, literal, positional, string, with_args
from migrator.rules.init import FromImportRenameRule
from migrator.rules._triggers import (
    DOT,
    GAP,
    SPACE,
    literal_first,
    rx_args,
    rx_attribute,
    rx_call,
    rx_from_import,
    rx_method_call,
    rx_module,
    rx_star_import,
    rx_torch_function,
    rx_words,
)
from migrator.walk import code_children, iter_code

_SCHED = "torch.optim.lr_scheduler."
_PLATEAU = _SCHED + "ReduceLROnPlateau"


def _sole_call(statement: cst.CSTNode) -> Optional[cst.Call]:
    """The call of a statement line that is nothing but one call expression."""
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        small = statement.body[0]
        if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
            return small.value
    return None


def _method(call: cst.Call) -> Optional[Tuple[str, str]]:
    """(`receiver`, `method`) of `receiver.method(...)` when the receiver is a dotted name."""
    if isinstance(call.func, cst.Attribute):
        receiver = dotted(call.func.value)
        if receiver is not None:
            return receiver, call.func.attr.value
    return None


def _has_call(node: cst.CSTNode) -> bool:
    return any(type(n) is cst.Call for n in iter_code(node))


class _Bindings(Rule):
    """Records which dotted names (`scheduler`, `self.sched`) are bound to which constructor.

    A name counts as bound to a constructor only when every assignment to it in the
    file is a call of that same constructor. Rules deciding in `leave_Module` use it.
    """

    def __init__(self, context) -> None:
        super().__init__(context)
        self.constructed: Dict[str, Set[Optional[str]]] = {}
        self.functions: Set[str] = set()

    def visit_Assign(self, node: cst.Assign) -> None:
        made = self.context.qualified_name(node.value.func) if isinstance(node.value, cst.Call) else None
        for target in node.targets:
            name = dotted(target.target)
            if name is not None:
                self.constructed.setdefault(name, set()).add(made)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.add(node.name.value)

    def constructor_of(self, name: Optional[str]) -> Optional[str]:
        made = self.constructed.get(name or "")
        if made and len(made) == 1:
            return next(iter(made))
        return None

    def is_scheduler(self, name: Optional[str], plateau: bool = False) -> bool:
        made = self.constructor_of(name)
        return bool(made and made.startswith(_SCHED) and (plateau or made != _PLATEAU))


class ClipGradNorm(FromImportRenameRule):
    """`clip_grad_norm(...)`: use `clip_grad_norm_` (and `clip_grad_value_`).

    What it does: renames `torch.nn.utils.clip_grad_norm` to `clip_grad_norm_`, however
    imported, and the never-existing `clip_grad_value` to `clip_grad_value_`.
    Why: torch 0.4 renamed the in-place clipping function; 2.13 keeps the old name as a
    wrapper with a `FutureWarning`. `clip_grad_value` never existed without `_`.
    Example: `clip_grad_norm(model.parameters(), 0.5)` becomes
    `clip_grad_norm_(model.parameters(), 0.5)`.
    Fix safety: safe: the wrapper calls `clip_grad_norm_` with the same arguments; gradients
    and the returned norm are bitwise identical. Up to 0.3 the norm came back as a Python
    float, since 0.4 as a 0-dim tensor: comparisons, arithmetic and `%` formatting behave
    the same; call `.item()` where a real float is required (JSON, `isinstance`).
    """

    code = "TM601"
    message = "`{old}` is deprecated; use `{new}`"
    safety = Safety.SAFE
    triggers = ("clip_grad_norm", "clip_grad_value")
    trigger_words = ("clip_grad_norm", "clip_grad_value")
    trigger_regex = r"\b" + rx_words(("clip_grad_norm", "clip_grad_value")) + r"\b"  # not the modern `_` names
    changed_in = "0.4"
    renames = {
        "torch.nn.utils.clip_grad_norm": "torch.nn.utils.clip_grad_norm_",
        "torch.nn.utils.clip_grad_value": "torch.nn.utils.clip_grad_value_",
    }
    examples = (
        fixes(
            "import torch\nnorm = torch.nn.utils.clip_grad_norm(model.parameters(), 5.0)\n",
            "import torch\nnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)\n",
            id="full-path",
        ),
        fixes(
            "from torch.nn.utils import clip_grad_norm as clip\nclip(params, 1.0, norm_type=2)\n",
            "from torch.nn.utils import clip_grad_norm_\nclip_grad_norm_(params, 1.0, norm_type=2)\n",
            id="aliased-from-import",
        ),
        fixes(
            "import torch.nn as nn\nnn.utils.clip_grad_norm(rnn.parameters(), 0.25)\nnn.utils.clip_grad_value(ps, 1)\n",
            "import torch.nn as nn\nnn.utils.clip_grad_norm_(rnn.parameters(), 0.25)\nnn.utils.clip_grad_value_(ps, 1)\n",
            id="nn-utils",
        ),
        keeps("def clip_grad_norm(params, limit):\n    return 0\nclip_grad_norm(ps, 1.0)\n", id="own-function"),
        keeps("import torch\ntorch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)\n", id="modern"),
    )

    def _from_import_spelling(self, node):  # type: ignore[override]
        # `from torch.nn.utils.clip_grad import clip_grad_norm` keeps its module
        if isinstance(node, cst.Name):
            binding = self.context.names.bindings.get(node.value)
            if binding is not None and binding.obj is not None and canonical(binding.qualified) in self.renames:
                old = canonical(binding.qualified)
                new = self.renames[old]
                name = new.rsplit(".", 1)[-1]
                if name not in self.context.names.shadowed:
                    return old, new, cst.Name(name), (Import(binding.module, name),), node.value
        return super()._from_import_spelling(node)


class ZeroGradKeepsZeros(_Bindings):
    """`optimizer.zero_grad()` in code written for torch <= 1.13: pass `set_to_none=False`.

    What it does: adds `set_to_none=False` to argument-less `.zero_grad()` calls (optimizer
    or module) in files whose source era is at most 1.13.
    Why: torch 2.0 changed the default to `set_to_none=True`: gradients become None instead
    of zero tensors. Optimizers skip parameters whose gradient is None, so a parameter
    unused in a step no longer receives weight decay or momentum updates, and code that
    reads `p.grad.data` after `zero_grad()` fails with `AttributeError`.
    Example: `optimizer.zero_grad()` becomes `optimizer.zero_grad(set_to_none=False)`.
    Fix safety: safe for code written for torch <= 1.13 (the rule only runs there): the
    flag restores exactly the in-place zeroing every release before 2.0 did. A file that
    defines its own `zero_grad` is left alone.
    """

    code = "TM602"
    message = "`zero_grad()` sets gradients to None since torch 2.0; pass `set_to_none=False` to keep zeroing them"
    safety = Safety.SAFE
    triggers = ("zero_grad()",)
    trigger_words = ("zero_grad",)
    trigger_regex = rx_attribute(("zero_grad",)) + GAP + r"(?:\)|\(" + GAP + r"\))"  # also `(opt.zero_grad)( )`
    changed_in = "2.0"
    source_eras = (None, "1.13")
    example_era = "0.3"
    requires = "1.7"
    examples = (
        fixes(
            "import torch.optim as optim\nopt = optim.SGD(ps, lr=0.1)\nopt.zero_grad()\n",
            "import torch.optim as optim\nopt = optim.SGD(ps, lr=0.1)\nopt.zero_grad(set_to_none=False)\n",
            id="optimizer",
        ),
        fixes(
            "import torch.optim as O\nfor x in data:\n    model.zero_grad()\n    self.opt.zero_grad()\n",
            "import torch.optim as O\nfor x in data:\n    model.zero_grad(set_to_none=False)\n    self.opt.zero_grad(set_to_none=False)\n",
            id="module-and-attribute",
        ),
        keeps(
            "class Sgd:\n    def zero_grad(self):\n        pass\nopt = Sgd()\nopt.zero_grad()\n",
            id="own-zero-grad",
        ),
        keeps("opt.zero_grad(set_to_none=True)\nzero_grad()\n", id="explicit-and-plain-function"),
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self.calls: List[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "zero_grad" and not node.args:
            self.calls.append(node)

    def leave_Module(self, original_node: cst.Module) -> None:
        if "zero_grad" in self.functions:
            return
        for call in self.calls:
            self.report(call, with_args(call, [keyword_arg("set_to_none", cst.Name("False"))]))


def _trains(statement: cst.CSTNode, rule: _Bindings) -> bool:
    """Whether a statement may train: an optimizer `.step(`, a `.backward(`, or a call of a function (`train(epoch)`)."""
    for call in iter_code(statement):
        if type(call) is not cst.Call:
            continue
        if isinstance(call.func, cst.Attribute):
            receiver = dotted(call.func.value)
            if call.func.attr.value == "step" and not rule.is_scheduler(receiver, plateau=True):
                return True
            if call.func.attr.value == "backward":
                return True
        elif isinstance(call.func, cst.Name) and call.func.value not in _BUILTINS:
            return True
    return False


# Calls that certainly do not train: a loop body made only of these does not count.
_BUILTINS = frozenset(
    "print len range enumerate zip min max sum abs round float int str repr format sorted list dict set tuple "
    "isinstance hasattr getattr setattr open iter next".split()
)


_JUMPS = (cst.Continue, cst.Break, cst.Return, cst.Yield)


def _jumps(body: cst.CSTNode) -> bool:
    return any(type(n) in _JUMPS for n in iter_code(body))


def _is_range_from_zero(node: cst.BaseExpression) -> bool:
    """`range(n)` or `range(0, n)`."""
    if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "range"):
        return False
    args = node.args
    if any(a.keyword is not None or a.star for a in args):
        return False
    return len(args) == 1 or (len(args) == 2 and literal(args[0].value) == 0)


class _SchedulerLoops(_Bindings):
    """Finds `for` loops whose body steps a scheduler before the epoch's training."""

    def __init__(self, context) -> None:
        super().__init__(context)
        self.loops: List[cst.For] = []

    def visit_For(self, node: cst.For) -> None:
        self.loops.append(node)

    def _early_steps(self, loop: cst.For, with_epoch: bool) -> Tuple[List[int], List[cst.SimpleStatementLine]]:
        """Indexes of top-level scheduler-step statements followed by training, in the loop body."""
        if not isinstance(loop.body, cst.IndentedBlock):
            return [], []
        statements = list(loop.body.body)
        found: List[int] = []
        for index, statement in enumerate(statements):
            call = _sole_call(statement)
            if call is None:
                continue
            method = _method(call)
            if method is None or method[1] != "step" or not self.is_scheduler(method[0]):
                continue
            if bool(call.args) != with_epoch:
                continue
            if any(_trains(s, self) for s in statements[index + 1 :]):
                found.append(index)
        return found, statements  # type: ignore[return-value]

    def _moved(self, loop: cst.For, indexes: Sequence[int], statements: List[cst.BaseStatement], drop_args: bool) -> cst.IndentedBlock:
        moved = []
        for index in indexes:
            statement = statements[index]
            if drop_args:
                call = _sole_call(statement)
                assert call is not None
                statement = statement.with_changes(body=[cst.Expr(call.with_changes(args=()))])  # type: ignore[union-attr]
            moved.append(statement)
        kept = [s for i, s in enumerate(statements) if i not in indexes]
        return loop.body.with_changes(body=kept + moved)  # type: ignore[union-attr]


class SchedulerStepFirst(_SchedulerLoops):
    """`scheduler.step()` at the start of an epoch (torch <= 1.0 order): move it after training.

    What it does: in a `for` loop whose body calls `scheduler.step()` (a scheduler of
    `torch.optim.lr_scheduler`) before the statements that train (an optimizer `.step()`,
    `.backward()`, or a call of the file's own function such as `train(epoch)`), moves the
    scheduler call to the end of the loop body. It also finds the call where it comes
    before the optimizer steps of the same function body (`def train(epoch):
    scheduler.step()` then the batch loop), or in an `if` of a function or loop body
    (`if phase == 'train': scheduler.step()`, the transfer-learning tutorial) with an
    optimizer step later in that body (nested in loops, ifs or a called function of the
    file). It moves it to the end of that body (before a final `return`), an `if` one
    under the same condition, re-tested there. A scheduler or optimizer can be a parameter
    of the function when every call of it in the file passes one.
    Why: up to 1.0 a scheduler's constructor left the learning rate untouched and the first
    `step()` selected epoch 0, so schedulers were stepped at the start of each epoch.
    Torch 1.1 made the constructor take that first step; stepping first now skips the
    first value of the schedule (and warns `Detected call of lr_scheduler.step() before
    optimizer.step()`).
    Example: `for epoch in range(n): scheduler.step(); train(epoch)` becomes
    `for epoch in range(n): train(epoch); scheduler.step()`.
    Fix safety: unsafe: it moves a statement, which reproduces the <= 1.0 learning rates
    but changes what the original computes on current torch, and code between the two
    positions may read the learning rate. Loops with `continue`, `break` or `return` are
    only reported, as are functions that can return early, conditions that may change
    before the end of the body (a call, an attribute, a name assigned in the body) and
    calls in an `else` or `elif` branch.
    """

    code = "TM603"
    message = "since torch 1.1 `scheduler.step()` before the epoch's training skips the first learning rate; call it after"
    safety = Safety.UNSAFE
    triggers = ("lr_scheduler",)  # every spelling of a scheduler goes through the module name
    trigger_words = ("lr_scheduler",)
    changed_in = "1.1"
    source_eras = (None, "1.0")
    example_era = "0.4"
    examples = (
        fixes(
            "import torch.optim as optim\nsched = optim.lr_scheduler.StepLR(opt, 30)\nfor epoch in range(90):\n"
            "    sched.step()\n    train(epoch)\n    validate()\n",
            "import torch.optim as optim\nsched = optim.lr_scheduler.StepLR(opt, 30)\nfor epoch in range(90):\n"
            "    train(epoch)\n    validate()\n    sched.step()\n",
            id="train-function",
        ),
        fixes(
            "from torch.optim import lr_scheduler as LS\nscheduler = LS.ExponentialLR(opt, 0.9)\nfor epoch in range(5):\n"
            "    scheduler.step()\n    for x, y in data:\n        opt.zero_grad()\n        loss(x, y).backward()\n        opt.step()\n",
            "from torch.optim import lr_scheduler as LS\nscheduler = LS.ExponentialLR(opt, 0.9)\nfor epoch in range(5):\n"
            "    for x, y in data:\n        opt.zero_grad()\n        loss(x, y).backward()\n        opt.step()\n    scheduler.step()\n",
            id="aliased-inline-loop",
        ),
        reports(
            "import torch.optim as optim\nsched = optim.lr_scheduler.StepLR(opt, 30)\nfor epoch in range(90):\n"
            "    sched.step()\n    if skip(epoch):\n        continue\n    train(epoch)\n",
            id="continue-report-only",
        ),
        keeps(
            "import torch.optim as optim\nsched = optim.lr_scheduler.StepLR(opt, 30)\nfor epoch in range(90):\n"
            "    train(epoch)\n    sched.step()\n",
            id="modern-order",
        ),
        keeps(
            "class Stepper:\n    def step(self):\n        pass\nsched = Stepper()\nfor epoch in range(3):\n    sched.step()\n    opt.step()\n",
            id="own-step",
        ),
        fixes(
            "import torch\nopt = torch.optim.SGD(ps, lr=1.0)\nsched = torch.optim.lr_scheduler.StepLR(opt, 1)\n"
            "def train(epoch):\n    sched.step()\n    for x in data:\n        opt.zero_grad()\n        f(x).backward()\n"
            "        opt.step()\n    print(epoch)\nfor epoch in range(3):\n    train(epoch)\n",
            "import torch\nopt = torch.optim.SGD(ps, lr=1.0)\nsched = torch.optim.lr_scheduler.StepLR(opt, 1)\n"
            "def train(epoch):\n    for x in data:\n        opt.zero_grad()\n        f(x).backward()\n"
            "        opt.step()\n    print(epoch)\n    sched.step()\nfor epoch in range(3):\n    train(epoch)\n",
            id="function-body",
        ),
        fixes(
            "from torch.optim import lr_scheduler as LS\nclass Trainer:\n    def __init__(self, opt):\n"
            "        self.sched = LS.ExponentialLR(opt, 0.9)\n        self.opt = opt\n    def epoch(self):\n"
            "        self.sched.step()\n        loss = 0\n        for x in data:\n            self.update(x)\n        return loss\n"
            "    def update(self, x):\n        self.opt.step()\n",
            "from torch.optim import lr_scheduler as LS\nclass Trainer:\n    def __init__(self, opt):\n"
            "        self.sched = LS.ExponentialLR(opt, 0.9)\n        self.opt = opt\n    def epoch(self):\n"
            "        loss = 0\n        for x in data:\n            self.update(x)\n        self.sched.step()\n        return loss\n"
            "    def update(self, x):\n        self.opt.step()\n",
            id="aliased-method-before-return",
        ),
        fixes(
            "import torch\nfrom torch.optim import lr_scheduler\n"
            "def train_model(model, optimizer, scheduler, num_epochs=25):\n    for epoch in range(num_epochs):\n"
            "        for phase in ['train', 'val']:\n            if phase == 'train':\n                scheduler.step()\n"
            "                model.train(True)\n            else:\n                model.train(False)\n"
            "            for inputs, labels in loader:\n                optimizer.zero_grad()\n"
            "                if phase == 'train':\n                    loss(inputs, labels).backward()\n"
            "                    optimizer.step()\n    return model\n"
            "opt = torch.optim.SGD(net.parameters(), lr=0.001)\nsched = lr_scheduler.StepLR(opt, step_size=7)\n"
            "net = train_model(net, opt, sched, num_epochs=25)\n",
            "import torch\nfrom torch.optim import lr_scheduler\n"
            "def train_model(model, optimizer, scheduler, num_epochs=25):\n    for epoch in range(num_epochs):\n"
            "        for phase in ['train', 'val']:\n            if phase == 'train':\n"
            "                model.train(True)\n            else:\n                model.train(False)\n"
            "            for inputs, labels in loader:\n                optimizer.zero_grad()\n"
            "                if phase == 'train':\n                    loss(inputs, labels).backward()\n"
            "                    optimizer.step()\n            if phase == 'train':\n                scheduler.step()\n    return model\n"
            "opt = torch.optim.SGD(net.parameters(), lr=0.001)\nsched = lr_scheduler.StepLR(opt, step_size=7)\n"
            "net = train_model(net, opt, sched, num_epochs=25)\n",
            id="tutorial-phase-if-parameters",
        ),
        fixes(
            "import torch.optim as optim\nsched = optim.lr_scheduler.StepLR(optimizer, 30)\nfor epoch in range(90):\n"
            "    if epoch > 0:\n        sched.step()\n    for x in data:\n        optimizer.step()\n    print(epoch)\n",
            "import torch.optim as optim\nsched = optim.lr_scheduler.StepLR(optimizer, 30)\nfor epoch in range(90):\n"
            "    for x in data:\n        optimizer.step()\n    print(epoch)\n    if epoch > 0:\n        sched.step()\n",
            id="if-moves-whole",
        ),
        reports(
            "import torch\nsched = torch.optim.lr_scheduler.StepLR(opt, 30)\ndef train(epoch):\n    sched.step()\n"
            "    if epoch in skipped:\n        return\n    for x in data:\n        opt.step()\n",
            id="function-returns-early-report-only",
        ),
        reports(
            "import torch\nsched = torch.optim.lr_scheduler.StepLR(opt, 30)\nfor epoch in range(90):\n"
            "    if args.decay:\n        sched.step()\n    train(epoch)\ndef train(epoch):\n    opt.step()\n",
            id="attribute-condition-report-only",
        ),
        reports(
            "import torch\nsched = torch.optim.lr_scheduler.StepLR(opt, 30)\nfor epoch in range(90):\n"
            "    for phase in ('val', 'train'):\n        if phase == 'val':\n            model.eval()\n"
            "        else:\n            sched.step()\n        for x in data:\n            if phase == 'train':\n"
            "                opt.step()\n",
            id="else-branch-report-only",
        ),
        keeps(
            "import torch\nsched = torch.optim.lr_scheduler.StepLR(opt, 30)\ndef train(epoch):\n    for x in data:\n"
            "        opt.step()\n    sched.step()\nfor epoch in range(90):\n    for phase in ['train', 'val']:\n"
            "        for x in data:\n            if phase == 'train':\n                opt.step()\n"
            "        if phase == 'train':\n            sched.step()\n",
            id="modern-order-function-and-phase",
        ),
        keeps(
            "import torch\nsched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt)\nstep = torch.optim.lr_scheduler.StepLR(opt, 3)\n"
            "def validate(epoch):\n    val_loss = evaluate()\n    sched.step(val_loss)\n    for x in data:\n        opt.step()\n"
            "def decay(epoch):\n    step.step()\n    if epoch % 2:\n        step.step()\n    for t in range(5):\n        env.step(t)\n"
            "        loss.backward()\n",
            id="plateau-metric-and-no-optimizer-step",
        ),
        keeps(
            "import torch\nsched = torch.optim.lr_scheduler.StepLR(opt, 30)\ndef run(s, o):\n    s.step()\n    o.step()\n"
            "run(env, opt)\n",
            id="parameter-look-alike",
        ),
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self.defs: Dict[str, List[cst.FunctionDef]] = {}
        self.def_order: List[cst.FunctionDef] = []
        self.calls_of: Dict[str, List[cst.Call]] = {}
        self.scheduled: Set[str] = set()  # the optimizers schedulers are built on
        self.declared: Set[str] = set()  # names of `global` / `nonlocal` statements
        self.stepping: Dict[int, bool] = {}  # id(FunctionDef) -> whether calling it steps an optimizer

    def visit_Assign(self, node: cst.Assign) -> None:
        super().visit_Assign(node)
        if isinstance(node.value, cst.Call):
            made = self.context.qualified_name(node.value.func)
            if made is not None and made.startswith(_SCHED):
                args = [a for a in node.value.args if not a.star]
                given = args[0] if args and args[0].keyword is None else find_keyword(node.value, "optimizer")
                name = dotted(given.value) if given is not None else None
                if name is not None:
                    self.scheduled.add(name)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        super().visit_FunctionDef(node)
        self.defs.setdefault(node.name.value, []).append(node)
        self.def_order.append(node)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name):
            self.calls_of.setdefault(node.func.value, []).append(node)

    def visit_Global(self, node: cst.Global) -> None:
        self.declared.update(item.name.value for item in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.declared.update(item.name.value for item in node.names)

    def leave_Module(self, original_node: cst.Module) -> None:
        for loop in self.loops:
            indexes, statements = self._early_steps(loop, with_epoch=False)
            if not indexes:
                continue
            first = statements[indexes[0]]
            if _jumps(loop.body):
                self.report(first, message=self.message + " (the loop can exit early: move it by hand)")
                continue
            self.report(loop.body, self._moved(loop, indexes, statements, drop_args=False), position_node=first)
        if not any(made and made.startswith(_SCHED) for made_set in self.constructed.values() for made in made_set):
            return
        for function in self.def_order:
            self._scan(function.body, function, function)
        if self.loops:
            parents = self.context.parents(original_node)
            for loop in self.loops:
                self._scan(loop.body, loop, _enclosing_function(loop, parents))

    # --- a scheduler step before the optimizer steps of a function body, or in an `if` ------------

    def _scan(self, block: cst.BaseSuite, owner: cst.CSTNode, function: Optional[cst.FunctionDef]) -> None:
        """Scheduler steps of `block` (a function's or a loop's body) that run before its optimizer steps:
        top-level in a function body, or in an `if` at the top level of either (top-level steps
        of a loop body are the loop form's)."""
        statements = _block_statements(block)
        if not statements:
            return
        early: List[_EarlyStep] = []
        for index, statement in enumerate(statements):
            if isinstance(owner, cst.FunctionDef) and self._scheduler_step(statement, function):
                early.append(_EarlyStep(index, statement))
                continue
            if not isinstance(statement, cst.If):
                continue
            for branch, inner_block in enumerate(_if_branches(statement)):
                inner = _block_statements(inner_block)
                for position, line in enumerate(inner):
                    if self._scheduler_step(line, function):
                        early.append(_EarlyStep(index, line, statement, branch, inner[:position], inner[position + 1 :]))
        early = [
            step
            for step in early
            if not any(self._steps_optimizer(s, function) for s in [*statements[: step.index], *step.before])
            and any(self._steps_optimizer(s, function) for s in [*step.after, *statements[step.index + 1 :]])
        ]
        if not early:
            return
        is_function = isinstance(owner, cst.FunctionDef)
        trailing_return = is_function and _is_return(statements[-1])
        if _exits(block, allowed=statements[-1] if trailing_return else None):
            where = "function can return" if is_function else "loop iteration can end"
            for step in early:
                under = ", under the same condition" if step.condition is not None else ""
                self.report(step.statement, message=f"{self.message} (the {where} early: move it by hand after "
                            f"the optimizer steps{under}, on every path that trains)")
            return
        bound = _bound_names(block) | self.declared
        movable = []
        for step in early:
            if step.condition is not None and step.branch > 0:
                self.report(step.statement, message=self.message + " (it runs in an `else`/`elif` branch: move it "
                            "after the optimizer steps, under the same condition, by hand)")
            elif step.condition is not None and not _pure_test(step.condition.test, bound):
                self.report(step.statement, message=self.message + " (it runs under a condition that may change before "
                            "the optimizer steps: move it after them, under the same condition, by hand)")
            else:
                movable.append(step)
        if movable:
            moved = _moved_to_end(block, statements, movable, trailing_return)
            self.report(block, moved, position_node=movable[0].statement)

    def _scheduler_step(self, statement: cst.CSTNode, function: Optional[cst.FunctionDef]) -> bool:
        """`scheduler.step()` (no argument) as a whole statement line."""
        call = _sole_call(statement)
        if call is None or call.args:
            return False
        method = _method(call)
        return method is not None and method[1] == "step" and self._is(method[0], function, scheduler=True)

    def _steps_optimizer(self, node: cst.CSTNode, function: Optional[cst.FunctionDef]) -> bool:
        """Whether running `node` steps an optimizer: `optimizer.step(...)` in it, or in a function
        of the file it calls (code of functions it only defines does not run)."""
        for call in _own_code(node):
            if type(call) is not cst.Call:
                continue
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value == "step":
                receiver = dotted(func.value)
                if receiver is not None and self._is(receiver, function, scheduler=False):
                    return True
            callee = self._callee(call)
            if callee is not None and self._function_steps_optimizer(callee):
                return True
        return False

    def _function_steps_optimizer(self, function: cst.FunctionDef) -> bool:
        """Whether calling the file's `function` steps an optimizer (once per function and file)."""
        known = self.stepping.get(id(function))
        if known is None:
            self.stepping[id(function)] = False  # a recursive call adds nothing
            known = self.stepping[id(function)] = self._steps_optimizer(function.body, function)
        return known

    def _callee(self, call: cst.Call) -> Optional[cst.FunctionDef]:
        """The file's function `f` of `f(...)`, or its method `m` of `self.m(...)`, when defined once."""
        func = call.func
        if isinstance(func, cst.Name):
            name = func.value
        elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self":
            name = func.attr.value
        else:
            return None
        found = self.defs.get(name, ())
        return found[0] if len(found) == 1 else None

    def _is(self, name: str, function: Optional[cst.FunctionDef], scheduler: bool) -> bool:
        """Whether `name` is a scheduler (not ReduceLROnPlateau) or an optimizer where `function` runs:
        a parameter is one when every call of the function in the file passes one."""
        if function is not None and "." not in name and name in _parameter_names(function):
            given = self._arguments(function, name)
            return bool(given) and all(
                (value := dotted(node)) is not None and self._is(value, None, scheduler) for node in given  # type: ignore[union-attr]
            )
        if scheduler:
            return self.is_scheduler(name)
        if self.is_scheduler(name, plateau=True):
            return False
        made = self.constructor_of(name)
        if made is not None and made.startswith("torch.optim."):
            return True
        return name in self.scheduled or bool(_OPTIMIZER_NAME.fullmatch(name.rsplit(".", 1)[-1]))

    def _arguments(self, function: cst.FunctionDef, parameter: str) -> Optional[List[cst.BaseExpression]]:
        """What every call of `function` in the file passes as `parameter`, or None if that is unknown."""
        name = function.name.value
        if len(self.defs.get(name, ())) != 1 or parameter in _bound_names(function.body) | self.declared:
            return None
        params = function.params
        ordered = [*params.posonly_params, *params.params]
        index = next((i for i, p in enumerate(ordered) if p.name.value == parameter), None)
        declared = next((p for p in [*ordered, *params.kwonly_params] if p.name.value == parameter), None)
        if declared is None:
            return None
        values: List[cst.BaseExpression] = []
        for call in self.calls_of.get(name, ()):
            if any(a.star for a in call.args):
                return None
            given = [a for a in call.args if a.keyword is None]
            keyword = find_keyword(call, parameter)
            if index is not None and index < len(given):
                values.append(given[index].value)
            elif keyword is not None:
                values.append(keyword.value)
            elif declared.default is not None:
                values.append(declared.default)
            else:
                return None
        return values or None


# A name that says optimizer (`optimizer`, `optimizer_ft`, `optD`, `g_optim`), for one the file does not build
_OPTIMIZER_NAME = re.compile(r"(?:\w*_)?(?:opt|optim|optimi[sz]er)(?:_?[A-Za-z]|_\w+|\d+)?", re.IGNORECASE)


class _EarlyStep:
    """A scheduler-step statement of a body: at its top level (`index`), or in an `if` there."""

    def __init__(
        self,
        index: int,
        statement: cst.BaseStatement,
        condition: Optional[cst.If] = None,
        branch: int = 0,
        before: Sequence[cst.BaseStatement] = (),
        after: Sequence[cst.BaseStatement] = (),
    ) -> None:
        self.index = index
        self.statement = statement
        self.condition = condition  # the `if` statement at `index` holding it
        self.branch = branch  # 0: the `if` body; 1, 2...: its `elif` / `else` branches
        self.before = list(before)  # the statements before and after it in its branch
        self.after = list(after)


def _block_statements(block: cst.BaseSuite) -> List[cst.BaseStatement]:
    return list(block.body) if isinstance(block, cst.IndentedBlock) else []


def _if_branches(statement: cst.If) -> List[cst.BaseSuite]:
    """The blocks of an `if` / `elif` / `else` chain, in order."""
    branches: List[cst.BaseSuite] = [statement.body]
    rest = statement.orelse
    while rest is not None:
        branches.append(rest.body)
        rest = rest.orelse if isinstance(rest, cst.If) else None
    return branches


_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


def _own_code(node: cst.CSTNode):
    """`node` and its code below, not entering the functions, classes and lambdas it defines."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if current is not node and type(current) in _SCOPES:
            continue
        children = code_children(current)
        children.reverse()
        stack.extend(children)


def _enclosing_function(node: cst.CSTNode, parents: Dict[int, cst.CSTNode]) -> Optional[cst.FunctionDef]:
    parent = parents.get(id(node))
    while parent is not None:
        if type(parent) is cst.FunctionDef:
            return parent  # type: ignore[return-value]
        if type(parent) in (cst.ClassDef, cst.Lambda):
            return None
        parent = parents.get(id(parent))
    return None


def _parameter_names(function: cst.FunctionDef) -> Set[str]:
    params = function.params
    names = {p.name.value for p in [*params.posonly_params, *params.params, *params.kwonly_params]}
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            names.add(star.name.value)
    return names


def _is_return(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 and isinstance(statement.body[0], cst.Return)


def _exits(block: cst.BaseSuite, allowed: Optional[cst.BaseStatement]) -> bool:
    """Whether a pass through `block` can end before its last statement: a `return` or `yield`
    (other than the `allowed` final return), or a `break` / `continue` of no loop inside it."""
    stack: List[Tuple[cst.CSTNode, bool]] = [(block, False)]
    while stack:
        node, in_loop = stack.pop()
        kind = type(node)
        if node is allowed:
            continue
        if kind in _SCOPES:
            continue
        if kind in (cst.Return, cst.Yield) or (kind in (cst.Break, cst.Continue) and not in_loop):
            return True
        if kind in (cst.For, cst.While):
            stack.append((node.body, True))  # type: ignore[attr-defined]
            if node.orelse is not None:  # type: ignore[attr-defined]
                stack.append((node.orelse, in_loop))  # type: ignore[attr-defined]
            stack.extend((child, in_loop) for child in code_children(node) if child is not node.body and child is not node.orelse)  # type: ignore[attr-defined]
            continue
        stack.extend((child, in_loop) for child in code_children(node))
    return False


def _bound_names(block: cst.CSTNode) -> Set[str]:
    """The plain names a block (re)binds anywhere in it."""
    names: Set[str] = set()
    for node in iter_code(block):
        kind = type(node)
        if kind is cst.AssignTarget:
            names.update(names_bound_by(node.target))  # type: ignore[attr-defined]
        elif kind in (cst.AugAssign, cst.AnnAssign, cst.For, cst.CompFor, cst.NamedExpr, cst.Del):
            names.update(names_bound_by(node.target))  # type: ignore[attr-defined]
        elif kind is cst.WithItem and node.asname is not None:  # type: ignore[attr-defined]
            names.update(names_bound_by(node.asname.name))  # type: ignore[attr-defined]
        elif kind is cst.ExceptHandler and node.name is not None:  # type: ignore[attr-defined]
            names.update(names_bound_by(node.name.name))  # type: ignore[attr-defined]
        elif kind in (cst.FunctionDef, cst.ClassDef):
            names.add(node.name.value)  # type: ignore[attr-defined]
        elif kind in (cst.Global, cst.Nonlocal):
            names.update(item.name.value for item in node.names)  # type: ignore[attr-defined]
        elif kind in (cst.Import, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar):  # type: ignore[attr-defined]
            for alias in node.names:  # type: ignore[attr-defined]
                bound = alias.asname.name if alias.asname is not None else alias.name
                names.add((dotted(bound) or "").split(".", 1)[0])
    return names


# What a condition may hold to be re-tested after the optimizer steps with the same outcome:
# names the body does not rebind, literals and operators; no call, attribute or subscript.
_PURE = (
    cst.Name, cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.ConcatenatedString,
    cst.Comparison, cst.ComparisonTarget, cst.BaseCompOp, cst.BooleanOperation, cst.BaseBooleanOp,
    cst.UnaryOperation, cst.BaseUnaryOp, cst.BinaryOperation, cst.BaseBinaryOp,
    cst.Tuple, cst.List, cst.Set, cst.Element,
)


def _pure_test(test: cst.BaseExpression, bound: Set[str]) -> bool:
    for node in iter_code(test):
        if not isinstance(node, _PURE):
            return False
        if type(node) is cst.Name and node.value in bound:  # type: ignore[attr-defined]
            return False
    return True


def _moved_to_end(
    block: cst.BaseSuite, statements: List[cst.BaseStatement], steps: Sequence[_EarlyStep], trailing_return: bool
) -> cst.BaseSuite:
    """`block` with the scheduler steps at its end (before a final `return`), one in an `if`
    under a copy of that `if`'s condition; an `if` left empty goes (its condition is pure)."""
    by_index: Dict[int, List[_EarlyStep]] = {}
    for step in steps:
        by_index.setdefault(step.index, []).append(step)
    kept: List[cst.BaseStatement] = []
    tail: List[cst.BaseStatement] = []
    for index, statement in enumerate(statements):
        here = by_index.get(index)
        if not here:
            kept.append(statement)
        elif here[0].condition is None:
            tail.append(statement)
        else:
            assert isinstance(statement, cst.If) and isinstance(statement.body, cst.IndentedBlock)
            moved = [step.statement for step in here]
            rest = [s for s in statement.body.body if all(s is not m for m in moved)]
            if rest:
                kept.append(statement.with_changes(body=statement.body.with_changes(body=rest)))
                tail.append(statement.with_changes(
                    leading_lines=(), orelse=None,
                    body=statement.body.with_changes(body=moved, header=cst.TrailingWhitespace(), footer=()),
                ))
            elif statement.orelse is not None:
                kept.append(statement.with_changes(body=statement.body.with_changes(
                    body=[cst.SimpleStatementLine([cst.Pass()])])))
                tail.append(statement.with_changes(
                    leading_lines=(), orelse=None,
                    body=statement.body.with_changes(body=moved, header=cst.TrailingWhitespace(), footer=()),
                ))
            else:  # the whole `if` moves
                tail.append(statement.with_changes(body=statement.body.with_changes(body=moved)))
    if trailing_return:
        kept, last = kept[:-1], kept[-1:]
    else:
        last = []
    return block.with_changes(body=[*kept, *tail, *last])  # type: ignore[call-arg]


class SchedulerStepEpoch(_SchedulerLoops):
    """`scheduler.step(epoch)`: the epoch argument is deprecated; call `scheduler.step()` after training.

    What it does: for `for e in range(n):` loops whose body starts the epoch with
    `scheduler.step(e)` before training, drops the argument and moves the call to the end
    of the loop body; every other `scheduler.step(epoch)` is reported.
    Why: torch 1.4 made schedulers chainable and deprecated the epoch argument
    (`The epoch parameter in scheduler.step() was not necessary and is being deprecated`);
    with an epoch the closed form is still used.
    Example: `for epoch in range(n): scheduler.step(epoch); train()` becomes
    `for epoch in range(n): train(); scheduler.step()`.
    Fix safety: unsafe: in that loop shape both forms give epoch `e` the learning rate
    lr(e), but the chainable form multiplies step by step where the closed form computes
    each value anew (last-bit differences), and a statement moves. Other shapes (a loop
    from 1, a step at the end) would shift the schedule by one epoch: report only.
    """

    code = "TM604"
    message = "`scheduler.step(epoch)` is deprecated; call `scheduler.step()` once per epoch after training"
    safety = Safety.UNSAFE
    triggers = ("lr_scheduler",)
    trigger_words = ("lr_scheduler",)
    changed_in = "1.4"
    examples = (
        fixes(
            "import torch.optim as optim\ns = optim.lr_scheduler.MultiStepLR(opt, [2, 4])\nfor epoch in range(6):\n"
            "    s.step(epoch)\n    train(epoch)\n",
            "import torch.optim as optim\ns = optim.lr_scheduler.MultiStepLR(opt, [2, 4])\nfor epoch in range(6):\n"
            "    train(epoch)\n    s.step()\n",
            id="start-of-epoch",
        ),
        reports(
            "from torch.optim.lr_scheduler import StepLR as S\nsched = S(opt, 10)\nfor epoch in range(1, 11):\n"
            "    sched.step(epoch)\n    train(epoch)\n",
            id="from-one-report-only",
        ),
        reports(
            "import torch\nsched = torch.optim.lr_scheduler.StepLR(opt, 10)\nfor epoch in range(5):\n    train(epoch)\n    sched.step(epoch)\n",
            id="end-of-epoch-report-only",
        ),
        keeps(
            "import torch\nsched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt)\nfor epoch in range(5):\n    train(epoch)\n    sched.step(val_loss)\n",
            id="plateau-metric",
        ),
        keeps("env = gym.make('CartPole-v0')\nfor t in range(5):\n    env.step(action)\n    opt.step()\n", id="look-alike-step"),
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self.calls: List[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        method = _method(node)
        if method is not None and method[1] == "step" and len(node.args) == 1:
            self.calls.append(node)

    def leave_Module(self, original_node: cst.Module) -> None:
        handled: Set[int] = set()
        for loop in self.loops:
            indexes, statements = self._early_steps(loop, with_epoch=True)
            exact = []
            for index in indexes:
                call = _sole_call(statements[index])
                assert call is not None
                arg = call.args[0]
                if (
                    isinstance(loop.target, cst.Name)
                    and _is_range_from_zero(loop.iter)
                    and isinstance(arg.value, cst.Name)
                    and arg.value.value == loop.target.value
                    and (arg.keyword is None or arg.keyword.value == "epoch")
                    and not _jumps(loop.body)
                ):
                    exact.append(index)
                    handled.add(id(call))
            if exact:
                self.report(loop.body, self._moved(loop, exact, statements, drop_args=True), position_node=statements[exact[0]])
        for call in self.calls:
            method = _method(call)
            assert method is not None
            if id(call) not in handled and self.is_scheduler(method[0]):
                self.report(call, message=self.message + " (check that the schedule keeps its first value)")


class SchedulerGetLr(_Bindings):
    """`scheduler.get_lr()` to read the learning rate: use `scheduler.get_last_lr()`.

    What it does: renames `get_lr()` to `get_last_lr()` on names bound to a
    `torch.optim.lr_scheduler` scheduler.
    Why: up to 1.3 `get_lr()` returned the current learning rates; torch 1.4 made it the
    internal chainable formula (called outside `step()` it can apply the decay again) and
    added `get_last_lr()`; it warns `To get the last learning rate computed by the
    scheduler, please use get_last_lr()`.
    Example: `print(scheduler.get_lr()[0])` becomes `print(scheduler.get_last_lr()[0])`.
    Fix safety: safe for code written for torch 1.3 or older: `get_last_lr()` returns the
    learning rates the optimizer is using, which is what `get_lr()` returned then. Unsafe
    for 1.4 and newer code (or an unknown era), where `get_lr()` already meant the
    chainable formula and the printed rate may differ after the rewrite.
    """

    code = "TM605"
    message = "`scheduler.get_lr()` is internal since torch 1.4; use `scheduler.get_last_lr()`"
    safety = Safety.SAFE
    triggers = ("lr_scheduler",)
    trigger_words = ("lr_scheduler",)
    changed_in = "1.4"
    requires = "1.4"
    examples = (
        fixes(
            "import torch\nsched = torch.optim.lr_scheduler.StepLR(opt, 5)\nprint(sched.get_lr()[0])\n",
            "import torch\nsched = torch.optim.lr_scheduler.StepLR(opt, 5)\nprint(sched.get_last_lr()[0])\n",
            id="full-path",
        ),
        fixes(
            "from torch.optim import lr_scheduler as L\nself.s = L.CosineAnnealingLR(opt, 10)\nlr = self.s.get_lr()\n",
            "from torch.optim import lr_scheduler as L\nself.s = L.CosineAnnealingLR(opt, 10)\nlr = self.s.get_last_lr()\n",
            id="aliased-attribute",
        ),
        keeps(
            "from torch.optim.lr_scheduler import _LRScheduler\nclass Warmup(_LRScheduler):\n    def step(self):\n        lrs = self.get_lr()\n",
            id="own-scheduler",
        ),
        keeps("lr = optimizer_helper.get_lr()\n", id="look-alike"),
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self.calls: List[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        method = _method(node)
        if method is not None and method[1] == "get_lr" and not node.args:
            self.calls.append(node)

    def leave_Module(self, original_node: cst.Module) -> None:
        for call in self.calls:
            method = _method(call)
            assert method is not None and isinstance(call.func, cst.Attribute)
            if self.is_scheduler(method[0]):
                era = self.context.source_era
                safety = Safety.SAFE if era is not None and era <= (1, 3) else Safety.UNSAFE
                self.report(call.func.attr, cst.Name("get_last_lr"), safety=safety)


# Legacy parameter lists that ended in `verbose` (1.x); ReduceLROnPlateau had it fifth.
_LEGACY_SCHEDULER_PARAMS: Dict[str, Tuple[str, ...]] = {
    _SCHED + "StepLR": ("optimizer", "step_size", "gamma", "last_epoch", "verbose"),
    _SCHED + "MultiStepLR": ("optimizer", "milestones", "gamma", "last_epoch", "verbose"),
    _SCHED + "ExponentialLR": ("optimizer", "gamma", "last_epoch", "verbose"),
    _SCHED + "CosineAnnealingLR": ("optimizer", "T_max", "eta_min", "last_epoch", "verbose"),
    _SCHED + "LambdaLR": ("optimizer", "lr_lambda", "last_epoch", "verbose"),
    _SCHED + "MultiplicativeLR": ("optimizer", "lr_lambda", "last_epoch", "verbose"),
    _SCHED + "CosineAnnealingWarmRestarts": ("optimizer", "T_0", "T_mult", "eta_min", "last_epoch", "verbose"),
    _SCHED + "ConstantLR": ("optimizer", "factor", "total_iters", "last_epoch", "verbose"),
    _SCHED + "LinearLR": ("optimizer", "start_factor", "end_factor", "total_iters", "last_epoch", "verbose"),
    _SCHED + "PolynomialLR": ("optimizer", "total_iters", "power", "last_epoch", "verbose"),
    _PLATEAU: (
        "optimizer", "mode", "factor", "patience", "verbose", "threshold", "threshold_mode", "cooldown", "min_lr", "eps",
    ),
}


class SchedulerVerbose(Rule):
    """`verbose=` on a scheduler, and `ReduceLROnPlateau`'s legacy positional order: drop `verbose`.

    What it does: removes the `verbose` argument (keyword, or positional where the legacy
    signature had it) of `torch.optim.lr_scheduler` constructors, turning the positional
    arguments after it into keywords (`ReduceLROnPlateau(opt, 'min', 0.5, 3, True, 1e-3)`
    becomes `ReduceLROnPlateau(opt, 'min', 0.5, 3, threshold=1e-3)`).
    Why: `verbose` was deprecated in 2.2 and is gone in 2.13 (`TypeError: ... unexpected
    keyword argument 'verbose'`). `ReduceLROnPlateau` took `verbose` fifth, so a legacy
    fifth positional `True` now silently lands on `threshold`.
    Example: `StepLR(opt, 30, verbose=True)` becomes `StepLR(opt, 30)`.
    Fix safety: safe for `verbose=False`; unsafe for `verbose=True` or a non-literal flag,
    since the lr-change messages are no longer printed. A fifth positional argument of
    `ReduceLROnPlateau` that is not a boolean literal is only reported (it may already be
    `threshold`).
    """

    code = "TM606"
    message = "schedulers no longer take `verbose` (torch 2.13); drop it and log `get_last_lr()` yourself"
    safety = Safety.SAFE
    triggers = ("lr_scheduler",)
    trigger_words = ("lr_scheduler",)
    changed_in = "2.2"
    examples = (
        fixes(
            "import torch.optim as optim\ns = optim.lr_scheduler.StepLR(opt, 30, gamma=0.1, verbose=False)\n",
            "import torch.optim as optim\ns = optim.lr_scheduler.StepLR(opt, 30, gamma=0.1)\n",
            id="keyword-false",
        ),
        fixes(
            "from torch.optim.lr_scheduler import ReduceLROnPlateau as RP\ns = RP(opt, 'min', 0.5, 3, True, 1e-3)\n",
            "from torch.optim.lr_scheduler import ReduceLROnPlateau as RP\ns = RP(opt, 'min', 0.5, 3, threshold=1e-3)\n",
            id="plateau-positional",
        ),
        fixes(
            "from torch.optim import lr_scheduler\ns = lr_scheduler.ReduceLROnPlateau(opt, mode='max', verbose=True)\n",
            "from torch.optim import lr_scheduler\ns = lr_scheduler.ReduceLROnPlateau(opt, mode='max')\n",
            id="verbose-true-unsafe",
        ),
        reports(
            "import torch\ns = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, 'min', 0.5, 3, flag)\n",
            id="non-literal-fifth",
        ),
        keeps("import torch\ns = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, 'min', 0.5, 3, 1e-3)\n", id="modern-threshold"),
        keeps("import argparse\np = argparse.ArgumentParser()\np.add_argument('--verbose', action='store_true')\nrun(verbose=True)\n", id="look-alike"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        name = self.context.qualified_name(node.func)
        if name is None or not name.startswith(_SCHED):
            return
        params = _LEGACY_SCHEDULER_PARAMS.get(name)
        verbose = find_keyword(node, "verbose")
        if verbose is None and params is not None and "verbose" in params:
            index = params.index("verbose")
            given = positional(node)
            if len(given) > index and len(node.args) >= index and node.args[index] is given[index]:
                verbose = given[index]
                value = literal(verbose.value)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    return  # a modern positional `threshold`
                if not isinstance(value, bool):
                    self.report(node, message=self.message + " (the argument in `verbose`'s legacy position is not a boolean: check it)")
                    return
        if verbose is None:
            return
        if any(a.star for a in node.args):
            return
        args: List[cst.Arg] = []
        after = False
        for index, arg in enumerate(node.args):
            if arg is verbose:
                after = True
                continue
            if after and arg.keyword is None:
                if params is None or index >= len(params):
                    self.report(node)
                    return
                arg = keyword_arg(params[index], arg.value, like=arg)
            args.append(arg)
        flag = literal(verbose.value)
        safety = Safety.SAFE if flag is False else Safety.UNSAFE
        message = self.message if flag is False else self.message + " (unsafe: the lr-change messages are no longer printed)"
        self.report(node, with_args(node, args), safety=safety, message=message)


class WeightNorm(Rule):
    """`torch.nn.utils.weight_norm`: use `torch.nn.utils.parametrizations.weight_norm`.

    What it does: replaces `weight_norm(m, name, dim)` with the parametrization-based
    `torch.nn.utils.parametrizations.weight_norm(m, name, dim)` and `remove_weight_norm(m,
    name)` with `torch.nn.utils.parametrize.remove_parametrizations(m, name)`.
    Why: torch 2.1 deprecated the hook-based implementation (`FutureWarning: torch.nn.utils.weight_norm
    is deprecated in favor of torch.nn.utils.parametrizations.weight_norm`).
    Example: `self.conv = weight_norm(nn.Conv1d(4, 8, 3))` becomes
    `self.conv = torch.nn.utils.parametrizations.weight_norm(nn.Conv1d(4, 8, 3))`.
    Fix safety: unsafe: forward results are identical and old state dicts still load, but
    the parameters are renamed (`weight_g`/`weight_v` become
    `parametrizations.weight.original0`/`original1`), so code that touches them by name breaks:
    such reads are reported, before and after the fix.
    """

    code = "TM607"
    message = "`{old}` is deprecated; use `{new}`"
    safety = Safety.UNSAFE
    triggers = ("weight_norm",)
    trigger_words = ("weight_norm", "remove_weight_norm")
    # the modern `parametrizations.weight_norm` is never one of `_NEW`, whatever canonical prefix
    # it follows; with it, only reads of the hook-based parameters are reported
    trigger_regex = r"\b(?:remove_)?weight_norm\b(?<!parametrizations\.weight_norm)|\.\s*weight_[gv]\b"
    changed_in = "2.1"
    requires = "2.1"
    _NEW = {
        "torch.nn.utils.weight_norm": "torch.nn.utils.parametrizations.weight_norm",
        "torch.nn.utils.weight_norm.weight_norm": "torch.nn.utils.parametrizations.weight_norm",
        "torch.nn.utils.remove_weight_norm": "torch.nn.utils.parametrize.remove_parametrizations",
        "torch.nn.utils.weight_norm.remove_weight_norm": "torch.nn.utils.parametrize.remove_parametrizations",
    }
    # the hook-based version's parameters and where the parametrization keeps them
    _HOOK_PARAMETERS = {"weight_g": "parametrizations.weight.original0", "weight_v": "parametrizations.weight.original1"}
    examples = (
        fixes(
            "import torch.nn as nn\nconv = nn.utils.weight_norm(nn.Conv1d(4, 8, 3))\nprint(conv.weight_g.norm())\n",
            "import torch.nn as nn\nconv = nn.utils.parametrizations.weight_norm(nn.Conv1d(4, 8, 3))\nprint(conv.weight_g.norm())\n",
            id="hook-parameter-read-reported",
        ),
        fixes(
            "import torch.nn as nn\nconv = nn.utils.weight_norm(nn.Conv1d(4, 8, 3), name='weight')\n",
            "import torch.nn as nn\nconv = nn.utils.parametrizations.weight_norm(nn.Conv1d(4, 8, 3), name='weight')\n",
            id="nn-utils",
        ),
        fixes(
            "from torch.nn.utils import weight_norm as wn, remove_weight_norm\nlayer = wn(lin)\nremove_weight_norm(layer)\n",
            "import torch\n\nlayer = torch.nn.utils.parametrizations.weight_norm(lin)\ntorch.nn.utils.parametrize.remove_parametrizations(layer, 'weight')\n",
            id="aliased-from-import",
        ),
        keeps("def weight_norm(m):\n    return m\nlayer = weight_norm(lin)\n", id="own-function"),
        keeps("import torch\nlayer = torch.nn.utils.parametrizations.weight_norm(lin)\n", id="modern"),
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self.rewritten = False
        self.parameter_uses: List[cst.Attribute] = []

    def visit_Call(self, node: cst.Call) -> None:
        old = self.context.qualified_name(node.func)
        if old == "torch.nn.utils.parametrizations.weight_norm":
            self.rewritten = True  # already migrated: its `weight_g` reads are still wrong
        new = self._NEW.get(old or "")
        if new is None or any(a.star for a in node.args):
            return
        replacement, imports = self.context.reference(new)
        args = list(node.args)
        if new.endswith("remove_parametrizations"):
            bound = bind(node, ("module", "name"))
            if bound is None or "module" not in bound:
                return
            name_arg = bound.get("name")
            name_value = name_arg.value if name_arg is not None else string("weight")
            args = [bound["module"].with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT), cst.Arg(name_value)]
        binding = self.context.names.binding_of(node.func)
        releases = (binding,) if binding and binding != "torch" and self.context.names.bindings[binding].obj else ()
        message = self.message.format(old=old.rsplit(".", 1)[-1], new=new)  # type: ignore[union-attr]
        self.report(node, with_args(node.with_changes(func=replacement), args), imports=imports, releases=releases, message=message)
        self.rewritten = True

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value in self._HOOK_PARAMETERS:
            self.parameter_uses.append(node)

    def leave_Module(self, original_node: cst.Module) -> None:
        if not self.rewritten:
            return
        for use in self.parameter_uses:
            new = self._HOOK_PARAMETERS[use.attr.value]  # type: ignore[index]
            self.report(
                use,
                message=f"`.{use.attr.value}` does not exist with the parametrized `weight_norm`; use `.{new}` (check by hand)",
            )


class TorchLoadWeightsOnly(Rule):
    """`torch.load(f)` in code written before torch 2.6: pass `weights_only=False`.

    What it does: adds `weights_only=False` to `torch.load` calls that do not set it, in
    files whose source era is at most 2.5.
    Why: torch 2.6 changed the default to `weights_only=True`; checkpoints holding a pickled
    `nn.Module`, numpy scalars or an `argparse.Namespace` then fail with
    `UnpicklingError: Weights only load failed`.
    Example: `model = torch.load('model.pt')` becomes
    `model = torch.load('model.pt', weights_only=False)`.
    Fix safety: safe: it restores the full unpickling every release before 2.6 did. Only
    load files you trust; switch to `weights_only=True` where the file holds only tensors.
    """

    code = "TM608"
    message = "`torch.load` defaults to `weights_only=True` since torch 2.6; pass `weights_only=False` for trusted legacy checkpoints"
    safety = Safety.SAFE
    triggers = ("load",)
    trigger_words = ("load",)
    trigger_regex = literal_first(rx_torch_function(("load",)))
    changed_in = "2.6"
    source_eras = (None, "2.5")
    example_era = "0.4"
    requires = "1.13"
    examples = (
        fixes(
            "import torch\nstate = torch.load(path, map_location=lambda storage, loc: storage)\n",
            "import torch\nstate = torch.load(path, map_location=lambda storage, loc: storage, weights_only=False)\n",
            id="map-location",
        ),
        fixes(
            "from torch import load as tload\nmodel = tload('model.pt')\n",
            "from torch import load as tload\nmodel = tload('model.pt', weights_only=False)\n",
            id="aliased",
        ),
        keeps("import numpy as np\nimport pickle\na = np.load('a.npy')\nb = pickle.load(f)\n", id="look-alike"),
        keeps("import torch\nsd = torch.load(path, weights_only=True)\n", id="explicit"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if self.context.qualified_name(node.func) != "torch.load":
            return
        if find_keyword(node, "weights_only") is not None or any(a.star == "**" for a in node.args):
            return
        self.report(node, with_args(node, [*node.args, keyword_arg("weights_only", cst.Name("False"))]))


# (method or qualified function, positional arity) -> order of the modern call:
# indexes of positionals kept, then (keyword, index) pairs.
_OVERLOADS: Dict[Tuple[str, int], Tuple[Tuple[int, ...], Tuple[Tuple[str, int], ...]]] = {}
for _name in ("add", "sub"):
    for _suffix in ("", "_"):
        _OVERLOADS[("." + _name + _suffix, 2)] = ((1,), (("alpha", 0),))
    _OVERLOADS[("torch." + _name, 3)] = ((0, 2), (("alpha", 1),))
for _name in ("addcmul", "addcdiv"):
    for _suffix in ("", "_"):
        _OVERLOADS[("." + _name + _suffix, 3)] = ((1, 2), (("value", 0),))
    _OVERLOADS[("torch." + _name, 4)] = ((0, 2, 3), (("value", 1),))
for _name in ("addmm", "addmv", "addr", "baddbmm", "addbmm"):
    for _suffix in ("", "_"):
        _OVERLOADS[("." + _name + _suffix, 4)] = ((2, 3), (("beta", 0), ("alpha", 1)))
        _OVERLOADS[("." + _name + _suffix, 3)] = ((1, 2), (("beta", 0),))
    _OVERLOADS[("torch." + _name, 5)] = ((1, 3, 4), (("beta", 0), ("alpha", 2)))
    _OVERLOADS[("torch." + _name, 4)] = ((1, 2, 3), (("beta", 0),))


_FUNCTIONS = tuple(sorted({name.split(".")[-1] for name, _ in _OVERLOADS if name.startswith("torch.")}))
_SCALED = tuple(sorted({name.lstrip(".") for name, _ in _OVERLOADS if name.startswith(".")} - {"add", "add_", "sub", "sub_"}))


def _is_number_expression(node: cst.BaseExpression) -> bool:
    """A numeric literal, or arithmetic of numeric literals."""
    if isinstance(node, (cst.Integer, cst.Float)):
        return True
    if isinstance(node, cst.UnaryOperation):
        return _is_number_expression(node.expression)
    if isinstance(node, cst.BinaryOperation):
        return _is_number_expression(node.left) and _is_number_expression(node.right)
    return False


def _touches_tensor_data(node: cst.BaseExpression) -> bool:
    """`p.data`, `p.grad`, `p.grad.data` anywhere in the receiver chain."""
    while isinstance(node, (cst.Attribute, cst.Call, cst.Subscript)):
        if isinstance(node, cst.Attribute):
            if node.attr.value in ("data", "grad"):
                return True
            node = node.value
        elif isinstance(node, cst.Call):
            node = node.func
        else:
            node = node.value
    return False


class ScalarFirstOverload(Rule):
    """`p.data.add_(-lr, d_p)`: the scalar goes last as a keyword (`add_(d_p, alpha=-lr)`).

    What it does: rewrites the deprecated scalar-first overloads of `add`/`sub`
    (`alpha`), `addcmul`/`addcdiv` (`value`) and `addmm`/`addmv`/`addr`/`baddbmm`/`addbmm`
    (`beta`, `alpha`), as methods (in place or not) and as `torch.` functions, moving the
    scalars to keywords after the tensors.
    Why: torch 1.5 deprecated them (`This overload of add_ is deprecated: add_(Number alpha,
    Tensor other)`); they are the update lines of every hand-written optimizer of the 0.x era.
    Example: `exp_avg_sq.mul_(beta2).addcmul_(1 - beta2, grad, grad)` becomes
    `exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)`.
    Fix safety: safe: the modern signatures take tensors positionally and the scalars only as
    keywords, so a call that ran with this many positional arguments can only have meant
    the legacy overload, and the result is the same computation. Unsafe when the moved
    argument calls something (evaluation order changes) and for `.add(a, b)`/`.sub(a, b)`
    on receivers not known to be tensors (`pattern.sub(repl, text)` looks the same).
    """

    code = "TM609"
    message = "scalar-first `{name}` overloads are deprecated since torch 1.5; pass the scalar as `{keywords}=`"
    safety = Safety.SAFE
    triggers = ("add_(", "sub_(", ".add(", ".sub(", "torch.add(", "torch.sub(", "addc", "addmm", "addmv", "addr", "addbmm")
    trigger_words = tuple(sorted({name.lstrip(".").rsplit(".", 1)[-1] for name, _ in _OVERLOADS}))
    trigger_regex = literal_first("|".join(
        (
            # `.add_(s, t)`: exactly two arguments, none a keyword
            rx_method_call(("add_", "sub_"), args=-2, keywords=False),
            # `.add(s, t)` on `p.data`/`p.grad` (the receiver chain ends in `)`/`]` or holds
            # `data`/`grad`), or with a numeric first argument
            # (one branch per first character: see `literal_first`)
            *(
                receiver + GAP + rx_method_call(("add", "sub"), args=-2, keywords=False)
                for receiver in (r"\)", r"\]", r"\bdata(?:" + DOT + r"\w+)*", r"\bgrad(?:" + DOT + r"\w+)*")
            ),
            rx_attribute(("add", "sub")) + GAP + r"\((?=(?:[\s\\(+~-]|#[^\n]*\n)*\.?\d)" + rx_args(-2, keywords=False),
            # `torch.add(a, s, b)`, `th.add(...)`, `from torch import add`
            r"\btorch" + DOT + rx_words(("add", "sub")) + r"\b" + rx_call(3, keywords=False),
            r"\btorch" + SPACE + r"as\b",
            rx_method_call(_SCALED, args=2, keywords=False),
            rx_from_import("torch", _FUNCTIONS),
            rx_star_import("torch"),
        )
    ))
    changed_in = "1.5"
    examples = (
        fixes(
            "for p in group['params']:\n    p.data.add_(-group['lr'], p.grad.data)\n",
            "for p in group['params']:\n    p.data.add_(p.grad.data, alpha=-group['lr'])\n",
            id="sgd",
        ),
        fixes(
            "exp_avg_sq.mul_(beta2).addcmul_(1 - beta2, grad, grad)\np.data.addcdiv_(-step_size, exp_avg, denom)\n",
            "exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)\np.data.addcdiv_(exp_avg, denom, value=-step_size)\n",
            id="adam",
        ),
        fixes(
            "import torch as T\ny = T.addmm(0.5, bias, 2, x, w)\nz = T.add(a, 3, b)\n",
            "import torch as T\ny = T.addmm(bias, x, w, beta=0.5, alpha=2)\nz = T.add(a, b, alpha=3)\n",
            id="aliased-torch-functions",
        ),
        fixes("h = buf.data.sub(lr, g)\n", "h = buf.data.sub(g, alpha=lr)\n", id="non-inplace-on-data"),
        keeps("import re\nword = pattern.sub(repl, text)\ns.add(item)\n", id="regex-look-alike"),
        keeps("p.data.add_(d_p, alpha=-lr)\nimport torch\nz = torch.add(a, b)\n", id="modern"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if any(a.keyword is not None or a.star for a in node.args):
            return
        arity = len(node.args)
        qualified = self.context.qualified_name(node.func)
        method = node.func.attr.value if isinstance(node.func, cst.Attribute) else None
        key: Optional[Tuple[str, int]] = None
        if qualified is not None and (qualified, arity) in _OVERLOADS:
            key = (qualified, arity)
        elif method is not None and qualified is None and ("." + method, arity) in _OVERLOADS:
            key = ("." + method, arity)
        if key is None:
            return
        kept, moved = _OVERLOADS[key]
        values = [a.value for a in node.args]
        moved_values = [values[i] for i in (index for _, index in moved)]
        if key[0] in (".add", ".sub") and not (_touches_tensor_data(node.func) or all(_is_number_expression(v) for v in moved_values)):
            return
        args = [cst.Arg(values[i]) for i in kept] + [keyword_arg(name, values[index]) for name, index in moved]
        unsafe = key[0] in (".add", ".sub") or any(_has_call(v) for v in moved_values)
        message = self.message.format(name=key[0].lstrip("."), keywords="=, ".join(name for name, _ in moved))
        self.report(node, with_args(node, args), safety=Safety.UNSAFE if unsafe else Safety.SAFE, message=message)


class TensorDatasetKeywords(Rule):
    """`TensorDataset(data_tensor=x, target_tensor=y)`: pass the tensors positionally.

    What it does: turns the 0.3 keyword arguments of `torch.utils.data.TensorDataset` into
    positional arguments, data first.
    Why: torch 0.4 made `TensorDataset(*tensors)` take any number of tensors; the keywords
    raise `TypeError: ... unexpected keyword argument 'data_tensor'`.
    Example: `TensorDataset(data_tensor=X, target_tensor=y)` becomes `TensorDataset(X, y)`.
    Fix safety: safe: the same two tensors in the same order.
    """

    code = "TM610"
    message = "`TensorDataset` takes its tensors positionally since torch 0.4"
    safety = Safety.SAFE
    triggers = ("data_tensor", "target_tensor")
    trigger_words = ("data_tensor", "target_tensor")
    trigger_regex = r"\b(?:data|target)_tensor" + GAP + r"=(?!=)"  # reported only with one of the keywords
    changed_in = "0.4"
    examples = (
        fixes(
            "import torch.utils.data as data_utils\nds = data_utils.TensorDataset(data_tensor=X, target_tensor=y)\n",
            "import torch.utils.data as data_utils\nds = data_utils.TensorDataset(X, y)\n",
            id="module-alias",
        ),
        fixes(
            "from torch.utils.data import TensorDataset as TD\nds = TD(target_tensor=labels, data_tensor=feats)\n",
            "from torch.utils.data import TensorDataset as TD\nds = TD(feats, labels)\n",
            id="aliased-reordered",
        ),
        keeps("class TensorDataset:\n    def __init__(self, data_tensor):\n        pass\nds = TensorDataset(data_tensor=x)\n", id="own-class"),
        keeps("from torch.utils.data import TensorDataset\nds = TensorDataset(X, y)\n", id="modern"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        name = self.context.qualified_name(node.func)
        if name not in ("torch.utils.data.TensorDataset", "torch.utils.data.dataset.TensorDataset"):
            return
        data = find_keyword(node, "data_tensor")
        target = find_keyword(node, "target_tensor")
        if data is None and target is None:
            return
        if len(node.args) != (data is not None) + (target is not None):
            self.report(node)
            return
        args = [cst.Arg(a.value) for a in (data, target) if a is not None]
        self.report(node, with_args(node, args))


# torch._six names (1.x, Python 3) -> (replacement expression, import it needs)
_SIX: Dict[str, Tuple[str, Optional[Import]]] = {
    "string_classes": ("(str, bytes)", None),
    "int_classes": ("int", None),
    "inf": ("math.inf", Import("math")),
    "nan": ("math.nan", Import("math")),
    "container_abcs": ("collections.abc", Import("collections.abc")),
    "PY2": ("False", None),
    "PY3": ("True", None),
    "PY37": ("True", None),
    "FileNotFoundError": ("FileNotFoundError", None),
    "queue": ("queue", Import("queue")),
}


class TorchSix(Rule):
    """`from torch._six import string_classes, inf, ...`: use the builtins and standard library.

    What it does: removes `from torch._six import ...` and replaces each use:
    `string_classes` by `(str, bytes)`, `int_classes` by `int`, `inf`/`nan` by
    `math.inf`/`math.nan`, `container_abcs` by `collections.abc`, `PY3`/`PY37` by `True`,
    `PY2` by `False`; `torch._six.X` attribute uses likewise.
    Why: `torch._six` was the Python 2/3 compatibility shim; torch 2.0 removed it
    (`ModuleNotFoundError: No module named 'torch._six'`).
    Example: `isinstance(x, string_classes)` becomes `isinstance(x, (str, bytes))`.
    Fix safety: safe: these are the values the shim held on Python 3. Imports of other
    names (`with_metaclass`, ...) or names the file rebinds are only reported.
    """

    code = "TM611"
    message = "`torch._six` was removed in torch 2.0; use the builtins and the standard library"
    safety = Safety.SAFE
    triggers = ("_six",)
    trigger_words = ("_six",)
    changed_in = "2.0"
    examples = (
        fixes(
            "from torch._six import string_classes, inf\nif isinstance(x, string_classes):\n    best = inf\n",
            "import math\n\nif isinstance(x, (str, bytes)):\n    best = math.inf\n",
            id="from-import",
        ),
        fixes(
            "import torch\nfrom torch._six import container_abcs as abcs, int_classes\nok = isinstance(b, abcs.Mapping) or isinstance(n, int_classes)\n",
            "import torch\nimport collections.abc\n\nok = isinstance(b, collections.abc.Mapping) or isinstance(n, int)\n",
            id="aliased",
        ),
        reports("from torch._six import with_metaclass\nclass A(with_metaclass(M)):\n    pass\n", id="unmapped"),
        keeps("import six\nfrom six import string_types\nok = isinstance(x, string_types)\n", id="six-look-alike"),
        keeps("import math\nbest = math.inf\n", id="modern"),
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self.imports: List[cst.ImportFrom] = []
        self.uses: List[Tuple[cst.BaseExpression, str]] = []
        self.skip: Set[int] = set()
        self.rebound: Set[str] = set()
        self.in_import = 0
        self.lines: Dict[int, cst.SimpleStatementLine] = {}

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        for small in node.body:
            self.lines[id(small)] = node

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self.in_import += 1
        module = dotted(node.module) if node.module is not None and not node.relative else None
        if module == "torch._six":
            self.imports.append(node)

    def leave_ImportFrom(self, original_node: cst.ImportFrom) -> None:
        self.in_import -= 1

    def visit_Import(self, node: cst.Import) -> None:
        self.in_import += 1
        for alias in node.names:
            if dotted(alias.name) == "torch._six":
                self.report(node, message=self.message + " (replace `torch._six` uses by hand)")

    def leave_Import(self, original_node: cst.Import) -> None:
        self.in_import -= 1

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.skip.add(id(node.attr))
        if self.in_import or id(node) in self.skip:
            return
        name = self.context.qualified_name(node)
        if name and name.startswith("torch._six.") and name[len("torch._six.") :] in _SIX:
            self.uses.append((node, name[len("torch._six.") :]))
            self.skip.add(id(node.value))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.skip.add(id(node.keyword))

    def visit_Param(self, node: cst.Param) -> None:
        self.rebound.add(node.name.value)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._rebinds(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._rebinds(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._rebinds(node.target)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.rebound.add(node.name.value)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.rebound.add(node.name.value)

    def _rebinds(self, target: cst.BaseExpression) -> None:
        self.rebound.update(n.value for n in iter_code(target) if type(n) is cst.Name)  # type: ignore[attr-defined]

    def visit_Name(self, node: cst.Name) -> None:
        if self.in_import or id(node) in self.skip:
            return
        binding = self.context.names.bindings.get(node.value)
        if binding is not None and binding.module == "torch._six" and binding.obj in _SIX:
            self.uses.append((node, binding.obj))

    def leave_Module(self, original_node: cst.Module) -> None:
        if not self.imports and not self.uses:
            return
        for node in self.imports:
            names = node.names
            mapped = not isinstance(names, cst.ImportStar) and all(
                dotted(alias.name) in _SIX
                and (dotted(alias.asname.name) if alias.asname else dotted(alias.name)) not in self.rebound  # type: ignore[union-attr]
                for alias in names  # type: ignore[union-attr]
            )
            if not mapped:
                self.report(node, message=self.message + " (replace these names by hand)")
                return
            line = self.lines.get(id(node))
            if line is not None and len(line.body) > 1:
                # `import os; from torch._six import inf`: drop it and the separator it leaves behind
                rest = [small for small in line.body if small is not node]
                rest[-1] = rest[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
                self.report(line, line.with_changes(body=rest), position_node=node)
            else:
                self.report(node, cst.RemovalSentinel.REMOVE)
        for use, name in self.uses:
            text, needed = _SIX[name]
            self.report(use, cst.parse_expression(text), imports=(needed,) if needed else ())


# Removed modules -> what to use instead.
_REMOVED = (
    ("torch.utils.ffi", "`torch.utils.ffi` was removed in torch 1.0; build extensions with `torch.utils.cpp_extension`"),
    ("torch.legacy", "`torch.legacy` (Lua-torch style `nn`/`optim`) was removed in torch 1.0; use `torch.nn` and `torch.optim`"),
    ("torch.utils.serialization.load_lua", "`torch.utils.serialization.load_lua` was removed in torch 1.0; convert `.t7` files with an older torch or the `torchfile` package"),
    ("torch.nn._functions", "`torch.nn._functions` is internal and was removed; use `torch.nn.functional` or a custom `torch.autograd.Function`"),
)


class RemovedModule(Rule):
    """`torch.utils.ffi`, `torch.legacy`, `load_lua`, `torch.nn._functions`: removed, no drop-in replacement.

    What it does: reports imports of modules that torch 1.0 removed.
    Why: they raise `ModuleNotFoundError` (`ImportError` for `load_lua`) on current torch.
    Example: `from torch.utils.ffi import create_extension` is reported with the pointer to
    `torch.utils.cpp_extension`.
    Fix safety: report only: each needs a rewrite by hand (a C++ extension, the `torch.nn`
    module, a converted data file).
    """

    code = "TM612"
    message = "this torch module was removed in torch 1.0"
    safety = Safety.NONE
    triggers = ("ffi", "legacy", "load_lua", "_functions")
    trigger_words = ("ffi", "legacy", "load_lua", "_functions")  # the last part of every removed module
    # imports only, spelled as written (no alias resolution): `import torch.utils.ffi`,
    # `from torch.utils.serialization import ...`, `from torch.utils import ffi`, ...
    trigger_regex = literal_first("|".join(
        (
            r"\btorch" + DOT + r"(?:legacy|utils" + DOT + r"(?:ffi|serialization)|nn" + DOT + r"_functions)\b",
            rx_from_import(r"torch(?:[\s\\]*\.[\s\\]*(?:utils|nn))?", ("ffi", "legacy", "_functions")),
        )
    ))
    changed_in = "1.0"
    examples = (
        reports("from torch.utils.ffi import create_extension\nffi = create_extension('_ext', headers=[])\n", id="ffi"),
        reports("import torch.legacy.nn as lnn\nm = lnn.Linear(3, 4)\n", id="aliased-legacy"),
        reports("from torch.utils.serialization import load_lua\nnet = load_lua('model.t7')\n", id="load-lua"),
        reports("from torch.nn._functions.thnn import rnnFusedPointwise as fusedBackend\n", id="nn-functions"),
        keeps("import cffi\nffi = cffi.FFI()\nfrom mypkg.legacy import nn\n", id="look-alike"),
        keeps("from torch.utils.cpp_extension import load\n", id="modern"),
    )

    def visit_Import(self, node: cst.Import) -> None:
        self._check(node, [dotted(alias.name) or "" for alias in node.names])

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None:
            return
        module = dotted(node.module) or ""
        names = [module]
        if not isinstance(node.names, cst.ImportStar):
            names += [f"{module}.{dotted(alias.name)}" for alias in node.names]
        self._check(node, names)

    def _check(self, node: cst.CSTNode, modules: Sequence[str]) -> None:
        for module in modules:
            for prefix, message in _REMOVED:
                if module == prefix or module.startswith(prefix + "."):
                    self.report(node, message=message)
                    return


class CheckpointReentrant(Rule):
    """`checkpoint(fn, *args)` without `use_reentrant`: pass `use_reentrant=True`.

    What it does: adds `use_reentrant=True` to `torch.utils.checkpoint.checkpoint` and
    `checkpoint_sequential` calls that do not set it.
    Why: torch 2.1 started warning that `use_reentrant` must be passed explicitly
    (2.13: `the use_reentrant parameter should be passed explicitly`) and announces an
    error; every 1.x release used the reentrant implementation.
    Example: `h = checkpoint(self.block, h)` becomes `h = checkpoint(self.block, h, use_reentrant=True)`.
    Fix safety: safe: when the argument is omitted torch still runs the reentrant variant;
    passing it explicitly changes nothing but the warning. (`use_reentrant=False` is the
    recommended variant; switching is a separate decision.)
    """

    code = "TM613"
    message = "`checkpoint` without `use_reentrant` is deprecated; pass `use_reentrant=True` (the 1.x behaviour)"
    safety = Safety.SAFE
    triggers = ("checkpoint",)
    trigger_words = ("checkpoint", "checkpoint_sequential")
    trigger_regex = literal_first("|".join(
        (
            # a call without `use_reentrant=` (a simple argument list that has it is left out)
            rx_attribute(("checkpoint", "checkpoint_sequential")) + GAP
            + r"(?:(?:\)" + GAP + r")+\(|\((?![^()\[\]{}'\"#:]*\buse_reentrant" + GAP + r"=(?!=)[^()\[\]{}'\"#:]*\)))",
            rx_from_import(rx_module("torch.utils.checkpoint"), ("checkpoint", "checkpoint_sequential")),
            rx_star_import(rx_module("torch.utils.checkpoint")),
        )
    ))
    changed_in = "2.1"
    requires = "1.11"
    examples = (
        fixes(
            "from torch.utils.checkpoint import checkpoint\nh = checkpoint(self.block, h, mask)\n",
            "from torch.utils.checkpoint import checkpoint\nh = checkpoint(self.block, h, mask, use_reentrant=True)\n",
            id="from-import",
        ),
        fixes(
            "import torch.utils.checkpoint as cp\ny = cp.checkpoint_sequential(self.layers, 2, x)\nz = cp.checkpoint(f, *inputs)\n",
            "import torch.utils.checkpoint as cp\ny = cp.checkpoint_sequential(self.layers, 2, x, use_reentrant=True)\nz = cp.checkpoint(f, *inputs, use_reentrant=True)\n",
            id="aliased-module",
        ),
        keeps("torch.save(model.state_dict(), 'checkpoint.pt')\ncheckpoint = load_checkpoint(path)\n", id="look-alike"),
        keeps("from torch.utils.checkpoint import checkpoint\nh = checkpoint(block, h, use_reentrant=False)\n", id="explicit"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        name = self.context.qualified_name(node.func)
        if name not in ("torch.utils.checkpoint.checkpoint", "torch.utils.checkpoint.checkpoint_sequential"):
            return
        if find_keyword(node, "use_reentrant") is not None or any(a.star == "**" for a in node.args):
            return
        self.report(node, with_args(node, [*node.args, keyword_arg("use_reentrant", cst.Name("True"))]))


_AMP = {
    "torch.cuda.amp.autocast": ("torch.amp.autocast", ("enabled", "dtype", "cache_enabled")),
    "torch.cuda.amp.autocast_mode.autocast": ("torch.amp.autocast", ("enabled", "dtype", "cache_enabled")),
    "torch.cuda.amp.GradScaler": ("torch.amp.GradScaler", ("init_scale", "growth_factor", "backoff_factor", "growth_interval", "enabled")),
    "torch.cuda.amp.grad_scaler.GradScaler": ("torch.amp.GradScaler", ("init_scale", "growth_factor", "backoff_factor", "growth_interval", "enabled")),
    "torch.cuda.amp.custom_fwd": ("torch.amp.custom_fwd", ("fwd",)),
    "torch.cuda.amp.custom_bwd": ("torch.amp.custom_bwd", ("bwd",)),
}


class CudaAmp(Rule):
    """`torch.cuda.amp.autocast()` / `GradScaler()` / `custom_fwd`: use `torch.amp` with `'cuda'`.

    What it does: `torch.cuda.amp.autocast(...)` becomes `torch.amp.autocast('cuda', ...)`,
    `torch.cuda.amp.GradScaler(...)` becomes `torch.amp.GradScaler('cuda', ...)`, and the
    `custom_fwd`/`custom_bwd` decorators gain `device_type='cuda'`; positional arguments
    of `autocast` become keywords (its order differs).
    Why: torch 2.4 deprecated the CUDA-specific spellings (`FutureWarning:
    torch.cuda.amp.autocast(args...) is deprecated. Please use torch.amp.autocast('cuda', args...)`).
    Example: `with torch.cuda.amp.autocast(enabled=use_amp):` becomes
    `with torch.amp.autocast('cuda', enabled=use_amp):`.
    Fix safety: safe: the deprecated classes are thin subclasses that pass `'cuda'` and the
    same arguments to the `torch.amp` ones.
    """

    code = "TM614"
    message = "`torch.cuda.amp.{old}` is deprecated; use `torch.amp.{old}` with the device `'cuda'`"
    safety = Safety.SAFE
    triggers = ("cuda.amp",)
    trigger_words = tuple(sorted({name.rsplit(".", 1)[-1] for name in _AMP}))
    trigger_regex = literal_first("|".join(
        (
            r"\bcuda" + DOT + r"amp\b",  # `torch.cuda.amp.X`, `from torch.cuda.amp import X`
            rx_from_import(rx_module("torch.cuda"), ("amp",)),  # `from torch.cuda import amp [as A]`
            rx_star_import(rx_module("torch.cuda")),  # then `amp.X`
            r"\btorch" + DOT + r"cuda" + SPACE + r"as\b",  # `import torch.cuda as C; C.amp.X`
            rx_from_import("torch", ("cuda",)),  # `from torch import cuda as C`
        )
    ))
    changed_in = "2.4"
    requires = "2.4"
    examples = (
        fixes(
            "import torch\nscaler = torch.cuda.amp.GradScaler()\nwith torch.cuda.amp.autocast(enabled=use_amp):\n    y = model(x)\n",
            "import torch\nscaler = torch.amp.GradScaler('cuda')\nwith torch.amp.autocast('cuda', enabled=use_amp):\n    y = model(x)\n",
            id="full-path",
        ),
        fixes(
            "from torch.cuda.amp import autocast as ac, custom_fwd\nwith ac(False):\n    pass\n@custom_fwd\ndef forward(ctx, x):\n    return x\n",
            "import torch\n\nwith torch.amp.autocast('cuda', enabled=False):\n    pass\n@torch.amp.custom_fwd(device_type='cuda')\ndef forward(ctx, x):\n    return x\n",
            id="aliased-from-import",
        ),
        keeps("import torch\nwith torch.amp.autocast('cuda'):\n    pass\n", id="modern"),
        keeps("from apex import amp\nwith amp.scale_loss(loss, opt) as scaled:\n    scaled.backward()\n", id="apex-look-alike"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        old = self.context.qualified_name(node.func)
        if old not in _AMP or any(a.star for a in node.args):
            return
        new, params = _AMP[old]  # type: ignore[index]
        if len(node.args) > len(params):
            return
        replacement, imports = self.context.reference(new)
        args = [keyword_arg(params[i], a.value, like=a) if a.keyword is None else a for i, a in enumerate(node.args)]
        if new.endswith(("custom_fwd", "custom_bwd")):
            # `custom_fwd(forward)` called as a function: the function stays positional
            args = [cst.Arg(a.value) if a.keyword is not None and a.keyword.value in ("fwd", "bwd") else a for a in args]
            args.append(keyword_arg("device_type", string("cuda")))
        else:
            args.insert(0, cst.Arg(string("cuda")))
        self._report(node, node.func, with_args(node.with_changes(func=replacement), args), imports, old)  # type: ignore[arg-type]

    def visit_Decorator(self, node: cst.Decorator) -> None:
        old = self.context.qualified_name(node.decorator)
        if old not in ("torch.cuda.amp.custom_fwd", "torch.cuda.amp.custom_bwd"):
            return
        replacement, imports = self.context.reference(_AMP[old][0])  # type: ignore[index]
        call = cst.Call(func=replacement, args=[keyword_arg("device_type", string("cuda"))])
        self._report(node.decorator, node.decorator, call, imports, old)  # type: ignore[arg-type]

    def _report(self, node: cst.CSTNode, func: cst.BaseExpression, replacement: cst.CSTNode, imports, old: str) -> None:
        binding = self.context.names.binding_of(func)
        releases = (binding,) if binding and self.context.names.bindings[binding].obj else ()
        message = self.message.format(old=old.rsplit(".", 1)[-1])
        self.report(node, replacement, imports=imports, releases=releases, message=message)



class BackwardHook(Rule):
    """`module.register_backward_hook(fn)`: use `register_full_backward_hook(fn)`.

    What it does: renames the method.
    Why: torch 1.8 deprecated the non-full hook; it only sees the gradients of the last
    operation of the module's forward (`FutureWarning: Using a non-full backward hook when
    the forward contains multiple autograd Nodes is deprecated`).
    Example: `net.fc.register_backward_hook(save_grad)` becomes
    `net.fc.register_full_backward_hook(save_grad)`.
    Fix safety: unsafe: the full hook receives the gradients of the module's inputs and
    outputs, which differ from what the legacy hook saw for modules with several operations
    (and it may not modify its inputs in place).
    """

    code = "TM615"
    message = "`register_backward_hook` is deprecated; use `register_full_backward_hook` (it sees the module's real input gradients)"
    safety = Safety.UNSAFE
    triggers = ("register_backward_hook",)
    trigger_words = ("register_backward_hook",)
    trigger_regex = rx_attribute(("register_backward_hook",))
    changed_in = "1.8"
    requires = "1.8"
    examples = (
        fixes("h = model.fc.register_backward_hook(save_grad)\n", "h = model.fc.register_full_backward_hook(save_grad)\n", id="method"),
        fixes(
            "for m in net.modules():\n    m.register_backward_hook(lambda mod, gi, go: print(go[0].norm()))\n",
            "for m in net.modules():\n    m.register_full_backward_hook(lambda mod, gi, go: print(go[0].norm()))\n",
            id="in-loop",
        ),
        keeps("x.register_hook(lambda g: g * 2)\n", id="tensor-hook"),
        keeps("def register_backward_hook(m, fn):\n    pass\nregister_backward_hook(model, fn)\n", id="own-function"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "register_backward_hook":
            self.report(node.func.attr, cst.Name("register_full_backward_hook"))


class StateDictPositional(Rule):
    """`module.state_dict(destination, prefix)`: pass the arguments as keywords.

    What it does: turns positional arguments of `.state_dict(...)` into the keywords
    `destination`, `prefix`, `keep_vars`.
    Why: torch 1.12 deprecated positional arguments (`FutureWarning: Positional args are
    being deprecated, use kwargs instead`).
    Example: `self.state_dict(dest, prefix + 'enc.')` becomes
    `self.state_dict(destination=dest, prefix=prefix + 'enc.')`.
    Fix safety: safe: the parameter order has not changed since 0.1.
    """

    code = "TM616"
    message = "positional arguments to `state_dict` are deprecated; pass `destination=`, `prefix=`, `keep_vars=`"
    safety = Safety.SAFE
    triggers = ("state_dict(",)
    trigger_words = ("state_dict",)
    # a positional argument: the first one is neither a keyword nor `*`/`**` (keywords come last)
    trigger_regex = rx_attribute(("state_dict",)) + GAP + r"(?:\)|\((?!" + GAP + r"(?:\)|\*|\w+" + GAP + r"=(?!=))))"
    changed_in = "1.12"
    examples = (
        fixes(
            "sd = self.encoder.state_dict(dest, prefix + 'enc.')\n",
            "sd = self.encoder.state_dict(destination=dest, prefix=prefix + 'enc.')\n",
            id="two",
        ),
        fixes(
            "import torch.nn as nn\nnet = nn.Linear(2, 2)\nsd = net.state_dict(None, '', True)\n",
            "import torch.nn as nn\nnet = nn.Linear(2, 2)\nsd = net.state_dict(destination=None, prefix='', keep_vars=True)\n",
            id="three",
        ),
        keeps("sd = model.state_dict()\nsd2 = model.state_dict(keep_vars=True)\n", id="modern"),
        keeps("def state_dict(a, b):\n    return {}\nd = state_dict(1, 2)\n", id="own-function"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not (isinstance(node.func, cst.Attribute) and node.func.attr.value == "state_dict"):
            return
        params = ("destination", "prefix", "keep_vars")
        given = positional(node)
        if not given or len(given) > len(params) or any(a.star for a in node.args):
            return
        args = [keyword_arg(params[i], a.value, like=a) if a.keyword is None else a for i, a in enumerate(node.args)]
        self.report(node, with_args(node, args))


class AssertAllclose(FromImportRenameRule):
    """`torch.testing.assert_allclose`: use `torch.testing.assert_close`.

    What it does: renames the function.
    Why: torch 1.12 deprecated it (`FutureWarning: torch.testing.assert_allclose() is
    deprecated since 1.12`).
    Example: `assert_allclose(out, expected)` becomes `assert_close(out, expected)`.
    Fix safety: unsafe: `assert_close` has tighter default tolerances for float32 (rtol
    1.3e-6 instead of 1e-4), checks dtypes, and does not convert lists to tensors; pass
    `rtol=`, `atol=`, `check_dtype=False` where the old leniency was intended.
    """

    code = "TM617"
    message = "`{old}` is deprecated; use `{new}` (stricter defaults)"
    safety = Safety.UNSAFE
    triggers = ("assert_allclose",)
    trigger_words = ("assert_allclose",)
    trigger_regex = r"\bassert_allclose\b"
    changed_in = "1.12"
    requires = "1.9"
    renames = {"torch.testing.assert_allclose": "torch.testing.assert_close"}
    examples = (
        fixes(
            "import torch\ntorch.testing.assert_allclose(y, expected)\n",
            "import torch\ntorch.testing.assert_close(y, expected)\n",
            id="full-path",
        ),
        fixes(
            "from torch.testing import assert_allclose as close\nclose(a, b, rtol=0, atol=1e-6)\n",
            "from torch.testing import assert_close\nassert_close(a, b, rtol=0, atol=1e-6)\n",
            id="aliased",
        ),
        keeps("import numpy as np\nnp.testing.assert_allclose(a, b)\n", id="numpy"),
        keeps("import torch\ntorch.testing.assert_close(a, b)\n", id="modern"),
    )


class ModelZooLoadUrl(FromImportRenameRule):
    """`torch.utils.model_zoo.load_url`: use `torch.hub.load_state_dict_from_url`.

    What it does: replaces the old alias with the `torch.hub` function.
    Why: torch 1.0 moved the downloader to `torch.hub`; `model_zoo.load_url` is kept only
    as an alias.
    Example: `model_zoo.load_url(model_urls['resnet18'])` becomes
    `torch.hub.load_state_dict_from_url(model_urls['resnet18'])`.
    Fix safety: safe: `model_zoo.load_url` is the same function object.
    """

    code = "TM618"
    message = "`model_zoo.{old}` is an alias; use `{new}`"
    safety = Safety.SAFE
    triggers = ("model_zoo",)
    trigger_words = ("load_url",)
    changed_in = "1.0"
    requires = "1.0"
    renames = {"torch.utils.model_zoo.load_url": "torch.hub.load_state_dict_from_url"}
    examples = (
        fixes(
            "import torch\nimport torch.utils.model_zoo as model_zoo\nsd = model_zoo.load_url(urls['resnet18'])\n",
            "import torch\nimport torch.utils.model_zoo as model_zoo\nsd = torch.hub.load_state_dict_from_url(urls['resnet18'])\n",
            id="module-alias",
        ),
        fixes(
            "from torch.utils.model_zoo import load_url as lu\nsd = lu(url, progress=False)\n",
            "import torch\n\nsd = torch.hub.load_state_dict_from_url(url, progress=False)\n",
            id="aliased-from-import",
        ),
        keeps("import torch\nsd = torch.hub.load_state_dict_from_url(url)\n", id="modern"),
        keeps("def load_url(u):\n    return u\nx = load_url('model_zoo')\n", id="own-function"),
    )
