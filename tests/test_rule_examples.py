"""Every rule's own examples, run through the engine with only that rule selected."""

from __future__ import annotations

import ast

import pytest

from migrator.config import Settings
from migrator.engine import check_source, fix_source
from migrator.registry import all_rules

CASES = [
    pytest.param(rule, example, id=f"{rule.code}-{example.id or index}")
    for rule in all_rules()
    for index, example in enumerate(rule.examples)
]


def _settings(rule, unsafe=True):
    return Settings(select=(rule.code,), unsafe_fixes=unsafe, source_version=getattr(rule, "example_era", "auto"))


@pytest.mark.parametrize("rule,example", CASES)
def test_example(rule, example):
    source = example.before.encode()
    found = [f for f in check_source(source, _settings(rule)).remaining if f.code == rule.code]
    assert bool(found) == example.flagged, f"{rule.code} {'missed' if example.flagged else 'wrongly flagged'}: {example.before!r}"
    result = fix_source(source, _settings(rule))
    assert result.error is None, result.error
    expected = example.after if example.after is not None else example.before
    assert result.output.decode() == expected
    ast.parse(result.output)
    again = fix_source(result.output, _settings(rule))
    assert again.output == result.output, "a second fix changed the output"


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_rule_has_examples_of_both_kinds(rule):
    changed = [e for e in rule.examples if e.flagged]
    untouched = [e for e in rule.examples if not e.flagged]
    assert len(changed) >= 2, f"{rule.code} needs at least two examples it reports"
    assert len(untouched) >= 2, f"{rule.code} needs at least two examples it must leave alone"
    assert rule.message and rule.__doc__, f"{rule.code} needs a message and documentation"
