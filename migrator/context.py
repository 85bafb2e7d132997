"""What a rule may know about the file it visits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, Optional, Tuple, TypeVar

import libcst as cst

from migrator.era import Version
from migrator.names import ImportTable
from migrator.rule import Import
from migrator.walk import parent_map

_EMPTY_MODULE = cst.Module(body=[])
Result = TypeVar("Result")


@dataclass(eq=False)
class FileContext:
    """Per-file facts shared by every rule in one visit: import bindings and eras."""

    names: ImportTable
    source_era: Optional[Version]  # the newest torch the code can have been written for
    target: Version
    # the oldest: the era itself when `--source-version` gives it, else None (any)
    era_floor: Optional[Version] = None

    # node id -> (node, its qualified name): most rules ask about the same calls; the node is
    # kept so that its id cannot be reused by another node during the visit
    _qualified: Dict[int, Tuple[cst.CSTNode, Optional[str]]] = field(default_factory=dict, init=False, repr=False)
    # analyses several rules of one visit need (rank flow, scopes, parents): key -> result
    _shared: Dict[str, object] = field(default_factory=dict, init=False, repr=False)

    def once(self, key: str, compute: Callable[[], "Result"]) -> "Result":
        """What `compute()` returns, computed on the first ask of this visit and kept for the others."""
        if key not in self._shared:
            self._shared[key] = compute()
        return self._shared[key]  # type: ignore[return-value]

    def computed(self, key: str) -> Optional[object]:
        """What `once(key, ...)` computed in this visit, None if nothing asked for it."""
        return self._shared.get(key)

    def parents(self, module: cst.Module) -> Dict[int, cst.CSTNode]:
        """id(node) -> parent for every node of the visited module.

        The visit has no parent metadata (it costs a walk), so rules that need the enclosing
        block ask for it from `leave_Module`, and only when they found a candidate; the
        engine asks again to place the findings. Built once, it goes with the visit.
        """
        return self.once("parents", lambda: parent_map(module))

    def qualified_name(self, node: cst.BaseExpression) -> Optional[str]:
        """The qualified name a Name/Attribute chain of the visited module refers to, None if no import.

        None too where a function, lambda, comprehension or class body binds the chain's first
        name itself (`def act(x, F=MyOps): return F.tanh(x)`): see `ImportTable.hidden`.
        """
        known = self._qualified.get(id(node))
        if known is not None and known[0] is node:
            return known[1]
        name = self.names.qualified_name(node)
        self._qualified[id(node)] = (node, name)
        return name

    def reference(self, qualified: str) -> Tuple[cst.BaseExpression, Tuple[Import, ...]]:
        """An expression naming `qualified` in this file, and the import it needs if none binds it.

        `torch.sigmoid` becomes `torch.sigmoid` where `import torch` exists; otherwise
        `import torch` is added with the fix. A name some scope of the file rebinds
        (`def up(x, F=None)`) is not used: where the reference goes is not known here.
        """
        local = self.names.local_name_for(qualified)
        imports: Tuple[Import, ...] = ()
        if local is None:
            head = qualified.split(".", 1)[0]
            local = qualified
            imports = (Import(head),)
        return _dotted_expression(local), imports


def _dotted_expression(dotted: str) -> cst.BaseExpression:
    """`a.b.c` as nodes: built directly, since parsing it is the larger part of a check's reference cost."""
    parts = dotted.split(".")
    if not all(part.isidentifier() for part in parts):
        return cst.parse_expression(dotted)
    expression: cst.BaseExpression = cst.Name(parts[0])
    for part in parts[1:]:
        expression = cst.Attribute(value=expression, attr=cst.Name(part))
    return expression


def code_of(node: cst.CSTNode) -> str:
    """The source text of a node, for messages."""
    return _EMPTY_MODULE.code_for_node(node)
