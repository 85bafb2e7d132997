"""Custom `torch.autograd.Function` classes: legacy (non-static) ones and instance calls (catalog V10, V11)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple, Union

import re

import libcst as cst

from migrator.comments import comment_line, dropped_comments, ordered_comments
from migrator.rule import Deferred, Rule, Safety, fixes, keeps, reports
from migrator.rules._calls import UNKNOWN, literal
from migrator.rules._triggers import SPACE
from migrator.walk import iter_code, visit_batched, visitor_methods

FUNCTION = "torch.autograd.Function"

# A class whose bases name `Function` (`torch.autograd.Function`, `autograd.Function`, `Function`),
# or any class when the file imports it under another name (`Function as F`).
_FUNCTION_CLASS = r"class" + SPACE + r"\w+[\s\\]*\((?:[^)#]|#[^\n]*\n)*?\bFunction\b"
_FUNCTION_ALIAS = r"\bFunction" + SPACE + r"as\b"
# A `def forward`/`def backward` whose decorators (the `@` lines right above it) do not
# include a bare `@staticmethod` line.
_INSTANCE_METHOD = (
    r"(?:\A|(?:\A|\n)(?![ \t]*@)[^\n]*\n)(?:[ \t]*@(?!staticmethod[ \t]*(?:#[^\n]*)?\r?\n)[^\n]*\n)*"
    r"[ \t]*(?:async" + SPACE + r")?def" + SPACE + r"(?:forward|backward)\b"
)

# What a legacy `self.<name>` becomes on the new-style context.
_CTX_API = {
    "save_for_backward": "save_for_backward",
    "saved_tensors": "saved_tensors",
    "saved_variables": "saved_tensors",
    "needs_input_grad": "needs_input_grad",
    "mark_dirty": "mark_dirty",
    "mark_non_differentiable": "mark_non_differentiable",
}
# Attributes of a Function's context in torch 2.13 (`dir(ctx)`): user state under these names would clash.
_CTX_RESERVED = frozenset(
    "apply apply_jvp dirty_tensors mark_dirty mark_non_differentiable mark_shared_storage materialize_grads "
    "maybe_clear_saved_tensors metadata name needs_input_grad next_functions non_differentiable register_hook "
    "register_prehook requires_grad save_for_backward save_for_forward saved_for_forward saved_tensors "
    "saved_variables set_materialize_grads to_save".split()
)
_SCOPES = (cst.FunctionDef, cst.Lambda, cst.ClassDef, cst.Module)

Edit = Callable[[cst.CSTNode], Union[cst.CSTNode, cst.RemovalSentinel, "_Moved"]]


# --- reading a Function class ------------------------------------------------------------------


def _method(cls: cst.ClassDef, name: str) -> Optional[cst.FunctionDef]:
    if not isinstance(cls.body, cst.IndentedBlock):
        return None
    for statement in cls.body.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == name:
            return statement
    return None


def _is_static(function: cst.FunctionDef) -> bool:
    return any(isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod" for d in function.decorators)


def _class_attributes(cls: cst.ClassDef) -> Set[str]:
    """Names a class body assigns (constants reached as `self.NAME`)."""
    names: Set[str] = set()
    if isinstance(cls.body, cst.IndentedBlock):
        for statement in cls.body.body:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if isinstance(small, cst.Assign):
                        names.update(t.target.value for t in small.targets if isinstance(t.target, cst.Name))
                    elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.value is not None:
                        names.add(small.target.value)
    return names


def _plain_params(params: cst.Parameters) -> bool:
    return not (params.posonly_params or params.kwonly_params or isinstance(params.star_arg, cst.Param) or params.star_kwarg)


def _self_attribute(node: cst.BaseExpression, self_name: str) -> Optional[str]:
    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == self_name:
        return node.attr.value
    return None


class _MethodScan:
    """What a legacy method body does with `self`, and the names it uses."""

    def __init__(self, self_name: str) -> None:
        self.self_name = self_name
        self.uses: Set[str] = set()
        self.assigned: Set[str] = set()
        self.names: Set[str] = set()
        self.problems: List[str] = []
        self.returns: List[cst.Return] = []
        self._skip: Set[int] = set()
        self._indexed: Set[int] = set()
        self._depth = 0

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if _self_attribute(node.value, self.self_name) == "needs_input_grad" and len(node.slice) == 1:
            index = node.slice[0].slice
            if isinstance(index, cst.Index) and isinstance(literal(index.value), int):
                self._indexed.add(id(node.value))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._skip.add(id(node.attr))
        attr = _self_attribute(node, self.self_name)
        if attr is None:
            return
        self._skip.add(id(node.value))
        self.uses.add(attr)
        if attr == "needs_input_grad" and id(node) not in self._indexed:
            self.uses.add("needs_input_grad:unindexed")

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._skip.add(id(node.keyword))

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) in self._skip:
            return
        self.names.add(node.value)
        if node.value == self.self_name:
            self.problems.append(f"uses `{self.self_name}` other than through its attributes")

    def _targets(self, target: cst.BaseExpression) -> None:
        attr = _self_attribute(target, self.self_name)
        if attr is not None:
            self.assigned.add(attr)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._targets(element.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._targets(target.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._targets(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._targets(node.target)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._depth += 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._depth -= 1

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._depth += 1

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._depth -= 1

    def visit_Return(self, node: cst.Return) -> None:
        if self._depth == 0:
            self.returns.append(node)


@dataclass
class _Legacy:
    """A recognised legacy Function: how to rewrite it."""

    name: str
    self_names: Tuple[str, str]  # forward's and backward's first parameter
    init_params: Sequence[cst.Param] = ()
    init_lines: Sequence[cst.SimpleStatementLine] = ()  # `self.a = expr` lines of __init__
    init_self: str = "self"
    attributes: Dict[str, Tuple[str, str]] = field(default_factory=dict)  # attr -> (receiver, new attr)
    single_input: bool = False

    @property
    def extra(self) -> int:
        return len(self.init_params)


def _analyse_init(init: cst.FunctionDef, bases: Sequence[str]) -> Union[str, Tuple[List[cst.Param], List[cst.SimpleStatementLine], str, Set[str]]]:
    """The arguments `__init__` takes and the lines storing them, or why it cannot move into `forward`."""
    params = init.params
    if not params.params or not _plain_params(params) or init.decorators:
        return "its `__init__` has an unusual signature"
    self_name = params.params[0].name.value
    lines: List[cst.SimpleStatementLine] = []
    stored: Set[str] = set()
    body = init.body.body if isinstance(init.body, cst.IndentedBlock) else ()
    for index, statement in enumerate(body):
        small = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 else None
        if small is None:
            return "its `__init__` does more than store its arguments"
        if isinstance(small, cst.Pass) or (index == 0 and isinstance(small, cst.Expr) and isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString))):
            continue
        if isinstance(small, cst.Expr) and _is_base_init(small.value, self_name, bases):
            continue
        if isinstance(small, cst.Assign) and len(small.targets) == 1:
            attr = _self_attribute(small.targets[0].target, self_name)
            scan = _MethodScan(self_name)
            visit_batched(small.value, [visitor_methods(scan)])
            if attr is not None and not scan.problems and not scan.uses:
                lines.append(statement)
                stored.add(attr)
                continue
        return "its `__init__` does more than store its arguments"
    return list(params.params[1:]), lines, self_name, stored


def _is_base_init(node: cst.BaseExpression, self_name: str, bases: Sequence[str]) -> bool:
    """`super().__init__()`, `super(Cls, self).__init__()`, `Function.__init__(self)`."""
    if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "__init__"):
        return False
    receiver = node.func.value
    if isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Name) and receiver.func.value == "super":
        return not node.args
    return (
        isinstance(receiver, (cst.Name, cst.Attribute))
        and cst.Module(body=[]).code_for_node(receiver) in bases
        and len(node.args) == 1
        and isinstance(node.args[0].value, cst.Name)
        and node.args[0].value.value == self_name
    )


def analyse_legacy(cls: cst.ClassDef, bases: Sequence[str]) -> Union[str, _Legacy]:
    """How to rewrite a legacy Function class, or why it is not the common pattern."""
    forward, backward, init = _method(cls, "forward"), _method(cls, "backward"), _method(cls, "__init__")
    if forward is None or backward is None:
        return "it does not define both `forward` and `backward`"
    if _is_static(forward) != _is_static(backward):
        return "it mixes a static and an instance method"
    for method in (forward, backward):
        if method.decorators or method.asynchronous or not method.params.params or method.params.posonly_params:
            return f"its `{method.name.value}` has decorators or an unusual signature"
    legacy = _Legacy(cls.name.value, (forward.params.params[0].name.value, backward.params.params[0].name.value))
    inputs = forward.params.params[1:]
    stored: Set[str] = set()
    if init is not None:
        found = _analyse_init(init, bases)
        if isinstance(found, str):
            return found
        legacy.init_params, legacy.init_lines, legacy.init_self, stored = found
    if legacy.extra and (
        not _plain_params(forward.params)
        or any(p.default is not None for p in inputs)
        or isinstance(forward.params.star_arg, cst.Param)
    ):
        return "its `forward` takes defaults or variable arguments, so `__init__` arguments cannot follow its inputs"
    legacy.single_input = len(inputs) == 1 and not isinstance(forward.params.star_arg, cst.Param)
    scans = []
    for method, self_name in ((forward, legacy.self_names[0]), (backward, legacy.self_names[1])):
        scan = _MethodScan(self_name)
        visit_batched(method.body, [visitor_methods(scan)])
        if scan.problems:
            return f"its `{method.name.value}` {scan.problems[0]}"
        if "ctx" in scan.names or any(p.name.value == "ctx" for p in method.params.params):
            return f"its `{method.name.value}` already uses the name `ctx`"
        scans.append(scan)
    init_names = {p.name.value for p in legacy.init_params}
    if init_names & (scans[0].names | {p.name.value for p in inputs}):
        return "an `__init__` argument has the name of a variable `forward` uses"
    state = stored | scans[0].assigned | scans[1].assigned
    clash = sorted(a for a in state if a in _CTX_RESERVED)
    if clash:
        return f"its state `self.{clash[0]}` would clash with the context attribute of that name"
    constants = _class_attributes(cls)
    for attr in sorted(scans[0].uses | scans[1].uses):
        if attr == "needs_input_grad:unindexed":
            if legacy.extra:
                return "it uses `needs_input_grad` as a whole, which grows by the `__init__` arguments"
        elif attr in state:
            legacy.attributes[attr] = ("ctx", attr)
        elif attr in _CTX_API:
            legacy.attributes[attr] = ("ctx", _CTX_API[attr])
        elif attr in constants:
            legacy.attributes[attr] = (legacy.name, attr)
        else:
            return f"it uses `self.{attr}` (a method, or state set outside `__init__`/`forward`/`backward`)"
    for attr in stored:
        legacy.attributes.setdefault(attr, ("ctx", attr))
    if legacy.extra:
        if not scans[1].returns:
            return "its `backward` has no `return`"
        for ret in scans[1].returns:
            if ret.value is None or (not isinstance(ret.value, cst.Tuple) and not legacy.single_input):
                return "a `return` of its `backward` is not a tuple of gradients"
    return legacy


class _ToContext(cst.CSTTransformer):
    """`self.x` -> `ctx.x` (or `Cls.X` for class constants); extra `None` gradients on `return`."""

    def __init__(self, self_name: str, legacy: _Legacy, nones: int = 0) -> None:
        super().__init__()
        self.self_name = self_name
        self.legacy = legacy
        self.nones = nones
        self.depth = 0

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.Attribute:
        attr = _self_attribute(original_node, self.self_name)
        if attr is None:
            return updated_node
        receiver, new = self.legacy.attributes[attr]
        return updated_node.with_changes(value=cst.Name(receiver), attr=cst.Name(new))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.depth += 1

    def leave_FunctionDef(self, original_node, updated_node):  # type: ignore[override]
        self.depth -= 1
        return updated_node

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.depth += 1

    def leave_Lambda(self, original_node, updated_node):  # type: ignore[override]
        self.depth -= 1
        return updated_node

    def leave_Return(self, original_node: cst.Return, updated_node: cst.Return) -> cst.Return:
        if self.depth or not self.nones or updated_node.value is None:
            return updated_node
        nones = [cst.Element(cst.Name("None")) for _ in range(self.nones)]
        value = updated_node.value
        if isinstance(value, cst.Tuple) and value.elements:
            elements = [*value.elements[:-1], value.elements[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT), *nones]
            return updated_node.with_changes(value=value.with_changes(elements=elements))
        return updated_node.with_changes(value=cst.Tuple(elements=[cst.Element(value), *nones], lpar=[], rpar=[]))


def _static(
    method: cst.FunctionDef,
    self_name: str,
    legacy: _Legacy,
    extra: Sequence[cst.Param],
    prologue: Sequence[cst.BaseStatement],
    nones: int,
    notes: Sequence[cst.EmptyLine] = (),
) -> cst.FunctionDef:
    params = method.params.params
    extra = [p.with_changes(comma=cst.MaybeSentinel.DEFAULT) for p in extra]
    new_params = [params[0].with_changes(name=cst.Name("ctx")), *params[1:], *extra]
    if extra:
        new_params[len(params) - 1] = new_params[len(params) - 1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    body = method.body.visit(_ToContext(self_name, legacy, nones))
    if (prologue or notes) and isinstance(body, cst.SimpleStatementSuite):
        # `def forward(self, x): return x * self.k`: the stores need lines of their own
        line = cst.SimpleStatementLine(body=body.body, trailing_whitespace=body.trailing_whitespace)
        body = cst.IndentedBlock(body=[line], header=cst.TrailingWhitespace())
    if (prologue or notes) and isinstance(body, cst.IndentedBlock):
        statements = list(body.body)
        first = statements[0]
        docstring = (
            isinstance(first, cst.SimpleStatementLine)
            and isinstance(first.body[0], cst.Expr)
            and isinstance(first.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
        )
        at = 1 if docstring else 0
        if notes and at < len(statements):
            statements[at] = statements[at].with_changes(leading_lines=[*notes, *statements[at].leading_lines])
        body = body.with_changes(body=[*statements[:at], *prologue, *statements[at:]])
    return method.with_changes(
        decorators=[cst.Decorator(decorator=cst.Name("staticmethod"))],
        params=method.params.with_changes(params=new_params),
        body=body,
    )


def rewrite_legacy(cls: cst.ClassDef, legacy: _Legacy) -> cst.ClassDef:
    """The new-style class: static `forward(ctx, *inputs, *init_args)` and `backward(ctx, ...)`, no `__init__`."""
    prologue = [line.visit(_ToContext(legacy.init_self, legacy)) for line in legacy.init_lines]
    init = _method(cls, "__init__")
    notes: List[cst.EmptyLine] = []  # comments of `__init__` for the start of `forward`, when no store moves there
    if init is not None:
        # the comments of `__init__` (its header, the lines it drops) move with its stores into `forward`
        kept = Counter(text for line in legacy.init_lines for text in ordered_comments(line))
        kept.update(line.comment.value for line in init.leading_lines if line.comment is not None)  # kept above `forward`
        moved = []
        for text in ordered_comments(init):
            if kept[text] > 0:
                kept[text] -= 1
            else:
                moved.append(comment_line(text))
        if prologue:
            first = prologue[0]
            prologue[0] = first.with_changes(leading_lines=[*moved, *(l for l in first.leading_lines if l.comment is not None)])  # type: ignore[union-attr]
        else:
            notes = moved
    body: List[cst.BaseStatement] = []
    spacing: Optional[Sequence[cst.EmptyLine]] = None  # the dropped `__init__`'s place
    for statement in cls.body.body:  # type: ignore[union-attr]
        if isinstance(statement, cst.FunctionDef) and statement.name.value == "__init__":
            spacing = statement.leading_lines
            continue
        if spacing is not None:
            comments = [line for line in statement.leading_lines if line.comment is not None]
            statement = statement.with_changes(leading_lines=[*spacing, *comments])
            spacing = None
        if isinstance(statement, cst.FunctionDef) and statement.name.value == "forward":
            statement = _static(statement, legacy.self_names[0], legacy, legacy.init_params, prologue, 0, notes)  # type: ignore[arg-type]
        elif isinstance(statement, cst.FunctionDef) and statement.name.value == "backward":
            statement = _static(statement, legacy.self_names[1], legacy, (), (), legacy.extra)
        body.append(statement)
    return cls.with_changes(body=cls.body.with_changes(body=body))


# --- references to a Function class ------------------------------------------------------------


def _name_uses(node: cst.CSTNode, names: Set[str]) -> List[cst.Name]:
    """Every Name node below `node` spelling one of `names` as a variable (not an attribute or a keyword)."""
    found: List[cst.Name] = []
    skip: Set[int] = set()
    for child in iter_code(node):
        kind = type(child)
        if kind is cst.Attribute:
            skip.add(id(child.attr))  # type: ignore[attr-defined]
        elif kind is cst.Arg:
            if child.keyword is not None:  # type: ignore[attr-defined]
                skip.add(id(child.keyword))  # type: ignore[attr-defined]
        elif kind is cst.Name:
            if child.value in names and id(child) not in skip:  # type: ignore[attr-defined]
                found.append(child)  # type: ignore[arg-type]
    return found


def _attribute_uses(node: cst.CSTNode, attr: str) -> List[cst.Attribute]:
    """Every Attribute node below `node` naming `attr`."""
    return [n for n in iter_code(node) if type(n) is cst.Attribute and n.attr.value == attr]  # type: ignore[attr-defined]


def _inside(node: cst.CSTNode, ancestor: cst.CSTNode, parents: Dict[int, cst.CSTNode]) -> bool:
    current = parents.get(id(node))
    while current is not None:
        if current is ancestor:
            return True
        current = parents.get(id(current))
    return False


def _scope(node: cst.CSTNode, parents: Dict[int, cst.CSTNode]) -> cst.CSTNode:
    current = parents.get(id(node))
    while current is not None and not isinstance(current, _SCOPES):
        current = parents.get(id(current))
    return current  # type: ignore[return-value]


def _statement_in(node: cst.CSTNode, parents: Dict[int, cst.CSTNode]) -> Tuple[Optional[cst.CSTNode], Optional[cst.CSTNode]]:
    """The statement holding `node` and the block (IndentedBlock or Module) holding that statement."""
    child = node
    parent = parents.get(id(child))
    while parent is not None:
        if isinstance(child, (cst.SimpleStatementLine, cst.BaseCompoundStatement)) and isinstance(parent, (cst.IndentedBlock, cst.Module)):
            return child, parent
        child, parent = parent, parents.get(id(parent))
    return None, None


def _pure(node: cst.BaseExpression) -> bool:
    """An expression without calls: evaluating it later, or in another order, gives the same value."""
    if isinstance(node, (cst.Name, cst.Integer, cst.Float, cst.SimpleString)):
        return True
    if isinstance(node, cst.Attribute):
        return _pure(node.value)
    if isinstance(node, cst.UnaryOperation):
        return _pure(node.expression)
    if isinstance(node, cst.BinaryOperation):
        return _pure(node.left) and _pure(node.right)
    if isinstance(node, (cst.Tuple, cst.List)):
        return all(not isinstance(e, cst.StarredElement) and _pure(e.value) for e in node.elements)
    return False


def _constant(node: cst.BaseExpression) -> bool:
    if isinstance(node, (cst.Tuple, cst.List)):
        return all(isinstance(e, cst.Element) and _constant(e.value) for e in node.elements)
    return literal(node) is not UNKNOWN


def _apply(name: str) -> cst.Attribute:
    return cst.Attribute(value=cst.Name(name), attr=cst.Name("apply"))


def _has_comment(node: Union[cst.CSTNode, cst.MaybeSentinel]) -> bool:
    if not isinstance(node, cst.CSTNode):
        return False
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Comment):
            return True
        stack.extend(current.children)
    return False


def _apply_call(name: str, inputs: Sequence[cst.Arg], extra: Sequence[cst.Arg], like: cst.Call) -> cst.Call:
    """`MyFn.apply(*inputs, *extra)` in the place of the call `like`.

    `extra` are the constructor's arguments (keywords dropped): each keeps the comments
    around it and its comma, so `MyFn(2.0,  # why` keeps `# why` after `2.0`.
    """
    args = [*inputs, *(a.with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT) for a in extra)]
    fixed = []
    for index, arg in enumerate(args):
        if index == len(args) - 1:
            keep = (inputs and not extra) or _has_comment(arg.comma)
            fixed.append(arg if keep else arg.with_changes(comma=cst.MaybeSentinel.DEFAULT))
        elif _has_comment(arg.comma):
            fixed.append(arg)
        elif isinstance(arg.whitespace_after_arg, cst.ParenthesizedWhitespace):
            # `x  # why` + newline before what was the closing parenthesis: the comma goes before the line break
            comma = cst.Comma(whitespace_after=arg.whitespace_after_arg)
            fixed.append(arg.with_changes(whitespace_after_arg=cst.SimpleWhitespace(""), comma=comma))
        else:
            fixed.append(arg.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))))
    return like.with_changes(func=_apply(name), args=fixed)


def _init_values(construction: cst.Call, params: Sequence[cst.Param]) -> Union[str, List[int]]:
    """Where the constructor's arguments stand among its `args`, in `__init__` order, trailing defaults left out."""
    names = [p.name.value for p in params]
    values: Dict[int, int] = {}
    for index, arg in enumerate(construction.args):
        if arg.star:
            return "the instance is built from `*args`"
        position = names.index(arg.keyword.value) if arg.keyword is not None and arg.keyword.value in names else (index if arg.keyword is None else -1)
        if position < 0 or position >= len(names):
            return "the instance is built with arguments `__init__` does not take"
        values[position] = index
    count = max(values) + 1 if values else 0
    if any(i not in values for i in range(count)):
        return "the instance is built with keywords that skip a default"
    if any(i not in values and params[i].default is None for i in range(count, len(params))):
        return "the instance is built without a required argument"
    return [values[i] for i in range(count)]


@dataclass
class _Site:
    """A recognised use of a Function class and the edits that turn it into `.apply`."""

    position: cst.CSTNode
    edits: Dict[int, Edit]


def call_sites(
    module: cst.Module, cls: cst.ClassDef, parents: Dict[int, cst.CSTNode], legacy: Optional[_Legacy]
) -> Union[str, List[_Site]]:
    """The uses of a Function class outside its body, as `.apply` rewrites; a reason when one is not recognised.

    `legacy` is None for a new-style class (its constructor takes no arguments).
    """
    name = cls.name.value
    sites: List[_Site] = []
    for reference in _name_uses(module, {name}):
        if _inside(reference, cls, parents):
            continue
        construction = parents.get(id(reference))
        if not (isinstance(construction, cst.Call) and construction.func is reference):
            if isinstance(construction, cst.Attribute) and construction.value is reference and construction.attr.value == "apply" and legacy is None:
                continue  # already `MyFn.apply`
            return f"`{name}` is used other than by calling it"
        extra: Union[str, List[int]] = _init_values(construction, legacy.init_params) if legacy else ([] if not construction.args else "the instance is built with arguments")
        if isinstance(extra, str):
            return extra
        holder = parents.get(id(construction))
        if isinstance(holder, cst.Call) and holder.func is construction:
            site = _direct(name, construction, holder, extra)
        elif isinstance(holder, cst.Assign) and holder.value is construction and len(holder.targets) == 1:
            site = _instance(name, construction, holder, extra, parents, module)
        else:
            return f"an instance of `{name}` is not called where it is built"
        if isinstance(site, str):
            return site
        sites.append(site)
    return sites


def _direct(name: str, construction: cst.Call, call: cst.Call, extra: List[int]) -> Union[str, _Site]:
    """`MyFn(k)(x)` -> `MyFn.apply(x, k)`."""
    if any(a.keyword is not None for a in call.args):
        return f"`{name}` is called with keywords"
    if extra and not all(_pure(construction.args[i].value) for i in extra) and not all(_pure(a.value) for a in call.args):
        return "the constructor arguments would be evaluated after the inputs"

    def edit(updated: cst.Call) -> cst.Call:
        built = updated.func  # the constructor call, with the edits inside its arguments
        assert isinstance(built, cst.Call)
        return _apply_call(name, updated.args, [built.args[i] for i in extra], updated)

    return _Site(call, {id(call): edit})  # type: ignore[dict-item]


def _instance(
    name: str, construction: cst.Call, assign: cst.Assign, extra: List[int], parents: Dict[int, cst.CSTNode], module: cst.Module
) -> Union[str, _Site]:
    """`f = MyFn()` -> `f = MyFn.apply`; `f = MyFn(k); y = f(x)` -> `y = MyFn.apply(x, k)`."""
    target = assign.targets[0].target
    if isinstance(target, cst.Attribute):
        if extra:
            return f"an instance of `{name}` built with arguments is stored in `.{target.attr.value}`"
        for use in _attribute_uses(module, target.attr.value):
            holder = parents.get(id(use))
            if use is not target and not (isinstance(holder, cst.Call) and holder.func is use):
                return f"`.{target.attr.value}` holding an instance of `{name}` is used other than by calling it"
        return _Site(construction, {id(construction): lambda updated: _apply(name)})
    if not isinstance(target, cst.Name):
        return f"an instance of `{name}` is not assigned to a plain name"
    scope = _scope(assign, parents)
    if isinstance(scope, (cst.ClassDef, cst.Lambda)):
        return f"an instance of `{name}` is stored in a class body"
    calls: List[cst.Call] = []
    for use in _name_uses(scope, {target.value}):
        if use is target:
            continue
        holder = parents.get(id(use))
        if not (isinstance(holder, cst.Call) and holder.func is use):
            return f"`{target.value}`, an instance of `{name}`, is used other than by calling it"
        calls.append(holder)
    if not extra:
        return _Site(construction, {id(construction): lambda updated: _apply(name)})
    if len(calls) != 1:
        return f"`{target.value}`, an instance of `{name}` built with arguments, is called more than once"
    call = calls[0]
    statement, block = _statement_in(assign, parents)
    later, later_block = _statement_in(call, parents)
    while later_block is not None and later_block is not block:
        later, later_block = _statement_in(later_block, parents)  # type: ignore[arg-type]
    if block is None or later_block is None:
        return f"`{target.value}` is called outside the block that builds it"
    at, called_at = block.body.index(statement), block.body.index(later)  # type: ignore[union-attr]
    if called_at <= at or (called_at > at + 1 and not all(_constant(construction.args[i].value) for i in extra)):
        return f"`{target.value}` is not called right after it is built"
    if any(a.keyword is not None for a in call.args):
        return f"`{target.value}` is called with keywords"
    built: List[cst.Call] = [construction]  # the constructor call as edited (the assignment comes first)

    def remove(updated: cst.Assign) -> _Moved:
        built[0] = updated.value  # type: ignore[assignment]
        return _Moved([built[0].args[i] for i in extra])

    def edit(updated: cst.Call) -> cst.Call:
        return _apply_call(name, updated.args, [built[0].args[i] for i in extra], updated)

    return _Site(call, {id(assign): remove, id(call): edit})  # type: ignore[dict-item]


_STATEMENTS = (cst.SimpleStatementLine, cst.BaseCompoundStatement)


@dataclass
class _Moved:
    """What an edit returns to remove a node some parts of which (with their comments) another edit puts elsewhere."""

    parts: Sequence[cst.CSTNode]


class _Edits(cst.CSTTransformer):
    """Apply edits keyed by the id of the original node, innermost first.

    The edits replace the whole module, so a comment one of them drops (`MyFn(  # why`
    between the parenthesis and an argument, or on the line `f = MyFn(k)` that goes away)
    would reach the engine as dropped from the module and land at the end of the file:
    it moves above the statement that held it instead, and the comments of a removed
    statement go to the next statement of its block (or the block's end).
    """

    def __init__(self, edits: Dict[int, Edit]) -> None:
        super().__init__()
        self.edits = edits
        self.dropped: List[List[str]] = [[]]  # per open statement (and the module): comments to put above it
        self.carried: Dict[int, List[cst.EmptyLine]] = {}  # statement depth -> comment lines of removed statements

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, _STATEMENTS):
            self.dropped.append([])
        return True

    def on_leave(self, original_node, updated_node):  # type: ignore[override]
        result = updated_node
        edit = self.edits.get(id(original_node))
        if edit is not None:
            result = edit(updated_node)
            if isinstance(result, _Moved):
                self.dropped[-1].extend(dropped_comments(updated_node, *result.parts))
                result = cst.RemovalSentinel.REMOVE
            else:
                self.dropped[-1].extend(dropped_comments(updated_node, result))
        if isinstance(original_node, _STATEMENTS):
            depth = len(self.dropped)
            lines = [comment_line(text) for text in self.dropped.pop()]
            if isinstance(result, cst.RemovalSentinel) or (isinstance(result, cst.SimpleStatementLine) and not result.body):
                lines = [*_comment_lines(updated_node), *lines]
                if lines:
                    self.carried.setdefault(depth, []).extend(lines)
                return cst.RemovalSentinel.REMOVE
            carried = self.carried.pop(depth, [])
            if (carried or lines) and isinstance(result, _STATEMENTS):
                result = result.with_changes(leading_lines=[*carried, *result.leading_lines, *lines])
        elif isinstance(original_node, (cst.IndentedBlock, cst.Module)):
            left = self.carried.pop(len(self.dropped) + 1, [])
            if isinstance(original_node, cst.Module):
                left += [comment_line(text) for text in self.dropped[-1]]
            if left:
                result = result.with_changes(footer=[*left, *result.footer])
        return result


def _comment_lines(statement: cst.CSTNode) -> List[cst.EmptyLine]:
    """The lines above a statement and its trailing comment, if any of them is a comment."""
    lines = list(getattr(statement, "leading_lines", ()))
    trailing = getattr(statement, "trailing_whitespace", None)
    if isinstance(trailing, cst.TrailingWhitespace) and trailing.comment is not None:
        lines.append(comment_line(trailing.comment.value))
    return lines if any(line.comment is not None for line in lines) else []


def _function_classes(context, node: cst.ClassDef) -> Optional[List[str]]:
    """The spellings of the class's bases when one is `torch.autograd.Function`, else None."""
    spellings = [cst.Module(body=[]).code_for_node(b.value) for b in node.bases]
    if any(b.keyword is None and context.qualified_name(b.value) == FUNCTION for b in node.bases):
        return spellings
    return None


_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Za-z0-9]+(?:[\s,]+[A-Za-z0-9]+)*))?", re.I)


def _suppressed(node: cst.CSTNode, parents: Dict[int, cst.CSTNode], code: str) -> bool:
    """Whether the line holding `node` (a class header, or a simple statement) says `# noqa` for `code`."""
    if isinstance(node, cst.ClassDef):
        header = getattr(node.body, "header", None)
        comment = header.comment if header is not None else None
    else:
        statement, _ = _statement_in(node, parents)
        comment = statement.trailing_whitespace.comment if isinstance(statement, cst.SimpleStatementLine) else None
    match = _NOQA.search(comment.value) if comment is not None else None
    if match is None:
        return False
    codes = match.group("codes")
    return codes is None or any(code.startswith(c.upper()) for c in re.split(r"[\s,]+", codes) if c)


# --- the rules -------------------------------------------------------------------------------------


class LegacyFunction(Rule):
    """Legacy `autograd.Function` with instance `forward`/`backward`: make them static, call `.apply`.

    What it does: rewrites a module-level subclass of `torch.autograd.Function` whose
    `forward(self, ...)`/`backward(self, ...)` are instance methods into the new style:
    `@staticmethod def forward(ctx, ...)` / `backward(ctx, ...)`; `self.save_for_backward`,
    `self.saved_tensors` (and `saved_variables`), `self.needs_input_grad`, `self.mark_dirty`
    and the instance's own state go to `ctx`, class constants to the class. Arguments of
    an `__init__` that only stores them become extra `forward` arguments after the inputs,
    its stores move to the start of `forward`, and `backward` returns one more `None` per
    argument. Every use in the file becomes `.apply`: `MyFn()(x)` and `MyFn(k)(x)` become
    `MyFn.apply(x)` / `MyFn.apply(x, k)`; `relu = MyFn()` becomes `relu = MyFn.apply`;
    `f = MyFn(k); y = f(x)` becomes `y = MyFn.apply(x, k)`; a comment next to a constructor
    argument stays next to it, others move above their statement. The class and its uses
    change in one replacement of the module, so they never get out of step: one for the
    classes whose fix is safe, another for those whose fix is unsafe, so a safe run never
    rewrites the latter.
    Why: torch 0.4 deprecated non-static Functions; today calling one raises
    `RuntimeError: Legacy autograd function with non-static forward method is deprecated`.
    Example: `class MyReLU(Function): def forward(self, x): self.save_for_backward(x) ...`
    called as `MyReLU()(h)` becomes `@staticmethod def forward(ctx, x): ctx.save_for_backward(x)`
    called as `MyReLU.apply(h)`.
    Fix safety: without `__init__` arguments the fix is safe: the same method bodies run on
    the same tensors, with the legacy instance's role taken by the per-call context, and
    anything that could tell the difference is refused and reported (the class used other
    than by calling it, an instance kept and used otherwise, state named like a context
    attribute, `self` used as a value or for a method). With `__init__` arguments it is
    unsafe: they are evaluated when the function is applied instead of when the instance is
    built (the rewrite requires call-free arguments, or constants between building and
    calling), and `needs_input_grad` gains their entries (a use of it as a whole is refused).
    Not recognised and reported: classes not at module level, `__init__` doing more than
    storing arguments, a `forward` with defaults or `*args` next to `__init__` arguments,
    a `backward` returning something other than a tuple for several inputs, subclasses
    of a Function class of the file that inherit or define an instance `forward`/`backward`
    (the subclass, its constructions and the base are all left to a human).
    """

    code = "TM109"
    message = "legacy autograd Function (non-static `forward`/`backward`) raises since torch 0.4; use static methods and `.apply`"
    safety = Safety.SAFE
    triggers = ("Function",)
    trigger_words = ("Function",)
    # the class statement comes before its methods
    trigger_regex = _FUNCTION_CLASS + r"[\s\S]*?(?:" + _INSTANCE_METHOD + ")|" + _FUNCTION_ALIAS
    changed_in = "0.4"
    examples = (
        fixes(
            "import torch\n\n\nclass MyReLU(torch.autograd.Function):\n"
            "    def forward(self, input):\n        self.save_for_backward(input)\n        return input.clamp(min=0)\n\n"
            "    def backward(self, grad_output):\n        input, = self.saved_tensors\n        grad_input = grad_output.clone()\n"
            "        grad_input[input < 0] = 0\n        return grad_input\n\n\n"
            "for t in range(10):\n    relu = MyReLU()\n    y = relu(x.mm(w1)).mm(w2)\n",
            "import torch\n\n\nclass MyReLU(torch.autograd.Function):\n"
            "    @staticmethod\n    def forward(ctx, input):\n        ctx.save_for_backward(input)\n        return input.clamp(min=0)\n\n"
            "    @staticmethod\n    def backward(ctx, grad_output):\n        input, = ctx.saved_tensors\n        grad_input = grad_output.clone()\n"
            "        grad_input[input < 0] = 0\n        return grad_input\n\n\n"
            "for t in range(10):\n    relu = MyReLU.apply\n    y = relu(x.mm(w1)).mm(w2)\n",
            id="tutorial-relu",
        ),
        fixes(
            "import torch.autograd as ag\n\nclass Scale(ag.Function):\n    def __init__(self, factor):\n"
            "        super(Scale, self).__init__()\n        self.factor = factor\n\n"
            "    def forward(self, x):\n        return x * self.factor\n\n"
            "    def backward(self, g):\n        return g * self.factor\n\n"
            "y = Scale(0.5)(x)\nf = Scale(2.0)\nz = f(y)\n",
            "import torch.autograd as ag\n\nclass Scale(ag.Function):\n"
            "    @staticmethod\n    def forward(ctx, x, factor):\n        ctx.factor = factor\n        return x * ctx.factor\n\n"
            "    @staticmethod\n    def backward(ctx, g):\n        return g * ctx.factor, None\n\n"
            "y = Scale.apply(x, 0.5)\nz = Scale.apply(y, 2.0)\n",
            id="alias-init-arguments",
        ),
        fixes(
            "from torch.autograd import Function\n\nclass Mul(Function):\n"
            "    def forward(self, a, b):\n        self.save_for_backward(a, b)\n        return a * b\n\n"
            "    def backward(self, g):\n        a, b = self.saved_variables\n"
            "        ga = g * b if self.needs_input_grad[0] else None\n        gb = g * a if self.needs_input_grad[1] else None\n"
            "        return ga, gb\n\nclass Net(Module):\n    def forward(self, x):\n        return Mul()(x, self.w)\n",
            "from torch.autograd import Function\n\nclass Mul(Function):\n"
            "    @staticmethod\n    def forward(ctx, a, b):\n        ctx.save_for_backward(a, b)\n        return a * b\n\n"
            "    @staticmethod\n    def backward(ctx, g):\n        a, b = ctx.saved_tensors\n"
            "        ga = g * b if ctx.needs_input_grad[0] else None\n        gb = g * a if ctx.needs_input_grad[1] else None\n"
            "        return ga, gb\n\nclass Net(Module):\n    def forward(self, x):\n        return Mul.apply(x, self.w)\n",
            id="two-inputs",
        ),
        fixes(
            "from torch.autograd import Function\n\nclass Id(Function):\n    def forward(self, x):\n        return x\n\n"
            "    def backward(self, g):\n        return g\n\nclass Scale(Function):\n    def __init__(self, k):\n        self.k = k\n\n"
            "    def forward(self, x):\n        return x * self.k\n\n    def backward(self, g):\n        return g * self.k\n\n"
            "y = Scale(2.0)(Id()(x))\n",
            # with --unsafe-fixes; without, only `Id` and `Id()(x)` change (tests/rules/test_autograd.py)
            "from torch.autograd import Function\n\nclass Id(Function):\n    @staticmethod\n    def forward(ctx, x):\n        return x\n\n"
            "    @staticmethod\n    def backward(ctx, g):\n        return g\n\nclass Scale(Function):\n"
            "    @staticmethod\n    def forward(ctx, x, k):\n        ctx.k = k\n        return x * ctx.k\n\n"
            "    @staticmethod\n    def backward(ctx, g):\n        return g * ctx.k, None\n\n"
            "y = Scale.apply(Id.apply(x), 2.0)\n",
            id="safe-and-unsafe-functions",
        ),
        fixes(
            "from torch.autograd import Function\n\nclass Clamp(Function):\n    def __init__(self, lo, hi):\n        self.lo = lo\n        self.hi = hi\n\n"
            "    def forward(self, x):\n        return x.clamp(self.lo, self.hi)\n\n    def backward(self, g):\n        return g\n\n"
            "y = Clamp(-1.0,  # lo\n          1.0  # hi\n          )(x)\n",
            "from torch.autograd import Function\n\nclass Clamp(Function):\n"
            "    @staticmethod\n    def forward(ctx, x, lo, hi):\n        ctx.lo = lo\n        ctx.hi = hi\n        return x.clamp(ctx.lo, ctx.hi)\n\n"
            "    @staticmethod\n    def backward(ctx, g):\n        return g, None, None\n\n"
            "y = Clamp.apply(x, -1.0,  # lo\n          1.0  # hi\n          )\n",
            id="constructor-comments",
        ),
        reports(
            "from torch.autograd import Function\n\nclass Base(Function):\n    def backward(self, g):\n        return g * 2\n\n"
            "class Double(Base):\n    def forward(self, x):\n        return x * 2\n\ny = Double()(x)\n",
            id="subclass",
        ),
        reports(
            "from torch.autograd import Function\n\nclass Tracked(Function):\n    def forward(self, x):\n        self.calls = 1\n        return x\n\n"
            "    def backward(self, g):\n        return g\n\nf = Tracked()\ny = f(x)\nprint(f.calls)\n",
            id="instance-state-read",
        ),
        reports(
            "from torch.autograd import Function\n\nclass Log(Function):\n    def __init__(self, eps):\n        self.eps = eps\n        print('built')\n\n"
            "    def forward(self, x):\n        return x\n\n    def backward(self, g):\n        return g\n\ny = Log(1e-6)(x)\n",
            id="init-does-more",
        ),
        keeps(
            "class Function:\n    pass\n\nclass MyReLU(Function):\n    def forward(self, x):\n        return x\n\n"
            "    def backward(self, g):\n        return g\n\ny = MyReLU()(x)\n",
            id="own-function-base",
        ),
        keeps(
            "import torch\n\nclass MyReLU(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n        return x.clamp(min=0)\n\n"
            "    @staticmethod\n    def backward(ctx, g):\n        return g\n\ny = MyReLU.apply(x)\n",
            id="modern",
        ),
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self.classes: List[Tuple[cst.ClassDef, List[str]]] = []
        self.functions: List[cst.ClassDef] = []  # every class with `torch.autograd.Function` as a base
        self.derived: List[cst.ClassDef] = []  # classes with a plain name as a base: maybe subclasses of those

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        bases = _function_classes(self.context, node)
        if bases is None:
            if any(isinstance(b.value, cst.Name) and b.keyword is None for b in node.bases):
                self.derived.append(node)
            return
        self.functions.append(node)
        forward, backward = _method(node, "forward"), _method(node, "backward")
        if any(m is not None and not _is_static(m) for m in (forward, backward)):
            self.classes.append((node, bases))

    def leave_Module(self, original_node: cst.Module) -> None:
        if not self.functions:
            return
        parents = self.context.parents(original_node)
        # per fix safety: the edits of the classes of that safety and the findings that apply them
        groups: Dict[Safety, Tuple[Dict[int, Edit], List[Tuple[cst.CSTNode, str]]]] = {}
        for cls, bases in self.classes:
            if parents.get(id(cls)) is not original_node:
                self.report(cls, message=self.message + " (not rewritten: the class is not defined at module level)")
                continue
            legacy = analyse_legacy(cls, bases)
            sites = legacy if isinstance(legacy, str) else call_sites(original_node, cls, parents, legacy)
            if isinstance(sites, str):
                self.report(cls, message=self.message + f" (not rewritten: {sites})")
                continue
            assert isinstance(legacy, _Legacy)
            if any(_suppressed(node, parents, self.code) for node in [cls, *(site.position for site in sites)]):
                # One `# noqa` holds back the class and every use: they only work together.
                self.report(cls, message=self.message + " (not rewritten: `# noqa` on the class or one of its uses)")
                continue
            safety = Safety.UNSAFE if legacy.extra else Safety.SAFE
            edits, positions = groups.setdefault(safety, ({}, []))
            edits[id(cls)] = lambda updated, legacy=legacy: rewrite_legacy(updated, legacy)  # type: ignore[misc]
            note = " (unsafe: `__init__` arguments are now evaluated when it is applied)" if legacy.extra else ""
            positions.append((cls, self.message + note))
            for site in sites:
                edits.update(site.edits)
                positions.append((site.position, f"call the new-style `{cls.name.value}` through `{cls.name.value}.apply`{note}"))
        self._report_subclasses(original_node, parents)
        # A class and its uses change together: one replacement of the module. One per fix
        # safety, holding only the classes of that safety: a safe fix never carries the rewrite
        # of a class whose fix is unsafe. Both apply to the module, so with `--unsafe-fixes` the
        # second waits a pass (two at most, whatever the number of classes).
        for safety, (edits, positions) in groups.items():
            replacement = Deferred(lambda edits=edits: original_node.visit(_Edits(edits)))  # type: ignore[misc]
            for position, message in positions:
                self.report(original_node, replacement, safety=safety, message=message, position_node=position)


    def _report_subclasses(self, module: cst.Module, parents: Dict[int, cst.CSTNode]) -> None:
        """Report (for a human) a subclass of a Function class of this file that has instance methods, and its uses.

        The rewrite handles one class at a time: making the base static changes what its
        subclasses inherit, so neither is rewritten (the base is reported as used other
        than by calling it).
        """
        if not self.derived:
            return
        defined = {cls.name.value: cls for cls in self.functions if parents.get(id(cls)) is module}
        chain: Dict[int, cst.ClassDef] = {}  # subclass -> its base in this file
        grown = True
        while grown:
            grown = False
            for cls in self.derived:
                if id(cls) in chain:
                    continue
                for base in cls.bases:
                    if isinstance(base.value, cst.Name) and base.keyword is None and base.value.value in defined:
                        chain[id(cls)] = defined[base.value.value]
                        if parents.get(id(cls)) is module:
                            defined.setdefault(cls.name.value, cls)
                        grown = True
                        break
        for cls in self.derived:
            base = chain.get(id(cls))
            if base is None or not _inherits_instance_method(cls, chain):
                continue
            name = cls.name.value
            self.report(cls, message=self.message + f" (not rewritten: `{name}` subclasses the Function `{base.name.value}`: rewrite the classes by hand)")
            if parents.get(id(cls)) is not module:
                continue
            for reference in _name_uses(module, {name}):
                construction = parents.get(id(reference))
                if _inside(reference, cls, parents) or not (isinstance(construction, cst.Call) and construction.func is reference):
                    continue
                holder = parents.get(id(construction))
                node = holder if isinstance(holder, cst.Call) and holder.func is construction else construction
                self.report(node, message=f"`{name}` is a legacy autograd Function (a subclass of `{base.name.value}`); calling an instance raises since torch 0.4: rewrite by hand")


def _inherits_instance_method(cls: cst.ClassDef, chain: Dict[int, cst.ClassDef]) -> bool:
    """Whether the `forward` or `backward` a class gets (its own, else from its bases in this file) is an instance method."""
    for name in ("forward", "backward"):
        current: Optional[cst.ClassDef] = cls
        seen: Set[int] = set()
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            method = _method(current, name)
            if method is not None:
                if not _is_static(method):
                    return True
                break
            current = chain.get(id(current))
    return False


class FunctionInstanceCall(Rule):
    """`MyFn()(x)` on a new-style Function: call `MyFn.apply(x)`.

    What it does: for a module-level `torch.autograd.Function` subclass with a static
    `forward`, rewrites `MyFn()(x)` to `MyFn.apply(x)` and `f = MyFn()` (with `f` only
    ever called, or `self.f = MyFn()` with `.f` only ever called) to `f = MyFn.apply`.
    Why: new-style Functions are applied through the class since torch 0.4; calling an
    instance raises the legacy-Function `RuntimeError` today (and instantiating warns).
    Example: `out = MyExp()(x)` becomes `out = MyExp.apply(x)`.
    Fix safety: safe: `apply` is what calling the instance was meant to do, and the
    instance has no state of its own (a static `forward` cannot set any). An instance
    built with arguments, or used other than by calling it, is reported.
    """

    code = "TM110"
    message = "calling an instance of a new-style autograd Function raises since torch 0.4; use `.apply`"
    safety = Safety.SAFE
    triggers = ("Function",)
    trigger_words = ("Function",)
    trigger_regex = _FUNCTION_CLASS + "|" + _FUNCTION_ALIAS
    changed_in = "0.4"
    examples = (
        fixes(
            "import torch\n\nclass Exp(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n        return x.exp()\n\n"
            "    @staticmethod\n    def backward(ctx, g):\n        return g\n\ny = Exp()(x)\n",
            "import torch\n\nclass Exp(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n        return x.exp()\n\n"
            "    @staticmethod\n    def backward(ctx, g):\n        return g\n\ny = Exp.apply(x)\n",
            id="direct",
        ),
        fixes(
            "from torch.autograd import Function as F\n\nclass Exp(F):\n    @staticmethod\n    def forward(ctx, x):\n        return x.exp()\n\n"
            "class Net:\n    def __init__(self):\n        self.exp = Exp()\n\n    def forward(self, x):\n        return self.exp(x)\n",
            "from torch.autograd import Function as F\n\nclass Exp(F):\n    @staticmethod\n    def forward(ctx, x):\n        return x.exp()\n\n"
            "class Net:\n    def __init__(self):\n        self.exp = Exp.apply\n\n    def forward(self, x):\n        return self.exp(x)\n",
            id="alias-stored-instance",
        ),
        reports(
            "import torch\n\nclass Exp(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n        return x.exp()\n\n"
            "y = Exp(2)(x)\n",
            id="constructor-arguments",
        ),
        keeps(
            "class Function:\n    pass\n\nclass Exp(Function):\n    @staticmethod\n    def forward(ctx, x):\n        return x\n\ny = Exp()(x)\n",
            id="own-function-base",
        ),
        keeps(
            "import torch\n\nclass Exp(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n        return x.exp()\n\n"
            "y = Exp.apply(x)\n",
            id="modern",
        ),
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self.classes: List[cst.ClassDef] = []

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if _function_classes(self.context, node) is None:
            return
        forward = _method(node, "forward")
        if forward is not None and _is_static(forward):
            self.classes.append(node)

    def leave_Module(self, original_node: cst.Module) -> None:
        if not self.classes:
            return
        parents = self.context.parents(original_node)
        for cls in self.classes:
            if parents.get(id(cls)) is not original_node:
                continue
            name = cls.name.value
            for reference in _name_uses(original_node, {name}):
                construction = parents.get(id(reference))
                if _inside(reference, cls, parents) or not (isinstance(construction, cst.Call) and construction.func is reference):
                    continue
                holder = parents.get(id(construction))
                if construction.args:
                    self.report(construction, message=self.message + f" (`{name}` takes no constructor arguments: rewrite by hand)")
                elif isinstance(holder, cst.Call) and holder.func is construction:
                    if any(a.keyword is not None for a in holder.args):
                        self.report(holder)
                    else:
                        self.report(holder, holder.with_changes(func=_apply(name)))
                elif isinstance(holder, cst.Assign) and len(holder.targets) == 1:
                    site = _instance(name, construction, holder, [], parents, original_node)
                    if isinstance(site, str):
                        self.report(construction, message=self.message + f" ({site})")
                    else:
                        self.report(construction, _apply(name))
                else:
                    self.report(construction, message=self.message + f" (an instance of `{name}` is kept: rewrite by hand)")
