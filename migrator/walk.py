"""A fast walk over a libcst tree that skips whitespace, and the rules' visits on top of it.

libcst's own traversal rebuilds every node's children through `_visit_and_replace_children`,
whitespace included: on a typical file that costs as much as parsing it. Rules only look at
code, so this walk reads the dataclass fields that hold code, in source order (the order
libcst visits them), and calls the rules' `visit_<Node>` / `leave_<Node>` methods exactly as
libcst's batched visitor does.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Callable, Dict, Iterator, List, Sequence, Tuple, Type

import libcst as cst

# Fields holding only layout: whitespace, comments, parentheses and punctuation.
_LAYOUT_FIELDS = frozenset(
    (
        "lpar", "rpar", "leading_lines", "lines_after_decorators", "header", "footer",
        "trailing_whitespace", "newline", "comma", "semicolon", "equal", "dot", "colon",
        "lbracket", "rbracket", "lbrace", "rbrace", "star_tok", "first_comma", "second_comma",
        "default_indent", "default_newline", "encoding", "indent", "has_trailing_newline",
    )
)

# Node classes whose fields are declared in another order than the source (and libcst's visit).
_SOURCE_ORDER: Dict[Type[cst.CSTNode], Tuple[str, ...]] = {
    cst.FunctionDef: ("decorators", "asynchronous", "name", "type_parameters", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    cst.With: ("asynchronous", "items", "body"),
    cst.For: ("asynchronous", "target", "iter", "body", "orelse"),
    cst.CompFor: ("asynchronous", "target", "iter", "ifs", "inner_for_in"),
    cst.ExceptHandler: ("type", "name", "body"),
    cst.ExceptStarHandler: ("type", "name", "body"),
    cst.Arg: ("keyword", "value"),
    cst.IfExp: ("body", "test", "orelse"),
    cst.MatchCase: ("pattern", "guard", "body"),
    cst.Parameters: ("posonly_params", "posonly_ind", "params", "star_arg", "kwonly_params", "star_kwarg"),
}

_fields_cache: Dict[type, Tuple[str, ...]] = {}


def _code_fields(cls: type) -> Tuple[str, ...]:
    fields = _fields_cache.get(cls)
    if fields is None:
        names = [
            f.name
            for f in dataclasses.fields(cls)
            if f.name not in _LAYOUT_FIELDS and not f.name.startswith("whitespace") and not _never_a_node(f.type)
        ]
        order = _SOURCE_ORDER.get(cls)
        if order is not None:
            names = [n for n in order if n in names] + [n for n in names if n not in order]
        fields = _fields_cache[cls] = tuple(names)
    return fields


def _never_a_node(annotation: object) -> bool:
    """A field declared to hold only text or a flag (`Name.value`, `Arg.star`): no child there."""
    return annotation in (str, bool) or typing.get_origin(annotation) is typing.Literal


def _node_classes() -> frozenset:
    found, pending = set(), [cst.CSTNode]
    while pending:
        cls = pending.pop()
        found.add(cls)
        pending.extend(cls.__subclasses__())
    return frozenset(found)


# `isinstance(x, cst.CSTNode)` goes through the ABC machinery; a set lookup does not
_NODE_CLASSES = _node_classes()


def node_types(*classes: type) -> frozenset:
    """`classes` and their subclasses: `type(node) in node_types(...)` is `isinstance`
    without the ABC machinery, for the hottest loops."""
    wanted = set(classes)
    # the MRO, not `issubclass`: libcst's classes are ABCs, and this runs at import
    return frozenset(cls for cls in _NODE_CLASSES if not wanted.isdisjoint(cls.__mro__))


def code_children(node: cst.CSTNode) -> List[cst.CSTNode]:
    """The children of `node` that hold code (no whitespace, comments or punctuation), in source order."""
    children: List[cst.CSTNode] = []
    fields = _fields_cache.get(type(node))
    if fields is None:
        fields = _code_fields(type(node))
    for name in fields:
        value = getattr(node, name)
        kind = type(value)
        if kind in _NODE_CLASSES:
            children.append(value)
        elif kind is tuple or kind is list:
            children.extend(value)  # libcst's sequence fields hold nodes only
    return children


def iter_code(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """`node` and every node of code below it, in source order."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        children = code_children(current)
        children.reverse()
        stack.extend(children)


Method = Callable[[cst.CSTNode], object]


def visitor_methods(visitor: object) -> Dict[str, Method]:
    """An object's `visit_<Node>` / `leave_<Node>` methods by name."""
    return {name: getattr(visitor, name) for name in dir(type(visitor)) if name.startswith(("visit_", "leave_"))}


def visit_batched(module: cst.Module, tables: Sequence[Dict[str, Method]]) -> None:
    """Call every `visit_<Node>` on the way down and every `leave_<Node>` on the way up.

    `tables` holds each visitor's methods by name (libcst's `get_visitors()`); visitors are
    called in order, as libcst's `visit_batched` does.
    """
    visits: Dict[type, List[Method]] = {}
    leaves: Dict[type, List[Method]] = {}
    by_name: Dict[str, List[Method]] = {}
    for table in tables:
        for name, method in table.items():
            by_name.setdefault(name, []).append(method)

    def methods(cls: type) -> Tuple[List[Method], List[Method]]:
        name = cls.__name__
        found = visits[cls] = by_name.get("visit_" + name, [])
        leaves[cls] = by_name.get("leave_" + name, [])
        return found, leaves[cls]

    _LEAVE = object()
    stack: List[object] = [module]
    while stack:
        node = stack.pop()
        if node is _LEAVE:
            leaving = stack.pop()
            for method in leaves[type(leaving)]:
                method(leaving)  # type: ignore[arg-type]
            continue
        cls = type(node)
        found = visits.get(cls)
        leave = leaves.get(cls) if found is not None else None
        if found is None:
            found, leave = methods(cls)
        for method in found:
            method(node)  # type: ignore[arg-type]
        if leave:
            stack.append(node)
            stack.append(_LEAVE)
        children = code_children(node)  # type: ignore[arg-type]
        children.reverse()
        stack.extend(children)


def parent_map(node: cst.CSTNode) -> Dict[int, cst.CSTNode]:
    """id(child) -> parent for every node of code below `node` (code nodes only)."""
    parents: Dict[int, cst.CSTNode] = {}
    stack = [node]
    while stack:
        current = stack.pop()
        children = code_children(current)
        for child in children:
            parents[id(child)] = current
        stack.extend(children)
    return parents

