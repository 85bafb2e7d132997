"""The engine parses without libcst's per-node validation, and only while parsing."""

from __future__ import annotations

import sys
from pathlib import Path

import libcst as cst
import pytest

from migrator import engine
from migrator.tokens import rename_async_keywords

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixture_corpus import load_fixtures  # noqa: E402

SOURCES = [rename_async_keywords(f.legacy.read_text())[0] for f in load_fixtures()]


@pytest.mark.parametrize("text", SOURCES[:12])
def test_unvalidated_parse_builds_the_same_tree(text: str) -> None:
    fast = engine._parse(text, "x.py")
    assert fast.deep_equals(cst.parse_module(text))
    assert fast.code == text


def test_nodes_built_after_parsing_are_validated() -> None:
    engine._parse("x = (1)\n", "x.py")
    with pytest.raises(cst.CSTValidationError):
        cst.Name("x", lpar=[cst.LeftParen()])  # unbalanced parentheses


def test_validation_is_restored_when_the_parse_fails() -> None:
    with pytest.raises(engine._SourceError):
        engine._parse("def f(:\n", "x.py")
    with pytest.raises(cst.CSTValidationError):
        cst.Name("x", lpar=[cst.LeftParen()])
