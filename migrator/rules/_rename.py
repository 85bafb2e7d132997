"""A rule made of a table of renamed callables: django-upgrade's one-table-per-change habit."""

from __future__ import annotations

from typing import ClassVar, Dict

import libcst as cst

from migrator.rule import Rule


class RenameRule(Rule):
    """Replace references to a renamed callable (`F.sigmoid` -> `torch.sigmoid`).

    Subclasses set `renames` (old qualified name -> new qualified name). The old
    reference is replaced wherever it is called or passed as a value; the new one is
    spelled through the file's own imports, adding `import torch` when needed.
    """

    renames: ClassVar[Dict[str, str]] = {}

    def visit_Call(self, node: cst.Call) -> None:
        self._check(node.func)

    def visit_Arg(self, node: cst.Arg) -> None:
        self._check(node.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        self._check(node.value)

    def _check(self, node: cst.BaseExpression) -> None:
        if not isinstance(node, (cst.Name, cst.Attribute)):
            return
        old = self.context.qualified_name(node)
        new = self.renames.get(old) if old else None
        if new is None:
            return
        replacement, imports = self.context.reference(new)
        binding = self.context.names.binding_of(node)
        # `from torch.nn.functional import tanh` goes when unused; module aliases such as `F` stay
        releases = (binding,) if binding and self.context.names.bindings[binding].qualified == old else ()
        message = self.message.format(old=old.rsplit(".", 1)[-1], new=new)
        self.report(node, replacement.with_changes(lpar=node.lpar, rpar=node.rpar), imports=imports, releases=releases, message=message)
