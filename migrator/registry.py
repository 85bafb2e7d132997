"""Rule discovery (every `Rule` subclass in `migrator.rules`), unique codes, select/ignore."""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import lru_cache
from typing import Dict, Tuple, Type

from migrator import rules as rules_package
from migrator.config import ConfigError, Settings
from migrator.rule_index import choose
from migrator.rule import Rule

_CODE = re.compile(r"TM\d{3}")


class RegistryError(RuntimeError):
    """Two rules share a code, or a code is malformed: a bug in the rule set, not in user input."""


@lru_cache(maxsize=None)
def all_rules() -> Tuple[Type[Rule], ...]:
    """Every rule, ordered by code."""
    found: Dict[str, Type[Rule]] = {}
    for info in pkgutil.iter_modules(rules_package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{rules_package.__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Rule) and value.__module__ == module.__name__ and value.code:
                if not _CODE.fullmatch(value.code):
                    raise RegistryError(f"{value.__name__}: malformed code {value.code!r}")
                if value.code in found and found[value.code] is not value:
                    raise RegistryError(f"{value.code} is used by {found[value.code].__name__} and {value.__name__}")
                found[value.code] = value
    return tuple(found[code] for code in sorted(found))


def rule_by_code(code: str) -> Type[Rule]:
    for rule in all_rules():
        if rule.code == code.upper():
            return rule
    raise ConfigError(f"unknown rule code {code!r} (see `migrator rules`)")


def select_rules(settings: Settings) -> Tuple[Type[Rule], ...]:
    """The rules selected by `settings`, minus those whose replacement needs a newer target torch."""
    return choose(all_rules(), settings)
