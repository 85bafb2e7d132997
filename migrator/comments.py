"""The comments a libcst node holds: what a rewrite must not lose."""

from __future__ import annotations

from collections import Counter
from typing import List, Optional

import libcst as cst


def comments(node: Optional[object]) -> "Counter[str]":
    """Each comment's text in `node` (a node or a `FlattenSentinel` of them), with its count."""
    found: "Counter[str]" = Counter()
    if isinstance(node, cst.FlattenSentinel):
        for part in node.nodes:
            found += comments(part)
    elif isinstance(node, cst.CSTNode):
        found.update(ordered_comments(node))
    return found


def ordered_comments(node: cst.CSTNode) -> List[str]:
    """The comments' texts in source order."""
    found: List[str] = []
    stack: List[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Comment):
            found.append(current.value)
        stack.extend(reversed(current.children))
    return found


def dropped_comments(original: cst.CSTNode, *replacements: object) -> List[str]:
    """The comments of `original` that `replacements` no longer hold, in source order."""
    missing = comments(original)
    for replacement in replacements:
        missing -= comments(replacement)
    if not missing:
        return []
    dropped = []
    for text in ordered_comments(original):
        if missing[text] > 0:
            missing[text] -= 1
            dropped.append(text)
    return dropped


def comment_line(text: str) -> cst.EmptyLine:
    """`text` as a line of its own, at the block's indentation."""
    return cst.EmptyLine(indent=True, whitespace=cst.SimpleWhitespace(""), comment=cst.Comment(text))
