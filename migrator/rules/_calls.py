"""Small helpers rules share for reading and rebuilding calls."""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

import libcst as cst

_MISSING = object()


def literal(node: Optional[cst.BaseExpression]) -> object:
    """The Python value of a True/False/None/number/string literal, else `_MISSING`-like sentinel `UNKNOWN`."""
    if node is None:
        return UNKNOWN
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[node.value]
    if isinstance(node, (cst.Integer, cst.Float)):
        return node.evaluated_value
    if isinstance(node, cst.SimpleString):
        return node.evaluated_value
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        inner = literal(node.expression)
        if isinstance(inner, (int, float)) and not isinstance(inner, bool):
            return -inner
    return UNKNOWN


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


def bind(call: cst.Call, params: Sequence[str]) -> Optional[Dict[str, cst.Arg]]:
    """Map a call's arguments to parameter names, or None when `*args`/`**kwargs` hide the mapping."""
    bound: Dict[str, cst.Arg] = {}
    for index, arg in enumerate(call.args):
        if arg.star:
            return None
        if arg.keyword is not None:
            bound[arg.keyword.value] = arg
        elif index < len(params):
            bound[params[index]] = arg
        else:
            return None
    return bound


def keyword_arg(name: str, value: cst.BaseExpression, like: Optional[cst.Arg] = None) -> cst.Arg:
    """`name=value`, formatted as the project's other keyword arguments are (no spaces around `=`)."""
    arg = cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
    )
    if like is not None:
        arg = arg.with_changes(comma=like.comma)
    return arg


def with_args(call: cst.Call, args: List[cst.Arg]) -> cst.Call:
    """The call with `args`, commas fixed so the last argument keeps the original trailing style."""
    if not args:
        return call.with_changes(args=())
    fixed = []
    last_comma = call.args[-1].comma if call.args else cst.MaybeSentinel.DEFAULT
    for index, arg in enumerate(args):
        if index < len(args) - 1:
            if arg.comma is cst.MaybeSentinel.DEFAULT or arg.comma == cst.MaybeSentinel.DEFAULT:
                arg = arg.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        else:
            arg = arg.with_changes(comma=last_comma)
        fixed.append(arg)
    return call.with_changes(args=fixed)


def keywordize(call: cst.Call, params: Sequence[str], start: int) -> Optional[List[cst.Arg]]:
    """The call's arguments with every positional argument from index `start` on turned into a keyword."""
    result: List[cst.Arg] = []
    for index, arg in enumerate(call.args):
        if arg.star:
            return None
        if arg.keyword is None and index >= start:
            if index >= len(params):
                return None
            result.append(keyword_arg(params[index], arg.value, like=arg))
        else:
            result.append(arg)
    return result


def string(value: str) -> cst.SimpleString:
    return cst.SimpleString(repr(value))


def method_call(receiver: cst.BaseExpression, method: str, args: Sequence[cst.Arg] = ()) -> cst.Call:
    """`receiver.method(args)`, parenthesizing receivers that need it."""
    if isinstance(receiver, (cst.BinaryOperation, cst.UnaryOperation, cst.BooleanOperation, cst.Comparison, cst.IfExp, cst.Lambda)) and not receiver.lpar:
        receiver = receiver.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.Call(func=cst.Attribute(value=receiver, attr=cst.Name(method)), args=list(args))


def is_simple(node: cst.BaseExpression) -> bool:
    """A name or attribute chain: cheap and side-effect free to evaluate twice."""
    while isinstance(node, cst.Attribute):
        node = node.value
    return isinstance(node, cst.Name)


def without_keywords(args: Sequence[cst.Arg], names: Sequence[str]) -> List[cst.Arg]:
    return [a for a in args if not (a.keyword is not None and a.keyword.value in names)]


def find_keyword(call: cst.Call, name: str) -> Optional[cst.Arg]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def positional(call: cst.Call) -> Tuple[cst.Arg, ...]:
    return tuple(a for a in call.args if a.keyword is None and not a.star)
