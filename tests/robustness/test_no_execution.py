"""The rewriter reads code; it never runs or imports it, and it never imports torch."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from robust_support import FIXTURES, assert_no_traceback, clean_environment, legacy_fixtures, migrated, run_cli, write

CANARY = "migrator_canary_module"


def _booby_trapped_project(root: Path) -> Path:
    """A package whose every import or execution leaves a marker file, with legacy idioms to migrate."""
    markers = root / "markers"
    markers.mkdir()
    trap = "import pathlib; pathlib.Path({!r}).write_text('ran')\n"
    write(root / "pkg" / "__init__.py", trap.format(str(markers / "package-imported")).encode())
    write(root / "pkg" / f"{CANARY}.py", trap.format(str(markers / "module-imported")).encode())
    source = textwrap.dedent(
        f"""\
        import torch
        import {CANARY}
        from pkg import {CANARY} as again
        from torch.autograd import Variable
        import pathlib
        pathlib.Path({str(markers / 'script-executed')!r}).write_text('ran')
        raise SystemExit('executed!')
        x = Variable(torch.ones(2))
        y = x.cuda(async=True)
        """
    ).encode()
    return write(root / "pkg" / "evil.py", source)


@pytest.mark.parametrize("command", ["check", "fix"])
def test_code_being_migrated_is_never_run(command: str, workdir: Path) -> None:
    evil = _booby_trapped_project(workdir)
    original = evil.read_bytes()
    environment = {"PYTHONPATH": f"{workdir / 'pkg'}:{workdir}"}
    result = run_cli(command, "--jobs", "1", str(workdir / "pkg"), cwd=workdir / "pkg", env=environment)
    assert_no_traceback(result)
    assert b"executed!" not in result.stdout + result.stderr
    assert not list((workdir / "markers").iterdir()), "the code under migration was imported or executed"
    assert result.returncode == 1, result.stderr
    if command == "fix":
        assert evil.read_bytes() == migrated(original) != original
    else:
        assert evil.read_bytes() == original


_PROBE = textwrap.dedent(
    """\
    import sys
    from migrator.cli import main
    try:
        main(sys.argv[1:], standalone_mode=False)
    except SystemExit:
        pass
    print("torch imported:", "torch" in sys.modules, file=sys.stderr)
    """
)


@pytest.mark.parametrize("command", ["check", "fix"])
def test_cli_does_not_import_torch(command: str, workdir: Path) -> None:
    fixture = next(p for p in legacy_fixtures() if migrated(p.read_bytes()) != p.read_bytes())
    target = write(workdir / "script.py", fixture.read_bytes())
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, command, "--jobs", "1", str(target)],
        capture_output=True,
        env=clean_environment(),
        timeout=300,
    )
    lines = result.stderr.decode().strip().splitlines()
    assert lines and lines[-1] == "torch imported: False", result.stderr.decode()
    if command == "fix":
        assert target.read_bytes() == migrated(fixture.read_bytes())
