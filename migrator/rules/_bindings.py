"""The plain names an assignment target binds."""

from __future__ import annotations

from typing import List

import libcst as cst


def names_bound_by(target: cst.CSTNode) -> List[str]:
    """`a`, `a, (b, *c)`: the names it binds; attributes and subscripts bind none."""
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for element in target.elements for n in names_bound_by(element.value)]
    if isinstance(target, cst.StarredElement):
        return names_bound_by(target.value)
    return []
