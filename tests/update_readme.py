"""Regenerate the README's rule table from the registry: `python tests/update_readme.py`."""

import re
from pathlib import Path

from migrator.registry import all_rules
from migrator.rule_docs import rules_table

README = Path(__file__).resolve().parent.parent / "README.md"

if __name__ == "__main__":
    text = README.read_text()
    table = rules_table(all_rules())
    text = re.sub(r"(<!-- rules:start -->\n).*?(<!-- rules:end -->)", lambda m: m.group(1) + table + "\n" + m.group(2), text, flags=re.S)
    README.write_text(text)
