"""Fixtures for the legacy runtime tests.

`era_probe.py` (one child per era, all started at once) runs the per-family checks and
reports each value and the warnings it showed; the test modules assert on that report.
"""

from __future__ import annotations

import json
from typing import Dict, List

import pytest
from legacy_support import PROBE, TIMEOUT, start_python

PROBED_ERAS = ("0.1", "0.3", "0.4", "1.0", "1.4", "1.13")


@pytest.fixture(scope="session")
def probes() -> Dict[str, Dict[str, dict]]:
    """`{era: {check: {"value": ..., "warnings": [...]}}}` from one probe child per era."""
    children = {era: start_python([str(PROBE), era]) for era in PROBED_ERAS}
    reports = {}
    for era, child in children.items():
        out, err = child.communicate(timeout=TIMEOUT)
        assert child.returncode == 0, f"probe for era {era} failed:\n{err[-3000:]}"
        reports[era] = json.loads(out.strip().splitlines()[-1])
    return reports


class Probe:
    """Access to one check's results across eras."""

    def __init__(self, reports: Dict[str, Dict[str, dict]], name: str):
        self.reports = reports
        self.name = name

    def value(self, era: str):
        """The check's value in `era` (`{"raised": "Type: message"}` when it raised)."""
        return self.reports[era][self.name]["value"]

    def warnings(self, era: str) -> List[str]:
        """The warnings the check showed in `era` (after the runtime's filters)."""
        return self.reports[era][self.name]["warnings"]


@pytest.fixture
def check(probes):
    """`check(name)` -> a `Probe` for that check."""
    return lambda name: Probe(probes, name)
