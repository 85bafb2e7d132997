"""`with_args` / `keyword_arg` (migrator/rules/_calls.py) lay new argument lists out as the call was.

A new argument takes the layout of the existing ones (its own line and their indentation
when the call puts one argument per line, `, ` otherwise); the last argument keeps the
call's closing (trailing comma or not); every comment stays with the argument it was
written after, and none is copied.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable, List

import libcst as cst
import pytest

from migrator.rules._calls import keyword_arg, with_args

Edit = Callable[[List[cst.Arg]], List[cst.Arg]]

NEW = keyword_arg("new", cst.Integer("1"))


def _rewrite(source: str, edit: Edit) -> str:
    call = cst.parse_expression(source)
    assert isinstance(call, cst.Call)
    return cst.Module(body=[]).code_for_node(with_args(call, edit(list(call.args))))


def _comments(code: str) -> Counter:
    return Counter(line.split("#", 1)[1] for line in code.splitlines() if "#" in line)


def append(args: List[cst.Arg]) -> List[cst.Arg]:
    return [*args, NEW]


def insert_second(args: List[cst.Arg]) -> List[cst.Arg]:
    return [args[0], NEW, *args[1:]]


def drop_second(args: List[cst.Arg]) -> List[cst.Arg]:
    return [a for i, a in enumerate(args) if i != 1]


def drop_last(args: List[cst.Arg]) -> List[cst.Arg]:
    return args[:-1]


def replace_first(args: List[cst.Arg]) -> List[cst.Arg]:
    return [keyword_arg("new", cst.Integer("1"), like=args[0]), *args[1:]]


def replace_second(args: List[cst.Arg]) -> List[cst.Arg]:
    return [keyword_arg("new", cst.Integer("1"), like=a) if i == 1 else a for i, a in enumerate(args)]


def replace_last(args: List[cst.Arg]) -> List[cst.Arg]:
    return [*args[:-1], keyword_arg("new", cst.Integer("1"), like=args[-1])]


def move_first_to_end(args: List[cst.Arg]) -> List[cst.Arg]:
    return [*args[1:], args[0]]


LAYOUTS = [
    "f(a, b)",
    "f(a, b,)",
    "f(\n    a,\n    b,  # about b\n)",
    "f(\n    a,  # about a\n    b  # about b\n)",
    "f(a,  # about a\n  b)",
    "f(a, b,\n  c)",
    "f(\n    a,\n    # above b\n    b,\n    c,\n)",
    "f(\n)",
    "f()",
]


@pytest.mark.parametrize("source", LAYOUTS)
def test_unchanged_argument_list_is_byte_identical(source: str) -> None:
    assert _rewrite(source, list) == source


CASES = [
    # appended: the reproduction of the bug (the comment was copied, the new argument at column 0)
    ("f(\n    a,\n    b,  # about b\n)", append, "f(\n    a,\n    b,  # about b\n    new=1,\n)"),
    ("f(\n    a,\n    b,\n)", append, "f(\n    a,\n    b,\n    new=1,\n)"),
    ("f(\n    a,\n    b  # about b\n)", append, "f(\n    a,\n    b,  # about b\n    new=1\n)"),
    ("f(\n    a,\n    b\n)", append, "f(\n    a,\n    b,\n    new=1\n)"),
    ("f(\n    x,  # logits\n)", append, "f(\n    x,  # logits\n    new=1,\n)"),
    ("f(a,  # about a\n  b)", append, "f(a,  # about a\n  b,\n  new=1)"),
    ("f(a, b)", append, "f(a, b, new=1)"),
    ("f(a, b,)", append, "f(a, b, new=1,)"),
    ("f(a, b,\n  c)", append, "f(a, b,\n  c, new=1)"),
    ("f()", append, "f(new=1)"),
    ("f(\n)", append, "f(\n    new=1\n)"),
    # inserted in the middle
    ("f(\n    a,  # about a\n    b=2,  # about b\n)", insert_second, "f(\n    a,  # about a\n    new=1,\n    b=2,  # about b\n)"),
    ("f(a, b=2)", insert_second, "f(a, new=1, b=2)"),
    # removed from the middle or the end: the other arguments keep their lines and comments
    ("f(\n    a,  # about a\n    b,\n    c,  # about c\n)", drop_second, "f(\n    a,  # about a\n    c,  # about c\n)"),
    ("f(\n    a,\n    b,\n    c\n)", drop_second, "f(\n    a,\n    c\n)"),
    ("f(\n    a,  # about a\n    b  # about b\n)", drop_last, "f(\n    a  # about a\n)"),
    ("f(a, b,)", drop_last, "f(a,)"),
    ("f(\n    a,\n    # above b\n    b,\n    c,\n)", drop_second, "f(\n    a,\n    c,\n)"),
    # replaced in place (`keyword_arg(..., like=old)`): the new argument on the old one's line, with its comment
    ("f(size_average=False,  # sum over tokens\n    ignore_index=0)", replace_first, "f(new=1,  # sum over tokens\n    ignore_index=0)"),
    ("f(\n    a,\n    # above b\n    b,  # about b\n    c=3,\n)", replace_second, "f(\n    a,\n    # above b\n    new=1,  # about b\n    c=3,\n)"),
    ("f(\n    a,\n    b  # about b\n)", replace_last, "f(\n    a,\n    new=1  # about b\n)"),
    ("f(a, b)", replace_last, "f(a, new=1)"),
    # reordered: the comment goes with its argument, even where `)` shared the line
    ("f(a,  # about a\n  b)", move_first_to_end, "f(b,\n  a  # about a\n)"),
    ("f(\n    a,  # about a\n    b,\n)", move_first_to_end, "f(\n    b,\n    a,  # about a\n)"),
]


@pytest.mark.parametrize("source, edit, expected", CASES)
def test_layout(source: str, edit: Edit, expected: str) -> None:
    result = _rewrite(source, edit)
    assert result == expected
    compile(result, "<call>", "eval")


@pytest.mark.parametrize("source, edit, expected", CASES)
def test_no_comment_is_copied(source: str, edit: Edit, expected: str) -> None:
    result = _comments(_rewrite(source, edit))
    assert not result - _comments(source)


def test_a_stand_in_claims_nothing_its_original_still_holds() -> None:
    call = cst.parse_expression("f(\n    a,  # about a\n)")
    assert isinstance(call, cst.Call)
    (a,) = call.args
    both = with_args(call, [a, keyword_arg("new", cst.Integer("1"), like=a)])
    assert cst.Module(body=[]).code_for_node(both) == "f(\n    a,  # about a\n    new=1,\n)"


def test_keyword_arg_takes_the_place_of_like() -> None:
    call = cst.parse_expression("f(x  # why\n)")
    assert isinstance(call, cst.Call)
    new = keyword_arg("dim", cst.Integer("0"), like=call.args[0])
    assert new.comma is call.args[0].comma and new.whitespace_after_arg is call.args[0].whitespace_after_arg
    assert cst.Module(body=[]).code_for_node(new) == "dim=0  # why\n"
