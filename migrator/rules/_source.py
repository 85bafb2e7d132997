"""Replacement source text: a node's code, parenthesized where needed, and references
spelled through the file's imports."""

from __future__ import annotations

from typing import Optional, Tuple

import libcst as cst

from migrator.context import code_of

_ATOMS = (
    cst.Name,
    cst.Attribute,
    cst.Call,
    cst.Subscript,
    cst.Integer,
    cst.Float,
    cst.Imaginary,
    cst.SimpleString,
    cst.ConcatenatedString,
    cst.FormattedString,
    cst.List,
    cst.Tuple,
    cst.Dict,
    cst.Set,
    cst.ListComp,
    cst.SetComp,
    cst.DictComp,
    cst.GeneratorExp,
)


def source_of(node: cst.CSTNode) -> str:
    return code_of(node)


def atom_of(node: cst.BaseExpression) -> str:
    """The node's source, parenthesized unless it binds tighter than attribute access."""
    text = source_of(node)
    if isinstance(node, _ATOMS) or getattr(node, "lpar", None):
        return text
    return f"({text})"




def imports_torch(context) -> bool:
    names = context.names
    return any(b.qualified == "torch" or b.qualified.startswith("torch.") for b in names.bindings.values()) or any(
        m == "torch" or m.startswith("torch.") for m in names.star_modules
    )


def keep_parens(replacement: cst.BaseExpression, original: cst.CSTNode) -> cst.BaseExpression:
    lpar = getattr(original, "lpar", None)
    if lpar:
        return replacement.with_changes(lpar=lpar, rpar=original.rpar)  # type: ignore[attr-defined]
    return replacement


class Parts:
    """Builds replacement source text, spelling references through the file's imports."""

    def __init__(self, context) -> None:
        self.context = context
        self.imports: list = []

    def ref(self, qualified: str) -> str:
        expr, imports = self.context.reference(qualified)
        self.imports.extend(i for i in imports if i not in self.imports)
        return source_of(expr)

    def expr(self, text: str, like: Optional[cst.CSTNode] = None) -> cst.BaseExpression:
        parsed = cst.parse_expression(text)
        return keep_parens(parsed, like) if like is not None else parsed


def call_releases(context, func: cst.BaseExpression) -> Tuple[str, ...]:
    """The local binding (`gesv` of `from torch import gesv`) a rewrite of a call to `func` may leave unused."""
    binding = context.names.binding_of(func)
    if binding and isinstance(func, cst.Name) and binding == func.value:
        return (binding,)
    return ()


