"""Lexical repair of a legacy script before `compile`, and what cannot be repaired.

`x.cuda(async=True)` was legal until Python 3.7 made `async` a keyword; it is renamed
`non_blocking=` on the token stream (`migrator.tokens`), every other byte unchanged.
Python 2 syntax (print statements, `except E, e:`, octal `0777`, mixed tabs) is
reported as `LegacyUnsupported` rather than converted: 2to3 changes semantics
(integer `/`) that this runtime would then have to guess.
"""

from __future__ import annotations

import io
import re
import tokenize
from typing import Optional

from migrator.tokens import rename_async_keywords

from .errors import LegacyUnsupported

# (construct, regex on the offending line) for Python 2 syntax that Python 3 rejects
_PYTHON2 = (
    ("`print` statement", re.compile(r"^\s*print(?:\s+[^\s(=.,)\]:;]|\s*[\"'])")),
    ("`exec` statement", re.compile(r"^\s*exec\s+[^\s(=]")),
    ("`except E, e:` clause", re.compile(r"^\s*except\s+[\w.()\s,]+,\s*\w+\s*:")),
    ("`raise E, msg` statement", re.compile(r"^\s*raise\s+[\w.]+\s*,")),
    ("backtick repr", re.compile(r"`")),
    ("`<>` operator", re.compile(r"<>")),
    ("long integer literal", re.compile(r"\b\d+[lL]\b")),
    ("`ur''` string prefix", re.compile(r"\b[uU][rR]['\"]")),
)
_PYTHON2_MESSAGES = (
    ("`print` statement", "Missing parentheses in call to 'print'"),
    ("`exec` statement", "Missing parentheses in call to 'exec'"),
    ("`except E, e:` clause", "multiple exception types must be parenthesized"),
    ("octal literal without 0o", "leading zeros in decimal integer literals are not permitted"),
    ("mixed tabs and spaces", "inconsistent use of tabs and spaces in indentation"),
)


def prepare_source(source: bytes) -> bytes:
    """The bytes of a legacy script with `async=` keyword arguments renamed `non_blocking=`.

    The text is decoded as Python would (PEP 263 cookie, UTF-8 BOM) and re-encoded the
    same way; a file without `async=` keywords, or that cannot be decoded, is returned
    unchanged, and so is one with an ordinary syntax error, for `compile` to report.
    Python 2 syntax raises `LegacyUnsupported` naming the construct.
    """
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        text = source.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return source
    renamed, positions = rename_async_keywords(text)
    prepared = renamed.encode(encoding) if positions else source
    try:
        compile(prepared, "<legacy script>", "exec", dont_inherit=True)
    except SyntaxError as error:
        _refuse_python2(error, f"line {error.lineno}")
    return prepared


def python2_construct(error: SyntaxError) -> Optional[str]:
    """The Python 2 construct that explains `error`, or None for an ordinary syntax error."""
    message = str(error.msg or "")
    for construct, text in _PYTHON2_MESSAGES:
        if text in message:
            return construct
    line = error.text or ""
    for construct, pattern in _PYTHON2:
        if pattern.search(line):
            return construct
    return None


def _refuse_python2(error: SyntaxError, where: str) -> None:
    """Raise `LegacyUnsupported` when `error` comes from Python 2 syntax; return otherwise."""
    construct = python2_construct(error)
    if construct is not None:
        raise LegacyUnsupported(f"Python 2 syntax ({construct}) at {where} cannot run on Python 3") from error


def compile_script(source: bytes, filename: str):
    """Compile a prepared legacy script, raising `LegacyUnsupported` for Python 2 syntax."""
    try:
        return compile(source, filename, "exec", dont_inherit=True)
    except SyntaxError as error:
        _refuse_python2(error, f"{filename}:{error.lineno}")
        raise
