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


# ---------------------------------------------------------------------------
# Building blocks of `trigger_regex` (the pre-filter: see `Rule.trigger_pattern`).
# Each is sound for what it names: it matches every text in which the construct can occur,
# whatever whitespace, line continuation, comment inside brackets or parenthesised import
# list the parser allows. No global flags: the engine joins every rule's pattern into one.

GAP = r"(?:[\s\\]|#[^\n]*\n)*"  # whitespace, `\` continuations, comments (inside brackets)
SPACE = r"[\s\\]+"  # whitespace between keywords of an import statement
DOT = r"(?:[\s\\)]|#[^\n]*\n)*\." + GAP  # the dot of `a.b`, `a .b`, `(a).b`, `(a  # c\n).b`


def rx_word(word: str) -> str:
    """`\\bword`, spelled literal-first (the same matches; a search can then skip to the literal)."""
    return word + r"(?<!\w" + word + ")"


def rx_words(names: Sequence[str]) -> str:
    """One of `names`, longest first (put `\\b` around it)."""
    return "(?:" + "|".join(sorted(set(names), key=lambda n: (-len(n), n))) + ")"


def rx_any_word(names: Sequence[str]) -> str:
    """`\\b` and one of `names`, literal-first (`rx_word`)."""
    return "(?:" + "|".join(rx_word(n) for n in sorted(set(names), key=lambda n: (-len(n), n))) + ")"


def rx_attribute(names: Sequence[str]) -> str:
    """`<anything>.name` for one of `names`: every attribute (and method) spelling."""
    return r"\." + GAP + rx_words(names) + r"\b"


_ARG = r"""[^()\[\]{}'"#,:]"""  # a character of a simple argument list: no bracket, string, comment, comma, lambda
_MAYBE = r"""[(\[{'"#:]"""  # what ends a simple argument list early: counted as "maybe"
_HAS_KEYWORD = (
    r"""(?:[^()\[\]{}'"#:]*,)?""" + GAP + r"\w+" + GAP + r"=(?!=)" + r"""[^()\[\]{}'"#:]*\)"""
)  # an argument list without brackets, strings, comments or lambdas (`:`) that holds a keyword


def rx_args(count: int = 0, keywords: bool = True) -> str:
    """After a call's `(`: at least `count` arguments, or exactly 2 with `count=-2`; with
    `keywords=False`, none of them a keyword. A bracket, string, comment or lambda met
    before the answer is known counts as "maybe" (sound, not exact)."""
    head = "" if keywords else "(?!" + _HAS_KEYWORD + ")"
    if count == -2:
        return head + _ARG + "*(?:" + _MAYBE + "|," + _ARG + "*(?:" + _MAYBE + r"|\)|," + GAP + r"\)))"
    if count == 0:
        return head
    if count == 1:
        return head + GAP + r"[^\s\\)]"
    commas = _ARG + "*(?:" + _MAYBE + "|,)"  # at least n arguments: n - 1 commas
    for _ in range(count - 2):
        commas = _ARG + "*(?:" + _MAYBE + "|," + commas + ")"
    return head + commas


def rx_call(args: int = 0, keywords: bool = True) -> str:
    """After a callee: its call, with arguments as `rx_args` says; after a parenthesised
    callee (`(x.name)(`) the arguments are not looked at."""
    return GAP + r"(?:(?:\)" + GAP + r")+\(|\(" + rx_args(args, keywords) + ")"


def rx_method_call(names: Sequence[str], args: int = 0, keywords: bool = True) -> str:
    """`.name(` with arguments as `rx_args` says (see `rx_call`)."""
    return rx_attribute(names) + rx_call(args, keywords)


def rx_from_import(module: str, names: Sequence[str]) -> str:
    """`from <module> import ..., name [as x], ...` (parenthesised, continued, commented lists).

    `module` is a regular expression for the module name (`TORCH_MODULE`, `rx_module`).
    """
    words = rx_words(names)
    return (
        rx_word("from") + SPACE + module + SPACE + r"import\b" + GAP
        + r"(?:\((?:[^)#]|#[^\n]*\n)*?\b" + words + r"\b|(?:[^;\n()#]|\\\r?\n)*?\b" + words + r"\b)"
    )


def rx_star_import(module: str) -> str:
    """`from <module> import *`: every name of the module may then be used bare."""
    return rx_word("from") + SPACE + module + SPACE + r"import" + GAP + r"\*"


def rx_module(dotted: str) -> str:
    """A dotted module name as the parser allows it (`torch . nn`)."""
    return r"(?:[\s\\]*\.[\s\\]*)".join(dotted.split("."))


TORCH_MODULE = r"torch\b(?:[\s\\]*\.[\s\\]*\w+)*"  # torch or any of its submodules


def rx_qualified(names: Sequence[str], module: str = TORCH_MODULE) -> str:
    """Every spelling of `<module>.name` through imports (`migrator.names.ImportTable`): an
    attribute `.name`, `from <module> import name [as x]`, a star import of the module."""
    return "|".join((rx_attribute(names), rx_from_import(module, names), rx_star_import(module)))


def rx_torch_function(names: Sequence[str]) -> str:
    """`torch.name` (top-level torch) through every import of torch: `torch.name`,
    `import torch as th` (then `th.name`), `from torch import name [as x]`, `from torch import *`."""
    return "|".join(
        (
            rx_word("torch") + DOT + rx_words(names) + r"\b",
            rx_word("torch") + SPACE + r"as\b",
            rx_from_import("torch", names),
            rx_star_import("torch"),
        )
    )


def rx_member(module: str, names: Sequence[str]) -> str:
    """`<...>.module.name` for a module reached by its last component `module`: every
    spelling says `module.name`, `module as X` (then `X.name`), or imports from a module
    ending in `module` (`from torch.nn.functional import name [as x]` or `*`)."""
    tail = r"[\w.\s\\]*?\b" + module
    return "|".join(
        (
            rx_word(module) + DOT + rx_words(names) + r"\b",
            rx_word(module) + SPACE + r"as\b",
            rx_from_import(tail, names),
            rx_star_import(tail),
        )
    )


# Top-level text of an argument list: a simple character, or one simple nested group.
_SIMPLE = r"""[^()\[\]{}'"#:]"""
_NESTED = r"\(" + _SIMPLE + r"*\)|\[" + _SIMPLE + r"*\]"
_TOP = r"(?:" + _SIMPLE + "|" + _NESTED + ")"
_TOP_ARG = r"""(?:[^()\[\]{}'"#:,]|""" + _NESTED + ")"  # ... within one argument
# What ends a simple argument early: counted as "maybe" (a nested group that is not simple, a string, a comment, a lambda).
_DEEP = r"(?:\((?!" + _SIMPLE + r"*\))|\[(?!" + _SIMPLE + r"*\])|[{'\"#:])"
_NOT_KEYWORD = r"(?!" + GAP + r"\w+" + GAP + r"=(?!=))"


def rx_keyword_given(names: Sequence[str], value_not_none: bool = False) -> str:
    """After a call's `(`: one of `names` visibly passed as a keyword at the top level (with
    `value_not_none`, with a value other than a literal None). For a negative look-ahead:
    a call this does not match may or may not pass the keyword."""
    value = r"(?![\s\\(]*None\b)" if value_not_none else ""
    return r"(?:" + _TOP + r"*?,)?[\s\\]*\b" + rx_words(names) + r"[\s\\]*=(?!=)" + value


def rx_second_positional_given() -> str:
    """After a call's `(`: a second positional argument visibly given, not a literal None."""
    return _TOP_ARG + r"*,[\s\\]*(?![(\s\\]*None\b)" + _NOT_KEYWORD + r"[^\s\\)#]"


def rx_call_without(names: Sequence[str], value_not_none: bool = False) -> str:
    """After a callee: its call, unless one of the keywords `names` is visibly given
    (see `rx_keyword_given`); a parenthesised callee's arguments are not looked at."""
    return GAP + r"(?:(?:\)" + GAP + r")+\(|\((?!" + rx_keyword_given(names, value_not_none) + "))"


def rx_positional(count: int) -> str:
    """After a call's `(`: at least `count` positional arguments (a keyword argument ends
    them); a string, comment, lambda or deeper bracket met first counts as "maybe"."""
    first = r"(?:" + _NESTED + r"""|[^\s\\)(\[\],{}'"#:])"""  # the argument's first element
    rx = r"[\s\\]*" + _NOT_KEYWORD + r"(?:" + _DEEP + "|" + first + ")"
    for _ in range(count - 1):
        rx = r"[\s\\]*" + _NOT_KEYWORD + r"(?:" + _DEEP + "|" + first + _TOP_ARG + r"*(?:" + _DEEP + r"|," + rx + "))"
    return rx


def rx_positional_call(count: int) -> str:
    """After a callee: its call with at least `count` positional arguments (`rx_positional`)."""
    return GAP + r"(?:(?:\)" + GAP + r")+\(|\(" + rx_positional(count) + ")"
