"""A rule's documentation for `migrator rules`, and the README's generated rule table."""

from __future__ import annotations

import inspect
from typing import Type

from migrator.rule import Rule


def _eras(rule: Type[Rule]) -> str:
    low, high = rule.source_eras
    if low is None and high is None:
        return ""
    return f"{low or ''}..{high or ''}"


def rule_record(rule: Type[Rule]) -> dict:
    """The rule's metadata as plain data."""
    return {
        "code": rule.code,
        "name": rule.slug(),
        "fix": rule.safety.value,
        "source_eras": _eras(rule),
        "requires": rule.requires,
        "changed_in": rule.changed_in,
        "message": rule.message,
        "summary": rule.summary(),
    }


def rule_documentation(rule: Type[Rule]) -> str:
    """The rule's docstring with its code, safety and examples."""
    lines = [f"{rule.code} {rule.slug()} ({rule.safety.value} fix)", "", inspect.cleandoc(rule.__doc__ or "")]
    eras = _eras(rule)
    if eras:
        lines += ["", f"Applies to code written for torch {eras}."]
    shown = [e for e in rule.examples if e.flagged and e.after is not None][:2]
    for example in shown:
        lines += ["", "Before:", _indent(example.before), "After:", _indent(example.after or "")]
    return "\n".join(lines)


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.rstrip("\n").splitlines())


def rules_table(rules) -> str:
    """The Markdown rule table of the README."""
    rows = ["| code | name | fix | era | message |", "|---|---|---|---|---|"]
    for rule in rules:
        message = rule.message.replace("|", "\\|")
        if "{old}" in message:
            message = rule.summary().replace("|", "\\|")
        rows.append(f"| {rule.code} | `{rule.slug()}` | {rule.safety.value} | {_eras(rule) or 'any'} | {message} |")
    return "\n".join(rows)
