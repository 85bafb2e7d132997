"""Lexical repairs made on tokens before parsing.

`x.cuda(async=True)` was legal until Python 3.7 made `async` a keyword; no current
grammar (CPython's or libcst's) accepts it, so it must be repaired on the token
stream, splicing the replacement at its exact offset so every other byte survives.
"""

from __future__ import annotations

import io
import re
import tokenize
from typing import List, Tuple

Position = Tuple[int, int]  # 1-based line, 0-based column

_ASYNC_EQUALS = re.compile(r"\basync\s*=")
_SKIPPED = {tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT}


def find_async_keywords(text: str) -> List[Position]:
    """Positions of every `async` used as a keyword argument name (`f(a, async=True)`)."""
    if not _ASYNC_EQUALS.search(text):
        return []  # tokenizing is slow; most files never spell `async =`
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type not in _SKIPPED]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return []
    found = []
    for before, token, after in zip(tokens, tokens[1:], tokens[2:]):
        if (
            token.type == tokenize.NAME
            and token.string == "async"
            and before.type == tokenize.OP
            and before.string in ("(", ",")
            and after.type == tokenize.OP
            and after.string == "="
        ):
            found.append(token.start)
    return found


def rename_async_keywords(text: str) -> Tuple[str, List[Position]]:
    """Replace each keyword argument `async=` by `non_blocking=`, byte-exact elsewhere."""
    positions = find_async_keywords(text)
    if not positions:
        return text, []
    lines = io.StringIO(text).readlines()  # the same lines the tokenizer saw
    for line, col in reversed(positions):
        row = lines[line - 1]
        lines[line - 1] = row[:col] + "non_blocking" + row[col + len("async") :]
    return "".join(lines), positions
