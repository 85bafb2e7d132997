"""The README's generated rule table and its set-up commands stay true."""

from __future__ import annotations

import re
from pathlib import Path

from migrator.registry import all_rules
from migrator.rule_docs import rules_table

README = Path(__file__).resolve().parent.parent / "README.md"


def test_rule_table_is_current():
    text = README.read_text()
    match = re.search(r"<!-- rules:start -->\n(.*?)<!-- rules:end -->", text, re.S)
    assert match, "README lacks the rule table markers"
    assert match.group(1).strip() == rules_table(all_rules()).strip(), (
        "README rule table is stale: regenerate it with `migrator rules --markdown`"
    )


def test_readme_opens_with_the_two_setup_commands():
    blocks = re.findall(r"```sh\n(.*?)\n```", README.read_text(), re.S)
    install, tests = blocks[0], blocks[1]
    assert "pip install -c constraints.txt -e '.[dev]'" in install and "fixtures/" in install
    assert "python -m pytest" in tests
    ci = (README.parent / ".ci" / "run").read_text()
    assert "python -m pytest -q" in ci and "python -m pytest -q" in tests


def test_every_command_is_documented():
    text = README.read_text()
    from migrator.cli import main

    for name in main.commands:
        assert f"migrator {name}" in text, f"README does not document `migrator {name}`"
