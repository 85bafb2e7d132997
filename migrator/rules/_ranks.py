"""Tensor ranks a file states itself (`torch.randn(4, 3)`, `x.view(n, -1)`), followed statement by statement.

Some rewrites are exact only for a known rank (the legacy implicit softmax dimension,
broadcasting losses); `RankFlow` tells them what the code says and nothing more.
"""

from __future__ import annotations

from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

import libcst as cst

from migrator.names import dotted
from migrator.rule import Rule
from migrator.rules._calls import find_keyword, literal
from migrator.walk import code_children, iter_code, node_types

_F = "torch.nn.functional."

_SAME_RANK_FUNCTIONS = frozenset(
    [
        _F + n
        for n in (
            "relu relu6 elu selu celu gelu silu mish leaky_relu prelu rrelu softplus softsign tanhshrink "
            "hardtanh hardswish hardsigmoid sigmoid tanh logsigmoid softshrink hardshrink threshold "
            "dropout alpha_dropout feature_alpha_dropout dropout1d dropout2d dropout3d "
            "batch_norm layer_norm instance_norm group_norm local_response_norm normalize "
            "softmax log_softmax softmin gumbel_softmax linear pad interpolate upsample upsample_nearest upsample_bilinear "
            "conv1d conv2d conv3d conv_transpose1d conv_transpose2d conv_transpose3d "
            "max_pool1d max_pool2d max_pool3d avg_pool1d avg_pool2d avg_pool3d lp_pool1d lp_pool2d "
            "adaptive_avg_pool1d adaptive_avg_pool2d adaptive_avg_pool3d"
        ).split()
    ]
    + ["torch." + n for n in "sigmoid tanh relu exp log abs neg sqrt rsqrt clamp dropout softmax log_softmax sin cos".split()]
)
_SIZE_FACTORIES = frozenset("torch." + n for n in "randn rand zeros ones empty".split())
_DATA_CONSTRUCTORS = frozenset(
    "torch." + n for n in "Tensor FloatTensor DoubleTensor HalfTensor LongTensor IntTensor ShortTensor ByteTensor".split()
)
_LIKE_FACTORIES = frozenset("torch." + n for n in "randn_like rand_like zeros_like ones_like empty_like full_like".split())
_SAME_RANK_METHODS = frozenset(
    "float double half long int short byte bool cuda cpu contiguous clone detach exp log abs neg sqrt rsqrt sigmoid "
    "tanh relu to type type_as requires_grad_ transpose clamp pow mul div add sub masked_fill softmax log_softmax "
    "sin cos tan atan round floor ceil sign trunc frac reciprocal square log1p expm1 clamp_min clamp_max "
    "fill_ zero_ normal_ uniform_ bernoulli bernoulli_ mul_ div_ add_ sub_ abs_ neg_ clamp_ sigmoid_ tanh_ relu_".split()
)
_REDUCTIONS = frozenset("sum mean prod std var argmax argmin norm logsumexp".split())
_SAME_RANK_MODULES = frozenset(
    "torch.nn." + n
    for n in (
        "Linear ReLU ReLU6 ELU SELU CELU GELU SiLU Mish LeakyReLU PReLU RReLU Tanh Sigmoid Softplus Softsign "
        "Hardtanh Hardswish Hardsigmoid LogSigmoid Tanhshrink Softshrink Hardshrink Threshold Identity "
        "Dropout Dropout1d Dropout2d Dropout3d AlphaDropout "
        "BatchNorm1d BatchNorm2d BatchNorm3d LayerNorm GroupNorm InstanceNorm1d InstanceNorm2d InstanceNorm3d "
        "Conv1d Conv2d Conv3d ConvTranspose1d ConvTranspose2d ConvTranspose3d "
        "MaxPool1d MaxPool2d MaxPool3d AvgPool1d AvgPool2d AvgPool3d AdaptiveAvgPool1d AdaptiveAvgPool2d "
        "AdaptiveAvgPool3d Upsample UpsamplingNearest2d UpsamplingBilinear2d Softmax LogSoftmax Softmin Softmax2d"
    ).split()
)
_VARIABLE = "torch.autograd.Variable"
_SCOPE_TYPES = node_types(cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
_CALL_TYPES = node_types(cst.Call)
_ASSIGN_TYPES = node_types(cst.Assign)

RankOf = Callable[[cst.BaseExpression], Optional[int]]
Env = Dict[str, Optional[int]]


def _integer(node: cst.BaseExpression) -> bool:
    value = literal(node)
    return isinstance(value, int) and not isinstance(value, bool)


def _broadcast(a: Optional[int], b: Optional[int]) -> Optional[int]:
    return None if a is None or b is None else max(a, b)


def _depth(node: cst.BaseExpression) -> Optional[int]:
    """Nesting depth of a list/tuple literal of data (`[[1, 2], [3, 4]]` -> 2)."""
    if isinstance(node, (cst.List, cst.Tuple)):
        if not node.elements:
            return 1
        first = node.elements[0]
        if isinstance(first, cst.StarredElement):
            return None
        inner = _depth(first.value)
        return 1 if inner is None and not isinstance(first.value, (cst.List, cst.Tuple)) else (None if inner is None else inner + 1)
    return None


_BINDER_TYPES = node_types(cst.AssignTarget, cst.AugAssign, cst.AnnAssign, cst.For, cst.WithItem, cst.NamedExpr, cst.Del)
_IN_PLACE_RESHAPES = frozenset(("unsqueeze_", "squeeze_", "resize_", "set_", "resize_as_"))


def _calls_and_targets(
    node: cst.CSTNode, watched: Optional[Set[int]] = None, met: Optional[List[Tuple[cst.CSTNode, bool]]] = None
) -> Tuple[List[Tuple[cst.Call, bool]], Set[str]]:
    """One walk of `node`: its calls in source order (noting those inside a nested scope:
    lambda, comprehension), and every dotted name it binds, nested blocks included.

    The nodes whose ids are `watched` go to `met` as they are found, with the same note.
    """
    calls: List[Tuple[cst.Call, bool]] = []
    names: Set[str] = set()
    _collect(node, False, calls, names, watched, met)
    return calls, names


def _collect(
    node: cst.CSTNode,
    nested: bool,
    calls: List[Tuple[cst.Call, bool]],
    names: Set[str],
    watched: Optional[Set[int]] = None,
    met: Optional[List[Tuple[cst.CSTNode, bool]]] = None,
) -> None:
    stack: List[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        kind = type(current)
        if kind in _SCOPE_TYPES and not nested:
            _collect(current, True, calls, names, watched, met)  # the whole subtree now, so source order holds
            continue
        if watched and id(current) in watched:
            met.append((current, nested))  # type: ignore[union-attr]
        if kind in _CALL_TYPES:
            calls.append((current, nested))  # type: ignore[arg-type]
            func = current.func  # type: ignore[attr-defined]
            if type(func) is cst.Attribute and func.attr.value in _IN_PLACE_RESHAPES:
                name = dotted(func.value)
                if name is not None:
                    names.add(name)
        if kind in _BINDER_TYPES:
            target = getattr(current, "target", None) or getattr(current, "asname", None)
            if isinstance(target, cst.AsName):
                target = target.name
            if target is not None:
                names |= _names(target)
        children = code_children(current)
        children.reverse()
        stack.extend(children)


def _targets(node: cst.CSTNode) -> Set[str]:
    """Every dotted name a statement (or block) binds, nested blocks included."""
    return _calls_and_targets(node)[1]


# What holds statements: the walk for assignments enters only these, never an expression.
_STATEMENT_HOLDERS = node_types(
    cst.Module, cst.SimpleStatementLine, cst.BaseSuite, cst.BaseCompoundStatement,
    cst.Else, cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally, cst.MatchCase,
)


def _assignments(module: cst.Module) -> List[cst.Assign]:
    """Every `=` assignment statement of the module, at any depth."""
    found: List[cst.Assign] = []
    stack: List[cst.CSTNode] = [module]
    while stack:
        for child in code_children(stack.pop()):
            kind = type(child)
            if kind in _ASSIGN_TYPES:
                found.append(child)  # type: ignore[arg-type]
            elif kind in _STATEMENT_HOLDERS:
                stack.append(child)
    return found


def _forget(env: Env, names: Iterable[str]) -> Env:
    names = set(names)
    return {k: v for k, v in env.items() if k not in names and k.split(".", 1)[0] not in names}


class RankFlow:
    """Tensor ranks the code states itself, followed assignment by assignment.

    `x.view(n, -1)` is 2-D, `torch.randn(a, b, c)` 3-D, `Variable(t)` has `t`'s rank, and
    `nn.Linear`, activations, dropout, normalisation, convolutions and pooling keep their
    input's rank (an `nn.Embedding` adds one). A name has the rank of its last assignment
    in straight-line code (a `try` body included); branches, loops and handlers forget the
    names they bind, and function parameters are unknown. Used where a rewrite is exact only for a known rank.
    """

    def __init__(self, context, on_call: Callable[[cst.Call, RankOf], None], watched: Optional[Set[int]] = None) -> None:
        self.context = context
        self.on_call = on_call
        # ids of expressions some rule wants the rank of, where they are evaluated -> that rank
        self.watched = watched or set()
        self.watched_ranks: Dict[int, Optional[int]] = {}
        self.modules: Dict[str, Optional[int]] = {}  # dotted name -> rank change of the module it holds
        self.inputs: Dict[str, List[Optional[int]]] = {}  # dotted callee -> ranks of its single argument

    def run(self, module: cst.Module) -> None:
        for assign in _assignments(module):
            delta = self.module_delta(assign.value) if isinstance(assign.value, cst.Call) else None
            for target in assign.targets:
                name = dotted(target.target)
                if name is not None:
                    known = name not in self.modules or self.modules[name] == delta
                    self.modules[name] = delta if known else None
        self._block(module.body, {})

    def module_delta(self, call: cst.Call) -> Optional[int]:
        """How many dimensions a module constructed by `call` adds to its input (None: unknown)."""
        name = self.context.qualified_name(call.func)
        if name in _SAME_RANK_MODULES:
            return 0
        if name == "torch.nn.Embedding":
            return 1
        if name == "torch.nn.Sequential":
            total = 0
            for arg in call.args:
                if arg.star or arg.keyword is not None or not isinstance(arg.value, cst.Call):
                    return None
                delta = self.module_delta(arg.value)
                if delta is None:
                    return None
                total += delta
            return total
        return None

    # statements

    def _block(self, statements: Sequence[cst.CSTNode], env: Env) -> None:
        for statement in statements:
            self._statement(statement, env)

    def _suite(self, suite: cst.BaseSuite, env: Env) -> None:
        if isinstance(suite, cst.IndentedBlock):
            self._block(suite.body, env)
        else:
            for small in suite.body:  # type: ignore[attr-defined]
                self._small(small, env)

    def _statement(self, statement: cst.CSTNode, env: Env) -> None:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                self._small(small, env)
        elif isinstance(statement, cst.FunctionDef):
            for part in (*statement.decorators, statement.params):
                self._scan(part, env)
            self._suite(statement.body, {})
        elif isinstance(statement, cst.ClassDef):
            for part in (*statement.decorators, *statement.bases):
                self._scan(part, env)
            self._suite(statement.body, {})
        elif isinstance(statement, cst.If):
            self._scan(statement.test, env)
            branches = []
            body = dict(env)
            self._suite(statement.body, body)
            branches.append(body)
            other = dict(env)
            if isinstance(statement.orelse, cst.If):
                self._statement(statement.orelse, other)
            elif isinstance(statement.orelse, cst.Else):
                self._suite(statement.orelse.body, other)
            branches.append(other)
            merged = {k: v for k, v in branches[0].items() if all(b.get(k, -1) == v for b in branches)}
            env.clear()
            env.update(merged)
        elif isinstance(statement, (cst.For, cst.While)):
            bound = _targets(statement)
            if isinstance(statement, cst.For):
                self._scan(statement.iter, env)
            inner = _forget(env, bound)
            if isinstance(statement, cst.While):
                self._scan(statement.test, inner)
            self._suite(statement.body, inner)
            after = _forget(env, bound)
            if statement.orelse is not None:
                self._suite(statement.orelse.body, after)
            env.clear()
            env.update(after)
        elif isinstance(statement, (cst.Try, cst.TryStar)):
            # The body (and its `else`) run straight through; a handler or `finally` may start
            # after any statement of the body, so they forget every name the statement binds.
            bound = _targets(statement) | {
                n for h in statement.handlers if h.name is not None for n in _names(h.name.name)
            }
            body = dict(env)
            self._suite(statement.body, body)
            if statement.orelse is not None:
                self._suite(statement.orelse.body, body)
            for handler in statement.handlers:
                if handler.type is not None:
                    self._scan(handler.type, _forget(env, bound))
                self._suite(handler.body, _forget(env, bound))
            if statement.finalbody is not None:
                self._suite(statement.finalbody.body, _forget(env, bound))
            after = _forget(env, bound)
            env.clear()
            env.update(after)
        elif isinstance(statement, cst.With):
            for item in statement.items:
                self._scan(item.item, env)
            remaining = _forget(env, {n for i in statement.items if i.asname for n in _names(i.asname.name)})
            env.clear()
            env.update(remaining)
            self._suite(statement.body, env)
        else:
            calls, bound = _calls_and_targets(statement, self.watched, [])  # ranks unknown in there
            inner = _forget(env, bound)
            for call, _ in calls:
                self._visit_call(call, inner, nested=True)
            env.clear()
            env.update(inner)

    def _small(self, small: cst.BaseSmallStatement, env: Env) -> None:
        bound = self._scan(small, env)
        if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is not None:
            rank = self.rank(small.value, env)
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
            for target in targets:
                name = dotted(target)
                forgotten = _forget(env, _names(target))
                env.clear()
                env.update(forgotten)
                if name is not None and rank is not None:
                    env[name] = rank
        elif isinstance(small, cst.AugAssign):
            name = dotted(small.target)
            rank = _broadcast(env.get(name) if name else None, self.rank(small.value, env))
            forgotten = _forget(env, _names(small.target))
            env.clear()
            env.update(forgotten)
            if name is not None and rank is not None:
                env[name] = rank
        else:
            if bound:
                forgotten = _forget(env, bound)
                env.clear()
                env.update(forgotten)

    def _scan(self, node: cst.CSTNode, env: Env) -> Set[str]:
        """Visit the calls in `node` with `env`; return the names `node` binds."""
        met: List[Tuple[cst.CSTNode, bool]] = []
        calls, bound = _calls_and_targets(node, self.watched, met)
        for call, nested in calls:
            self._visit_call(call, env, nested)
        for expression, nested in met:
            self.watched_ranks[id(expression)] = None if nested else self.rank(expression, env)  # type: ignore[arg-type]
        return bound

    def _visit_call(self, call: cst.Call, env: Env, nested: bool) -> None:
        scope: Env = {} if nested else env

        def rank_of(expression: cst.BaseExpression) -> Optional[int]:
            return self.rank(expression, scope)

        callee = dotted(call.func)
        if callee is not None and len(call.args) == 1 and call.args[0].keyword is None and not call.args[0].star:
            self.inputs.setdefault(callee, []).append(rank_of(call.args[0].value))
        self.on_call(call, rank_of)

    # expressions

    def rank(self, node: cst.BaseExpression, env: Env) -> Optional[int]:
        """The rank of `node`'s value, or None when the code does not say."""
        if isinstance(node, (cst.Integer, cst.Float)):
            return 0
        if isinstance(node, (cst.Name, cst.Attribute)):
            name = dotted(node)
            if name is not None and name in env:
                return env[name]
            if isinstance(node, cst.Attribute) and node.attr.value in ("data", "grad", "T"):
                return self.rank(node.value, env)
            return None
        if isinstance(node, cst.UnaryOperation):
            return self.rank(node.expression, env)
        if isinstance(node, cst.BinaryOperation):
            left, right = self.rank(node.left, env), self.rank(node.right, env)
            if isinstance(node.operator, cst.MatrixMultiply):
                return 2 if left == 2 and right == 2 else None
            return _broadcast(left, right)
        if isinstance(node, cst.Subscript):
            return self._subscript_rank(node, env)
        if isinstance(node, cst.Call):
            return self._call_rank(node, env)
        return None

    def _subscript_rank(self, node: cst.Subscript, env: Env) -> Optional[int]:
        rank = self.rank(node.value, env)
        if rank is None:
            return None
        for element in node.slice:
            if isinstance(element.slice, cst.Slice):
                continue
            value = element.slice.value
            if _integer(value):
                rank -= 1
            elif isinstance(value, cst.Name) and value.value == "None":
                rank += 1
            elif len(node.slice) == 1 and self.rank(value, env) == 1:
                continue  # `X[perm]`: a 1-D index (or mask) picks along the first dimension
            else:
                return None
        return rank if rank >= 0 else None

    def _call_rank(self, call: cst.Call, env: Env) -> Optional[int]:
        if any(a.star for a in call.args):
            return None
        given = [a.value for a in call.args if a.keyword is None]
        func = call.func
        name = self.context.qualified_name(func) if isinstance(func, (cst.Name, cst.Attribute)) else None
        if name is not None and name.startswith("torch"):
            return self._function_rank(name, call, given, env)
        callee = self._module_name(dotted(func))
        if callee is not None:
            delta = self.modules[callee]
        elif isinstance(func, cst.Call):
            delta = self.module_delta(func)
        else:
            delta = None
            callee = None
        if callee is not None or isinstance(func, cst.Call):
            if delta is None or len(call.args) != 1 or not given:
                return None
            rank = self.rank(given[0], env)
            return None if rank is None else rank + delta
        if isinstance(func, cst.Attribute):
            return self._method_rank(func.attr.value, func.value, call, given, env)
        return None

    def _module_name(self, callee: Optional[str]) -> Optional[str]:
        """The key of `self.modules` a called name refers to: itself, or `self.fc` for `model.fc`."""
        if callee is None:
            return None
        if callee in self.modules:
            return callee
        head, _, attr = callee.partition(".")
        if attr and "." not in attr and head != "self" and "self." + attr in self.modules:
            return "self." + attr
        return None

    def _function_rank(self, name: str, call: cst.Call, given: List[cst.BaseExpression], env: Env) -> Optional[int]:
        if name in (_VARIABLE, "torch.autograd.variable.Variable") or name in _SAME_RANK_FUNCTIONS or name in _LIKE_FACTORIES:
            return self.rank(given[0], env) if given else None
        if name in _SIZE_FACTORIES:
            return self._size_rank(given, env)
        if name in _DATA_CONSTRUCTORS:
            if len(given) == 1 and isinstance(given[0], (cst.List, cst.Tuple)):
                return _depth(given[0])
            return self._size_rank(given, env) if all(_integer(v) for v in given) else None
        if name in ("torch.randperm", "torch.arange"):
            return 1
        if name == "torch.mm":
            return 2
        if name == "torch.bmm":
            return 3
        if name in ("torch.cat", "torch.stack") and given and isinstance(given[0], (cst.List, cst.Tuple)):
            ranks = {self.rank(e.value, env) for e in given[0].elements if not isinstance(e, cst.StarredElement)}
            if len(ranks) != 1 or None in ranks or len(given[0].elements) == 0:
                return None
            rank = ranks.pop()
            return rank + 1 if name == "torch.stack" and rank is not None else rank
        return None

    def _method_rank(
        self, method: str, receiver: cst.BaseExpression, call: cst.Call, given: List[cst.BaseExpression], env: Env
    ) -> Optional[int]:
        keywords = [a for a in call.args if a.keyword is not None]
        if method in ("view", "reshape", "expand", "permute") and not keywords:
            return self._size_rank(given, env)
        if method in ("view_as", "reshape_as", "expand_as") and len(given) == 1:
            return self.rank(given[0], env)
        rank = self.rank(receiver, env)
        if rank is None:
            return None
        if method in _SAME_RANK_METHODS:
            if method in ("add", "sub", "mul", "div", "pow") and given:
                return _broadcast(rank, self.rank(given[0], env))
            return rank
        if method in ("t", "mm"):
            return 2
        if method == "bmm":
            return 3
        if method == "unsqueeze":
            return rank + 1
        if method in _REDUCTIONS:
            if not call.args:
                return 0
            keepdim = find_keyword(call, "keepdim")
            if len(given) == 1 and _integer(given[0]) and len(call.args) == 1 + (keepdim is not None):
                kept = literal(keepdim.value) if keepdim is not None else False
                if kept is True:
                    return rank
                if kept is False:
                    return rank - 1
        return None

    def _size_rank(self, given: List[cst.BaseExpression], env: Env) -> Optional[int]:
        """The rank of a tensor built from the size arguments `given`."""
        if len(given) == 1:
            size = given[0]
            if isinstance(size, (cst.List, cst.Tuple)):
                return None if any(isinstance(e, cst.StarredElement) for e in size.elements) else len(size.elements)
            if _integer(size):
                return 1
            if isinstance(size, cst.Call) and isinstance(size.func, cst.Attribute) and size.func.attr.value == "size" and not size.args:
                return self.rank(size.func.value, env)
            return None
        return len(given) or None


def _names(target: cst.BaseExpression) -> Set[str]:
    """The dotted names in a binding target (`a`, `self.h`, both of `a, self.h`)."""
    found = (dotted(n) for n in iter_code(target) if type(n) is cst.Name or type(n) is cst.Attribute)
    return {n for n in found if n}


class RankedCallRule(Rule):
    """A rule that needs `RankFlow` for calls of `ranked_calls`: the flow runs only when one occurs.

    The flow runs once per visit for all such rules: each gets every call in
    `on_ranked_call` while it runs, then `ranked` once it has run.
    """

    ranked_calls: FrozenSet[str] = frozenset()

    def __init__(self, context) -> None:
        super().__init__(context)
        self.calls_ranked = False
        context.once("ranked rules", list).append(self)

    def visit_Call(self, node: cst.Call) -> None:
        if not self.calls_ranked and self.context.qualified_name(node.func) in self.ranked_calls:
            self.calls_ranked = True

    def leave_Module(self, original_node: cst.Module) -> None:
        if self.calls_ranked:
            self.ranked(original_node, _shared_flow(self.context, original_node))

    def on_ranked_call(self, call: cst.Call, rank_of: RankOf) -> None:
        """Every call the flow meets, with the ranks known at that point (`rank_of` is valid only now)."""

    def ranked(self, module: cst.Module, flow: RankFlow) -> None:
        """Decide and report, after the flow has run."""


def watch_rank(context, expression: cst.BaseExpression) -> None:
    """Ask, during the visit, for the rank of `expression` where it is evaluated (`shared_flow(...).watched_ranks`)."""
    context.once("rank watch", set).add(id(expression))


def shared_flow(context, module: cst.Module) -> RankFlow:
    """The module's rank flow, run once per visit (after it) for every rule that needs it."""
    return _shared_flow(context, module)


def _shared_flow(context, module: cst.Module) -> RankFlow:
    """The module's rank flow, run once for every ranked rule of the visit whose calls occur."""

    def run() -> RankFlow:
        rules = [rule for rule in context.once("ranked rules", list) if rule.calls_ranked]

        def on_call(call: cst.Call, rank_of: RankOf) -> None:
            for rule in rules:
                rule.on_ranked_call(call, rank_of)

        flow = RankFlow(context, on_call, context.once("rank watch", set))
        flow.run(module)
        return flow

    return context.once("rank flow", run)
