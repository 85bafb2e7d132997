"""Every rule is exercised by the fixture corpus, so `migrator verify` proves each rule on a real script.

A fixture exercises a code when `fix_source(legacy, Settings(unsafe_fixes=True,
source_version=era))` fixes or still reports it, exactly as `tests/fixture_corpus.py`
migrates it. A rule whose legacy idiom cannot run at all, neither on the emulated legacy
runtime nor on current torch, cannot be in a runnable fixture: it is listed in `EXEMPT`
with the reason. An exemption must name a registered report-only rule that no fixture
exercises, so the table cannot go stale: once a fixture covers the rule, the entry goes.

The codes are computed in a child process in which `import torch` fails: the rules, the
engine and this test need no torch.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, List

import pytest

from fixture_corpus import load_fixtures
from migrator.registry import all_rules
from migrator.rule import Safety

# code -> why no runnable fixture can hold the idiom (one line each)
EXEMPT: Dict[str, str] = {
    "TM111": "`.reinforce()` raises on torch 2.13 and the legacy runtime refuses it (stochastic functions, removed in 0.3, are not emulated).",
    "TM308": "a 0.2 weight tensor as `F.kl_div`'s fourth argument raises on torch 2.13 and the legacy runtime does not emulate the 0.2 signature.",
    "TM810": "`torch.pstrf` (pivoted Cholesky) raises on torch 2.13, which has no equivalent, and the legacy runtime refuses it.",
    "TM612": "importing `torch.utils.ffi`, `torch.legacy`, `load_lua` or `torch.nn._functions` raises on torch 2.13 and the legacy runtime refuses them (removed in 1.0, not emulated).",
}

ALL_RULES = {rule.code: rule for rule in all_rules()}
FIXTURES = load_fixtures()

_CHILD = textwrap.dedent(
    """
    import json
    import os
    import sys
    from concurrent.futures import ProcessPoolExecutor


    def block_torch():
        sys.modules["torch"] = None  # `import torch` now raises ImportError


    def codes(job):
        name, path, era = job
        from migrator.config import Settings
        from migrator.engine import fix_source

        with open(path, "rb") as handle:
            result = fix_source(handle.read(), Settings(unsafe_fixes=True, source_version=era), path)
        if result.error:
            raise RuntimeError(f"{name}: {result.error}")
        return name, sorted({f.code for f in result.fixed} | {f.code for f in result.remaining})


    if __name__ == "__main__":
        block_torch()
        jobs = json.loads(sys.stdin.read())
        workers = max(1, min(len(jobs), os.cpu_count() or 1))
        with ProcessPoolExecutor(workers, initializer=block_torch) as pool:
            print(json.dumps(dict(pool.map(codes, [tuple(job) for job in jobs]))))
    """
)


@lru_cache(maxsize=None)
def exercised() -> Dict[str, FrozenSet[str]]:
    """Fixture name -> the codes its legacy script exercises, computed without torch."""
    jobs = [[f.name, str(f.legacy), f.era] for f in FIXTURES]
    result = subprocess.run(
        [sys.executable, "-c", _CHILD],
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        timeout=900,
        cwd=str(Path(__file__).resolve().parent.parent),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return {name: frozenset(codes) for name, codes in json.loads(result.stdout).items()}


def fixtures_exercising(code: str) -> List[str]:
    return sorted(name for name, codes in exercised().items() if code in codes)


@pytest.mark.slow
@pytest.mark.parametrize("code", sorted(code for code in ALL_RULES if code not in EXEMPT))
def test_rule_is_exercised_by_a_fixture(code):
    assert fixtures_exercising(code), (
        f"{code} ({ALL_RULES[code].slug()}) is exercised by no fixture: add its idiom to a fixture that "
        f"`migrator verify` proves, or, if the idiom cannot run at all, exempt it in EXEMPT with the reason"
    )


@pytest.mark.parametrize("code", sorted(EXEMPT))
def test_exemption_names_a_report_only_rule(code):
    assert code in ALL_RULES, f"EXEMPT names {code}, which is not a registered rule"
    assert ALL_RULES[code].safety is Safety.NONE, f"{code} has a fix: a fix must be proven by a fixture, not exempted"
    reason = EXEMPT[code]
    assert reason.strip() and "\n" not in reason, f"{code}: the reason must be one line"


@pytest.mark.slow
@pytest.mark.parametrize("code", sorted(EXEMPT))
def test_exempt_rule_is_not_exercised(code):
    assert not fixtures_exercising(code), f"{code} is exercised by {fixtures_exercising(code)}: remove it from EXEMPT"


@pytest.mark.slow
def test_every_fixture_is_accounted_for():
    assert sorted(exercised()) == sorted(f.name for f in FIXTURES)
