"""The two parsers' trees of a source text: libcst's, to rewrite, and CPython's, to check and place findings."""

from __future__ import annotations

import ast
import warnings
from contextlib import contextmanager
from typing import Iterator, Optional, Sequence, Tuple

import libcst as cst

from migrator.pieces import Piece, parse_pieces


def python_tree(text: str) -> Tuple[Optional[ast.Module], Optional[str]]:
    """CPython's tree of `text` (None if it cannot build one), and its syntax error if any.

    The error reads `line:column: syntax error: message`.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text), None
    except SyntaxError as error:
        where = f"{error.lineno or 1}:{error.offset or 1}"
        message = (error.msg or "invalid syntax").splitlines()[0]
        return None, f"{where}: syntax error: {message}"
    except (ValueError, RecursionError, MemoryError):
        return None, None


def parse_module(text: str, pieces: Optional[Sequence[Piece]] = None) -> cst.Module:
    """libcst's tree of `text`, from `pieces` (see `migrator.pieces.cut`) when given.

    Raises libcst's `ParserSyntaxError` as `cst.parse_module` does.
    """
    with _unvalidated_nodes():
        if pieces:
            joined = parse_pieces(text, pieces)
            if joined is not None:
                return joined
        return cst.parse_module(text)


@contextmanager
def _unvalidated_nodes() -> Iterator[None]:
    """Build libcst nodes without `_validate`: the parser's nodes come from code it accepted.

    libcst validates every node it constructs, parsed or not (its own note on
    `CSTNode.__post_init__` says parsing need not); that is about a fifth of the parse.
    Nodes the rules build are validated as usual: this holds only while parsing.
    """
    node_class = cst.CSTNode
    validating = node_class.__dict__.get("__post_init__")
    if validating is None:  # a libcst that validates elsewhere: leave it be
        yield
        return
    node_class.__post_init__ = _no_validation  # type: ignore[method-assign]
    try:
        yield
    finally:
        node_class.__post_init__ = validating  # type: ignore[method-assign]


def _no_validation(self: cst.CSTNode) -> None:
    pass
