"""Tensor construction and dtypes: typed legacy constructors and classes, `torch.range`,
`x.new`, `x.type(T)`, uint8 masks, integer division and other pre-1.x tensor idioms."""

from __future__ import annotations

import math
from collections import Counter
from typing import ClassVar, Dict, List, Optional, Set, Tuple

import libcst as cst

from migrator.rule import Rule, Safety, fixes, keeps, reports
from migrator.rules._bindings import names_bound_by
from migrator.rules._calls import is_simple, keyword_arg, literal, method_call
from migrator.rules._source import Parts, atom_of, call_releases, imports_torch, keep_parens, source_of
from migrator.rules._triggers import GAP_CLOSE_TOKEN, GAP_TOKEN, called_or_aliased, method_regex, word_regex
from migrator.walk import visit_batched, visitor_methods

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
CUDA_CONSTRUCTORS = {
    "torch.cuda." + name.split(".", 1)[1]: value for name, value in CONSTRUCTORS.items() if name != "torch.Tensor"
}

# Typed class name -> (cast method, dtype)
TYPED = {
    "FloatTensor": ("float", "torch.float32"),
    "DoubleTensor": ("double", "torch.float64"),
    "HalfTensor": ("half", "torch.float16"),
    "BFloat16Tensor": ("bfloat16", "torch.bfloat16"),
    "LongTensor": ("long", "torch.int64"),
    "IntTensor": ("int", "torch.int32"),
    "ShortTensor": ("short", "torch.int16"),
    "CharTensor": ("char", "torch.int8"),
    "ByteTensor": ("byte", "torch.uint8"),
    "BoolTensor": ("bool", "torch.bool"),
}

_TYPED_PREFIXES = tuple(name[: -len("Tensor")] for name in TYPED)


TYPED_WORD = word_regex("Tensor", _TYPED_PREFIXES)  # FloatTensor, LongTensor... (not the bare Tensor)


def _typed_class(node: Optional[cst.BaseExpression], context) -> Optional[Tuple[str, bool]]:
    """(class name, is_cuda) for `torch.FloatTensor`, `torch.cuda.LongTensor`, `'torch.FloatTensor'`."""
    if node is None:
        return None
    value = literal(node)
    if isinstance(value, str) and value not in node.value:  # type: ignore[attr-defined]
        return None  # spelled with escapes (`'torch.\\x46loatTensor'`): the triggers could not see it
    name = value if isinstance(value, str) else context.qualified_name(node)
    if not isinstance(name, str):
        return None
    for prefix, cuda in (("torch.cuda.", True), ("torch.", False)):
        if name.startswith(prefix) and name[len(prefix):] in TYPED:
            return name[len(prefix):], cuda
    return None


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


class _Unpacked:
    """A name bound by `a, b = f(...)` to element `index` of what the file's function `f` returns."""

    def __init__(self, function: str, index: int) -> None:
        self.function = function
        self.index = index


class _Scope:
    """The names one function (or the module) binds: plain assignments, and names bound otherwise."""

    def __init__(self, parent: Optional["_Scope"]) -> None:
        self.parent = parent
        self.assigned: Dict[str, List[cst.BaseExpression]] = {}
        self.rebound: Set[str] = set()  # parameters, loop targets, `with ... as`, augmented assignments...
        self.loop_names: Set[str] = set()

    def lookup(self, name: str) -> Tuple[Optional["_Scope"], Optional[List[cst.BaseExpression]]]:
        """The scope that binds `name` (a function's own names shadow the module's) and its values."""
        scope: Optional[_Scope] = self
        while scope is not None:
            if name in scope.rebound:
                return scope, None
            if name in scope.assigned:
                return scope, scope.assigned[name]
            scope = scope.parent
        return None, None


class _Facts:
    """What each name of a file is bound to, scope by scope, which functions return what,
    and whether the file mentions CUDA. Built once per file, only when a rule needs it."""

    def __init__(self) -> None:
        self.scope = _Scope(None)
        self.module_scope = self.scope
        self.name_scopes: Dict[int, _Scope] = {}  # id(Name) -> its function scope; the rest are module-level
        self.mentions_cuda = False
        self._functions: List[Optional[str]] = []
        self.returns: Dict[str, List[Optional[cst.BaseExpression]]] = {}  # module-level function -> returned values
        self.defined: Counter = Counter()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        top = self.scope is self.module_scope
        self.defined[node.name.value] += 1
        self._functions.append(node.name.value if top else None)
        self.scope = _Scope(self.scope)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.scope = self.scope.parent  # type: ignore[assignment]
        self._functions.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.scope = _Scope(self.scope)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self.scope = self.scope.parent  # type: ignore[assignment]

    def visit_Return(self, node: cst.Return) -> None:
        if self._functions and self._functions[-1] is not None:
            self.returns.setdefault(self._functions[-1], []).append(node.value)

    def visit_Yield(self, node: cst.Yield) -> None:
        if self._functions and self._functions[-1] is not None:
            self.returns.setdefault(self._functions[-1], []).append(None)  # a generator: not a plain return

    def visit_Name(self, node: cst.Name) -> None:
        if self.scope is not self.module_scope:  # a name found in no function is module-level
            self.name_scopes[id(node)] = self.scope

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self.scope.assigned.setdefault(target.target.value, []).append(node.value)
            elif _parallel(target.target, node.value):
                for element, value in zip(target.target.elements, node.value.elements):  # type: ignore[attr-defined]
                    self.scope.assigned.setdefault(element.value.value, []).append(value.value)  # type: ignore[attr-defined]
            elif _unpacks_call(target.target, node.value):
                function = node.value.func.value  # type: ignore[attr-defined]
                for index, element in enumerate(target.target.elements):  # type: ignore[attr-defined]
                    self.scope.assigned.setdefault(element.value.value, []).append(_Unpacked(function, index))  # type: ignore
            else:
                self._rebind(target.target)

    def _rebind(self, target: cst.BaseExpression) -> None:
        for name in names_bound_by(target):
            self.scope.rebound.add(name)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._rebind(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._rebind(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._rebind(node.target)
        self.scope.loop_names.update(names_bound_by(node.target))

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._rebind(node.target)

    def visit_Param(self, node: cst.Param) -> None:
        self.scope.rebound.add(node.name.value)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._rebind(node.asname.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._rebind(node.target)

    def visit_Global(self, node: cst.Global) -> None:
        for item in node.names:
            self.scope.rebound.add(item.name.value)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value == "cuda":
            self.mentions_cuda = True

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if "cuda" in node.value:
            self.mentions_cuda = True


def _file_facts(context, module: cst.Module) -> _Facts:
    """The `_Facts` of the module, shared by every rule of this visit."""
    def collect() -> _Facts:
        facts = _Facts()
        visit_batched(module, [visitor_methods(facts)])
        return facts

    return context.once("file facts", collect)


class _FileFacts(Rule):
    """A rule that collects candidates during the visit and decides in `leave_Module` with
    the file's `_Facts` (what names are bound to, scope by scope)."""

    def __init__(self, context) -> None:
        super().__init__(context)
        self._module: Optional[cst.Module] = None
        self._facts: Optional[_Facts] = None

    def visit_Module(self, node: cst.Module) -> None:
        self._module = node

    @property
    def facts(self) -> _Facts:
        if self._facts is None:
            self._facts = _file_facts(self.context, self._module)  # type: ignore[arg-type]
        return self._facts

    @property
    def mentions_cuda(self) -> bool:
        return self.facts.mentions_cuda

    def _resolve(self, node: cst.BaseExpression):
        if not isinstance(node, cst.Name):
            return None, None
        facts = self.facts
        return facts.name_scopes.get(id(node), facts.module_scope).lookup(node.value)

    def values_of(self, node: cst.BaseExpression) -> Optional[List[cst.BaseExpression]]:
        """Every value a plain name is assigned in its scope, or None when it is bound any other way."""
        return self._resolve(node)[1]

    def loop_name(self, node: cst.BaseExpression) -> bool:
        """A `for` loop target (a Python counter, usually)."""
        scope, _ = self._resolve(node)
        return scope is not None and node.value in scope.loop_names  # type: ignore[attr-defined]

    def int_name(self, node: cst.BaseExpression) -> bool:
        """A name bound only to integer literals (`n = 60`, `n, d = 60, 4`): a size."""
        values = self.values_of(node)
        return bool(values) and all(isinstance(v, cst.Integer) for v in values)

    def returned(self, unpacked: "_Unpacked") -> Optional[List[cst.BaseExpression]]:
        """The expressions function `f` returns at position `index` in `a, b = f(...)`, if every return is a tuple."""
        facts = self.facts
        name = unpacked.function
        module = facts.module_scope
        if facts.defined[name] != 1 or name in module.assigned or name in module.rebound:
            return None
        elements = []
        for value in facts.returns.get(name, [None]):
            if not isinstance(value, (cst.Tuple, cst.List)) or len(value.elements) <= unpacked.index:
                return None
            element = value.elements[unpacked.index]
            if isinstance(element, cst.StarredElement):
                return None
            elements.append(element.value)
        return elements

    def _byte_of(self, node: cst.BaseExpression) -> Optional[Tuple[cst.BaseExpression, Optional[str]]]:
        """(`m`, device move) of `m.byte()` (no move) and of `m.type(torch.ByteTensor)`: `'cpu'` in a
        file that uses CUDA (the cast also moved a GPU tensor to the CPU), `'cuda'` for a CUDA type."""
        if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
            return None
        method = node.func.attr.value
        if method == "byte" and not node.args:
            if self.context.names.binding_of(node.func.value) is None:
                return node.func.value, None
            return None
        if method != "type" or len(node.args) != 1 or node.args[0].keyword is not None or node.args[0].star:
            return None
        receiver = _method_receiver(node, self.context, ("type",))
        if receiver is None:
            return None
        arg = node.args[0].value
        typed = _typed_class(arg, self.context)
        if typed is None:
            kinds = {_typed_class(v, self.context) for v in self.values_of(arg) or ()}
            typed = kinds.pop() if len(kinds) == 1 else None  # every assignment binds the same typed class
        if typed is None or typed[0] != "ByteTensor":
            return None
        if typed[1]:
            return receiver, "cuda"
        return receiver, "cpu" if self.mentions_cuda else None

    def _byte_tensor(self, node: cst.BaseExpression) -> bool:
        """A `torch.ByteTensor(...)` or a call with `dtype=torch.uint8`, also under in-place fills
        (`torch.ByteTensor(4, 4).fill_(0)`), which return the same uint8 tensor."""
        while (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in _INPLACE_FILLS
            and isinstance(node.func.value, cst.Call)
        ):
            node = node.func.value
        if not isinstance(node, cst.Call):
            return False
        name = self.context.qualified_name(node.func)
        if name in ("torch.ByteTensor", "torch.cuda.ByteTensor"):
            return True
        return any(
            a.keyword is not None and a.keyword.value == "dtype" and self.context.qualified_name(a.value) == "torch.uint8"
            for a in node.args
        )

def _unpacks_call(target: cst.BaseExpression, value: cst.BaseExpression) -> bool:
    """`a, b = f(...)` with names on the left and a plain function name called on the right."""
    return (
        isinstance(target, (cst.Tuple, cst.List))
        and isinstance(value, cst.Call)
        and isinstance(value.func, cst.Name)
        and all(isinstance(e.value, cst.Name) and not isinstance(e, cst.StarredElement) for e in target.elements)
    )


def _parallel(target: cst.BaseExpression, value: cst.BaseExpression) -> bool:
    """`a, b = 1, 2`: names on the left, as many values on the right, no starred items."""
    return (
        isinstance(target, (cst.Tuple, cst.List))
        and isinstance(value, (cst.Tuple, cst.List))
        and len(target.elements) == len(value.elements)
        and all(isinstance(e.value, cst.Name) and not isinstance(e, cst.StarredElement) for e in target.elements)
        and not any(isinstance(e, cst.StarredElement) for e in value.elements)
    )



class LegacyConstructor(_FileFacts):
    """`torch.FloatTensor([...])` / `torch.Tensor(2, 3)`: use `torch.tensor` / `torch.empty`.

    What it does: a legacy typed constructor called with a literal list becomes
    `torch.tensor(list, dtype=...)` with the dtype the legacy call produced (a list of
    float literals given to `torch.Tensor` needs none); called with sizes it becomes
    `torch.empty(sizes, dtype=...)`; with no argument, `torch.empty(0)`.
    Why: the typed constructors are legacy since torch 0.4 (`torch.tensor` and the
    factory functions replaced them); their data/size overloading is error-prone
    (`torch.Tensor(3)` is an uninitialised vector of 3, `torch.Tensor([3])` holds 3).
    Example: `Variable(torch.Tensor([[1.0], [2.0]]))` becomes `torch.tensor([[1.0], [2.0]])`.
    A float literal (`torch.Tensor(2.5)`, which raises today) becomes `torch.tensor([2.5])`.
    Fix safety: safe: the dtype is stated whenever `torch.tensor` would infer another
    one (`torch.tensor([1, 2])` is int64, `torch.Tensor([1, 2])` float32); float data for
    an integer type is truncated toward zero by both (`torch.LongTensor([1.7, -2.2])`).
    A single argument of unknown kind (a name that may be a size, a list, an array or a
    tensor) is reported, not rewritten.
    """

    code = "TM701"
    message = "legacy tensor constructor; use `torch.tensor(data)` or `torch.empty(size)`"
    safety = Safety.SAFE
    triggers = ("Tensor(", "Tensor as", "Tensor,")
    trigger_words = ("Tensor",) + tuple(TYPED)
    # a call or an aliased import of `torch.Tensor` / a typed class: every way to reach one
    trigger_regex = called_or_aliased(word_regex("Tensor", ("",) + _TYPED_PREFIXES))
    changed_in = "0.4"
    examples = (
        fixes("import torch\nx = torch.Tensor([[1.0], [2.0]])\n", "import torch\nx = torch.tensor([[1.0], [2.0]])\n", id="floats"),
        fixes(
            "import torch\ny = torch.LongTensor([0, 1, 1])\nz = torch.FloatTensor([1, 2])\n",
            "import torch\ny = torch.tensor([0, 1, 1])\nz = torch.tensor([1, 2], dtype=torch.float32)\n",
            id="typed",
        ),
        fixes(
            "import torch\nn = 60\nidx = torch.LongTensor(n).random_(0, 3)\n",
            "import torch\nn = 60\nidx = torch.empty(n, dtype=torch.int64).random_(0, 3)\n",
            id="int-name",
        ),
        fixes(
            "from torch import Tensor as T, FloatTensor\nw = T(2, 3)\nb = FloatTensor(n)\n",
            "from torch import Tensor as T, FloatTensor\nimport torch\n\nw = torch.empty(2, 3)\nb = FloatTensor(n)\n",
            id="sizes-alias",
        ),
        fixes(
            "import torch\ns = torch.Tensor(2.5)\nl = torch.LongTensor([1.7, -2.2])\n",
            "import torch\ns = torch.tensor([2.5])\nl = torch.tensor([1.7, -2.2], dtype=torch.int64)\n",
            id="float-scalar-truncation",
        ),
        reports("import torch\nt = torch.Tensor(array)\n", id="unknown-kind"),
        keeps("import torch\nok = isinstance(x, torch.Tensor)\n", id="isinstance"),
        keeps("class Tensor:\n    pass\nt = Tensor([1])\n", id="own-class"),
    )

    constructors: ClassVar[Dict[str, Tuple[Optional[str], bool]]] = CONSTRUCTORS
    device: ClassVar[Optional[str]] = None

    def __init__(self, context) -> None:
        super().__init__(context)
        self.calls: List[Tuple[cst.Call, str]] = []

    def visit_Call(self, node: cst.Call) -> None:
        name = self.context.qualified_name(node.func)
        if name in self.constructors and not any(a.star for a in node.args):
            self.calls.append((node, name))

    def leave_Module(self, original_node: cst.Module) -> None:
        for node, name in self.calls:
            self._rewrite(node, name)

    def _rewrite(self, node: cst.Call, name: str) -> None:
        dtype, floating = self.constructors[name]
        keywords = [a for a in node.args if a.keyword is not None]
        positional = [a for a in node.args if a.keyword is None]
        if keywords:
            return  # `device=` and friends: rare in legacy code; leave to a human
        if not positional:
            self._replace(node, "torch.empty", [cst.Arg(cst.Integer("0"))], dtype)
            return
        if len(positional) == 1:
            value = positional[0].value
            if _number_kind(value) == "float":  # `torch.Tensor(2.5)`: a one-element tensor
                data = cst.Arg(cst.List([cst.Element(value)]))
                self._replace(node, "torch.tensor", [data], self._data_dtype(dtype, floating, {"float"}))
                return
            kinds = _literal_kinds(value)
            if kinds is not None and isinstance(value, (cst.List, cst.Tuple)):
                self._replace(node, "torch.tensor", [positional[0]], self._data_dtype(dtype, floating, kinds))
                return
            if kinds is not None or _is_size(value, self.context) or self.int_name(value):
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
        if self.device is not None:
            new_args.append(keyword_arg("device", cst.SimpleString(repr(self.device))))
        fixed = [a.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))) for a in new_args[:-1]]
        fixed.append(new_args[-1])
        self.report(node, node.with_changes(func=func, args=fixed), imports=imports)

    def _call_ref(self, expression: str):
        func, imports = self.context.reference(expression[: expression.index("(")])
        return cst.Call(func=func), imports


class CudaConstructor(LegacyConstructor):
    """`torch.cuda.FloatTensor(...)`: use `torch.tensor(data, device='cuda')` / `torch.empty(size, device='cuda')`.

    What it does: the CUDA typed constructors get the TM701 rewrite plus `device='cuda'`.
    Why: the typed constructors are legacy since torch 0.4; `torch.tensor` and the
    factory functions take `dtype=` and `device=` instead.
    Example: `torch.cuda.LongTensor(n)` becomes `torch.empty(n, dtype=torch.int64, device='cuda')`.
    Fix safety: safe: `device='cuda'` is the current CUDA device, where the legacy
    constructor allocated. Both forms fail on a machine without CUDA.
    """

    code = "TM702"
    message = "legacy CUDA tensor constructor; use `torch.tensor(data, device='cuda')` or `torch.empty(size, device='cuda')`"
    safety = Safety.SAFE
    triggers = ("cuda.", "cuda import")
    trigger_words = tuple(TYPED)
    trigger_regex = called_or_aliased(TYPED_WORD)
    changed_in = "0.4"
    constructors = CUDA_CONSTRUCTORS
    device = "cuda"
    examples = (
        fixes(
            "import torch\nidx = torch.cuda.LongTensor([0, 2])\nbuf = torch.cuda.FloatTensor(4, 3)\n",
            "import torch\nidx = torch.tensor([0, 2], device='cuda')\nbuf = torch.empty(4, 3, dtype=torch.float32, device='cuda')\n",
            id="data-and-sizes",
        ),
        fixes(
            "import torch as th\nw = th.cuda.DoubleTensor([1.5, 2])\n",
            "import torch as th\nw = th.tensor([1.5, 2], dtype=th.float64, device='cuda')\n",
            id="alias",
        ),
        reports("import torch\nt = torch.cuda.FloatTensor(array)\n", id="unknown-kind"),
        keeps("import torch\nok = isinstance(x, torch.cuda.FloatTensor)\n", id="isinstance"),
        keeps("import torch\nt = torch.tensor([1.0], device='cuda')\n", id="modern"),
    )


def _method_receiver(node: cst.Call, context, names: Tuple[str, ...]) -> Optional[cst.BaseExpression]:
    """`x` of `x.<name>(...)` when `x` is not an imported module (`np.resize`, `Image.new`)."""
    func = node.func
    if not isinstance(func, cst.Attribute) or func.attr.value not in names:
        return None
    if context.names.binding_of(func.value) is not None:
        return None
    return func.value


# Methods that exist on tensors and return tensors, never on modules (`float`, `cuda` exist on both).
_TENSOR_METHODS = frozenset(
    "view reshape sum mean abs exp log sqrt clamp t transpose permute squeeze unsqueeze contiguous index_select "
    "masked_fill gt lt ge le eq ne long int byte clone detach numpy_ view_as expand matmul mm bmm".split()
)


class TypeCast(_FileFacts):
    """`x.type(torch.FloatTensor)`: use `x.float()` (and `.long()`, `.double()`, ...).

    What it does: `x.type(T)` with a typed class or its name (`torch.FloatTensor`,
    `'torch.LongTensor'`, or a name bound once to one, as in `dtype = torch.FloatTensor`)
    becomes the cast method (`x.float()`, `x.long()`, ...). In a file that uses CUDA,
    where `x` may be on the GPU and `.type(torch.FloatTensor)` also moved it to the CPU,
    it becomes `x.cpu().float()`. A CUDA type (`torch.cuda.FloatTensor`) becomes
    `x.cuda().float()`.
    Why: the typed classes are legacy since torch 0.4 (`dtype` and `device` replaced them).
    Example: `x = torch.randn(N, D).type(dtype)` with `dtype = torch.FloatTensor` becomes
    `x = torch.randn(N, D).float()`.
    Fix safety: safe for CPU types on an evident tensor (a factory call, arithmetic, a
    comparison, `x.data`, or a name bound only to those; a CPU tensor stays put and
    `.cpu()` covers the rest); unsafe on anything else, since `nn.Module.type()` also cast
    integer buffers, which `Module.float()` leaves alone; unsafe for CUDA types: `.cuda()`
    moves to the current device, while `.type()` kept a tensor on another GPU where it was.
    """

    code = "TM703"
    message = "`x.type(torch.FloatTensor)` is legacy; use `x.float()` / `x.to(dtype)`"
    safety = Safety.SAFE
    triggers = (".type(",)
    trigger_words = tuple(TYPED)  # the class is named in the code or in a string
    # `.type(` in a file naming a typed class (in the call, a string, or what a name is bound to)
    trigger_regex = rf"\A(?=[\s\S]*?{TYPED_WORD})[\s\S]*?{method_regex('type')}"
    changed_in = "0.4"
    examples = (
        fixes(
            "import torch\ny = x.type(torch.LongTensor)\nz = x.type('torch.DoubleTensor')\n",
            "import torch\ny = x.long()\nz = x.double()\n",
            id="cpu-types",
        ),
        fixes(
            "import torch as th\ndtype = th.FloatTensor\nw = th.randn(3, 4).type(dtype)\n",
            "import torch as th\ndtype = th.FloatTensor\nw = th.randn(3, 4).float()\n",
            id="alias-dtype-name",
        ),
        fixes(
            "import torch\ndtype = torch.FloatTensor\na = x.data.type(dtype)\ndtype = torch.FloatTensor\nb = y.data.type(dtype)\n",
            "import torch\ndtype = torch.FloatTensor\na = x.data.float()\ndtype = torch.FloatTensor\nb = y.data.float()\n",
            id="name-bound-twice-to-one-class",
        ),
        fixes(
            "import torch\nx = x.cuda()\np = x.type(torch.FloatTensor)\nq = (a + b).type(torch.cuda.LongTensor)\n",
            "import torch\nx = x.cuda()\np = x.cpu().float()\nq = (a + b).cuda().long()\n",
            id="cuda-file",
        ),
        keeps("import torch\nname = x.type()\n", id="query"),
        keeps("import torch\ny = x.type(torch.float32)\nk = obj.type(kind)\n", id="dtype-or-unknown"),
        keeps("class Car:\n    def type(self, t):\n        return t\nCar().type('torch.FloatTensor')\n", id="no-torch"),
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self.candidates: List[Tuple[cst.Call, cst.BaseExpression, cst.BaseExpression]] = []

    def visit_Call(self, node: cst.Call) -> None:
        receiver = _method_receiver(node, self.context, ("type",))
        if receiver is None or len(node.args) != 1 or node.args[0].keyword is not None or node.args[0].star:
            return
        self.candidates.append((node, receiver, node.args[0].value))

    def leave_Module(self, original_node: cst.Module) -> None:
        if not imports_torch(self.context):
            return
        for node, receiver, arg in self.candidates:
            typed = _typed_class(arg, self.context)
            if typed is None:
                values = self.values_of(arg)
                kinds = {_typed_class(v, self.context) for v in values or ()}
                if len(kinds) == 1:  # every assignment binds the same typed class
                    typed = kinds.pop()
            if typed is None:
                continue
            name, cuda = typed
            cast = TYPED[name][0]
            tensor = self._tensor(receiver, set())
            safety = Safety.SAFE if tensor else Safety.UNSAFE
            message = None if tensor else self.message + " (unsafe: if this is an `nn.Module`, `.type()` also cast its integer buffers)"
            if cuda:
                new = method_call(method_call(receiver, "cuda"), cast)
                self.report(node, keep_parens(new, node), safety=Safety.UNSAFE,
                            message=self.message + " (unsafe: `.cuda()` moves to the current device)")
            elif self.mentions_cuda:
                self.report(node, keep_parens(method_call(method_call(receiver, "cpu"), cast), node), safety=safety, message=message)
            else:
                self.report(node, keep_parens(method_call(receiver, cast), node), safety=safety, message=message)

    def _tensor(self, node: cst.BaseExpression, seen: Set[str]) -> bool:
        """Evidently a tensor, not a module: arithmetic or a comparison, `x.data`, a torch
        factory call (`torch.randn(...)`) or a tensor method on one, or a name bound only to those."""
        if isinstance(node, (cst.BinaryOperation, cst.UnaryOperation, cst.Comparison)):
            return True
        if isinstance(node, cst.Attribute):
            return node.attr.value in ("data", "grad")
        if isinstance(node, cst.Call):
            name = self.context.qualified_name(node.func)
            if name is not None:
                return name.startswith("torch.") and not name.startswith(("torch.nn.", "torch.optim.", "torch.utils."))
            func = node.func
            return isinstance(func, cst.Attribute) and func.attr.value in _TENSOR_METHODS and self._tensor(func.value, seen)
        if isinstance(node, cst.Name) and node.value not in seen:
            values = self.values_of(node)
            return bool(values) and all(isinstance(v, cst.BaseExpression) and self._tensor(v, seen | {node.value}) for v in values)
        return False


class TypedClassCheck(Rule):
    """`isinstance(x, torch.FloatTensor)` / `type(x) == torch.FloatTensor`: check `x.dtype`.

    What it does: `type(x) == torch.FloatTensor` (always False since torch 0.4, as every
    tensor's type is `torch.Tensor`) becomes `isinstance(x, torch.FloatTensor)`, and
    `isinstance(x, torch.FloatTensor)` with a simple `x` becomes
    `isinstance(x, torch.Tensor) and x.dtype == torch.float32 and not x.is_cuda and
    x.layout == torch.strided` (`x.is_cuda` for a `torch.cuda` class; the layout because a
    sparse tensor never was an instance of a dense typed class).
    Why: the typed classes are legacy since torch 0.4.
    Example: `if isinstance(t, torch.LongTensor):` becomes
    `if isinstance(t, torch.Tensor) and t.dtype == torch.int64 and not t.is_cuda and t.layout == torch.strided:`.
    Fix safety: unsafe: up to 0.3 a `Variable` was not an instance of the typed classes,
    and code often used them to tell tensors from Variables; today every tensor is both.
    """

    code = "TM704"
    message = "typed tensor classes are legacy; check `x.dtype` (and `x.is_cuda`)"
    safety = Safety.UNSAFE
    triggers = ("Tensor)", "type(", "Tensor as")
    trigger_words = tuple(TYPED)
    # `isinstance(x, torch.FloatTensor)` ends the call with the class; `type(x) == torch.FloatTensor`
    # needs a `type(` call in a file naming a typed class
    trigger_regex = (
        rf"{TYPED_WORD}(?:{GAP_TOKEN}*[,)]|{GAP_TOKEN}+as\b)"
        rf"|\A(?=[\s\S]*?{TYPED_WORD})[\s\S]*?{word_regex('type')}{GAP_CLOSE_TOKEN}*\("
    )
    changed_in = "0.4"
    examples = (
        fixes(
            "import torch\nif isinstance(t, torch.LongTensor):\n    pass\n",
            "import torch\nif isinstance(t, torch.Tensor) and t.dtype == torch.int64 and not t.is_cuda and t.layout == torch.strided:\n    pass\n",
            id="isinstance",
        ),
        fixes(
            "import torch as th\nok = flag and type(x) == th.cuda.FloatTensor\n",
            "import torch as th\nok = flag and (isinstance(x, th.Tensor) and x.dtype == th.float32 and x.is_cuda and x.layout == th.strided)\n",
            id="alias-type-eq",
        ),
        fixes(
            "import torch\nbad = type(model(x)) is not torch.FloatTensor\n",
            "import torch\nbad = not isinstance(model(x), torch.FloatTensor)\n",
            id="type-is-not",
        ),
        keeps("import torch\nok = isinstance(x, torch.Tensor)\n", id="modern"),
        keeps("class FloatTensor:\n    pass\nok = isinstance(x, FloatTensor)\n", id="own-class"),
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self._bare: Set[int] = set()

    def visit_If(self, node: cst.If) -> None:
        self._bare.add(id(node.test))

    def visit_While(self, node: cst.While) -> None:
        self._bare.add(id(node.test))

    def visit_Assert(self, node: cst.Assert) -> None:
        self._bare.add(id(node.test))

    def visit_Assign(self, node: cst.Assign) -> None:
        self._bare.add(id(node.value))

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self._bare.add(id(node.value))

    def visit_Call(self, node: cst.Call) -> None:
        if not (isinstance(node.func, cst.Name) and node.func.value == "isinstance" and "isinstance" not in self.context.names.bindings):
            return
        if len(node.args) != 2 or any(a.keyword or a.star for a in node.args):
            return
        x, cls = node.args[0].value, node.args[1].value
        typed = _typed_class(cls, self.context) if not isinstance(cls, cst.SimpleString) else None
        if typed is None:
            return
        if not is_simple(x):
            self.report(node, message=self.message + " (the checked expression is not a simple name: rewrite by hand)")
            return
        parts = Parts(self.context)
        name, cuda = typed
        device = f"{atom_of(x)}.is_cuda" if cuda else f"not {atom_of(x)}.is_cuda"
        # a sparse tensor of that dtype was never an instance of the dense typed class
        layout = f"{atom_of(x)}.layout == {parts.ref('torch.strided')}"
        text = f"isinstance({source_of(x)}, {parts.ref('torch.Tensor')}) and {atom_of(x)}.dtype == {parts.ref(TYPED[name][1])} and {device} and {layout}"
        if id(node) not in self._bare:
            text = f"({text})"
        self.report(node, parts.expr(text), imports=parts.imports)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        if len(node.comparisons) != 1:
            return
        target = node.comparisons[0]
        left, right = node.left, target.comparator
        if not isinstance(target.operator, (cst.Equal, cst.NotEqual, cst.Is, cst.IsNot)):
            return
        if not (isinstance(left, cst.Call) and isinstance(left.func, cst.Name) and left.func.value == "type" and len(left.args) == 1):
            return
        if "type" in self.context.names.bindings or _typed_class(right, self.context) is None or isinstance(right, cst.SimpleString):
            return
        negate = isinstance(target.operator, (cst.NotEqual, cst.IsNot))
        text = f"{'not ' if negate else ''}isinstance({source_of(left.args[0].value)}, {source_of(right)})"
        self.report(node, keep_parens(cst.parse_expression(text), node),
                    message="`type(x) == torch.FloatTensor` is always False since torch 0.4; use `isinstance` / `x.dtype`")


class TorchRange(Rule):
    """`torch.range(start, end)`: use `torch.arange(start, end + 1, dtype=torch.get_default_dtype())`.

    What it does: rewrites `torch.range`, whose END IS INCLUDED and whose result has the
    default floating dtype even for integer arguments, into `torch.arange`. With integer
    literals, `torch.range(1, 4)` becomes `torch.arange(1, 5, dtype=torch.get_default_dtype())`
    (for a step s, the exclusive end is end + 1, or end - 1 for a negative step). With a
    float step, the legacy count floor((end - start) / step) + 1 is computed and the end
    is placed half a step past the last element: `torch.range(-1, 1, 0.25)` becomes
    `torch.arange(-1, 1.1, 0.25)` (nine elements). A non-literal end with an integer
    step becomes `end + 1` (`torch.range(0, n - 1)` -> `torch.arange(0, n, ...)`).
    Why: deprecated since torch 0.4 (a `UserWarning` today) for its inconsistency with
    Python's `range`.
    Example: `grid = torch.range(0, 9)` becomes `grid = torch.arange(0, 10, dtype=torch.get_default_dtype())`.
    Fix safety: safe for literal arguments (same count, same values: both compute
    start + i * step in double precision; verified bitwise); unsafe for non-literal ones,
    exact only when they hold integers. A non-literal step is reported.
    """

    code = "TM705"
    message = "`torch.range` is deprecated (inclusive end, float dtype); use `torch.arange(start, end + step)`"
    safety = Safety.SAFE
    triggers = (".range(", "import range", ", range", "(range")
    trigger_words = ("range",)
    # `torch.range(`, `range as`, or `range` / `*` imported from torch (then `range(...)` is torch's)
    trigger_regex = (
        rf"{method_regex('range')}|{word_regex('range')}{GAP_TOKEN}+as\b"
        rf"|{word_regex('from')}{GAP_TOKEN}+torch{GAP_TOKEN}+import\b(?:[\s\\(]|#[^\n]*\n)*"
        rf"(?:\w+(?:{GAP_TOKEN}+as{GAP_TOKEN}+\w+)?{GAP_TOKEN}*,{GAP_TOKEN}*)*(?:range\b|\*)"
    )
    changed_in = "0.4"
    examples = (
        fixes(
            "import torch\ng = torch.range(1, 4)\nh = torch.range(0, 10, 3)\n",
            "import torch\ng = torch.arange(1, 5, dtype=torch.get_default_dtype())\nh = torch.arange(0, 11, 3, dtype=torch.get_default_dtype())\n",
            id="integers",
        ),
        fixes(
            "import torch as th\nu = th.range(-1, 1, 0.25)\nv = th.range(0, 0.3, 0.1)\n",
            "import torch as th\nu = th.arange(-1, 1.1, 0.25)\nv = th.arange(0, 0.25, 0.1)\n",
            id="alias-float-step",
        ),
        fixes(
            "from torch import range as trange\nidx = trange(0, n - 1).long()\nd = trange(5, 1, -1, dtype=torch.int64)\n",
            "import torch\n\nidx = torch.arange(0, n, dtype=torch.get_default_dtype()).long()\nd = torch.arange(5, 0, -1, dtype=torch.int64)\n",
            id="from-import-non-literal",
        ),
        reports("import torch\nt = torch.range(a, b, step)\n", id="non-literal-step"),
        keeps("import torch\nfor i in range(10):\n    t = torch.arange(i)\n", id="builtin-range"),
        keeps("def range(a, b):\n    return [a, b]\nr = range(1, 4)\n", id="own-function"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if self.context.qualified_name(node.func) != "torch.range" or any(a.star for a in node.args):
            return
        positional = [a for a in node.args if a.keyword is None]
        keywords = [a for a in node.args if a.keyword is not None]
        named = {a.keyword.value: a for a in keywords}  # type: ignore[union-attr]
        if "out" in named or len(positional) < 2 or len(positional) > 3 or any(k in named for k in ("start", "end", "step")):
            self.report(node)
            return
        start, end = positional[0].value, positional[1].value
        step_node = positional[2].value if len(positional) == 3 else None
        step = literal(step_node) if step_node is not None else 1
        if not _is_number(step) or step == 0:
            self.report(node, message=self.message + " (the step is not a literal: rewrite by hand)")
            return
        a, b = literal(start), literal(end)
        parts = Parts(self.context)
        safety = Safety.SAFE
        message = None
        float_args = any(isinstance(v, float) for v in (a, b, step))
        if _is_number(a) and _is_number(b):
            count = int((b - a) / step + 1)
            if (b - a) / step < 0:
                self.report(node, message=self.message + " (the bounds are inconsistent with the step)")
                return
            if float_args:
                stop = _float_stop(a, step, count)
                if stop is None:
                    self.report(node, message=self.message + " (no exact `arange` end found: rewrite by hand)")
                    return
                stop_text = stop
            else:
                stop_text = str(b + (1 if step > 0 else -1))
        elif isinstance(step, int):
            stop_text = _shifted(end, 1 if step > 0 else -1)
            safety = Safety.UNSAFE
            message = self.message + " (unsafe: exact only when start and end are integers)"
        else:
            self.report(node, message=self.message + " (a float step with non-literal bounds: the element count needs care)")
            return
        pieces = [source_of(start), stop_text]
        if step_node is not None and step != 1:
            pieces.append(source_of(step_node))
        pieces += [source_of(k.with_changes(comma=cst.MaybeSentinel.DEFAULT)) for k in keywords]
        if "dtype" not in named and not float_args:
            pieces.append(f"dtype={parts.ref('torch.get_default_dtype')}()")
        text = f"{parts.ref('torch.arange')}({', '.join(pieces)})"
        self.report(node, parts.expr(text, like=node), imports=parts.imports, safety=safety, message=message,
                    releases=call_releases(self.context, node.func))


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _float_stop(start: float, step: float, count: int) -> Optional[str]:
    """A short literal end for which `torch.arange(start, end, step)` has `count` elements.

    arange's count is ceil((end - start) / step) in double precision; the end is put
    half a step past the last element, rounded to the fewest decimals that keep it
    well inside (count - 1, count].
    """
    middle = start + (count - 0.5) * step
    for digits in range(1, 17):
        candidate = round(middle, digits)
        ratio = (candidate - start) / step
        if math.ceil(ratio) == count and abs(ratio - (count - 0.5)) < 0.25:
            return repr(candidate)
    return None


def _shifted(node: cst.BaseExpression, delta: int) -> str:
    """Source for `node + delta`, folding `n - 1` + 1 into `n`."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.right, cst.Integer) and not node.lpar:
        k = int(node.right.value)
        if isinstance(node.operator, cst.Subtract):
            k = -k
        elif not isinstance(node.operator, cst.Add):
            k = None  # type: ignore[assignment]
        if k is not None:
            total = k + delta
            left = source_of(node.left)
            if total == 0:
                return left if not isinstance(node.left, (cst.BooleanOperation, cst.IfExp, cst.Lambda)) else f"({left})"
            return f"{left} {'+' if total > 0 else '-'} {abs(total)}"
    text = source_of(node)
    if isinstance(node, (cst.BooleanOperation, cst.IfExp, cst.Lambda, cst.Comparison, cst.UnaryOperation)) and not getattr(node, "lpar", None):
        text = f"({text})"
    return f"{text} {'+' if delta > 0 else '-'} {abs(delta)}"


def _int_like(node: cst.BaseExpression, context) -> bool:
    """An expression that can only be a size: an integer literal, `x.size(i)`, `len(...)`, or
    integer arithmetic of names; not a string, float, list or tuple."""
    if isinstance(node, cst.UnaryOperation):
        return _int_like(node.expression, context)
    if isinstance(node, cst.Integer):
        return True
    if isinstance(node, (cst.Name, cst.Attribute, cst.Subscript)):
        return context.qualified_name(node) is None or not isinstance(node, cst.Attribute)
    if isinstance(node, cst.BinaryOperation):
        return _int_like(node.left, context) and _int_like(node.right, context)
    if isinstance(node, cst.Call):
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("size", "numel", "dim") and len(node.args) <= 1:
            return True
        return isinstance(func, cst.Name) and func.value in ("len", "int") and func.value not in context.names.bindings
    return False


def _size_like(node: cst.BaseExpression, context) -> bool:
    """`x.size()`, `x.shape`, `torch.Size(...)`, an integer literal or `x.size(0)`."""
    if _is_size(node, context) or isinstance(node, cst.Integer):
        return True
    if not isinstance(node, cst.Call):
        return False
    func = node.func
    if isinstance(func, cst.Attribute):
        return func.attr.value in ("size", "numel")
    return isinstance(func, cst.Name) and func.value == "len" and "len" not in context.names.bindings


class TensorNew(_FileFacts):
    """`x.new(2, 3)` / `x.new(list)` / `x.new()`: use `x.new_empty(...)` / `x.new_tensor(list)`.

    What it does: `x.new(sizes...)` becomes `x.new_empty(sizes...)`, `x.new()` becomes
    `x.new_empty(0)` and `x.new([..])` with a literal list becomes `x.new_tensor([..])`: the
    same dtype and device as `x`. A single argument of unknown kind (a size, a list or a
    tensor to alias) is reported.
    Why: `Tensor.new` is the legacy overloaded constructor; torch 0.4 added the explicit
    `new_empty`, `new_tensor`, `new_zeros` and `new_ones`.
    Example: `h = x.data.new(2, batch, hidden)` becomes `h = x.data.new_empty(2, batch, hidden)`.
    Fix safety: safe: `new_empty` is uninitialised like `new`, and `new_tensor` copies
    the list with `x`'s dtype. The receiver is assumed to be a tensor in files that
    import torch (imported modules such as `hashlib.new` are never matched).
    """

    code = "TM706"
    message = "`x.new(...)` is legacy; use `x.new_empty(size)` / `x.new_tensor(data)`"
    safety = Safety.SAFE
    triggers = (".new(",)
    trigger_words = ("new",)
    changed_in = "0.4"
    examples = (
        fixes(
            "import torch\nh = x.data.new(2, batch, hidden)\nz = x.new()\n",
            "import torch\nh = x.data.new_empty(2, batch, hidden)\nz = x.new_empty(0)\n",
            id="sizes-empty",
        ),
        fixes(
            "import torch as th\nn, d = 60, 4\nw = x.new([0.5, 1.5])\ns = x.new(y.size())\nh = x.new(n)\nc = x.new([k * 2 for k in ks])\n",
            "import torch as th\nn, d = 60, 4\nw = x.new_tensor([0.5, 1.5])\ns = x.new_empty(y.size())\nh = x.new_empty(n)\nc = x.new_tensor([k * 2 for k in ks])\n",
            id="alias-data-size",
        ),
        reports("import torch\nt = x.new(other)\n", id="unknown-kind"),
        keeps("import torch\nimport hashlib\nh = hashlib.new('sha1')\n", id="hashlib"),
        keeps("import torch\nfrom PIL import Image\nim = Image.new('RGB', (4, 4))\nc = canvas.new('RGB', size)\n", id="pil-like"),
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self.calls: List[Tuple[cst.Call, cst.BaseExpression]] = []

    def visit_Call(self, node: cst.Call) -> None:
        receiver = _method_receiver(node, self.context, ("new",))
        if receiver is None or not imports_torch(self.context) or any(a.star or a.keyword for a in node.args):
            return
        self.calls.append((node, receiver))

    def leave_Module(self, original_node: cst.Module) -> None:
        for node, receiver in self.calls:
            self._rewrite(node, receiver)

    def _rewrite(self, node: cst.Call, receiver: cst.BaseExpression) -> None:
        args = [a.value for a in node.args]
        if not args:
            self._emit(node, receiver, "new_empty", [cst.Integer("0")])
        elif len(args) == 1:
            value = args[0]
            kinds = _literal_kinds(value)
            if (isinstance(value, cst.List) and kinds is not None) or isinstance(value, cst.ListComp):
                self._emit(node, receiver, "new_tensor", [value])
            elif _size_like(value, self.context) or self.int_name(value):
                self._emit(node, receiver, "new_empty", [value])
            elif isinstance(value, (cst.Name, cst.Attribute, cst.Subscript, cst.Call)):
                self.report(node, message=self.message + " (the argument may be a size, data or a tensor to alias: choose by hand)")
        elif all(_int_like(v, self.context) for v in args):
            self._emit(node, receiver, "new_empty", args)

    def _emit(self, node: cst.Call, receiver: cst.BaseExpression, method: str, args) -> None:
        new = node.with_changes(func=node.func.with_changes(attr=cst.Name(method)))  # type: ignore[union-attr]
        if len(args) == 1 and not node.args:
            new = new.with_changes(args=[cst.Arg(args[0])])
        self.report(node, new)


class SetDefaultTensorType(Rule):
    """`torch.set_default_tensor_type(torch.DoubleTensor)`: use `torch.set_default_dtype(torch.float64)`.

    What it does: rewrites the call for the CPU floating types (class or name string).
    A CUDA type is reported: use `torch.set_default_dtype(...)` and
    `torch.set_default_device('cuda')` (torch 2.0+).
    Why: deprecated in torch 2.1 (a `UserWarning` today).
    Example: `torch.set_default_tensor_type('torch.DoubleTensor')` becomes
    `torch.set_default_dtype(torch.float64)`.
    Fix safety: safe for CPU types: the default dtype is what the call set.
    """

    code = "TM707"
    message = "`torch.set_default_tensor_type` is deprecated; use `torch.set_default_dtype`"
    safety = Safety.SAFE
    triggers = ("set_default_tensor_type",)
    trigger_words = ("set_default_tensor_type",)
    changed_in = "2.1"
    requires = "0.4"
    examples = (
        fixes(
            "import torch\ntorch.set_default_tensor_type(torch.DoubleTensor)\n",
            "import torch\ntorch.set_default_dtype(torch.float64)\n",
            id="class",
        ),
        fixes(
            "import torch as th\nth.set_default_tensor_type('torch.FloatTensor')\n",
            "import torch as th\nth.set_default_dtype(th.float32)\n",
            id="alias-string",
        ),
        reports("import torch\ntorch.set_default_tensor_type(torch.cuda.FloatTensor)\n", id="cuda"),
        keeps("import torch\ntorch.set_default_dtype(torch.float64)\n", id="modern"),
        keeps("def set_default_tensor_type(t):\n    pass\nset_default_tensor_type('torch.DoubleTensor')\n", id="own-function"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if self.context.qualified_name(node.func) != "torch.set_default_tensor_type":
            return
        if len(node.args) != 1 or node.args[0].star:
            self.report(node)
            return
        typed = _typed_class(node.args[0].value, self.context)
        if typed is None or typed[1] or not TYPED[typed[0]][1] in ("torch.float32", "torch.float64", "torch.float16", "torch.bfloat16"):
            why = "a CUDA type: also call `torch.set_default_device('cuda')`" if typed and typed[1] else "the type is not a literal"
            self.report(node, message=f"{self.message} ({why})")
            return
        parts = Parts(self.context)
        text = f"{parts.ref('torch.set_default_dtype')}({parts.ref(TYPED[typed[0]][1])})"
        self.report(node, parts.expr(text, like=node), imports=parts.imports, releases=call_releases(self.context, node.func))


class NonInplaceResize(Rule):
    """`x.resize(2, 2)` / `x.resize_as(y)` (not in place): use `x.reshape(2, 2)` / `x.reshape_as(y)`.

    What it does: rewrites the non-inplace `resize`/`resize_as` tensor methods to `reshape`/
    `reshape_as`. Calls that look like image or array resizing (a tuple argument, an
    imported receiver, keywords) are left alone.
    Why: non-inplace resize is deprecated since torch 0.4 (`UserWarning: non-inplace
    resize is deprecated`); it only ever allowed the same number of elements, like reshape.
    Example: `out = h.resize(batch, hidden)` becomes `out = h.reshape(batch, hidden)`.
    Fix safety: unsafe: the receiver may not be a tensor (`PIL.Image.resize`,
    `numpy.ndarray.resize` resize in place or resample); for tensors it is exact.
    """

    code = "TM708"
    message = "non-inplace `resize` is deprecated; use `reshape` (same number of elements)"
    safety = Safety.UNSAFE
    triggers = (".resize(", ".resize_as(")
    trigger_words = ("resize", "resize_as")
    changed_in = "0.4"
    examples = (
        fixes("import torch\nout = h.resize(batch, hidden)\n", "import torch\nout = h.reshape(batch, hidden)\n", id="sizes"),
        fixes(
            "import torch as th\ny = th.zeros(4).resize(2, 2)\nz = a.resize_as(b)\n",
            "import torch as th\ny = th.zeros(4).reshape(2, 2)\nz = a.reshape_as(b)\n",
            id="alias-resize-as",
        ),
        keeps("import torch\nfrom PIL import Image\nimg = img.resize((64, 64), Image.BILINEAR)\n", id="pil"),
        keeps("import torch\nimport cv2\nsmall = cv2.resize(img, (32, 32))\nx.resize_(2, 2)\n", id="cv2-and-inplace"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        receiver = _method_receiver(node, self.context, ("resize", "resize_as"))
        if receiver is None or not imports_torch(self.context) or not node.args:
            return
        if any(a.star or a.keyword for a in node.args):
            return
        method = node.func.attr.value  # type: ignore[union-attr]
        values = [a.value for a in node.args]
        if method == "resize_as":
            if len(values) != 1 or not is_simple(values[0]) and not isinstance(values[0], cst.Call):
                return
        elif len(values) == 1:
            if not _size_like(values[0], self.context):
                return
        elif not all(_int_like(v, self.context) for v in values):
            return
        new = node.with_changes(func=node.func.with_changes(attr=cst.Name(method.replace("resize", "reshape"))))  # type: ignore[union-attr]
        self.report(node, new)


_COMPARISONS = frozenset(("eq", "ne", "gt", "lt", "ge", "le", "__eq__", "__ne__", "__gt__", "__lt__", "__ge__", "__le__"))
_CMP_METHOD = r"(?:eq|ne|gt|lt|ge|le|__(?:eq|ne|gt|lt|ge|le)__)"  # in `trigger_regex`s
_MASK_METHODS = {"masked_fill": 0, "masked_fill_": 0, "masked_select": 0, "masked_scatter": 0, "masked_scatter_": 0}


def _is_comparison(node: cst.BaseExpression, context) -> bool:
    """An expression whose value is a comparison result (uint8 up to torch 1.1, bool since)."""
    if isinstance(node, cst.Comparison):
        return all(not isinstance(c.operator, (cst.In, cst.NotIn, cst.Is, cst.IsNot)) for c in node.comparisons)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        name = context.qualified_name(node.func)
        if name is not None:
            return name in {f"torch.{c}" for c in _COMPARISONS}
        return node.func.attr.value in _COMPARISONS
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.BitInvert):
        return _is_comparison(node.expression, context)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.BitAnd, cst.BitOr, cst.BitXor)):
        return _is_comparison(node.left, context) and _is_comparison(node.right, context)
    return False


def _strip_parens(node: cst.BaseExpression) -> cst.BaseExpression:
    if getattr(node, "lpar", None):
        return node.with_changes(lpar=[], rpar=[])  # type: ignore[attr-defined]
    return node


class ByteMask(_FileFacts):
    """uint8 masks (`m.byte()`) given to `masked_fill`, indexing or `torch.where`: use a bool mask.

    What it does: a mask argument written `cond.byte()` (or `cond.type(torch.ByteTensor)`,
    `'torch.ByteTensor'`, `torch.cuda.ByteTensor`) loses the cast when `cond` is a
    comparison (`x.masked_fill((x > 0).byte(), 0)` -> `x.masked_fill(x > 0, 0)`) and
    becomes `m.bool()` otherwise; `.type()` keeps its device move (`.cpu()` in a file that
    uses CUDA, `.cuda()` for a CUDA type). A mask that is a name bound to such a value, or a
    `torch.ByteTensor(...)` (also with `.fill_()`, `.zero_()`, `.random_()`,
    `.bernoulli_()` on it), is reported.
    Why: comparisons returned uint8 masks until torch 1.2; since then masks are bool,
    indexing with uint8 warns and `masked_fill`/`masked_select`/`masked_scatter` raise
    (`RuntimeError: masked_fill_ only supports boolean masks`).
    Example: `scores.masked_fill_(pad.byte(), -1e9)` becomes `scores.masked_fill_(pad.bool(), -1e9)`.
    Fix safety: safe for comparisons (0/1 values); unsafe for other tensors, since
    `.byte()` wrapped values modulo 256 and truncated fractions, so 256 or 0.5 were
    "false" for the legacy mask and are true for `.bool()`; unsafe for a CUDA type, since
    `.cuda()` moves to the current device where `.type()` kept a tensor on its own GPU.
    """

    code = "TM709"
    message = "uint8 masks are deprecated (an error for `masked_fill`); use a bool mask"
    safety = Safety.SAFE
    triggers = (".byte()", "ByteTensor", "uint8")
    trigger_words = ("byte", "ByteTensor", "uint8")
    # `m.byte()`, a `torch.ByteTensor(...)`, or a call with `dtype=torch.uint8` (any spelling of it)
    trigger_regex = (
        rf"{method_regex('byte', no_args=True)}|{called_or_aliased(word_regex('ByteTensor'))}"
        rf"|{word_regex('dtype')}{GAP_TOKEN}*=(?:[\w.\s()\\]|#[^\n]*\n)*?\buint8\b|{word_regex('uint8')}{GAP_TOKEN}+as\b"
        # `m.type(torch.ByteTensor)`: `.type(` in a file naming the class (in the call, a string, a name's value)
        rf"|\A(?=[\s\S]*?{word_regex('ByteTensor')})[\s\S]*?{method_regex('type')}"
    )
    changed_in = "1.2"
    requires = "1.2"
    examples = (
        fixes(
            "import torch\ny = x.masked_fill((x > 0).byte(), 0)\nz = x[x.eq(3).byte()]\n",
            "import torch\ny = x.masked_fill(x > 0, 0)\nz = x[x.eq(3)]\n",
            id="comparison",
        ),
        fixes(
            "import torch as th\ns = scores.masked_fill_(pad.byte(), -1e9)\nw = th.where(keep.byte(), a, b)\n",
            "import torch as th\ns = scores.masked_fill_(pad.bool(), -1e9)\nw = th.where(keep.bool(), a, b)\n",
            id="alias-unsafe",
        ),
        reports("import torch\nmask = (lengths > 3).byte()\nout = x.masked_select(mask)\n", id="name"),
        fixes(
            "import torch\ny = x.masked_fill((x > 0.5).type(torch.ByteTensor), 0)\nz = x[x.eq(3).type('torch.ByteTensor')]\n",
            "import torch\ny = x.masked_fill(x > 0.5, 0)\nz = x[x.eq(3)]\n",
            id="type-byte-comparison",
        ),
        fixes(
            "import torch as th\nx = x.cuda()\ns = scores.masked_fill_(pad.type(th.ByteTensor), -1e9)\n"
            "w = th.where((a > b).type(th.cuda.ByteTensor), a, b)\n",
            "import torch as th\nx = x.cuda()\ns = scores.masked_fill_(pad.cpu().bool(), -1e9)\n"
            "w = th.where((a > b).cuda(), a, b)\n",
            id="type-byte-alias-devices",
        ),
        reports("import torch\nm = (x > 0.5).type(torch.ByteTensor)\nx.masked_fill_(m, 0)\n", id="type-byte-name"),
        reports(
            "import torch\nbg = torch.ByteTensor(4, 4).fill_(0)\nbg[0] = 1\nout = img.masked_select(bg)\n",
            id="byte-tensor-fill-name",
        ),
        reports("from torch import ByteTensor as B\nkeep = x[B(4).zero_()]\n", id="byte-tensor-zero-alias"),
        keeps("import torch\nmask = x > 0\ny = x.masked_fill(mask, 0)\n", id="bool-mask"),
        keeps("import torch\nb = img.byte()\nsave(b)\n", id="image-bytes"),
        keeps(
            "import torch\nm = (x > 0.5).type(torch.FloatTensor)\ny = x.masked_fill(x > 0.5, 0)\nz = w * m\n"
            "k = img.type(torch.ByteTensor)\nsave(k)\n",
            id="type-float-and-unused-byte",
        ),
        keeps(
            "import torch\nbuf = torch.FloatTensor(4).fill_(0)\nout = x.masked_select(buf > 0)\n"
            "class Kind:\n    def type(self, t):\n        return t\nkeep = x[Kind().type('torch.ByteTensor') > 0]\n",
            id="look-alikes",
        ),
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self.uses: List[cst.BaseExpression] = []

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        name = self.context.qualified_name(func)
        positional = [a for a in node.args if a.keyword is None and not a.star]
        if name == "torch.where" and positional:
            self.uses.append(positional[0].value)
        elif name in ("torch.masked_select",) and len(positional) >= 2:
            self.uses.append(positional[1].value)
        elif name is None and isinstance(func, cst.Attribute) and func.attr.value in _MASK_METHODS and positional:
            self.uses.append(positional[0].value)

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            self.uses.append(node.slice[0].slice.value)

    def leave_Module(self, original_node: cst.Module) -> None:
        if not imports_torch(self.context):
            return
        for mask in self.uses:
            cast = self._byte_of(mask)
            if cast is not None:
                inner, device = cast
                moved = inner if device is None else method_call(inner, device)
                if device == "cuda":
                    safety: Optional[Safety] = Safety.UNSAFE
                    why = " (unsafe: `.cuda()` moves to the current device, `.type()` kept a tensor on its GPU)"
                else:
                    safety, why = None, ""
                if _is_comparison(_without_moves(inner), self.context):
                    new = _strip_parens(inner) if device is None else moved
                    self.report(mask, keep_parens(new, mask), safety=safety, message=self.message + why if why else None)
                else:
                    self.report(mask, keep_parens(method_call(moved, "bool"), mask), safety=Safety.UNSAFE,
                                message=self.message + (why or " (unsafe: `.byte()` wrapped modulo 256; `.bool()` is true for any nonzero)"))
                continue
            values = self.values_of(mask)
            if values and all(self._byte_of(v) is not None or self._byte_tensor(v) for v in values):
                self.report(mask, message=f"{self.message} (`{source_of(mask)}` is a uint8 tensor: make it `.bool()` where it is built)")
            elif self._byte_tensor(mask):
                self.report(mask, message=f"{self.message} (a uint8 tensor: use `dtype=torch.bool`)")



# In-place methods that return the tensor they fill, dtype unchanged.
_INPLACE_FILLS = frozenset(("fill_", "zero_", "random_", "bernoulli_"))


def _without_moves(node: cst.BaseExpression) -> cst.BaseExpression:
    """`c` of `c.cpu()` / `c.cuda()` (no arguments): a device move keeps the values."""
    while (
        isinstance(node, cst.Call)
        and not node.args
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value in ("cpu", "cuda")
    ):
        node = node.func.value
    return node


class ComparisonArithmetic(_FileFacts):
    """`1 - (x > 0)`: comparison results are bool since torch 1.2; use `~(x > 0)`.

    What it does: `1 - mask`, where `mask` is a comparison (`x > 0`, `x.eq(y)`, or a name
    bound only to comparisons) or where `1 - mask` is itself passed as a mask
    (`scores.masked_fill(1 - mask, -inf)`), becomes `~mask`. Negation (`-mask`) and sums of two
    comparisons (`m1 + m2`, a count in uint8, a logical OR on bool) are reported.
    Why: up to torch 1.1 comparisons returned uint8 tensors and arithmetic on them was
    common; since 1.2 they are bool: `1 - mask` raises (`Subtraction, the - operator,
    with a bool tensor is not supported`) and `m1 + m2` silently becomes a logical OR.
    Example: `keep = 1 - (labels == ignore)` becomes `keep = ~(labels == ignore)`.
    Fix safety: unsafe: the result is bool where it was uint8 (the same 0/1 values; uint8
    arithmetic on it later wrapped at 256, bool arithmetic promotes to int64).
    """

    code = "TM710"
    message = "arithmetic on a comparison result fails since torch 1.2 (masks are bool); use `~mask` / `.long()`"
    safety = Safety.UNSAFE
    triggers = ("1 -", "1-", "-(", "- (", " + ", ")+")
    # The rule reports only what this matches in the expression itself (re-checked in
    # `leave_Module`), so it is also its definition: `1 - X` where the 1 is a whole operand
    # (not `n - 1 - x`) and X is parenthesised, inverted, a comparison method call or a (dotted)
    # name that is the whole operand; a sum whose right side is a comparison; `-(a > b)`.
    # A name is not followed by words other than keywords: `1-D tensor` in prose is no expression.
    trigger_regex = (
        r"1(?<![\w.+/%~-]1)(?<![-+/%~] 1)\s*-\s*(?:[(~]"
        r"|[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?!\w)(?![ \t]*[.(\[*/%@])"
        r"(?![ \t]+(?!(?:if|else|for|async|and|or|not|in|is|from|as)\b)[A-Za-z_])"
        r"|[^\n]*?\.\s*" + _CMP_METHOD + r"\s*\()"
        r"|\)\s*\+\s*(?:\([^()\n]*?(?:[<>]|[=!]=)|[\w.]+\.\s*" + _CMP_METHOD + r"\s*\()"
        r"|-\s*\([^()\n]*?(?:[<>]|[=!]=)"
    )
    changed_in = "1.2"
    requires = "1.2"
    examples = (
        fixes("import torch\nkeep = 1 - (labels == ignore)\n", "import torch\nkeep = ~(labels == ignore)\n", id="literal"),
        fixes(
            "import torch as th\nmask = x.gt(0)\ninv = 1-mask\n",
            "import torch as th\nmask = x.gt(0)\ninv = ~mask\n",
            id="alias-name",
        ),
        fixes(
            "import torch\ndef forward(scores, mask):\n    return scores.masked_fill(1 - mask, -1e9)\n",
            "import torch\ndef forward(scores, mask):\n    return scores.masked_fill(~mask, -1e9)\n",
            id="used-as-mask",
        ),
        fixes(
            "import torch\ndef batch(x):\n    m = x > 0\n    return x, m\nx, m = batch(data)\nfree = (1 - m).sum()\n",
            "import torch\ndef batch(x):\n    m = x > 0\n    return x, m\nx, m = batch(data)\nfree = (~m).sum()\n",
            id="returned-mask",
        ),
        fixes(
            "import torch\nvalid = torch.ByteTensor([1, 0, 1])\ny = torch.where(1 - valid, x, -x)\nz = x.masked_fill(1 - valid, 0.0)\n",
            "import torch\nvalid = torch.ByteTensor([1, 0, 1])\ny = torch.where(valid == 0, x, -x)\nz = x.masked_fill(valid == 0, 0.0)\n",
            id="uint8-tensor-inverted",
        ),
        fixes(
            "import torch\nkeep = x.byte()\nprint(v[1 - keep], 1 - keep + 2)\n",
            "import torch\nkeep = x.byte()\nprint(v[keep == 0], (keep == 0) + 2)\n",
            id="uint8-name-in-expressions",
        ),
        reports("import torch\nboth = (a > 0) + (b > 0)\n", id="sum"),
        keeps("import torch\nw = 1 - mask.float()\n", id="float-mask"),
        keeps("import torch\nscale = 1 - (epoch / total)\nfor i in range(5):\n    flag = 1 - (i > 3)\n", id="python-numbers-look-alike"),
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self.candidates: List[cst.BaseExpression] = []
        self.mask_arguments: Set[int] = set()
        self.indexes: Set[int] = set()  # `x[...]`'s index expressions

    def visit_Call(self, node: cst.Call) -> None:
        # `x.masked_fill(1 - mask, v)`: whatever `mask` is, `1 - mask` is used as a mask
        func = node.func
        positional = [a.value for a in node.args if a.keyword is None and not a.star]
        if positional and isinstance(func, cst.Attribute) and func.attr.value in _MASK_METHODS:
            self.mask_arguments.add(id(positional[0]))
        elif positional and self.context.qualified_name(func) == "torch.where":
            self.mask_arguments.add(id(positional[0]))

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            self.indexes.add(id(node.slice[0].slice.value))

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, (cst.Subtract, cst.Add)):
            self.candidates.append(node)

    def visit_UnaryOperation(self, node: cst.UnaryOperation) -> None:
        if isinstance(node.operator, cst.Minus):
            self.candidates.append(node)

    def leave_Module(self, original_node: cst.Module) -> None:
        if not imports_torch(self.context):
            return
        for node in self.candidates:
            if not self.trigger_pattern().search(source_of(node).encode()):
                continue  # spelled in a way the pre-filter cannot see (`m1+m2`): leave it, consistently
            if isinstance(node, cst.UnaryOperation):
                if self._mask(node.expression):
                    self.report(node, message=self.message + " (negating a mask: use `~mask` for inversion)")
                continue
            inverted_mask = id(node) in self.mask_arguments and isinstance(node.right, (cst.Name, cst.Attribute))
            if isinstance(node.operator, cst.Subtract) and literal(node.left) == 1 and self._uint8(node.right):
                # `~` of a uint8 tensor is its bitwise complement (254, 255), no inverted mask
                text = atom_of(node.right)
                # a comparison binds looser than the arithmetic `1 - m` may stand in, except as an argument
                loose = id(node) in self.mask_arguments or id(node) in self.indexes or node.lpar
                comparison = f"{text} == 0" if loose else f"({text} == 0)"
                inverse = keep_parens(cst.parse_expression(comparison), node)
                self.report(node, inverse, message=self.message + " (a uint8 tensor: `m == 0` is the inverted mask)")
            elif isinstance(node.operator, cst.Subtract) and literal(node.left) == 1 and (self._mask(node.right) or inverted_mask):
                self.report(node, keep_parens(cst.parse_expression(f"~{atom_of(node.right)}"), node))
            elif isinstance(node.operator, cst.Add) and self._mask(node.left) and self._mask(node.right):
                self.report(node, message=self.message + " (adding masks is a logical OR on bool tensors: use `m1.long() + m2.long()` to count)")

    def _uint8(self, node: cst.BaseExpression) -> bool:
        """A uint8 tensor the file builds itself (`torch.ByteTensor(...)`, `.byte()`, `.type(torch.ByteTensor)`),
        or a name bound only to such tensors."""
        if self._byte_of(node) is not None or self._byte_tensor(node):
            return True
        values = self.values_of(node) if isinstance(node, cst.Name) else None
        return bool(values) and all(self._byte_of(v) is not None or self._byte_tensor(v) for v in values)

    def _mask(self, node: cst.BaseExpression, seen: Optional[Set[Tuple[int, str]]] = None) -> bool:
        if _is_comparison(node, self.context):
            return not self._python_comparison(node)
        if not isinstance(node, cst.Name):
            return False
        scope, values = self._resolve(node)
        key = (id(scope), node.value)
        if key in (seen or set()):
            return False
        seen = (seen or set()) | {key}
        if not values:
            return False
        for value in values:
            if isinstance(value, _Unpacked):
                returned = self.returned(value)
                if not returned or not all(self._mask(r, seen) for r in returned):
                    return False
            elif not self._mask(value, seen):
                return False
        return True

    def _python_comparison(self, node: cst.BaseExpression) -> bool:
        """`i > 3` where `i` is a loop counter or a name bound only to numbers: Python values."""
        if not isinstance(node, cst.Comparison):
            return False
        sides = [node.left] + [c.comparator for c in node.comparisons]
        return any(self._python_number(side) for side in sides) and all(
            self._python_number(side) or isinstance(side, (cst.Integer, cst.Float)) for side in sides
        )

    def _python_number(self, node: cst.BaseExpression) -> bool:
        if not isinstance(node, cst.Name):
            return False
        if self.loop_name(node):
            return True
        values = self.values_of(node)
        return bool(values) and all(isinstance(v, (cst.Integer, cst.Float)) or _number_call(v) for v in values)


def _number_call(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Call) and (
        (isinstance(node.func, cst.Name) and node.func.value in ("len", "int", "float", "round"))
        or (isinstance(node.func, cst.Attribute) and node.func.attr.value == "item")
    )


_INT_CASTS = frozenset(("long", "int", "short", "char", "byte"))
_INT_TYPES = {f"torch.{n}" for n in ("LongTensor", "IntTensor", "ShortTensor", "CharTensor", "ByteTensor")}
_INT_DTYPES = {f"torch.{n}" for n in ("long", "int64", "int", "int32", "short", "int16", "int8", "uint8")}


class IntegerTensorDivision(_FileFacts):
    """`a / b` on integer tensors (torch <= 1.4): it truncated; now it is true division.

    What it does: reports `/`, `/=`, `torch.div` and `.div`/`.div_` where an operand is
    provably an integer tensor (`.long()`, `torch.LongTensor(...)`, `dtype=torch.long`,
    the `.sum()` of a comparison such as `pred.eq(y).sum()`, or a name bound only to
    those). For code written for torch <= 1.2 it also reports an integer tensor
    multiplied by a float literal (`correct * 100.0`), which was cast to the integer dtype.
    Why: integer tensor division truncated toward zero up to torch 1.4, raised in 1.5-1.6
    and is true division since 1.7 (pytorch#38620); type promotion (1.3) made
    `int_tensor * 0.5` a float. The classic `correct / total` accuracy printed 0 in
    0.4-1.4 and prints the fraction today.
    Example: `acc = correct / total` with `correct = pred.eq(y).sum()` is reported.
    Fix safety: report only: to keep the legacy numbers write
    `torch.div(a, b, rounding_mode='trunc')`; to get the fraction (usually the intent),
    keep `/` and check the printed values.
    """

    code = "TM711"
    message = "integer tensor division truncated up to torch 1.4 and is true division since 1.7; check the intent (`torch.div(a, b, rounding_mode='trunc')` keeps the old numbers)"
    safety = Safety.NONE
    triggers = ("/", "div", "*")
    changed_in = "1.7"
    source_eras = (None, "1.4")
    example_era = "1.0"
    examples = (
        reports("import torch\ncorrect = pred.eq(target).sum()\nacc = correct / total\n", id="accuracy"),
        reports("import torch as th\nq = th.div(idx.long(), 2)\nr = counts.long() * 0.5\n", id="alias-div-promotion"),
        reports("import torch\ncorrect = pred.eq(target).sum()\nprint(100 * correct / total)\n", id="percent"),
        reports("import torch\nhits = torch.zeros(10).long()\nrate = hits[c] / seen[c]\n", id="indexed"),
        keeps("import torch\nmean = loss_sum / n\n", id="unknown-operands"),
        keeps("import torch\nratio = x.float() / y.float()\n", id="floats"),
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self.candidates: List[Tuple[cst.CSTNode, List[cst.BaseExpression], str]] = []

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, (cst.Divide, cst.FloorDivide)):
            self.candidates.append((node, [node.left, node.right], "div"))
        elif isinstance(node.operator, cst.Multiply):
            for one, other in ((node.left, node.right), (node.right, node.left)):
                if isinstance(literal(one), float):
                    self.candidates.append((node, [other], "mul"))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.operator, (cst.DivideAssign, cst.FloorDivideAssign)):
            self.candidates.append((node, [node.target, node.value], "div"))

    def visit_Call(self, node: cst.Call) -> None:
        name = self.context.qualified_name(node.func)
        positional = [a.value for a in node.args if a.keyword is None and not a.star]
        if any(a.keyword is not None and a.keyword.value == "rounding_mode" for a in node.args):
            return
        if name in ("torch.div", "torch.true_divide", "torch.floor_divide") and positional:
            self.candidates.append((node, positional[:2], "div"))
        elif name is None and isinstance(node.func, cst.Attribute) and node.func.attr.value in ("div", "div_") and positional:
            self.candidates.append((node, [node.func.value] + positional[:1], "div"))

    def leave_Module(self, original_node: cst.Module) -> None:
        if not imports_torch(self.context):
            return
        era = self.context.source_era
        for node, operands, kind in self.candidates:
            if kind == "mul" and era is not None and era > (1, 2):
                continue
            if any(self._integer(o, set()) for o in operands):
                message = self.message
                if kind == "mul":
                    message = "an integer tensor times a float scalar stayed integer up to torch 1.2 (now a float); check the intent (`.float()` first)"
                self.report(node, message=message)

    def _integer(self, node: cst.BaseExpression, seen: Set[str]) -> bool:
        if isinstance(node, cst.Name):
            if node.value in seen:
                return False
            values = self.values_of(node)
            return bool(values) and all(self._integer(v, seen | {node.value}) for v in values)
        if isinstance(node, cst.Subscript):
            return self._integer(node.value, seen)  # `correct[c]`: an element of an integer tensor
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Multiply, cst.Add, cst.Subtract)):
            # `100 * correct`: integer tensor and integer (literal or tensor) stay integer
            sides = (node.left, node.right)
            return any(self._integer(side, seen) for side in sides) and all(
                isinstance(literal(side), int) or self._integer(side, seen) for side in sides
            )
        if not isinstance(node, cst.Call):
            return False
        func = node.func
        name = self.context.qualified_name(func)
        if name in _INT_TYPES:
            return True
        if any(a.keyword is not None and a.keyword.value == "dtype" and self.context.qualified_name(a.value) in _INT_DTYPES for a in node.args):
            return True
        if name is None and isinstance(func, cst.Attribute):
            if func.attr.value in _INT_CASTS and not node.args:
                return True
            if func.attr.value == "sum" and not node.args:
                era = self.context.source_era
                if era is not None and era <= (0, 3):
                    return False  # a Python number up to 0.3
                inner = func.value
                while isinstance(inner, cst.Call) and isinstance(inner.func, cst.Attribute) and inner.func.attr.value in ("cpu", "data", "cuda"):
                    inner = inner.func.value
                return _is_comparison(inner, self.context) or self._integer(inner, set())
        return False


class SparseConstructor(Rule):
    """`torch.sparse.FloatTensor(indices, values, size)`: use `torch.sparse_coo_tensor(indices, values, size, dtype=...)`.

    What it does: rewrites the legacy typed sparse constructors called with indices and
    values (and a size) into `torch.sparse_coo_tensor`, stating the dtype of the class
    (and `device='cuda'` for `torch.cuda.sparse`) and, for torch 2.0 or later,
    `check_invariants=False` (the legacy constructor never checked the indices; leaving
    it unsaid makes torch warn). Other forms are reported.
    Why: deprecated (a `UserWarning` today: `torch.sparse.SparseTensor(indices, values,
    shape, *, device=) is deprecated`).
    Example: `torch.sparse.FloatTensor(i, v, torch.Size([3, 4]))` becomes
    `torch.sparse_coo_tensor(i, v, torch.Size([3, 4]), dtype=torch.float32, check_invariants=False)`.
    Fix safety: safe: the legacy class fixed the value dtype, which is stated.
    """

    code = "TM712"
    message = "`torch.sparse.FloatTensor(i, v, size)` is deprecated; use `torch.sparse_coo_tensor(i, v, size, dtype=...)`"
    safety = Safety.SAFE
    triggers = ("sparse.", "sparse import")
    trigger_words = tuple(TYPED)
    trigger_regex = called_or_aliased(TYPED_WORD)
    changed_in = "1.0"
    examples = (
        fixes(
            "import torch\nA = torch.sparse.FloatTensor(i, v, torch.Size([3, 4]))\n",
            "import torch\nA = torch.sparse_coo_tensor(i, v, torch.Size([3, 4]), dtype=torch.float32, check_invariants=False)\n",
            id="function",
        ),
        fixes(
            "import torch as th\nB = th.cuda.sparse.LongTensor(idx, vals)\n",
            "import torch as th\nB = th.sparse_coo_tensor(idx, vals, dtype=th.int64, device='cuda', check_invariants=False)\n",
            id="alias-cuda",
        ),
        reports("import torch\nE = torch.sparse.FloatTensor(3, 4)\n", id="sizes"),
        keeps("import scipy.sparse\nM = scipy.sparse.csr_matrix(a)\n", id="scipy"),
        keeps("import torch\nA = torch.sparse_coo_tensor(i, v, (3, 4))\n", id="modern"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        name = self.context.qualified_name(node.func)
        if name is None:
            return
        cuda = name.startswith("torch.cuda.sparse.")
        if not (cuda or name.startswith("torch.sparse.")) or name.rsplit(".", 1)[-1] not in TYPED:
            return
        dtype = TYPED[name.rsplit(".", 1)[-1]][1]
        positional = [a for a in node.args if a.keyword is None and not a.star]
        if len(positional) not in (2, 3) or len(positional) != len(node.args) or any(
            isinstance(a.value, (cst.Integer, cst.SimpleString)) for a in positional
        ):
            self.report(node)
            return
        parts = Parts(self.context)
        pieces = [source_of(a.value) for a in positional] + [f"dtype={parts.ref(dtype)}"]
        if cuda:
            pieces.append("device='cuda'")
        if self.context.target >= (2, 0):
            # the legacy constructor never checked the indices; without saying so, torch >= 2.0 warns
            pieces.append("check_invariants=False")
        text = f"{parts.ref('torch.sparse_coo_tensor')}({', '.join(pieces)})"
        self.report(node, parts.expr(text, like=node), imports=parts.imports)


_TYPED_STORAGES = frozenset(
    f"torch.{prefix}{kind}Storage"
    for prefix in ("", "cuda.")
    for kind in ("Float", "Double", "Half", "BFloat16", "Long", "Int", "Short", "Char", "Byte", "Bool")
)


class TypedStorage(Rule):
    """`x.storage()`: use `x.untyped_storage()` where the element type does not matter.

    What it does: `x.storage().data_ptr()` and `x.storage().resize_(0)` become
    `x.untyped_storage()...` (the same pointer; freeing the memory); other uses of
    `x.storage()` and `torch.FloatStorage(...)` are reported.
    Why: `TypedStorage` is deprecated since torch 2.0 (a `UserWarning` today).
    Example: `ptr = x.storage().data_ptr()` becomes `ptr = x.untyped_storage().data_ptr()`.
    Fix safety: safe for those two uses; elsewhere sizes and indexing of an untyped
    storage count bytes, not elements, so the rest is left to a human.
    """

    code = "TM713"
    message = "`TypedStorage` is deprecated; use `x.untyped_storage()` (sizes in bytes)"
    safety = Safety.SAFE
    triggers = ("storage(", "Storage")
    trigger_words = ("storage",) + tuple(sorted({name.rsplit(".", 1)[-1] for name in _TYPED_STORAGES}))
    trigger_regex = (
        rf"{called_or_aliased(word_regex('Storage', _TYPED_PREFIXES))}|{method_regex('storage', no_args=True)}"
    )
    changed_in = "2.0"
    requires = "2.0"
    examples = (
        fixes("import torch\nptr = x.storage().data_ptr()\n", "import torch\nptr = x.untyped_storage().data_ptr()\n", id="data-ptr"),
        fixes(
            "import torch as th\nbuf.storage().resize_(0)\n",
            "import torch as th\nbuf.untyped_storage().resize_(0)\n",
            id="alias-free",
        ),
        reports("import torch\nn = len(x.storage())\ns = torch.FloatStorage(10)\n", id="sizes"),
        keeps("import torch\nptr = x.untyped_storage().data_ptr()\n", id="modern"),
        keeps("import boto3\ns = client.storage()\n", id="no-torch"),
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self._handled: Set[int] = set()

    def visit_Call(self, node: cst.Call) -> None:
        if not imports_torch(self.context):
            return
        func = node.func
        name = self.context.qualified_name(func)
        if name in _TYPED_STORAGES:
            self.report(node)
            return
        # `x.storage().data_ptr()`: the outer call is visited first
        if isinstance(func, cst.Attribute) and func.attr.value in ("data_ptr", "resize_") and self._storage_call(func.value):
            inner = func.value
            if func.attr.value == "data_ptr" or (len(node.args) == 1 and literal(node.args[0].value) == 0):
                self._handled.add(id(inner))
                new = inner.with_changes(func=inner.func.with_changes(attr=cst.Name("untyped_storage")))  # type: ignore[union-attr]
                self.report(inner, new)
                return
        if id(node) not in self._handled and self._storage_call(node):
            self.report(node)

    def _storage_call(self, node: cst.BaseExpression) -> bool:
        return (
            isinstance(node, cst.Call)
            and not node.args
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "storage"
            and self.context.names.binding_of(node.func.value) is None
        )


class MeshgridIndexing(Rule):
    """`torch.meshgrid(x, y)` without `indexing=`: state `indexing='ij'`.

    What it does: adds `indexing='ij'` to `torch.meshgrid` calls that do not pass it (also
    the list form `torch.meshgrid([x, y])`).
    Why: since torch 1.10 a call without it warns (`UserWarning: torch.meshgrid: in an
    upcoming release, it will be required to pass the indexing argument`); matrix indexing
    ('ij') is what every release did without it.
    Example: `gy, gx = torch.meshgrid(ys, xs)` becomes
    `gy, gx = torch.meshgrid(ys, xs, indexing='ij')`.
    Fix safety: safe: 'ij' is the behaviour the call had (use `'xy'` only when rewriting
    NumPy-style code on purpose).
    """

    code = "TM714"
    message = "`torch.meshgrid` without `indexing=` warns since torch 1.10; pass `indexing='ij'` (the old behaviour)"
    safety = Safety.SAFE
    triggers = ("meshgrid",)
    trigger_words = ("meshgrid",)
    changed_in = "1.10"
    requires = "1.10"
    examples = (
        fixes(
            "import torch\ngy, gx = torch.meshgrid(torch.arange(3), torch.arange(4))\n",
            "import torch\ngy, gx = torch.meshgrid(torch.arange(3), torch.arange(4), indexing='ij')\n",
            id="two-axes",
        ),
        fixes(
            "from torch import meshgrid as mg\ngrid = mg([ys, xs])\n",
            "from torch import meshgrid as mg\ngrid = mg([ys, xs], indexing='ij')\n",
            id="aliased-list-form",
        ),
        keeps("import torch\ngy, gx = torch.meshgrid(ys, xs, indexing='xy')\n", id="modern"),
        keeps("import numpy as np\ngx, gy = np.meshgrid(xs, ys)\n", id="numpy"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if self.context.qualified_name(node.func) != "torch.meshgrid" or not node.args:
            return
        if any(a.keyword is not None or a.star == "**" for a in node.args):
            return  # `indexing=` given (or maybe given through `**kwargs`)
        last = node.args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        indexing = cst.Arg(keyword=cst.Name("indexing"), value=cst.SimpleString("'ij'"), equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")))
        self.report(node, node.with_changes(args=[*node.args[:-1], last, indexing]))
