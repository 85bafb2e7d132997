"""What a rule may know about the file it visits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import libcst as cst

from migrator.era import Version
from migrator.names import ImportTable
from migrator.rule import Import

_EMPTY_MODULE = cst.Module(body=[])


@dataclass(eq=False)
class FileContext:
    """Per-file facts shared by every rule in one visit: import bindings and eras."""

    names: ImportTable
    source_era: Optional[Version]
    target: Version

    def qualified_name(self, node: cst.BaseExpression) -> Optional[str]:
        return self.names.qualified_name(node)

    def reference(self, qualified: str) -> Tuple[cst.BaseExpression, Tuple[Import, ...]]:
        """An expression naming `qualified` in this file, and the import it needs if none binds it.

        `torch.sigmoid` becomes `torch.sigmoid` where `import torch` exists; otherwise
        `import torch` is added with the fix.
        """
        local = self.names.local_name_for(qualified)
        imports: Tuple[Import, ...] = ()
        if local is None:
            head = qualified.split(".", 1)[0]
            local = qualified
            imports = (Import(head),)
        return cst.parse_expression(local), imports


def code_of(node: cst.CSTNode) -> str:
    """The source text of a node, for messages."""
    return _EMPTY_MODULE.code_for_node(node)
