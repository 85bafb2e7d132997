"""Linear algebra and FFT: the LAPACK-named functions removed in torch 1.9-1.13 and the old FFT API.

The legacy functions put the right-hand side first (`torch.gesv(B, A)` solves A X = B),
defaulted to the upper triangle (`symeig`, `potrf`, `potri`, `potrs`, `trtrs`) and returned
tuples whose second element the modern functions no longer compute. A rule therefore
looks at how the call's result is used: `X, LU = torch.gesv(B, A)` needs the LU factors
only when `LU` is read again; `X, _ = ...` and `torch.gesv(B, A)[0]` need the solution
alone. Where the result is used in a way no modern expression reproduces, the call is
reported, not guessed at.

The helpers at the top (`_LinalgCall`, `Parts`) are shared by the tensor, device and
module rules of the same author; they are private to `migrator.rules`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import ClassVar, Dict, List, Optional, Sequence, Tuple

import libcst as cst

from migrator.era import parse_version
from migrator.names import dotted
from migrator.rule import Rule, Safety, fixes, keeps, reports
from migrator.rules._calls import UNKNOWN, is_simple, literal
from migrator.rules._source import Parts, atom_of, call_releases, imports_torch, keep_parens, source_of
from migrator.rules._triggers import DOT, GAP, SPACE, literal_first, rx_call, rx_from_import, rx_star_import, rx_words
from migrator.walk import iter_code

# ------------------------------------------------------------------------------------------
# Shared helpers
# ------------------------------------------------------------------------------------------

def _bool_literal(node: Optional[cst.BaseExpression], default: bool) -> object:
    """True/False for a missing argument or a literal (numbers count by truth), else UNKNOWN."""
    if node is None:
        return default
    value = literal(node)
    if value is UNKNOWN or isinstance(value, str):
        return UNKNOWN
    return bool(value)


@dataclass
class _Use:
    """How a matched call's result is used."""

    kind: str  # "unpack" (X, LU = call), "index" (call[0]), "attr" (call.solution), "value" (anything else)
    node: cst.CSTNode  # the node a rewrite of this use replaces
    targets: Tuple[cst.BaseExpression, ...] = ()  # unpack targets
    index: int = 0
    attr: str = ""
    line: Optional[cst.SimpleStatementLine] = None  # the statement, when the assignment is all of it
    local: bool = False  # inside a function: a name not used there is not visible to importers either


@dataclass
class _Match:
    call: cst.Call
    legacy: str  # the legacy function's name, e.g. "gesv"
    args: Dict[str, cst.BaseExpression]  # bound parameters (the method receiver included)
    method: bool
    use: _Use
    releases: Tuple[str, ...] = ()


def _bind(receiver: Optional[cst.BaseExpression], call: cst.Call, params: Sequence[str]) -> Optional[Dict[str, cst.BaseExpression]]:
    """Parameter name -> argument expression, or None for `*args`/`**kwargs` or unknown keywords."""
    values: List[cst.BaseExpression] = [receiver] if receiver is not None else []
    bound: Dict[str, cst.BaseExpression] = {}
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is not None:
            if arg.keyword.value not in params or arg.keyword.value in bound:
                return None
            bound[arg.keyword.value] = arg.value
        else:
            values.append(arg.value)
    if len(values) > len(params):
        return None
    for name, value in zip(params, values):
        if name in bound:
            return None
        bound[name] = value
    return bound


def _int_index(node: cst.Subscript) -> Optional[int]:
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    value = literal(node.slice[0].slice.value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _call_trigger(functions: Dict[str, str], methods: Dict[str, str], method_dot: str = r"\.") -> str:
    """What `_LinalgCall._match` needs in a text: a call of one of the `methods` on any
    receiver (`x.qr(`, which also covers `torch.qr(` and `th.qr(`), a call of a function
    only known as `torch.name`, or a `from torch import` of one of the names (or `*`).
    """
    called = r"\b" + rx_call()
    names = {f.rsplit(".", 1)[-1] for f in functions} | set(methods)
    only = sorted({f.rsplit(".", 1)[-1] for f in functions} - set(methods))
    assert all(f.count(".") == 1 and f.startswith("torch.") for f in functions), "top-level torch functions only"
    parts = []
    if methods:
        parts.append(method_dot + GAP + rx_words(list(methods)) + called)
    if only:
        parts += [r"\btorch" + DOT + rx_words(only) + called, r"\btorch" + SPACE + r"as\b"]
    parts += [rx_from_import("torch", sorted(names)), rx_star_import("torch")]
    return literal_first("|".join(parts))


def _call_words(functions: Dict[str, str], methods: Dict[str, str]) -> Tuple[str, ...]:
    """What `_LinalgCall._match` needs as a word: the last part of a qualified function name
    (in the attribute or the import that binds it, however aliased) or the method name."""
    return tuple(sorted({f.rsplit(".", 1)[-1] for f in functions} | set(methods)))


class _LinalgCall(Rule):
    """A legacy call matched by qualified name (function) or method name, with the use of its result.

    Subclasses set `signatures` (legacy name -> parameters, receiver first for methods),
    `functions` (qualified name -> legacy name) and `methods` (method name -> legacy
    name), and implement `rewrite(match)`. `common_methods` asks for the file to import
    torch before a method of a common name (`A.qr()`) is taken for the legacy one.
    """

    signatures: ClassVar[Dict[str, Tuple[str, ...]]] = {}
    functions: ClassVar[Dict[str, str]] = {}
    methods: ClassVar[Dict[str, str]] = {}
    common_methods: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "trigger_regex" not in cls.__dict__ and (cls.functions or cls.methods):
            cls.trigger_regex = _call_trigger(cls.functions, cls.methods)
        if "trigger_words" not in cls.__dict__ and (cls.functions or cls.methods):
            cls.trigger_words = _call_words(cls.functions, cls.methods)

    def __init__(self, context) -> None:
        super().__init__(context)
        self._lines: List[cst.SimpleStatementLine] = []
        self._claimed: set = set()
        self._matches: List[_Match] = []
        self._names: Optional[Counter] = None
        self._torch: Optional[bool] = None
        self._depth = 0
        self._module: Optional[cst.Module] = None

    # -- matching -----------------------------------------------------------------------------

    def _match(self, call: cst.Call) -> Optional[Tuple[str, Dict[str, cst.BaseExpression], bool]]:
        func = call.func
        name = self.context.qualified_name(func)
        receiver = None
        if name is not None and name in self.functions:
            legacy = self.functions[name]
        elif (
            isinstance(func, cst.Attribute)
            and func.attr.value in self.methods
            and self.context.names.binding_of(func.value) is None
            and self._torch_file()
        ):
            legacy = self.methods[func.attr.value]
            receiver = func.value
        else:
            return None
        bound = _bind(receiver, call, self.signatures[legacy])
        if bound is None:
            return legacy, {}, receiver is not None  # unbindable: reported as is
        return legacy, bound, receiver is not None

    def _torch_file(self) -> bool:
        if self._torch is None:
            self._torch = imports_torch(self.context) or not self.common_methods
        return self._torch

    def _record(self, call: cst.Call, use: _Use) -> bool:
        found = self._match(call)
        if found is None:
            return False
        self._claimed.add(id(call))
        releases = () if found[2] else call_releases(self.context, call.func)
        self._matches.append(_Match(call, found[0], found[1], found[2], use, releases))
        return True

    # -- visiting -----------------------------------------------------------------------------

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self._lines.append(node)

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine) -> None:
        self._lines.pop()

    def visit_Module(self, node: cst.Module) -> None:
        self._module = node

    @property
    def names(self) -> Counter:
        """How often each name occurs in the file (computed once per file, when a rule needs it)."""
        if self._names is None:
            self._names = _name_counts(self.context, self._module)  # type: ignore[arg-type]
        return self._names

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._depth += 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._depth -= 1

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) != 1 or not isinstance(node.value, cst.Call):
            return
        target = node.targets[0].target
        if not isinstance(target, (cst.Tuple, cst.List)):
            return
        if any(isinstance(e, cst.StarredElement) for e in target.elements):
            return
        line = None
        if self._lines and len(self._lines[-1].body) == 1 and self._lines[-1].body[0] is node:
            line = self._lines[-1]
        targets = tuple(e.value for e in target.elements)
        self._record(node.value, _Use("unpack", node, targets=targets, line=line, local=self._depth > 0))

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if isinstance(node.value, cst.Call):
            index = _int_index(node)
            if index is not None:
                self._record(node.value, _Use("index", node, index=index))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if isinstance(node.value, cst.Call):
            self._record(node.value, _Use("attr", node, attr=node.attr.value))

    def visit_Call(self, node: cst.Call) -> None:
        if id(node) not in self._claimed:
            self._record(node, _Use("value", node))

    def leave_Module(self, original_node: cst.Module) -> None:
        for match in self._matches:
            if not match.args and self.signatures[match.legacy]:
                self.report(match.call, message=self.message + " (arguments not understood: rewrite by hand)")
                continue
            self.rewrite(match)

    # -- helpers for subclasses -----------------------------------------------------------------

    def rewrite(self, match: _Match) -> None:
        raise NotImplementedError

    def supports(self, version: str) -> bool:
        """Whether the target torch has what a variant of the fix needs."""
        return self.context.target >= parse_version(version)

    def unused(self, target: cst.BaseExpression, use: Optional[_Use] = None) -> bool:
        """A target that is `_`, or a name that occurs nowhere else and that no other module
        can import: a function's local, or a global of a script (see `_is_script`)."""
        if not isinstance(target, cst.Name):
            return False
        if target.value == "_":
            return True
        visible = use is None or not (use.local or _is_script(self.context, self._module))  # type: ignore[arg-type]
        return not visible and self.names[target.value] <= 1

    def emit(self, match: _Match, node: cst.CSTNode, replacement, parts: Optional[Parts] = None, **kwargs) -> None:
        """Report `node` (a use of the match) with its replacement, the imports it needs and
        the `from torch import gesv` binding it may leave unused (removed functions cannot
        even be imported today)."""
        imports = parts.imports if parts is not None else ()
        self.report(node, replacement, imports=imports, releases=match.releases, position_node=match.call, **kwargs)

    def replace_call(self, match: _Match, text: str, parts: Parts, **kwargs) -> None:
        """Replace the call itself; every use of its result stays valid."""
        self.emit(match, match.call, parts.expr(text, like=match.call), parts, **kwargs)

    def replace_first(self, match: _Match, text: str, parts: Parts, **kwargs) -> bool:
        """Replace a use of the first result only (`X, _ = f()`, `f()[0]`, `f().<first>`); False for other uses."""
        use = match.use
        if use.kind == "unpack" and len(use.targets) >= 2 and all(self.unused(t, use) for t in use.targets[1:]):
            first = use.targets[0]
            statement = cst.parse_statement(f"{source_of(first)} = {text}").body[0]
            statement = statement.with_changes(semicolon=use.node.semicolon)  # type: ignore[attr-defined]
            self.emit(match, use.node, statement, parts, **kwargs)
            return True
        if (use.kind == "index" and use.index == 0) or (use.kind == "attr" and use.attr == self.first_field):
            self.emit(match, use.node, parts.expr(text, like=use.node), parts, **kwargs)
            return True
        return False

    first_field: ClassVar[str] = "solution"

    def report_use(self, match: _Match, why: str) -> None:
        self.report(match.call, message=f"{self.message} ({why})")


def _name_counts(context, module: cst.Module) -> Counter:
    """Occurrences of every name in the module, shared by the rules of one visit."""
    return context.once("name counts", lambda: Counter(n.value for n in iter_code(module) if type(n) is cst.Name))  # type: ignore[attr-defined]


def _is_script(context, module: cst.Module) -> bool:
    """A file run as a program rather than imported: an `if __name__ == '__main__':` block,
    or top-level loops or `print` calls, which a library module does not have."""
    return context.once("is script", lambda: _scan_script(module))


def _scan_script(module: cst.Module) -> bool:
    for statement in module.body:
        if isinstance(statement, (cst.For, cst.While)):
            return True
        if isinstance(statement, cst.If) and "__name__" in source_of(statement.test):
            return True
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                    func = small.value.func
                    if isinstance(func, cst.Name) and func.value == "print":
                        return True
    return False


def _statements(line: cst.SimpleStatementLine, texts: Sequence[str]) -> cst.FlattenSentinel:
    """The statement line replaced by several, keeping its leading lines and trailing comment."""
    lines = [cst.parse_statement(text) for text in texts]
    lines[0] = lines[0].with_changes(leading_lines=line.leading_lines)
    lines[-1] = lines[-1].with_changes(trailing_whitespace=line.trailing_whitespace)
    return cst.FlattenSentinel(lines)


def _upper_flag(node: Optional[cst.BaseExpression], default: bool) -> Optional[str]:
    """'True'/'False' source for an `upper` flag, or the original simple expression; None if complex."""
    value = _bool_literal(node, default)
    if value is UNKNOWN:
        return source_of(node) if is_simple(node) else None  # type: ignore[arg-type]
    return "True" if value else "False"


def _uplo(node: Optional[cst.BaseExpression]) -> Optional[str]:
    """`UPLO=` for a legacy `upper=` flag (default True)."""
    value = _bool_literal(node, True)
    if value is UNKNOWN:
        return f"'U' if {source_of(node)} else 'L'" if is_simple(node) else None  # type: ignore[arg-type]
    return "'U'" if value else "'L'"


# ------------------------------------------------------------------------------------------
# A01 / A02: gesv, solve
# ------------------------------------------------------------------------------------------


class Gesv(_LinalgCall):
    """`X, LU = torch.gesv(B, A)` / `torch.solve(B, A)`: use `torch.linalg.solve(A, B)`.

    What it does: rewrites the legacy solver, whose right-hand side came FIRST, into
    `torch.linalg.solve(A, B)` (arguments swapped) when only the solution is used
    (`X, _ = torch.gesv(B, A)`, `gesv(B, A)[0]`, `torch.solve(B, A).solution`, or
    `X, LU = ...` with `LU` never read again in a function or a script). When the LU
    factors are read, the statement becomes `LU, pivots = torch.linalg.lu_factor(A)` and
    `X = torch.linalg.lu_solve(LU, pivots, B)`, which gives the same X and the same packed
    factors; `_, LU = torch.gesv(B, A)`, `torch.gesv(B, A)[1]` and `.LU` become
    `torch.linalg.lu_factor(A).LU`. A `from torch import gesv` left unused is removed
    (it raises `ImportError` today).
    Why: `torch.gesv` (<= 1.0) was renamed `torch.solve` in 1.1, deprecated in 1.9 and
    removed in 1.13 (`AttributeError` / `RuntimeError` today); `torch.linalg.solve`
    takes its arguments in the mathematical order and returns the solution only.
    Example: `w, LU = torch.gesv(b, A)` with `LU` unused becomes `w = torch.linalg.solve(A, b)`.
    Fix safety: safe: the same LAPACK getrf/getrs computation (verified bitwise equal).
    A result used any other way (kept as a pair, passed along) is reported. The two-
    statement form needs `torch.linalg.lu_solve` (1.13); older targets get a report.
    """

    code = "TM801"
    message = "`torch.gesv(B, A)` / `torch.solve(B, A)` are removed; use `torch.linalg.solve(A, B)` (arguments swapped)"
    safety = Safety.SAFE
    triggers = ("gesv", "solve")
    changed_in = "1.9"
    requires = "1.8"
    signatures = {"gesv": ("input", "A"), "solve": ("input", "A")}
    functions = {"torch.gesv": "gesv", "torch.solve": "solve"}
    methods = {"gesv": "gesv"}
    examples = (
        fixes(
            "import torch\ndef fit(A, B):\n    X, LU = torch.gesv(B, A)\n    return X\n",
            "import torch\ndef fit(A, B):\n    X = torch.linalg.solve(A, B)\n    return X\n",
            id="lu-unused-local",
        ),
        fixes(
            "import torch as th\nx, _ = th.gesv(y, K)\nz = th.solve(b, M)[0]\nw = th.solve(b, M).solution\n",
            "import torch as th\nx = th.linalg.solve(K, y)\nz = th.linalg.solve(M, b)\nw = th.linalg.solve(M, b)\n",
            id="alias",
        ),
        fixes(
            "from torch import gesv\n\nw, LU = gesv(b, A)  # solve\nprint(w, torch.diag(LU))\n",
            "import torch\n\nLU, pivots = torch.linalg.lu_factor(A)\nw = torch.linalg.lu_solve(LU, pivots, b)  # solve\nprint(w, torch.diag(LU))\n",
            id="lu-used",
        ),
        fixes("import torch\nX = b.gesv(A)[0]\n", "import torch\nX = torch.linalg.solve(A, b)\n", id="method"),
        fixes(
            "import torch\n_, LU = torch.gesv(y, K)\nd = LU.diag()\n",
            "import torch\nLU = torch.linalg.lu_factor(K).LU\nd = LU.diag()\n",
            id="factors-only",
        ),
        reports("import torch\nresult = torch.gesv(B, A)\nuse(result)\n", id="pair-kept"),
        keeps("import numpy as np\nx = np.linalg.solve(A, b)\n", id="numpy"),
        keeps("def gesv(b, a):\n    return b\nx, lu = gesv(b, a)\n", id="own-function"),
        keeps("import torch\nx = torch.linalg.solve(A, B)\n", id="modern"),
    )
    first_field = "solution"

    def rewrite(self, match: _Match) -> None:
        B, A = match.args.get("input"), match.args.get("A")
        if B is None or A is None:
            self.report_use(match, "arguments not understood")
            return
        parts = Parts(self.context)
        solve = f"{parts.ref('torch.linalg.solve')}({source_of(A)}, {source_of(B)})"
        if self.replace_first(match, solve, parts):
            return
        use = match.use
        if ((use.kind == "index" and use.index == 1) or (use.kind == "attr" and use.attr == "LU")) and self.supports("1.11"):
            parts.imports.clear()
            self.emit(match, use.node, parts.expr(f"{parts.ref('torch.linalg.lu_factor')}({source_of(A)}).LU", like=use.node), parts)
            return
        if use.kind == "unpack" and len(use.targets) == 2:
            self._rewrite_with_factors(match, A, B)
            return
        self.report_use(match, "its result is a pair (X, LU): rewrite by hand")

    def _rewrite_with_factors(self, match: _Match, A: cst.BaseExpression, B: cst.BaseExpression) -> None:
        use = match.use
        X, LU = use.targets
        if self.unused(X, use) and self.supports("1.11"):  # `_, LU = torch.gesv(B, A)`: the factors alone
            parts = Parts(self.context)
            statement = cst.parse_statement(f"{source_of(LU)} = {parts.ref('torch.linalg.lu_factor')}({source_of(A)}).LU").body[0]
            statement = statement.with_changes(semicolon=use.node.semicolon)  # type: ignore[attr-defined]
            self.emit(match, use.node, statement, parts)
            return
        if use.line is None or not isinstance(LU, cst.Name) or not self.supports("1.13"):
            self.report_use(match, "the LU factors are used: `torch.linalg.lu_factor(A)` then `torch.linalg.lu_solve`")
            return
        rhs = source_of(B)
        pivots = next((p for p in ("pivots", f"{LU.value}_pivots", "lu_pivots") if self.names[p] == 0), None)
        if pivots is None or _mentions(B, LU.value) or (isinstance(X, cst.Name) and X.value == LU.value):
            self.report_use(match, "the LU factors are used: `torch.linalg.lu_factor(A)` then `torch.linalg.lu_solve`")
            return
        parts = Parts(self.context)
        first = f"{LU.value}, {pivots} = {parts.ref('torch.linalg.lu_factor')}({source_of(A)})"
        second = f"{source_of(X)} = {parts.ref('torch.linalg.lu_solve')}({LU.value}, {pivots}, {rhs})"
        self.emit(match, use.line, _statements(use.line, [first, second]), parts)


def _mentions(node: cst.CSTNode, name: str) -> bool:
    """Whether a Name `name` occurs in the node."""
    return any(type(n) is cst.Name and n.value == name for n in iter_code(node))  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------------
# A03: gels, lstsq
# ------------------------------------------------------------------------------------------


class Gels(_LinalgCall):
    """`X, QR = torch.gels(B, A)` / `torch.lstsq(B, A)`: use `torch.linalg.lstsq(A, B).solution`.

    What it does: when only the solution is used (`X, _ = torch.gels(B, A)`, `QR` never
    read, `[0]`, `.solution`), rewrites it to `torch.linalg.lstsq(A, B).solution`, the
    arguments swapped. A used `QR` factor or any other use is reported.
    Why: `torch.gels` (<= 1.1) became `torch.lstsq` (1.2), deprecated in 1.9 and removed
    (`AttributeError` / `RuntimeError` today).
    Example: `w, _ = torch.gels(y, X)` becomes `w = torch.linalg.lstsq(X, y).solution`.
    Fix safety: unsafe: the legacy X had max(m, n) rows; for an overdetermined system
    (m > n) only its first n rows are the solution and the rest carry the residuals, so
    code that slices `X[:n]` keeps working but code that uses X's shape or its tail does not.
    """

    code = "TM802"
    message = "`torch.gels(B, A)` / `torch.lstsq(B, A)` are removed; use `torch.linalg.lstsq(A, B).solution` (arguments swapped)"
    safety = Safety.UNSAFE
    triggers = ("gels", "lstsq")
    changed_in = "1.9"
    requires = "1.9"
    signatures = {"gels": ("input", "A"), "lstsq": ("input", "A")}
    functions = {"torch.gels": "gels", "torch.lstsq": "lstsq"}
    methods = {"gels": "gels"}
    examples = (
        fixes("import torch\nw, _ = torch.gels(y, X)\n", "import torch\nw = torch.linalg.lstsq(X, y).solution\n", id="gels"),
        fixes(
            "import torch as th\nw = th.lstsq(y, X)[0][:3]\n",
            "import torch as th\nw = th.linalg.lstsq(X, y).solution[:3]\n",
            id="alias-index",
        ),
        reports("import torch\nw, QR = torch.gels(y, X)\nprint(QR)\n", id="qr-used"),
        keeps("import numpy as np\nw = np.linalg.lstsq(X, y, rcond=None)[0]\n", id="numpy"),
        keeps("import torch\nw = torch.linalg.lstsq(X, y).solution\n", id="modern"),
    )

    def rewrite(self, match: _Match) -> None:
        B, A = match.args.get("input"), match.args.get("A")
        if B is None or A is None:
            self.report_use(match, "arguments not understood")
            return
        parts = Parts(self.context)
        text = f"{parts.ref('torch.linalg.lstsq')}({source_of(A)}, {source_of(B)}).solution"
        message = self.message + " (unsafe: the legacy X had max(m, n) rows, the modern solution has n)"
        if not self.replace_first(match, text, parts, message=message):
            self.report_use(match, "the QR factors or the whole result are used: rewrite by hand")


# ------------------------------------------------------------------------------------------
# A04: symeig
# ------------------------------------------------------------------------------------------


class Symeig(_LinalgCall):
    """`e, V = torch.symeig(A, eigenvectors=False, upper=True)`: use `torch.linalg.eigvalsh` / `eigh`.

    What it does: `torch.symeig(A, eigenvectors=True)` becomes `torch.linalg.eigh(A, UPLO='U')`;
    without eigenvectors, a use of the eigenvalues alone (`e, _ = torch.symeig(A)`, `[0]`,
    `.eigenvalues`) becomes `torch.linalg.eigvalsh(A, UPLO='U')`. `upper=False` gives
    `UPLO='L'`; a non-literal `upper` gives `UPLO='U' if upper else 'L'`.
    Why: removed in torch 1.9 (`RuntimeError` today). Legacy symeig read the UPPER
    triangle by default, `torch.linalg` reads the lower one: on a matrix that is not
    exactly symmetric (rounding, or only one triangle filled) the default gives other
    numbers, so `UPLO='U'` is always written.
    Example: `e, _ = torch.symeig(K)` becomes `e = torch.linalg.eigvalsh(K, UPLO='U')`.
    Fix safety: safe for the eigenvalues. The second output of the legacy call without
    eigenvectors carried nothing (zeros, later empty): a use of it is reported. A non-literal
    `eigenvectors` flag is reported.
    """

    code = "TM803"
    message = "`torch.symeig` is removed; use `torch.linalg.eigvalsh(A, UPLO='U')` / `torch.linalg.eigh(A, UPLO='U')`"
    safety = Safety.SAFE
    triggers = ("symeig",)
    changed_in = "1.9"
    requires = "1.8"
    signatures = {"symeig": ("input", "eigenvectors", "upper")}
    functions = {"torch.symeig": "symeig"}
    methods = {"symeig": "symeig"}
    first_field = "eigenvalues"
    examples = (
        fixes("import torch\ne, _ = torch.symeig(K)\n", "import torch\ne = torch.linalg.eigvalsh(K, UPLO='U')\n", id="values"),
        fixes(
            "import torch as th\ne, V = th.symeig(K, eigenvectors=True, upper=False)\nsmallest = K.symeig()[0][0]\n",
            "import torch as th\ne, V = th.linalg.eigh(K, UPLO='L')\nsmallest = th.linalg.eigvalsh(K, UPLO='U')[0]\n",
            id="alias-vectors-method",
        ),
        fixes(
            "from torch import symeig\nL, Q = symeig(S, True, up)\n",
            "import torch\n\nL, Q = torch.linalg.eigh(S, UPLO='U' if up else 'L')\n",
            id="positional",
        ),
        reports("import torch\ne, V = torch.symeig(K)\nprint(V)\n", id="empty-vectors-used"),
        keeps("import numpy as np\ne = np.linalg.eigvalsh(K)\n", id="numpy"),
        keeps("import torch\ne = torch.linalg.eigvalsh(K, UPLO='U')\n", id="modern"),
    )

    def rewrite(self, match: _Match) -> None:
        A = match.args.get("input")
        uplo = _uplo(match.args.get("upper"))
        vectors = _bool_literal(match.args.get("eigenvectors"), False)
        if A is None or uplo is None or vectors is UNKNOWN:
            self.report_use(match, "the `eigenvectors`/`upper` flags are not literals: rewrite by hand")
            return
        parts = Parts(self.context)
        if vectors:
            self.replace_call(match, f"{parts.ref('torch.linalg.eigh')}({source_of(A)}, UPLO={uplo})", parts)
            return
        text = f"{parts.ref('torch.linalg.eigvalsh')}({source_of(A)}, UPLO={uplo})"
        if not self.replace_first(match, text, parts):
            self.report_use(match, "the empty eigenvector output is used: rewrite by hand")


# ------------------------------------------------------------------------------------------
# A05: eig
# ------------------------------------------------------------------------------------------


class Eig(_LinalgCall):
    """`e, _ = torch.eig(A)`: use `torch.view_as_real(torch.linalg.eigvals(A))`.

    What it does: a use of the eigenvalues alone of `torch.eig(A)` (without eigenvectors)
    becomes `torch.view_as_real(torch.linalg.eigvals(A))`: the same real `(n, 2)` tensor of
    `[real, imaginary]` rows. Calls with `eigenvectors=True` are reported.
    Why: removed in torch 1.9 (`RuntimeError` today); `torch.linalg.eig` returns complex tensors.
    Example: `e, _ = torch.eig(A)` becomes `e = torch.view_as_real(torch.linalg.eigvals(A))`.
    Fix safety: unsafe: the eigenvalue order is LAPACK's and may differ between the legacy
    and the current routine; legacy eigenvectors used LAPACK's packed real layout for
    complex pairs, which has no direct modern counterpart (reported).
    """

    code = "TM804"
    message = "`torch.eig` is removed; use `torch.linalg.eigvals` / `torch.linalg.eig` (complex results)"
    safety = Safety.UNSAFE
    triggers = ("eig(", " eig", ",eig")
    changed_in = "1.9"
    requires = "1.9"
    common_methods = True
    signatures = {"eig": ("input", "eigenvectors")}
    functions = {"torch.eig": "eig"}
    methods = {"eig": "eig"}
    first_field = "eigenvalues"
    examples = (
        fixes(
            "import torch\ne, _ = torch.eig(A)\n",
            "import torch\ne = torch.view_as_real(torch.linalg.eigvals(A))\n",
            id="values",
        ),
        fixes(
            "import torch as th\nr = th.eig(A, False)[0][:, 0]\n",
            "import torch as th\nr = th.view_as_real(th.linalg.eigvals(A))[:, 0]\n",
            id="alias",
        ),
        reports("import torch\ne, v = torch.eig(A, eigenvectors=True)\n", id="vectors"),
        keeps("import numpy as np\nw, v = np.linalg.eig(A)\n", id="numpy"),
        keeps("import torch\nw = torch.linalg.eigvals(A)\n", id="modern"),
    )

    def rewrite(self, match: _Match) -> None:
        A = match.args.get("input")
        vectors = _bool_literal(match.args.get("eigenvectors"), False)
        if A is None or vectors is not False:
            self.report_use(match, "eigenvectors are requested: `torch.linalg.eig` returns complex vectors, not the packed real layout")
            return
        parts = Parts(self.context)
        text = f"{parts.ref('torch.view_as_real')}({parts.ref('torch.linalg.eigvals')}({source_of(A)}))"
        if not self.replace_first(match, text, parts, message=self.message + " (unsafe: eigenvalue order is LAPACK's)"):
            self.report_use(match, "the whole result is used: rewrite by hand")


# ------------------------------------------------------------------------------------------
# A06 / A07 / A08 / A09 / A10: qr, cholesky, potrf, potri, potrs
# ------------------------------------------------------------------------------------------


class Qr(_LinalgCall):
    """`torch.qr(A, some=True)`: use `torch.linalg.qr(A, mode='reduced' | 'complete')`.

    What it does: `torch.qr(A)` / `A.qr()` becomes `torch.linalg.qr(A)`; `some=False`
    becomes `mode='complete'`; a non-literal `some` becomes `mode='reduced' if some else 'complete'`.
    Why: deprecated in torch 1.9 in favour of `torch.linalg.qr` (a `UserWarning` today).
    Example: `Q, R = torch.qr(W)` becomes `Q, R = torch.linalg.qr(W)`.
    Fix safety: safe: the same (Q, R) pair, bitwise (verified).
    """

    code = "TM805"
    message = "`torch.qr` is deprecated; use `torch.linalg.qr`"
    safety = Safety.SAFE
    triggers = ("qr(", " qr", ",qr")
    changed_in = "1.9"
    requires = "1.8"
    common_methods = True
    signatures = {"qr": ("input", "some")}
    functions = {"torch.qr": "qr"}
    methods = {"qr": "qr"}
    examples = (
        fixes("import torch\nQ, R = torch.qr(W)\n", "import torch\nQ, R = torch.linalg.qr(W)\n", id="default"),
        fixes(
            "import torch as th\nq = th.qr(W, some=False)[0]\nr = W.qr()[1]\n",
            "import torch as th\nq = th.linalg.qr(W, mode='complete')[0]\nr = th.linalg.qr(W)[1]\n",
            id="alias-complete-method",
        ),
        keeps("import numpy as np\nq, r = np.linalg.qr(W)\n", id="numpy"),
        keeps("class Code:\n    def qr(self):\n        return 1\nc = Code().qr()\n", id="own-method-no-torch"),
    )

    def rewrite(self, match: _Match) -> None:
        A = match.args["input"]
        some = _bool_literal(match.args.get("some"), True)
        parts = Parts(self.context)
        if some is UNKNOWN:
            if not is_simple(match.args["some"]):
                self.report_use(match, "`some` is not a literal")
                return
            mode = f", mode='reduced' if {source_of(match.args['some'])} else 'complete'"
        else:
            mode = "" if some else ", mode='complete'"
        self.replace_call(match, f"{parts.ref('torch.linalg.qr')}({source_of(A)}{mode})", parts)


class _CholeskyLike(_LinalgCall):
    """torch.cholesky / torch.potrf: `torch.linalg.cholesky` with the legacy `upper` default."""

    upper_default: ClassVar[bool] = False
    upper_as_transpose: ClassVar[bool] = False  # a literal upper=True becomes `.mH` of the lower factor

    def rewrite(self, match: _Match) -> None:
        A = match.args["input"]
        upper = _upper_flag(match.args.get("upper"), self.upper_default)
        if upper is None:
            self.report_use(match, "`upper` is a complex expression")
            return
        parts = Parts(self.context)
        factor = f"{parts.ref('torch.linalg.cholesky')}({source_of(A)}"
        if upper == "False":
            text = factor + ")"
        elif upper == "True" and self.upper_as_transpose:
            text = factor + ").mH"
        else:
            text = factor + f", upper={upper})"
        self.replace_call(match, text, parts)


class Cholesky(_CholeskyLike):
    """`torch.cholesky(A, upper=False)`: use `torch.linalg.cholesky(A)`.

    What it does: `torch.cholesky(A)` / `A.cholesky()` becomes `torch.linalg.cholesky(A)`;
    `upper=True` becomes `torch.linalg.cholesky(A, upper=True)`.
    Why: deprecated in torch 1.9 (a `UserWarning` today).
    Example: `L = torch.cholesky(K)` becomes `L = torch.linalg.cholesky(K)`.
    Fix safety: safe: `torch.cholesky` itself calls the same kernel with the same `upper`
    (bitwise equal, verified; `torch.linalg.cholesky(A).mH` differs in the last bits).
    """

    code = "TM806"
    message = "`torch.cholesky` is deprecated; use `torch.linalg.cholesky` (lower by default, `upper=True` for U)"
    safety = Safety.SAFE
    triggers = ("cholesky",)
    changed_in = "1.9"
    requires = "1.10"
    common_methods = True
    signatures = {"cholesky": ("input", "upper")}
    functions = {"torch.cholesky": "cholesky"}
    methods = {"cholesky": "cholesky"}
    upper_default = False
    examples = (
        fixes("import torch\nL = torch.cholesky(K)\n", "import torch\nL = torch.linalg.cholesky(K)\n", id="lower"),
        fixes(
            "import torch as th\nU = th.cholesky(K, upper=True)\nL = K.cholesky()\n",
            "import torch as th\nU = th.linalg.cholesky(K, upper=True)\nL = th.linalg.cholesky(K)\n",
            id="alias-upper-method",
        ),
        keeps("import numpy as np\nL = np.linalg.cholesky(K)\n", id="numpy"),
        keeps("import torch\nL = torch.linalg.cholesky(K)\n", id="modern"),
        keeps("import torch\nL = torch.cholesky_solve(b, K)\n", id="look-alike"),
    )


class Potrf(_CholeskyLike):
    """`torch.potrf(A, upper=True)`: use `torch.linalg.cholesky(A).mH`.

    What it does: `torch.potrf(A)` / `A.potrf()` becomes `torch.linalg.cholesky(A).mH`, the
    upper factor (the legacy default); `upper=False` becomes `torch.linalg.cholesky(A)`; a
    non-literal flag becomes `torch.linalg.cholesky(A, upper=flag)`.
    Why: `potrf` was renamed `cholesky` in torch 1.0 and removed; it returned the UPPER
    factor by default (A = U^T U), while `torch.cholesky` and `torch.linalg.cholesky`
    default to the lower one: dropping the default silently transposes the factor.
    Example: `U = torch.potrf(K)` becomes `U = torch.linalg.cholesky(K).mH`.
    Fix safety: safe: U = L^H for the unique Cholesky factors (the form torch's own
    deprecation notice gives, and the one the legacy runtime computes, bitwise).
    """

    code = "TM807"
    message = "`torch.potrf` is removed and defaulted to the upper factor; use `torch.linalg.cholesky(A).mH`"
    safety = Safety.SAFE
    triggers = ("potrf",)
    changed_in = "1.0"
    requires = "1.11"
    upper_as_transpose = True
    signatures = {"potrf": ("input", "upper")}
    functions = {"torch.potrf": "potrf"}
    methods = {"potrf": "potrf"}
    upper_default = True
    examples = (
        fixes("import torch\nU = torch.potrf(K)\n", "import torch\nU = torch.linalg.cholesky(K).mH\n", id="default-upper"),
        fixes(
            "import torch as th\nL = th.potrf(K, False)\nU = K.potrf()\n",
            "import torch as th\nL = th.linalg.cholesky(K)\nU = th.linalg.cholesky(K).mH\n",
            id="alias-lower-method",
        ),
        fixes(
            "from torch import potrf\nF = potrf(K, upper=up)\n",
            "import torch\n\nF = torch.linalg.cholesky(K, upper=up)\n",
            id="from-import",
        ),
        keeps("from scipy.linalg.lapack import dpotrf\nc, info = dpotrf(K)\n", id="scipy"),
        keeps("def potrf(k):\n    return k\nU = potrf(K)\n", id="own-function"),
    )


class Potri(_LinalgCall):
    """`torch.potri(U, upper=True)`: use `torch.cholesky_inverse(U, upper=True)`.

    What it does: rewrites the call, stating `upper=True` (the legacy default) explicitly.
    Why: removed in torch 1.0; `torch.cholesky_inverse` defaults to `upper=False`, so a
    bare rename would invert the wrong product (verified wrong numbers).
    Example: `Kinv = torch.potri(U)` becomes `Kinv = torch.cholesky_inverse(U, upper=True)`.
    Fix safety: safe.
    """

    code = "TM808"
    message = "`torch.potri` is removed; use `torch.cholesky_inverse(U, upper=True)` (legacy default: upper)"
    safety = Safety.SAFE
    triggers = ("potri",)
    changed_in = "1.0"
    requires = "1.1"
    signatures = {"potri": ("input", "upper")}
    functions = {"torch.potri": "potri"}
    methods = {"potri": "potri"}
    examples = (
        fixes("import torch\nKi = torch.potri(U)\n", "import torch\nKi = torch.cholesky_inverse(U, upper=True)\n", id="default"),
        fixes(
            "import torch as th\nKi = th.potri(L, False)\nKj = U.potri()\n",
            "import torch as th\nKi = th.cholesky_inverse(L)\nKj = th.cholesky_inverse(U, upper=True)\n",
            id="alias-method",
        ),
        keeps("def potri(u):\n    return u\nK = potri(U)\n", id="own-function"),
        keeps("import torch\nKi = torch.cholesky_inverse(U, upper=True)\n", id="modern"),
    )

    def rewrite(self, match: _Match) -> None:
        upper = _upper_flag(match.args.get("upper"), True)
        if upper is None:
            self.report_use(match, "`upper` is a complex expression")
            return
        parts = Parts(self.context)
        flag = "" if upper == "False" else f", upper={upper}"
        self.replace_call(match, f"{parts.ref('torch.cholesky_inverse')}({source_of(match.args['input'])}{flag})", parts)


class Potrs(_LinalgCall):
    """`torch.potrs(b, U, upper=True)`: use `torch.cholesky_solve(b, U, upper=True)`.

    What it does: rewrites the call, keeping the argument order (b first in both) and
    stating `upper=True` (the legacy default) explicitly.
    Why: removed in torch 1.0; `torch.cholesky_solve` defaults to `upper=False`.
    Example: `alpha = torch.potrs(y, U)` becomes `alpha = torch.cholesky_solve(y, U, upper=True)`.
    Fix safety: safe for a matrix right-hand side `(*, n, k)`, the form the legacy
    function documented.
    """

    code = "TM809"
    message = "`torch.potrs` is removed; use `torch.cholesky_solve(b, U, upper=True)` (legacy default: upper)"
    safety = Safety.SAFE
    triggers = ("potrs",)
    changed_in = "1.0"
    requires = "1.1"
    signatures = {"potrs": ("input", "input2", "upper")}
    functions = {"torch.potrs": "potrs"}
    methods = {"potrs": "potrs"}
    examples = (
        fixes("import torch\na = torch.potrs(y, U)\n", "import torch\na = torch.cholesky_solve(y, U, upper=True)\n", id="default"),
        fixes(
            "import torch as th\na = th.potrs(y, L, upper=False)\nb = y.potrs(U)\n",
            "import torch as th\na = th.cholesky_solve(y, L)\nb = th.cholesky_solve(y, U, upper=True)\n",
            id="alias-method",
        ),
        keeps("def potrs(b, u):\n    return b\nx = potrs(y, U)\n", id="own-function"),
        keeps("import torch\nx = torch.cholesky_solve(y, U, upper=True)\n", id="modern"),
    )

    def rewrite(self, match: _Match) -> None:
        upper = _upper_flag(match.args.get("upper"), True)
        if upper is None or "input2" not in match.args:
            self.report_use(match, "arguments not understood")
            return
        parts = Parts(self.context)
        flag = "" if upper == "False" else f", upper={upper}"
        b, u = match.args["input"], match.args["input2"]
        self.replace_call(match, f"{parts.ref('torch.cholesky_solve')}({source_of(b)}, {source_of(u)}{flag})", parts)


class Pstrf(_LinalgCall):
    """`torch.pstrf(A)`: pivoted Cholesky has no torch replacement.

    What it does: reports every call.
    Why: removed in torch 1.0 (`AttributeError` today); torch has no pivoted Cholesky.
    Example: `u, piv = torch.pstrf(K)` is reported.
    Fix safety: report only: use `scipy.linalg.lapack.dpstrf` on a NumPy copy, or an
    unpivoted `torch.linalg.cholesky` if the matrix is well conditioned.
    """

    code = "TM810"
    message = "`torch.pstrf` is removed and has no torch equivalent; use `scipy.linalg.lapack.dpstrf` or `torch.linalg.cholesky`"
    safety = Safety.NONE
    triggers = ("pstrf",)
    changed_in = "1.0"
    signatures = {"pstrf": ("input", "upper", "out", "tol")}
    functions = {"torch.pstrf": "pstrf"}
    methods = {"pstrf": "pstrf"}
    examples = (
        reports("import torch\nu, piv = torch.pstrf(K)\n", id="function"),
        reports("from torch import pstrf as p\nu, piv = p(K, upper=False)\n", id="alias"),
        keeps("from scipy.linalg.lapack import dpstrf\nc, piv, rank, info = dpstrf(K)\n", id="scipy"),
        keeps("def pstrf(k):\n    return k, None\nu, piv = pstrf(K)\n", id="own-function"),
    )

    def rewrite(self, match: _Match) -> None:
        self.report(match.call)


# ------------------------------------------------------------------------------------------
# A12: trtrs, triangular_solve
# ------------------------------------------------------------------------------------------


class Trtrs(_LinalgCall):
    """`X, _ = torch.trtrs(b, A)` / `torch.triangular_solve(b, A)`: use `torch.linalg.solve_triangular(A, b, upper=True)`.

    What it does: the solution (`X, _ = ...`, `[0]`, `.solution`) becomes
    `torch.linalg.solve_triangular(A, b, upper=...)`, arguments swapped and the legacy
    default `upper=True` stated (`upper` is required by the modern function);
    `transpose=True` solves with `A.mT` and the opposite `upper`; `unitriangular` is kept.
    The second output, a copy of A, becomes `A.clone()` when used
    (`X, A2 = torch.linalg.solve_triangular(...), A.clone()` for a simple `A`).
    Why: `trtrs` (<= 1.0) became `triangular_solve` (1.1), deprecated in 1.11 (a
    `UserWarning` today; `trtrs` itself raises `AttributeError`).
    Example: `x, _ = torch.trtrs(b, U)` becomes `x = torch.linalg.solve_triangular(U, b, upper=True)`.
    Fix safety: safe (bitwise equal, verified) for a matrix right-hand side; non-literal
    `transpose` flags and other uses of the pair are reported.
    """

    code = "TM811"
    message = "`torch.trtrs(b, A)` / `torch.triangular_solve(b, A)` are deprecated; use `torch.linalg.solve_triangular(A, b, upper=...)`"
    safety = Safety.SAFE
    triggers = ("trtrs", "triangular_solve")
    changed_in = "1.11"
    requires = "1.11"
    _params = ("input", "A", "upper", "transpose", "unitriangular")
    signatures = {"trtrs": _params, "triangular_solve": _params}
    functions = {"torch.trtrs": "trtrs", "torch.triangular_solve": "triangular_solve"}
    methods = {"trtrs": "trtrs", "triangular_solve": "triangular_solve"}
    examples = (
        fixes(
            "import torch\nx, _ = torch.trtrs(b, U)\n",
            "import torch\nx = torch.linalg.solve_triangular(U, b, upper=True)\n",
            id="default-upper",
        ),
        fixes(
            "import torch as th\nx = th.triangular_solve(b, L, upper=False, transpose=True).solution\n",
            "import torch as th\nx = th.linalg.solve_triangular(L.mT, b, upper=True)\n",
            id="alias-transpose",
        ),
        fixes(
            "import torch\nx, U2 = b.trtrs(U, unitriangular=True)\nprint(U2)\n",
            "import torch\nx, U2 = torch.linalg.solve_triangular(U, b, upper=True, unitriangular=True), U.clone()\nprint(U2)\n",
            id="method-copy-used",
        ),
        reports("import torch\nr = torch.trtrs(b, U, True, flip)\n", id="non-literal-transpose"),
        keeps("from scipy.linalg import solve_triangular\nx = solve_triangular(U, b)\n", id="scipy"),
        keeps("import torch\nx = torch.linalg.solve_triangular(U, b, upper=True)\n", id="modern"),
    )

    def rewrite(self, match: _Match) -> None:
        args = match.args
        b, A = args.get("input"), args.get("A")
        upper = _bool_literal(args.get("upper"), True)
        transpose = _bool_literal(args.get("transpose"), False)
        if b is None or A is None or transpose is UNKNOWN:
            self.report_use(match, "`transpose` is not a literal")
            return
        if upper is UNKNOWN:
            if not is_simple(args["upper"]):
                self.report_use(match, "`upper` is a complex expression")
                return
            upper_text = f"not {source_of(args['upper'])}" if transpose else source_of(args["upper"])
        else:
            upper_text = str(bool(upper) != bool(transpose))
        matrix = f"{atom_of(A)}.mT" if transpose else source_of(A)
        unit = args.get("unitriangular")
        unit_text = "" if _bool_literal(unit, False) is False else f", unitriangular={source_of(unit)}"  # type: ignore[arg-type]
        parts = Parts(self.context)
        solve = f"{parts.ref('torch.linalg.solve_triangular')}({matrix}, {source_of(b)}, upper={upper_text}{unit_text})"
        if self.replace_first(match, solve, parts):
            return
        use = match.use
        if (use.kind == "index" and use.index == 1) or (use.kind == "attr" and use.attr == "cloned_coefficient"):
            self.emit(match, use.node, parts.expr(f"{atom_of(A)}.clone()", like=use.node))
            return
        if use.kind == "unpack" and len(use.targets) == 2 and is_simple(A):
            X, copy = use.targets
            statement = cst.parse_statement(f"{source_of(X)}, {source_of(copy)} = {solve}, {atom_of(A)}.clone()").body[0]
            statement = statement.with_changes(semicolon=use.node.semicolon)  # type: ignore[attr-defined]
            self.emit(match, use.node, statement, parts)
            return
        self.report_use(match, "its result is a pair (X, copy of A): rewrite by hand")


# ------------------------------------------------------------------------------------------
# A13 - A17: btrifact, btrisolve, btriunpack, lu, lu_solve, matrix_rank
# ------------------------------------------------------------------------------------------


class Btrifact(_LinalgCall):
    """`torch.btrifact(A)` / `btrifact_with_info(A)`: use `torch.linalg.lu_factor(A)` / `lu_factor_ex(A)`.

    What it does: `torch.btrifact(A, pivot=p)` becomes `torch.linalg.lu_factor(A, pivot=p)`
    and `torch.btrifact_with_info(A)` becomes `torch.linalg.lu_factor_ex(A)`; both return
    the same tuple (packed LU, int32 1-based pivots[, info]). A call filling an `info=`
    tensor in place is reported.
    Why: renamed `torch.lu` in 1.1 and removed (`AttributeError` today).
    Example: `A_LU, piv = torch.btrifact(A)` becomes `A_LU, piv = torch.linalg.lu_factor(A)`.
    Fix safety: safe (bitwise equal factors, verified).
    """

    code = "TM812"
    message = "`torch.btrifact` is removed; use `torch.linalg.lu_factor` (`lu_factor_ex` for the info tensor)"
    safety = Safety.SAFE
    triggers = ("btrifact",)
    changed_in = "1.1"
    requires = "1.11"
    signatures = {"btrifact": ("input", "info", "pivot"), "btrifact_with_info": ("input", "pivot")}
    functions = {"torch.btrifact": "btrifact", "torch.btrifact_with_info": "btrifact_with_info"}
    methods = {"btrifact": "btrifact", "btrifact_with_info": "btrifact_with_info"}
    examples = (
        fixes("import torch\nLU, piv = torch.btrifact(A)\n", "import torch\nLU, piv = torch.linalg.lu_factor(A)\n", id="default"),
        fixes(
            "import torch as th\nA_LU = A.btrifact(pivot=False)\nLU, p, info = th.btrifact_with_info(A)\n",
            "import torch as th\nA_LU = th.linalg.lu_factor(A, pivot=False)\nLU, p, info = th.linalg.lu_factor_ex(A)\n",
            id="alias-method-info",
        ),
        reports("import torch\nLU, piv = torch.btrifact(A, info=infos)\n", id="info-tensor"),
        keeps("def btrifact(a):\n    return a, None\nLU, piv = btrifact(A)\n", id="own-function"),
        keeps("import torch\nLU, piv = torch.linalg.lu_factor(A)\n", id="modern"),
    )

    def rewrite(self, match: _Match) -> None:
        info = match.args.get("info")
        if info is not None and literal(info) is not None:
            self.report_use(match, "an `info=` tensor is filled in place: use `torch.linalg.lu_factor_ex`")
            return
        pivot = match.args.get("pivot")
        pivot_text = "" if _bool_literal(pivot, True) is True else f", pivot={source_of(pivot)}"  # type: ignore[arg-type]
        target = "torch.linalg.lu_factor_ex" if match.legacy == "btrifact_with_info" else "torch.linalg.lu_factor"
        parts = Parts(self.context)
        self.replace_call(match, f"{parts.ref(target)}({source_of(match.args['input'])}{pivot_text})", parts)


class Btrisolve(_LinalgCall):
    """`torch.btrisolve(b, LU, pivots)`: use `torch.linalg.lu_solve(LU, pivots, b.unsqueeze(-1)).squeeze(-1)`.

    What it does: rewrites the call with the right-hand side moved LAST and treated as a
    batch of vectors `(B, n)`, as btrisolve documented; `b.btrisolve(*A_LU)` becomes
    `torch.linalg.lu_solve(*A_LU, b.unsqueeze(-1)).squeeze(-1)`.
    Why: replaced by `torch.lu_solve` in 1.1 (which itself wrapped it as
    `lu_solve(b.unsqueeze(-1), ...).squeeze(-1)`) and removed (`AttributeError` today).
    Example: `x = torch.btrisolve(b, LU, piv)` becomes
    `x = torch.linalg.lu_solve(LU, piv, b.unsqueeze(-1)).squeeze(-1)`.
    Fix safety: safe for the documented vector right-hand side.
    """

    code = "TM813"
    message = "`torch.btrisolve(b, LU, pivots)` is removed; use `torch.linalg.lu_solve(LU, pivots, b.unsqueeze(-1)).squeeze(-1)`"
    safety = Safety.SAFE
    triggers = ("btrisolve",)
    changed_in = "1.1"
    requires = "1.13"
    signatures = {"btrisolve": ("input", "LU_data", "LU_pivots")}
    functions = {"torch.btrisolve": "btrisolve"}
    methods = {"btrisolve": "btrisolve"}
    examples = (
        fixes(
            "import torch\nx = torch.btrisolve(b, LU, piv)\n",
            "import torch\nx = torch.linalg.lu_solve(LU, piv, b.unsqueeze(-1)).squeeze(-1)\n",
            id="function",
        ),
        fixes(
            "import torch as th\nx = b.btrisolve(*A_LU)\ny = th.btrisolve(b + 1, LU, piv)\nz = th.btrisolve(c, *A_LU)\n",
            "import torch as th\nx = th.linalg.lu_solve(*A_LU, b.unsqueeze(-1)).squeeze(-1)\ny = th.linalg.lu_solve(LU, piv, (b + 1).unsqueeze(-1)).squeeze(-1)\nz = th.linalg.lu_solve(*A_LU, c.unsqueeze(-1)).squeeze(-1)\n",
            id="alias-method-star",
        ),
        keeps("def btrisolve(b, lu, p):\n    return b\nx = btrisolve(b, LU, piv)\n", id="own-function"),
        keeps("import torch\nx = torch.linalg.lu_solve(LU, piv, B)\n", id="modern"),
    )

    def _match(self, call: cst.Call):
        func = call.func
        star = [a for a in call.args if a.star == "*"]
        if len(star) == 1 and call.args[-1] is star[0] and not any(a.keyword for a in call.args):
            if (
                isinstance(func, cst.Attribute)
                and func.attr.value == "btrisolve"
                and self.context.names.binding_of(func.value) is None
                and len(call.args) == 1
            ):
                return "btrisolve", {"input": func.value, "star": star[0].value}, True
            if self.context.qualified_name(func) == "torch.btrisolve" and len(call.args) == 2:
                return "btrisolve", {"input": call.args[0].value, "star": star[0].value}, False
        return super()._match(call)

    def rewrite(self, match: _Match) -> None:
        args = match.args
        parts = Parts(self.context)
        b = f"{atom_of(args['input'])}.unsqueeze(-1)"
        if "star" in args:
            factors = f"*{source_of(args['star'])}"
        elif "LU_pivots" in args:
            factors = f"{source_of(args['LU_data'])}, {source_of(args['LU_pivots'])}"
        else:
            self.report_use(match, "arguments not understood")
            return
        self.replace_call(match, f"{parts.ref('torch.linalg.lu_solve')}({factors}, {b}).squeeze(-1)", parts)


class Btriunpack(_LinalgCall):
    """`torch.btriunpack(LU, pivots)`: use `torch.lu_unpack(LU, pivots)`.

    What it does: renames the call; the arguments (`unpack_data`, `unpack_pivots`) and the
    (P, L, U) result are unchanged.
    Why: renamed in torch 1.1 and removed (`AttributeError` today).
    Example: `P, L, U = torch.btriunpack(LU, piv)` becomes `P, L, U = torch.lu_unpack(LU, piv)`.
    Fix safety: safe.
    """

    code = "TM814"
    message = "`torch.btriunpack` is removed; use `torch.lu_unpack`"
    safety = Safety.SAFE
    triggers = ("btriunpack",)
    changed_in = "1.1"
    requires = "1.1"
    signatures = {"btriunpack": ("LU_data", "LU_pivots", "unpack_data", "unpack_pivots")}
    functions = {"torch.btriunpack": "btriunpack"}
    methods = {"btriunpack": "btriunpack"}
    examples = (
        fixes("import torch\nP, L, U = torch.btriunpack(LU, piv)\n", "import torch\nP, L, U = torch.lu_unpack(LU, piv)\n", id="function"),
        fixes(
            "from torch import btriunpack as unpack\nP, L, U = unpack(LU, piv, unpack_pivots=False)\n",
            "import torch\n\nP, L, U = torch.lu_unpack(LU, piv, unpack_pivots=False)\n",
            id="alias",
        ),
        keeps("def btriunpack(a, b):\n    return a, a, a\nP, L, U = btriunpack(LU, piv)\n", id="own-function"),
        keeps("import torch\nP, L, U = torch.lu_unpack(LU, piv)\n", id="modern"),
    )

    def rewrite(self, match: _Match) -> None:
        parts = Parts(self.context)
        func = parts.ref("torch.lu_unpack")
        args = match.call.args
        if match.method:
            args = (cst.Arg(match.args["LU_data"]),) + tuple(args)
        text = source_of(match.call.with_changes(func=cst.parse_expression(func), args=args))
        self.replace_call(match, text, parts)


class Lu(_LinalgCall):
    """`torch.lu(A, pivot=True, get_infos=False)`: use `torch.linalg.lu_factor(A)` / `lu_factor_ex(A)`.

    What it does: `torch.lu(A)` / `A.lu()` becomes `torch.linalg.lu_factor(A)`; with
    `get_infos=True`, `torch.linalg.lu_factor_ex(A)` (same (LU, pivots, infos) triple);
    `pivot=` is kept.
    Why: deprecated in torch 1.13 (a `UserWarning` today).
    Example: `A_LU, piv = torch.lu(A)` becomes `A_LU, piv = torch.linalg.lu_factor(A)`.
    Fix safety: safe (bitwise equal, verified). A non-literal `get_infos` is reported.
    """

    code = "TM815"
    message = "`torch.lu` is deprecated; use `torch.linalg.lu_factor` (`lu_factor_ex` for infos)"
    safety = Safety.SAFE
    triggers = ("lu(", " lu", ",lu")
    changed_in = "1.13"
    requires = "1.11"
    common_methods = True
    signatures = {"lu": ("input", "pivot", "get_infos")}
    functions = {"torch.lu": "lu"}
    methods = {"lu": "lu"}
    examples = (
        fixes("import torch\nLU, piv = torch.lu(A)\n", "import torch\nLU, piv = torch.linalg.lu_factor(A)\n", id="default"),
        fixes(
            "import torch as th\nLU, piv, info = th.lu(A, get_infos=True)\nf = A.lu(False)\n",
            "import torch as th\nLU, piv, info = th.linalg.lu_factor_ex(A)\nf = th.linalg.lu_factor(A, pivot=False)\n",
            id="alias-infos-method",
        ),
        reports("import torch\nLU, piv = torch.lu(A, get_infos=want)\n", id="non-literal-infos"),
        keeps("import scipy.linalg\nP, L, U = scipy.linalg.lu(A)\n", id="scipy"),
        keeps("import torch\nLU, piv = torch.linalg.lu_factor(A)\n", id="modern"),
    )

    def rewrite(self, match: _Match) -> None:
        infos = _bool_literal(match.args.get("get_infos"), False)
        if infos is UNKNOWN:
            self.report_use(match, "`get_infos` is not a literal")
            return
        pivot = match.args.get("pivot")
        pivot_text = "" if _bool_literal(pivot, True) is True else f", pivot={source_of(pivot)}"  # type: ignore[arg-type]
        parts = Parts(self.context)
        target = "torch.linalg.lu_factor_ex" if infos else "torch.linalg.lu_factor"
        self.replace_call(match, f"{parts.ref(target)}({source_of(match.args['input'])}{pivot_text})", parts)


class LuSolve(_LinalgCall):
    """`torch.lu_solve(b, LU, pivots)`: use `torch.linalg.lu_solve(LU, pivots, b)` (b last).

    What it does: rewrites the call with the right-hand side moved to the end.
    Why: deprecated in torch 1.13 in favour of `torch.linalg.lu_solve`, whose arguments
    are reversed (a `UserWarning` today).
    Example: `x = torch.lu_solve(b, LU, piv)` becomes `x = torch.linalg.lu_solve(LU, piv, b)`.
    Fix safety: safe (bitwise equal, verified).
    """

    code = "TM816"
    message = "`torch.lu_solve(b, LU, pivots)` is deprecated; use `torch.linalg.lu_solve(LU, pivots, b)`"
    safety = Safety.SAFE
    triggers = ("lu_solve",)
    changed_in = "1.13"
    requires = "1.13"
    common_methods = True
    signatures = {"lu_solve": ("input", "LU_data", "LU_pivots")}
    functions = {"torch.lu_solve": "lu_solve"}
    methods = {"lu_solve": "lu_solve"}
    examples = (
        fixes("import torch\nx = torch.lu_solve(b, LU, piv)\n", "import torch\nx = torch.linalg.lu_solve(LU, piv, b)\n", id="function"),
        fixes(
            "import torch as th\nx = b.lu_solve(LU, piv)\n",
            "import torch as th\nx = th.linalg.lu_solve(LU, piv, b)\n",
            id="alias-method",
        ),
        keeps("import scipy.linalg as sl\nx = sl.lu_solve((lu, piv), b)\n", id="scipy"),
        keeps("import torch\nx = torch.linalg.lu_solve(LU, piv, b)\n", id="modern"),
    )

    def rewrite(self, match: _Match) -> None:
        args = match.args
        if "LU_pivots" not in args:
            self.report_use(match, "arguments not understood")
            return
        parts = Parts(self.context)
        text = f"{parts.ref('torch.linalg.lu_solve')}({source_of(args['LU_data'])}, {source_of(args['LU_pivots'])}, {source_of(args['input'])})"
        self.replace_call(match, text, parts)


class MatrixRank(_LinalgCall):
    """`torch.matrix_rank(A, tol=None, symmetric=False)`: use `torch.linalg.matrix_rank`.

    What it does: with `tol`, `torch.linalg.matrix_rank(A, atol=tol, rtol=0)`;
    `symmetric=` becomes `hermitian=`; without `tol`, `torch.linalg.matrix_rank(A)`.
    Why: removed in torch 1.9 (`RuntimeError` today).
    Example: `r = torch.matrix_rank(A, 1e-5)` becomes `r = torch.linalg.matrix_rank(A, atol=1e-5, rtol=0)`.
    Fix safety: safe with `tol` or `symmetric=True` (a square matrix); otherwise unsafe:
    the legacy default tolerance was sigma_max * min(m, n) * eps and the modern one is
    sigma_max * max(m, n) * eps, equal only for square matrices.
    """

    code = "TM817"
    message = "`torch.matrix_rank` is removed; use `torch.linalg.matrix_rank`"
    safety = Safety.SAFE
    triggers = ("matrix_rank",)
    changed_in = "1.9"
    requires = "1.11"
    signatures = {"matrix_rank": ("input", "tol", "symmetric")}
    functions = {"torch.matrix_rank": "matrix_rank"}
    methods = {"matrix_rank": "matrix_rank"}
    examples = (
        fixes(
            "import torch\nr = torch.matrix_rank(A, 1e-5)\ns = torch.matrix_rank(S, symmetric=True)\n",
            "import torch\nr = torch.linalg.matrix_rank(A, atol=1e-5, rtol=0)\ns = torch.linalg.matrix_rank(S, hermitian=True)\n",
            id="tol-symmetric",
        ),
        fixes("import torch as th\nr = th.matrix_rank(A)\n", "import torch as th\nr = th.linalg.matrix_rank(A)\n", id="alias-default-unsafe"),
        keeps("import numpy as np\nr = np.linalg.matrix_rank(A)\n", id="numpy"),
        keeps("import torch\nr = torch.linalg.matrix_rank(A)\n", id="modern"),
    )

    def rewrite(self, match: _Match) -> None:
        args = match.args
        tol = args.get("tol")
        symmetric = args.get("symmetric")
        sym_value = _bool_literal(symmetric, False)
        parts = Parts(self.context)
        extra = ""
        safety = Safety.SAFE
        message = None
        if tol is not None and literal(tol) is not None:
            extra += f", atol={source_of(tol)}, rtol=0"
        elif sym_value is not True:
            safety = Safety.UNSAFE
            message = self.message + " (unsafe: the default tolerance differs for non-square matrices)"
        if sym_value is not False:
            extra += f", hermitian={source_of(symmetric)}"  # type: ignore[arg-type]
        text = f"{parts.ref('torch.linalg.matrix_rank')}({source_of(args['input'])}{extra})"
        self.replace_call(match, text, parts, safety=safety, message=message)


# ------------------------------------------------------------------------------------------
# A18 - A21: chain_matmul, ger, norm, svd
# ------------------------------------------------------------------------------------------


class ChainMatmul(Rule):
    """`torch.chain_matmul(a, b, c)`: use `torch.linalg.multi_dot([a, b, c])`.

    What it does: wraps two or more matrices in a list for `torch.linalg.multi_dot`;
    `torch.chain_matmul(*ms)` becomes `torch.linalg.multi_dot(ms)`.
    Why: deprecated in torch 1.9 (a `UserWarning` today).
    Example: `torch.chain_matmul(A, B, C)` becomes `torch.linalg.multi_dot([A, B, C])`.
    Fix safety: safe for two or more explicit matrices (bitwise equal, verified); unsafe
    for `*ms`, since `multi_dot` rejects a single matrix that `chain_matmul` returned as is.
    """

    code = "TM818"
    message = "`torch.chain_matmul` is deprecated; use `torch.linalg.multi_dot([...])`"
    safety = Safety.SAFE
    triggers = ("chain_matmul",)
    trigger_words = ("chain_matmul",)
    trigger_regex = _call_trigger({"torch.chain_matmul": "chain_matmul"}, {})
    changed_in = "1.9"
    requires = "1.9"
    examples = (
        fixes("import torch\nP = torch.chain_matmul(A, B, C)\n", "import torch\nP = torch.linalg.multi_dot([A, B, C])\n", id="function"),
        fixes(
            "from torch import chain_matmul as cm\nP = cm(*mats)\n",
            "import torch\n\nP = torch.linalg.multi_dot(mats)\n",
            id="alias-star",
        ),
        keeps("import numpy as np\nP = np.linalg.multi_dot([A, B])\n", id="numpy"),
        keeps("def chain_matmul(*m):\n    return m\nP = chain_matmul(A, B)\n", id="own-function"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if self.context.qualified_name(node.func) != "torch.chain_matmul":
            return
        parts = Parts(self.context)
        func = parts.ref("torch.linalg.multi_dot")
        if len(node.args) == 1 and node.args[0].star == "*" and node.args[0].keyword is None:
            text = f"{func}({source_of(node.args[0].value)})"
            self.report(node, parts.expr(text, like=node), imports=parts.imports, safety=Safety.UNSAFE,
                        releases=call_releases(self.context, node.func),
                        message=self.message + " (unsafe: `multi_dot` needs at least two matrices)")
            return
        if len(node.args) < 2 or any(a.star or a.keyword for a in node.args):
            self.report(node)
            return
        text = f"{func}([{', '.join(source_of(a.value) for a in node.args)}])"
        self.report(node, parts.expr(text, like=node), imports=parts.imports, releases=call_releases(self.context, node.func))


class Ger(_LinalgCall):
    """`torch.ger(a, b)` / `a.ger(b)`: use `torch.outer(a, b)` / `a.outer(b)`.

    What it does: renames the function and the method.
    Why: `ger` (BLAS's name) is deprecated since torch 1.8 in favour of `outer`.
    Example: `torch.ger(u, v)` becomes `torch.outer(u, v)`.
    Fix safety: safe: `ger` is an alias of `outer` (bitwise equal, verified).
    """

    code = "TM819"
    message = "`ger` is deprecated; use `torch.outer` / `.outer`"
    safety = Safety.SAFE
    triggers = ("ger(", " ger", ",ger")
    changed_in = "1.8"
    requires = "1.8"
    signatures = {"ger": ("input", "vec2")}
    functions = {"torch.ger": "ger"}
    methods = {"ger": "ger"}
    common_methods = True
    examples = (
        fixes("import torch\nM = torch.ger(u, v)\n", "import torch\nM = torch.outer(u, v)\n", id="function"),
        fixes("import torch as th\nM = u.ger(v) + th.ger(a, b)\n", "import torch as th\nM = u.outer(v) + th.outer(a, b)\n", id="alias-method"),
        keeps("import numpy as np\nM = np.outer(u, v)\n", id="numpy"),
        keeps("def ger(a, b):\n    return a\nM = ger(u, v)\n", id="own-function"),
    )

    def rewrite(self, match: _Match) -> None:
        func = match.call.func
        if match.method:
            new = func.with_changes(attr=cst.Name("outer"))  # type: ignore[union-attr]
            self.emit(match, func, new)
            return
        parts = Parts(self.context)
        self.emit(match, func, parts.expr(parts.ref("torch.outer"), like=func), parts)


def _number(node: Optional[cst.BaseExpression], context) -> bool:
    """A numeric p: a literal number, `float('inf')`, `math.inf`, `numpy.inf`."""
    if node is None:
        return False
    value = literal(node)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return True
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "float" and len(node.args) == 1:
        return literal(node.args[0].value) in ("inf", "-inf", "Inf", "-Inf")
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return _number(node.expression, context)
    return context.qualified_name(node) in ("math.inf", "numpy.inf", "torch.inf")


class NormAsVector(_LinalgCall):
    """`torch.norm(x, p, dim)`: use `torch.linalg.vector_norm(x, p, dim)`.

    What it does: `torch.norm` with a numeric `p` (or none, or 'fro' without a matrix
    `dim`) becomes `torch.linalg.vector_norm`, `keepdim=` and `dtype=` kept; `p='nuc'`
    becomes `torch.linalg.matrix_norm(x, 'nuc')`. In particular `torch.norm(A, 2)` on a
    matrix stays the 2-norm of its flattened entries: it does NOT become
    `torch.linalg.norm(A, 2)`, which is the spectral norm.
    Why: `torch.norm` is deprecated (documented since 1.9; it may be removed) and
    `torch.linalg.norm` reads the same `ord` differently on matrices.
    Example: `torch.norm(W, 2)` becomes `torch.linalg.vector_norm(W, 2)`.
    Fix safety: safe: torch 2.x implements `torch.norm` with these calls (bitwise equal,
    verified). A non-literal `p` or an `out=` is reported.
    """

    code = "TM820"
    message = "`torch.norm` is deprecated; use `torch.linalg.vector_norm` (not `torch.linalg.norm`: spectral on matrices)"
    safety = Safety.SAFE
    triggers = ("norm(", " norm", ",norm")
    changed_in = "1.9"
    requires = "1.9"
    signatures = {"norm": ("input", "p", "dim", "keepdim", "out", "dtype")}
    functions = {"torch.norm": "norm"}
    methods = {}
    examples = (
        fixes(
            "import torch\nn2 = torch.norm(W, 2)\nf = torch.norm(W)\n",
            "import torch\nn2 = torch.linalg.vector_norm(W, 2)\nf = torch.linalg.vector_norm(W)\n",
            id="matrix-2-stays-vector",
        ),
        fixes(
            "import torch as th\nr = th.norm(x, p=1, dim=1, keepdim=True)\nn = th.norm(S, 'nuc')\ni = th.norm(v, float('inf'))\n",
            "import torch as th\nr = th.linalg.vector_norm(x, 1, dim=1, keepdim=True)\nn = th.linalg.matrix_norm(S, 'nuc')\ni = th.linalg.vector_norm(v, float('inf'))\n",
            id="alias-dim-nuc-inf",
        ),
        reports("import torch\nn = torch.norm(x, p)\n", id="non-literal-p"),
        keeps("import numpy as np\nn = np.linalg.norm(x, 2)\n", id="numpy"),
        keeps("import torch\nn = x.norm(2)\nm = torch.linalg.vector_norm(x)\n", id="method-and-modern"),
    )

    def rewrite(self, match: _Match) -> None:
        args = match.args
        p, dim = args.get("p"), args.get("dim")
        if "out" in args:
            self.report_use(match, "`out=` is not supported by the replacement")
            return
        parts = Parts(self.context)
        tail = ""
        if dim is not None:
            tail += f", dim={source_of(dim)}"
        if args.get("keepdim") is not None:
            tail += f", keepdim={source_of(args['keepdim'])}"
        if args.get("dtype") is not None:
            tail += f", dtype={source_of(args['dtype'])}"
        x = source_of(args["input"])
        p_value = literal(p) if p is not None else "fro"
        if p_value == "fro":
            text = f"{parts.ref('torch.linalg.vector_norm')}({x}{tail})"
        elif p_value == "nuc":
            text = f"{parts.ref('torch.linalg.matrix_norm')}({x}, 'nuc'{tail})"
        elif _number(p, self.context):
            text = f"{parts.ref('torch.linalg.vector_norm')}({x}, {source_of(p)}{tail})"  # type: ignore[arg-type]
        else:
            self.report_use(match, "`p` is not a literal: choose `vector_norm` or `matrix_norm` by hand")
            return
        self.replace_call(match, text, parts)


class Svd(_LinalgCall):
    """`U, S, V = torch.svd(A)`: use `torch.linalg.svd(A, full_matrices=False)` and `V = Vh.mH`.

    What it does: `U, S, V = torch.svd(A)` becomes `U, S, V = torch.linalg.svd(A, full_matrices=False)`
    followed by `V = V.mH` (legacy returned V, not its conjugate transpose); `some=False`
    gives `full_matrices=True`. `torch.svd(A)[0]` / `[1]` / `[2]` become `.U` / `.S` /
    `.Vh.mH` of the modern call; with `compute_uv=False`, the singular values become
    `torch.linalg.svdvals(A)`.
    Why: `torch.svd` is deprecated (documented since 1.9) in favour of `torch.linalg.svd`,
    which returns Vh, and whose `full_matrices=True` default is the opposite of `some=True`.
    Example: `U, S, V = torch.svd(W)` becomes
    `U, S, V = torch.linalg.svd(W, full_matrices=False)` + `V = V.mH`.
    Fix safety: safe (bitwise equal, verified). Other uses of the triple are reported.
    """

    code = "TM821"
    message = "`torch.svd` is deprecated; use `torch.linalg.svd(A, full_matrices=False)` (it returns Vh: V = Vh.mH)"
    safety = Safety.SAFE
    triggers = ("svd(", " svd", ",svd")
    changed_in = "1.9"
    requires = "1.11"
    common_methods = True
    signatures = {"svd": ("input", "some", "compute_uv")}
    functions = {"torch.svd": "svd"}
    methods = {"svd": "svd"}
    examples = (
        fixes(
            "import torch\nU, S, V = torch.svd(W)  # factor\nprint(V)\n",
            "import torch\nU, S, V = torch.linalg.svd(W, full_matrices=False)\nV = V.mH  # factor\nprint(V)\n",
            id="triple",
        ),
        fixes(
            "import torch as th\ns = th.svd(W)[1]\nv = W.svd(some=False)[2]\n_, s2, _ = th.svd(W, compute_uv=False)\n",
            "import torch as th\ns = th.linalg.svd(W, full_matrices=False).S\nv = th.linalg.svd(W).Vh.mH\ns2 = th.linalg.svdvals(W)\n",
            id="alias-index-values",
        ),
        fixes(
            "import torch\nU, S, _ = torch.svd(W)\n",
            "import torch\nU, S, _ = torch.linalg.svd(W, full_matrices=False)\n",
            id="v-unused",
        ),
        reports("import torch\nparts = torch.svd(W)\n", id="triple-kept"),
        keeps("import numpy as np\nU, S, Vh = np.linalg.svd(W)\n", id="numpy"),
        keeps("import torch\nU, S, Vh = torch.linalg.svd(W)\n", id="modern"),
    )

    def rewrite(self, match: _Match) -> None:
        args = match.args
        A = args["input"]
        some = _bool_literal(args.get("some"), True)
        compute = _bool_literal(args.get("compute_uv"), True)
        if compute is UNKNOWN or (some is UNKNOWN and not is_simple(args.get("some"))):
            self.report_use(match, "`some`/`compute_uv` are not literals")
            return
        parts = Parts(self.context)
        use = match.use
        if compute is False:
            values = f"{parts.ref('torch.linalg.svdvals')}({source_of(A)})"
            if use.kind == "index" and use.index == 1:
                self.emit(match, use.node, parts.expr(values, like=use.node), parts)
            elif use.kind == "unpack" and len(use.targets) == 3 and self.unused(use.targets[0], use) and self.unused(use.targets[2], use):
                statement = cst.parse_statement(f"{source_of(use.targets[1])} = {values}").body[0]
                statement = statement.with_changes(semicolon=use.node.semicolon)  # type: ignore[attr-defined]
                self.emit(match, use.node, statement, parts)
            else:
                self.report_use(match, "the zero-filled U and V of `compute_uv=False` are used")
            return
        if some is UNKNOWN:
            full = f", full_matrices=not {source_of(args['some'])}"
        else:
            full = ", full_matrices=False" if some else ""
        svd = f"{parts.ref('torch.linalg.svd')}({source_of(A)}{full})"
        if use.kind == "index" and use.index in (0, 1, 2):
            field = ("U", "S", "Vh.mH")[use.index]
            self.emit(match, use.node, parts.expr(f"{svd}.{field}", like=use.node), parts)
            return
        if use.kind == "unpack" and len(use.targets) == 3:
            V = use.targets[2]
            if self.unused(V, use):
                statement = cst.parse_statement(f"{source_of(use.node.targets[0].target)} = {svd}").body[0]  # type: ignore[attr-defined]
                statement = statement.with_changes(semicolon=use.node.semicolon)  # type: ignore[attr-defined]
                self.emit(match, use.node, statement, parts)
                return
            if use.line is not None and is_simple(V):
                first = f"{source_of(use.node.targets[0].target)} = {svd}"  # type: ignore[attr-defined]
                second = f"{source_of(V)} = {atom_of(V)}.mH"
                self.emit(match, use.line, _statements(use.line, [first, second]), parts)
                return
        self.report_use(match, "the (U, S, V) triple is used as a whole: V is now `Vh.mH`")


# ------------------------------------------------------------------------------------------
# A22 / A23: FFT, stft
# ------------------------------------------------------------------------------------------

_FFT_DIMS = {1: "", 2: "", 3: ", dim=(-3, -2, -1)"}


def _fft_name(kind: str, ndim: int) -> str:
    """torch.fft function for `kind` ('fft', 'ifft', 'rfft', 'irfft') over the last `ndim` dims."""
    return f"torch.fft.{kind}" + {1: "", 2: "2", 3: "n"}[ndim]


class SpectralFft(_LinalgCall):
    """`torch.rfft(x, 1)` / `irfft` / `fft` / `ifft`: use the `torch.fft` module with complex tensors.

    What it does: rewrites the legacy FFT functions, which stored complex numbers as a
    trailing dimension of size 2, into the `torch.fft` functions over the same last
    `signal_ndim` dimensions, converting at the boundary:
    `torch.rfft(x, 1)` -> `torch.view_as_real(torch.fft.rfft(x))`,
    `torch.irfft(X, 1, signal_sizes=(n,))` -> `torch.fft.irfft(torch.view_as_complex(X), n=n)`,
    `torch.fft(X, 2)` -> `torch.view_as_real(torch.fft.fft2(torch.view_as_complex(X)))`;
    `normalized=True` becomes `norm='ortho'`, `onesided=False` the full-spectrum `fft`.
    Why: torch 1.8 replaced the functions by the `torch.fft` module (`torch.fft(x, 1)`
    raises `TypeError: 'module' object is not callable` today, the others are gone).
    Example: `spec = torch.rfft(frames, 1)` becomes `spec = torch.view_as_real(torch.fft.rfft(frames))`.
    Fix safety: safe: the same transform, the same `(..., 2)` layout (verified against a
    hand-written DFT). `torch.view_as_complex` needs the size-2 dimension to be the
    innermost one, as the legacy functions produced it. A non-literal `signal_ndim`, or
    `irfft` with `onesided=False`, is reported.
    """

    code = "TM822"
    message = "the legacy FFT functions are removed; use `torch.fft` with `torch.view_as_real` / `torch.view_as_complex`"
    safety = Safety.SAFE
    triggers = ("fft",)
    changed_in = "1.8"
    requires = "1.8"
    signatures = {
        "rfft": ("input", "signal_ndim", "normalized", "onesided"),
        "irfft": ("input", "signal_ndim", "normalized", "onesided", "signal_sizes"),
        "fft": ("input", "signal_ndim", "normalized"),
        "ifft": ("input", "signal_ndim", "normalized"),
    }
    functions = {"torch.rfft": "rfft", "torch.irfft": "irfft", "torch.fft": "fft", "torch.ifft": "ifft"}
    methods = {"rfft": "rfft", "irfft": "irfft", "fft": "fft", "ifft": "ifft"}
    common_methods = True
    # `torch.fft.fft(x)` (the modern module) is never the legacy method: see `_match`
    trigger_regex = _call_trigger(functions, methods, method_dot=r"\.(?<!\btorch\.fft\.)")
    examples = (
        fixes(
            "import torch\nX = torch.rfft(x, 1)\ny = torch.irfft(X, 1, signal_sizes=(64,))\n",
            "import torch\nX = torch.view_as_real(torch.fft.rfft(x))\ny = torch.fft.irfft(torch.view_as_complex(X), n=64)\n",
            id="rfft-irfft",
        ),
        fixes(
            "import torch as th\nF = th.fft(z, 2, normalized=True)\nz2 = th.ifft(F, 2, True)\n",
            "import torch as th\nF = th.view_as_real(th.fft.fft2(th.view_as_complex(z), norm='ortho'))\nz2 = th.view_as_real(th.fft.ifft2(th.view_as_complex(F), norm='ortho'))\n",
            id="alias-callable-module",
        ),
        fixes(
            "from torch import rfft\nS = rfft(img, 3, onesided=False)\nT = img.rfft(2)\n",
            "import torch\n\nS = torch.view_as_real(torch.fft.fftn(img, dim=(-3, -2, -1)))\nT = torch.view_as_real(torch.fft.rfft2(img))\n",
            id="from-import-full-method",
        ),
        reports("import torch\nX = torch.rfft(x, ndim)\n", id="non-literal-ndim"),
        keeps("import numpy as np\nX = np.fft.rfft(x)\n", id="numpy"),
        keeps("import torch\nX = torch.fft.rfft(x)\nY = torch.fft.fft(z, n=8)\n", id="modern"),
    )

    def _match(self, call: cst.Call):
        found = super()._match(call)
        if found is not None and found[2] and literal(found[1].get("signal_ndim")) not in (1, 2, 3):
            return None  # `x.fft()` without a literal signal_ndim is not taken for the legacy method
        receiver = call.func.value if isinstance(call.func, cst.Attribute) else None
        if found is not None and found[2] and isinstance(receiver, cst.Attribute) and dotted(receiver) == "torch.fft":
            return None  # `torch.fft.fft(x)` in a file that imports only `from torch import nn`: the module
        return found

    def rewrite(self, match: _Match) -> None:
        args = match.args
        ndim = literal(args.get("signal_ndim"))
        normalized = _bool_literal(args.get("normalized"), False)
        onesided = _bool_literal(args.get("onesided"), True)
        if ndim not in (1, 2, 3) or isinstance(ndim, bool) or onesided is UNKNOWN:
            self.report_use(match, "`signal_ndim`/`onesided` are not literals")
            return
        if normalized is UNKNOWN:
            if not is_simple(args["normalized"]):
                self.report_use(match, "`normalized` is a complex expression")
                return
            norm = f", norm='ortho' if {source_of(args['normalized'])} else 'backward'"
        else:
            norm = ", norm='ortho'" if normalized else ""
        dims = _FFT_DIMS[ndim]  # type: ignore[index]
        parts = Parts(self.context)
        x = source_of(args["input"])
        legacy = match.legacy
        if legacy == "rfft":
            kind = "rfft" if onesided else "fft"
            text = f"{parts.ref('torch.view_as_real')}({parts.ref(_fft_name(kind, ndim))}({x}{dims}{norm}))"  # type: ignore[arg-type]
        elif legacy == "irfft":
            if not onesided:
                self.report_use(match, "`onesided=False`: use `torch.fft.ifftn(...).real`")
                return
            sizes = args.get("signal_sizes")
            size_text = ""
            if sizes is not None and literal(sizes) is not None:
                if ndim == 1 and isinstance(sizes, (cst.Tuple, cst.List)) and len(sizes.elements) == 1:
                    size_text = f", n={source_of(sizes.elements[0].value)}"
                else:
                    size_text = f", s={source_of(sizes)}"
                    if ndim == 1:
                        dims = ", dim=(-1,)"
                        ndim = 3  # irfftn spells the dims explicitly
            complex_x = f"{parts.ref('torch.view_as_complex')}({x})"
            text = f"{parts.ref(_fft_name('irfft', ndim))}({complex_x}{size_text}{dims}{norm})"  # type: ignore[arg-type]
        else:
            complex_x = f"{parts.ref('torch.view_as_complex')}({x})"
            inner = f"{parts.ref(_fft_name(legacy, ndim))}({complex_x}{dims}{norm})"  # type: ignore[arg-type]
            text = f"{parts.ref('torch.view_as_real')}({inner})"
        self.replace_call(match, text, parts)


class StftReal(Rule):
    """`torch.stft(x, n_fft)` without `return_complex`: use `torch.view_as_real(torch.stft(..., return_complex=True))`.

    What it does: adds `return_complex=True` (replacing `return_complex=False`) and wraps
    the call in `torch.view_as_real`, which gives the legacy real `(..., 2)` layout.
    `torch.istft(X, ...)` on such a real tensor gets `torch.view_as_complex(X)`.
    Why: torch 2.x requires `return_complex` for real input (`RuntimeError` without it)
    and deprecates `return_complex=False`; `istft` requires a complex input since 1.8.
    Example: `S = torch.stft(wave, 400, 160)` becomes
    `S = torch.view_as_real(torch.stft(wave, 400, 160, return_complex=True))`.
    Fix safety: safe for `stft` (bitwise equal, verified); unsafe for `istft`, whose input
    may already be complex in code written for 1.8+. Code for 0.4.0, whose `stft` took
    `(signal, frame_length, hop, fft_size, ...)`, is reported when it passes more than two
    arguments.
    """

    code = "TM823"
    message = "`torch.stft` without `return_complex=True` fails; use `torch.view_as_real(torch.stft(..., return_complex=True))`"
    safety = Safety.SAFE
    triggers = ("stft",)
    trigger_words = ("stft", "istft")
    trigger_regex = _call_trigger({"torch.stft": "stft", "torch.istft": "istft"}, {"stft": "stft", "istft": "istft"})
    changed_in = "1.7"
    requires = "1.7"
    examples = (
        fixes(
            "import torch\nS = torch.stft(wave, 400, 160)\n",
            "import torch\nS = torch.view_as_real(torch.stft(wave, 400, 160, return_complex=True))\n",
            id="stft",
        ),
        fixes(
            "import torch as th\nS = wave.stft(256, window=w, return_complex=False)\ny = th.istft(S, 256, window=w)\n",
            "import torch as th\nS = th.view_as_real(wave.stft(256, window=w, return_complex=True))\ny = th.istft(th.view_as_complex(S), 256, window=w)\n",
            id="alias-method-istft",
        ),
        keeps("import torch\nS = torch.stft(wave, 400, return_complex=True)\n", id="modern"),
        keeps("import librosa\nS = librosa.stft(wave, n_fft=400)\n", id="librosa"),
    )

    _LEGACY_040 = ("frame_length", "hop", "fft_size", "pad_end")

    def __init__(self, context) -> None:
        super().__init__(context)
        self._legacy_stft = False
        self._inverse: List[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        name = self.context.qualified_name(node.func)
        func = node.func
        method = (
            name is None
            and isinstance(func, cst.Attribute)
            and func.attr.value in ("stft", "istft")
            and self.context.names.binding_of(func.value) is None
            and imports_torch(self.context)
        )
        if name not in ("torch.stft", "torch.istft") and not method:
            return
        kind = name.rsplit(".", 1)[-1] if name else func.attr.value  # type: ignore[union-attr]
        if any(a.star for a in node.args):
            return
        keywords = {a.keyword.value: a for a in node.args if a.keyword is not None}
        flag = keywords.get("return_complex")
        if kind == "istft":
            self._inverse.append(node)
            return
        if flag is not None and literal(flag.value) is not False:
            return  # modern, or a non-literal choice
        self._legacy_stft = True
        if any(k in keywords for k in self._LEGACY_040) or (
            self.context.source_era is not None and self.context.source_era <= (0, 4) and len(node.args) > 2
        ):
            self.report(node, message=self.message + " (0.4.0 signature `stft(signal, frame_length, hop, ...)`: rewrite by hand)")
            return
        parts = Parts(self.context)
        args = [a for a in node.args if not (a.keyword is not None and a.keyword.value == "return_complex")]
        text_args = ", ".join(source_of(a.with_changes(comma=cst.MaybeSentinel.DEFAULT)) for a in args)
        call = f"{source_of(func)}({text_args}, return_complex=True)"
        text = f"{parts.ref('torch.view_as_real')}({call})"
        self.report(node, parts.expr(text, like=node), imports=parts.imports)

    def leave_Module(self, original_node: cst.Module) -> None:
        era = self.context.source_era
        legacy_era = era is not None and era <= (1, 7)
        if not (self._legacy_stft or legacy_era):
            return  # a file without legacy `stft` output: its spectra are complex already
        for node in self._inverse:
            self._rewrite_inverse(node, Safety.SAFE if legacy_era else Safety.UNSAFE)

    def _rewrite_inverse(self, node: cst.Call, safety: Safety) -> None:
        func = node.func
        parts = Parts(self.context)
        complex_ref = parts.ref("torch.view_as_complex")
        positional = [a for a in node.args if a.keyword is None]
        if self.context.qualified_name(func) == "torch.istft":
            if not positional:
                return
            spectrum = positional[0].value
            if isinstance(spectrum, cst.Call) and self.context.qualified_name(spectrum.func) == "torch.view_as_complex":
                return
            wrapped = cst.parse_expression(f"{complex_ref}({source_of(spectrum)})")
            new = node.with_changes(args=[positional[0].with_changes(value=wrapped)] + list(node.args[1:]))
        else:
            receiver = func.value  # type: ignore[union-attr]
            if isinstance(receiver, cst.Call) and self.context.qualified_name(receiver.func) == "torch.view_as_complex":
                return
            wrapped = cst.parse_expression(f"{complex_ref}({source_of(receiver)})")
            new = node.with_changes(func=func.with_changes(value=wrapped))  # type: ignore[union-attr]
        self.report(
            node,
            keep_parens(new, node),
            imports=parts.imports,
            safety=safety,
            message="`torch.istft` needs a complex spectrum since torch 1.8; use `torch.view_as_complex(X)` on a legacy real one",
        )


# ------------------------------------------------------------------------------------------
# A24: cross without dim
# ------------------------------------------------------------------------------------------


class CrossWithoutDim(Rule):
    """`torch.cross(a, b)` without `dim`: state the dimension.

    What it does: reports `torch.cross(a, b)` and `a.cross(b)` calls without a `dim`.
    Why: the legacy default is the FIRST dimension of size 3; torch 2.x warns that the
    default will change to agree with `torch.linalg.cross`, whose default is the LAST
    dimension. For a `(3, N)` batch the two disagree.
    Example: `torch.cross(a, b)` with `a` of shape `(3, 5)` should become
    `torch.linalg.cross(a, b, dim=0)`.
    Fix safety: report only: the right `dim` depends on the shapes, unknown statically.
    """

    code = "TM824"
    message = "`torch.cross` without `dim` uses the first dimension of size 3; pass `dim=` (or `torch.linalg.cross(a, b, dim=...)`)"
    safety = Safety.NONE
    triggers = ("cross(", " cross", ",cross")
    trigger_words = ("cross",)
    trigger_regex = _call_trigger({"torch.cross": "cross"}, {"cross": "cross"})
    changed_in = "1.13"
    examples = (
        reports("import torch\nc = torch.cross(a, b)\n", id="function"),
        reports("import torch as th\nc = a.cross(b)\nd = th.cross(a, b)\n", id="alias-method"),
        keeps("import torch\nc = torch.cross(a, b, dim=1)\nd = torch.linalg.cross(a, b)\n", id="explicit-dim"),
        keeps("import numpy as np\nc = np.cross(a, b)\n", id="numpy"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        name = self.context.qualified_name(node.func)
        func = node.func
        if any(a.star for a in node.args) or any(a.keyword is not None and a.keyword.value == "dim" for a in node.args):
            return
        positional = [a for a in node.args if a.keyword is None]
        if name == "torch.cross" and len(positional) == 2:
            self.report(node)
        elif (
            name is None
            and isinstance(func, cst.Attribute)
            and func.attr.value == "cross"
            and len(positional) == 1
            and self.context.names.binding_of(func.value) is None
            and imports_torch(self.context)
        ):
            self.report(node)
