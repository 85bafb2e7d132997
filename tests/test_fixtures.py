"""The fixture corpus: each legacy script migrates to its expected file, runs warning-free, and is proven equivalent."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from fixture_corpus import load_fixtures, migrate

FIXTURES = load_fixtures()
WITH_EXPECTED = [pytest.param(f, id=f.name) for f in FIXTURES if f.migrated.exists()]


def test_corpus_is_complete():
    assert len(FIXTURES) >= 15
    missing = [f.name for f in FIXTURES if not f.migrated.exists()]
    assert not missing, f"fixtures without migrated.py (run tests/fixture_corpus.py): {missing}"


@pytest.mark.parametrize("fixture", WITH_EXPECTED)
def test_fix_gives_the_expected_file(fixture):
    assert migrate(fixture) == fixture.migrated.read_bytes()


@pytest.mark.parametrize("fixture", WITH_EXPECTED)
def test_fix_is_idempotent_on_expected_file(fixture):
    from migrator.config import Settings
    from migrator.engine import fix_source

    again = fix_source(fixture.migrated.read_bytes(), Settings(unsafe_fixes=True, source_version=fixture.era))
    assert again.output == fixture.migrated.read_bytes()
    assert not [f for f in again.remaining if f.safety.value != "none"], again.remaining


def _run(script, cwd, *flags):
    env = dict(os.environ, PYTHONHASHSEED="0", OMP_NUM_THREADS="1")
    return subprocess.run(
        [sys.executable, *flags, script.name], cwd=cwd, capture_output=True, text=True, timeout=180, env=env
    )


@pytest.mark.torch
@pytest.mark.parametrize("fixture", WITH_EXPECTED)
def test_migrated_runs_without_deprecation_warnings(fixture, tmp_path):
    pytest.importorskip("torch")
    work = tmp_path / fixture.name
    shutil.copytree(fixture.folder, work)
    flags = ["-W", "error"] if fixture.strict_warnings else ["-W", "error::DeprecationWarning", "-W", "error::FutureWarning"]
    result = _run(fixture.migrated, work, *flags)
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.torch
@pytest.mark.parametrize("fixture", WITH_EXPECTED)
def test_verify_proves_equivalence(fixture):
    pytest.importorskip("torch")
    command = [
        sys.executable, "-m", "migrator", "verify", str(fixture.legacy),
        "--migrated", str(fixture.migrated), "--source-version", fixture.era,
    ]
    if fixture.rtol is not None or fixture.atol is not None:
        assert fixture.why_tolerance, f"{fixture.name} states a tolerance without saying why"
        command += ["--rtol", str(fixture.rtol or 0), "--atol", str(fixture.atol or 0)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stdout.startswith("equivalent") or "equivalent:" in result.stdout


REFERENCED = [pytest.param(f, id=f.name) for f in FIXTURES if f.reference.exists() and f.migrated.exists()]


@pytest.mark.torch
@pytest.mark.parametrize("fixture", REFERENCED)
def test_migrated_prints_what_a_hand_written_modern_version_prints(fixture, tmp_path):
    pytest.importorskip("torch")
    work = tmp_path / fixture.name
    shutil.copytree(fixture.folder, work)
    migrated = _run(fixture.migrated, work, "-W", "error")
    reference = _run(fixture.reference, work, "-W", "error")
    assert migrated.returncode == 0 and reference.returncode == 0, migrated.stderr + reference.stderr
    assert migrated.stdout == reference.stdout
    assert len(migrated.stdout.splitlines()) > 10
