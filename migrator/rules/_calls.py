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
    """`name=value`, formatted as the project's other keyword arguments are (no spaces around `=`).

    With `like`, the new argument stands in `like`'s place: it takes `like`'s comma and the
    whitespace after it, so `with_args` lays it out on `like`'s line, with `like`'s comment.
    """
    arg = cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
    )
    if like is not None:
        arg = arg.with_changes(comma=like.comma, whitespace_after_arg=like.whitespace_after_arg)
    return arg


def with_args(call: cst.Call, args: List[cst.Arg]) -> cst.Call:
    """The call with `args`, laid out as the call's own arguments are.

    Each argument of `args` that is one of the call's arguments, a copy of one
    (`arg.with_changes(...)`) or stands in its place (`keyword_arg(..., like=arg)`) keeps
    that argument's comment (after its comma) and the comment lines above it; every
    comment moves with its argument, none is copied. A new argument follows the call's
    layout: on its own line at the arguments' indentation when the call puts one argument
    per line, else after `, `. The last argument keeps the call's closing (trailing comma
    or not, `)` on its own line or not). Comments of arguments left out are not kept here:
    the engine moves them above the statement.
    """
    if not args:
        return call.with_changes(args=())
    opening = call.whitespace_before_args
    if not call.args and isinstance(opening, cst.ParenthesizedWhitespace):
        # `f(\n)`: the arguments go on their own lines, one level in from `)`
        indent = cst.SimpleWhitespace(opening.last_line.value + "    ")
        closing = cst.ParenthesizedWhitespace(indent=True, last_line=opening.last_line)
        call = call.with_changes(
            whitespace_before_args=opening.with_changes(last_line=indent),
            args=[cst.Arg(cst.Name("_"), whitespace_after_arg=closing)],
        )
        fixed = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=cst.SimpleWhitespace("")) for a in args]
        return with_args(call, fixed)
    layout = _Layout(call)
    origins = layout.origins(args)
    fixed = []
    for index, arg in enumerate(args):
        origin = origins[index]
        if index < len(args) - 1:
            fixed.append(layout.between(arg, origin, origins[index + 1]))
        else:
            fixed.append(layout.closing(arg, origin))
    return call.with_changes(args=fixed)


class _Layout:
    """Where a call's arguments break lines, and which comments belong to which argument."""

    def __init__(self, call: cst.Call) -> None:
        self.args = list(call.args)
        self.opening = call.whitespace_before_args
        # the whitespace after each argument: after its comma, or (last, no trailing comma) before `)`
        self.after: List[cst.BaseParenthesizableWhitespace] = []
        for arg in self.args:
            self.after.append(arg.comma.whitespace_after if isinstance(arg.comma, cst.Comma) else arg.whitespace_after_arg)
        self.trailing_comma = bool(self.args) and isinstance(self.args[-1].comma, cst.Comma)
        between = self.after[:-1]
        broken = [w for w in between if isinstance(w, cst.ParenthesizedWhitespace)]
        ends = (self.opening, *self.after[-1:])
        # one argument per line: every argument after a line break (the first may share the `(` line)
        self.one_per_line = bool(self.args) and len(broken) == len(between) and (
            bool(between) or any(isinstance(w, cst.ParenthesizedWhitespace) for w in ends)
        )
        if broken:
            self.indent = broken[-1].last_line
        elif isinstance(self.opening, cst.ParenthesizedWhitespace):
            self.indent = self.opening.last_line
        elif self.after and isinstance(self.after[-1], cst.ParenthesizedWhitespace):
            self.indent = cst.SimpleWhitespace(self.after[-1].last_line.value + "    ")
        else:
            self.indent = cst.SimpleWhitespace("    ")

    def origins(self, args: Sequence[cst.Arg]) -> List[Optional[int]]:
        """For each new argument, the index of the argument whose place it takes (None: a new one)."""
        found: List[Optional[int]] = [None] * len(args)
        taken = set()
        for index, arg in enumerate(args):  # the arguments themselves first
            for place, old in enumerate(self.args):
                if arg is old and place not in taken:
                    found[index] = place
                    taken.add(place)
                    break
        for index, arg in enumerate(args):  # then copies and stand-ins, known by the comma they carry
            if found[index] is not None:
                continue
            for place, old in enumerate(self.args):
                if place in taken:
                    continue
                if isinstance(old.comma, cst.Comma):
                    same = arg.comma is old.comma
                else:
                    same = arg.comma is cst.MaybeSentinel.DEFAULT and arg.whitespace_after_arg is old.whitespace_after_arg
                if same:
                    found[index] = place
                    taken.add(place)
                    break
        return found

    def _comment(self, origin: Optional[int]) -> Optional[cst.TrailingWhitespace]:
        """The end of the line after argument `origin` (its comment), when a line break followed it."""
        if origin is None:
            return None
        after = self.after[origin]
        return after.first_line if isinstance(after, cst.ParenthesizedWhitespace) else None

    def _before(self, origin: Optional[int]) -> Optional[cst.ParenthesizedWhitespace]:
        """The line break before argument `origin` (its comment lines and indentation), if any."""
        if origin is None:
            return None
        before = self.opening if origin == 0 else self.after[origin - 1]
        return before if isinstance(before, cst.ParenthesizedWhitespace) else None

    def _comma_before(self, origin: Optional[int]) -> cst.BaseParenthesizableWhitespace:
        if origin is not None and isinstance(self.args[origin].comma, cst.Comma):
            return self.args[origin].comma.whitespace_before
        return cst.SimpleWhitespace("")

    def _own_whitespace(self, arg: cst.Arg, origin: Optional[int]) -> cst.BaseParenthesizableWhitespace:
        """The whitespace between the argument and its comma."""
        if origin is None or not isinstance(self.args[origin].comma, cst.Comma):
            return cst.SimpleWhitespace("")  # a new argument, or the last one, whose whitespace led to `)`
        return arg.whitespace_after_arg

    def between(self, arg: cst.Arg, origin: Optional[int], following: Optional[int]) -> cst.Arg:
        """`arg`, its comma, and the whitespace up to the argument that was `following`."""
        inner = origin is not None and origin < len(self.args) - 1  # had an argument after it
        if inner and following == origin + 1:  # type: ignore[operator]
            return arg.with_changes(comma=self.args[origin].comma)  # same neighbour: same separator
        comment = self._comment(origin)
        if comment is not None and comment.comment is not None:
            broken = True  # the comment stays at the end of the argument's line
        elif inner:
            broken = comment is not None  # a line break followed it
        else:
            broken = self.one_per_line  # a new argument, or the last one, which only `)` followed
        if broken:
            before = self._before(following)
            after: cst.BaseParenthesizableWhitespace = cst.ParenthesizedWhitespace(
                first_line=comment if comment is not None else cst.TrailingWhitespace(),
                empty_lines=before.empty_lines if before is not None and following != 0 else (),
                indent=True,
                last_line=before.last_line if before is not None else self.indent,
            )
        elif inner:
            after = self.after[origin]  # type: ignore[index]
        else:
            after = cst.SimpleWhitespace(" ")
        return arg.with_changes(
            comma=cst.Comma(whitespace_before=self._comma_before(origin), whitespace_after=after),
            whitespace_after_arg=self._own_whitespace(arg, origin),
        )

    def closing(self, arg: cst.Arg, origin: Optional[int]) -> cst.Arg:
        """`arg` as the last argument: the call's trailing comma (or none) and its closing `)`."""
        last = len(self.args) - 1
        if origin == last:
            return arg.with_changes(comma=self.args[last].comma, whitespace_after_arg=self.args[last].whitespace_after_arg)
        end = self.after[last] if self.args else cst.SimpleWhitespace("")
        comment = self._comment(origin)
        if isinstance(end, cst.ParenthesizedWhitespace):
            # the line break before `)` stays; the comment on its line is this argument's own
            end = end.with_changes(first_line=comment if comment is not None else cst.TrailingWhitespace())
        elif comment is not None and comment.comment is not None:
            # the argument's comment would end the call: `)` moves to the next line
            end = cst.ParenthesizedWhitespace(first_line=comment, indent=True, last_line=cst.SimpleWhitespace(""))
        if self.trailing_comma:
            return arg.with_changes(
                comma=cst.Comma(whitespace_before=self._comma_before(origin), whitespace_after=end),
                whitespace_after_arg=self._own_whitespace(arg, origin),
            )
        return arg.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=end)


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
