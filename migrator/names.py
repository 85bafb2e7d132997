"""Resolve names to qualified names from a file's own imports.

libcst's QualifiedNameProvider runs full scope analysis, about seven times the cost
of the parse itself. Legacy PyTorch idioms are reached through imports
(`import torch.nn.functional as F`, `from torch.autograd import Variable as V`), so
a table of the file's import bindings, minus names the file rebinds itself
(`class Variable: ...`), answers the same question for a fraction of the cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Set

import libcst as cst

# Spellings that name the same object as a shorter public path.
_CANONICAL_PREFIXES = (
    ("torch.autograd.variable.Variable", "torch.autograd.Variable"),
    ("torch.autograd.function.Function", "torch.autograd.Function"),
    ("torch.nn.modules.loss.", "torch.nn."),
    ("torch.nn.modules.activation.", "torch.nn."),
    ("torch.nn.modules.upsampling.", "torch.nn."),
    ("torch.nn.modules.module.", "torch.nn."),
    ("torch.nn.modules.container.", "torch.nn."),
    ("torch.nn.modules.", "torch.nn."),
    ("torch.nn.utils.clip_grad.", "torch.nn.utils."),
    ("torch.optim.lr_scheduler.", "torch.optim.lr_scheduler."),
)


def canonical(qualified: str) -> str:
    """The public spelling of a qualified name (`torch.nn.modules.loss.MSELoss` -> `torch.nn.MSELoss`)."""
    for prefix, replacement in _CANONICAL_PREFIXES:
        if qualified.startswith(prefix):
            rest = qualified[len(prefix) :]
            if prefix.endswith(".") and replacement.endswith("."):
                # torch.nn.modules.loss.MSELoss -> torch.nn.MSELoss (drop the submodule)
                if prefix == "torch.nn.modules.":
                    rest = rest.split(".", 1)[-1]
            return replacement + rest
    return qualified


def dotted(node: cst.BaseExpression) -> Optional[str]:
    """`a.b.c` for a Name/Attribute chain, else None."""
    kind = type(node)
    if kind is cst.Name:  # the common case, first; `type() is` spares the ABC machinery
        return node.value  # type: ignore[attr-defined]
    parts: List[str] = []
    while kind is cst.Attribute:
        parts.append(node.attr.value)  # type: ignore[attr-defined]
        node = node.value  # type: ignore[attr-defined]
        kind = type(node)
    if kind is not cst.Name:
        return None
    parts.append(node.value)  # type: ignore[attr-defined]
    return ".".join(reversed(parts))


def _module_name(node: cst.BaseExpression) -> str:
    return dotted(node) or ""


@dataclass(frozen=True)
class Binding:
    """A local name bound by an import statement."""

    qualified: str  # what the name refers to
    module: str  # the import's module (`torch.autograd`)
    obj: Optional[str]  # the imported object for `from m import obj`, else None
    asname: Optional[str]


class ImportTable:
    """Local name -> the qualified name its import binds, for one file."""

    def __init__(self) -> None:
        self.bindings: Dict[str, Binding] = {}
        self.star_modules: List[str] = []
        self.shadowed: Set[str] = set()

    @classmethod
    def from_module(cls, module: cst.Module) -> "ImportTable":
        """Collect the bindings of every import statement and the names the module defines itself."""
        table = cls()
        _ImportCollector(table).collect(module.body)
        return table

    def add_import(self, node: cst.Import) -> None:
        for alias in node.names:
            name = _module_name(alias.name)
            if alias.asname is not None:
                local = dotted(alias.asname.name)  # type: ignore[arg-type]
                if local:
                    self.bindings[local] = Binding(name, name, None, local)
            else:
                head = name.split(".", 1)[0]
                # `import torch.nn` binds `torch`; keep a wider binding if one exists
                self.bindings.setdefault(head, Binding(head, head, None, None))
                if head == name:
                    self.bindings[head] = Binding(head, head, None, None)

    def add_import_from(self, node: cst.ImportFrom) -> None:
        if node.relative:
            return
        module = _module_name(node.module) if node.module is not None else ""
        if isinstance(node.names, cst.ImportStar):
            self.star_modules.append(module)
            return
        for alias in node.names:
            obj = _module_name(alias.name)
            asname = dotted(alias.asname.name) if alias.asname is not None else None  # type: ignore[arg-type]
            local = asname or obj
            if local:
                self.bindings[local] = Binding(f"{module}.{obj}", module, obj, asname)

    def qualified_name(self, node: cst.BaseExpression) -> Optional[str]:
        """The canonical qualified name of a Name/Attribute chain, or None if it is not imported."""
        path = dotted(node)
        if path is None:
            return None
        head, _, rest = path.partition(".")
        if head in self.shadowed:
            return None
        binding = self.bindings.get(head)
        if binding is not None:
            base = binding.qualified
        elif self.star_modules:
            base = f"{self.star_modules[-1]}.{head}"
        else:
            return None
        return canonical(f"{base}.{rest}" if rest else base)

    def binding_of(self, node: cst.BaseExpression) -> Optional[str]:
        """The local import binding a Name/Attribute chain starts from (`autograd` in `autograd.Variable`)."""
        path = dotted(node)
        if path is None:
            return None
        head = path.split(".", 1)[0]
        return head if head in self.bindings else None

    def local_name_for(self, qualified: str) -> Optional[str]:
        """A spelling of `qualified` through this file's bindings (`torch.sigmoid` -> `torch.sigmoid`, `nn.MSELoss`)."""
        best: Optional[str] = None
        for local, binding in self.bindings.items():
            if local in self.shadowed:
                continue
            target = binding.qualified
            if qualified == target:
                candidate = local
            elif qualified.startswith(target + "."):
                candidate = local + qualified[len(target) :]
            else:
                continue
            if best is None or len(candidate) < len(best):
                best = candidate
        return best


class _ImportCollector:
    """Walk statements (not expressions) for imports and for names the file binds itself."""

    def __init__(self, table: ImportTable) -> None:
        self.table = table

    def collect(self, body: Iterable[cst.CSTNode], top: bool = True) -> None:
        for statement in body:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if isinstance(small, cst.Import):
                        self.table.add_import(small)
                    elif isinstance(small, cst.ImportFrom):
                        self.table.add_import_from(small)
                    elif top and isinstance(small, (cst.Assign, cst.AnnAssign)):
                        self._shadow_targets(small)
            elif isinstance(statement, (cst.ClassDef, cst.FunctionDef)):
                if top:
                    self._shadow(statement.name.value)
                if isinstance(statement, cst.FunctionDef):
                    self.collect(_statements(statement.body), top=False)
            elif isinstance(statement, cst.BaseCompoundStatement):
                # a conditional rebinding (`except ImportError: F = None`) is a fallback, not a shadow
                for block in _blocks(statement):
                    self.collect(_statements(block), top=False)

    def _shadow(self, name: str) -> None:
        if name in self.table.bindings:
            # a module-level definition after the import wins over it
            del self.table.bindings[name]
        self.table.shadowed.add(name)

    def _shadow_targets(self, node: cst.CSTNode) -> None:
        targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
        for target in targets:
            if isinstance(target, cst.Name):
                self._shadow(target.value)


def _statements(block: cst.BaseSuite) -> Iterable[cst.CSTNode]:
    if isinstance(block, cst.IndentedBlock):
        return block.body
    if isinstance(block, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=block.body)]
    return []


def _blocks(statement: cst.BaseCompoundStatement) -> Iterable[cst.BaseSuite]:
    if isinstance(statement, cst.Match):
        for case in statement.cases:
            yield case.body
        return
    yield statement.body
    for attr in ("orelse", "finalbody"):
        extra = getattr(statement, attr, None)
        while extra is not None:
            yield extra.body
            extra = getattr(extra, "orelse", None) if isinstance(extra, cst.If) else None
    for handler in getattr(statement, "handlers", ()):
        yield handler.body
