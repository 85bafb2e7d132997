"""Writes are atomic, keep the file's metadata, go through symlinks, and never overwrite someone else's edit."""

from __future__ import annotations

import errno
import os
import signal
import stat
import sys
import textwrap
from pathlib import Path

import pytest

from migrator import files
from migrator.files import FileError, write_atomic
from robust_support import GOOD, TEMPORARY, assert_no_traceback, migrated, one_error, run_cli, temporary_leftovers, write

NEW = migrated(GOOD)


@pytest.mark.parametrize("mode", [0o755, 0o600, 0o444, 0o640], ids=oct)
def test_mode_is_kept(mode: int, workdir: Path) -> None:
    path = write(workdir / "script.py", GOOD)
    path.chmod(mode)
    result = run_cli("fix", str(path))
    assert result.returncode == 1, result.stderr
    assert path.read_bytes() == NEW
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert not temporary_leftovers(workdir)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root can give a file to another owner")
def test_owner_and_group_are_kept(workdir: Path) -> None:
    path = write(workdir / "theirs.py", GOOD)
    os.chown(path, 4242, 4343)
    path.chmod(0o640)
    result = run_cli("fix", str(path))
    assert result.returncode == 1, result.stderr
    info = path.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (4242, 4343, 0o640)
    assert path.read_bytes() == NEW


def test_symlink_is_written_through_and_kept(workdir: Path) -> None:
    real = write(workdir / "elsewhere" / "real.py", GOOD)
    real.chmod(0o750)
    link = workdir / "project" / "link.py"
    link.parent.mkdir()
    link.symlink_to(Path("..") / "elsewhere" / "real.py")
    result = run_cli("fix", str(link))
    assert result.returncode == 1, result.stderr
    assert link.is_symlink() and os.readlink(link) == str(Path("..") / "elsewhere" / "real.py")
    assert real.read_bytes() == NEW
    assert stat.S_IMODE(real.stat().st_mode) == 0o750
    assert not temporary_leftovers(workdir)


def test_file_and_link_to_it_in_one_tree_are_migrated_once(workdir: Path) -> None:
    real = write(workdir / "tree" / "real.py", GOOD)
    (workdir / "tree" / "alias.py").symlink_to("real.py")
    result = run_cli("fix", str(workdir / "tree"))
    assert result.returncode == 1, result.stderr
    assert b"1 file checked" in result.stdout + result.stderr
    assert real.read_bytes() == NEW
    assert (workdir / "tree" / "alias.py").is_symlink()


def test_file_changed_between_read_and_write_is_not_overwritten(workdir: Path) -> None:
    """Someone saves the file while it is being migrated: their version wins, and the run says so."""
    victim = write(workdir / "victim.py", GOOD)
    bystander = write(workdir / "bystander.py", GOOD)
    edited = b"# saved by the editor while migrator was running\nx = 1\n"
    script = textwrap.dedent(
        f"""
        import pathlib, sys
        import migrator.runner as runner
        original = runner.transform
        def transform(source, settings, path, fix):
            result = original(source, settings, path, fix)
            if path.endswith("victim.py"):
                pathlib.Path(path).write_bytes({edited!r})
            return result
        runner.transform = transform
        from migrator.cli import main
        main(["fix", "--jobs", "1", *sys.argv[1:]])
        """
    )
    import subprocess

    from robust_support import clean_environment

    result = subprocess.run(
        [sys.executable, "-c", script, str(victim), str(bystander)],
        capture_output=True,
        env=clean_environment(),
        timeout=120,
    )
    assert_no_traceback(result)
    assert result.returncode == 2, result.stderr
    assert "changed on disk" in one_error(result, victim)
    assert victim.read_bytes() == edited
    assert bystander.read_bytes() == NEW
    assert not temporary_leftovers(workdir)


def test_stale_temporary_files_are_ignored(workdir: Path) -> None:
    """What a SIGKILL can leave behind is never read as source, never deleted (another run may own it)."""
    script = write(workdir / "tree" / "script.py", GOOD)
    stale = write(workdir / "tree" / ".script.py.k3j9x_2a.migrator-tmp", GOOD[:40])
    result = run_cli("fix", str(workdir / "tree"))
    assert result.returncode == 1, result.stderr
    assert b"migrator-tmp" not in result.stdout + result.stderr
    assert b"1 file checked" in result.stdout + result.stderr
    assert script.read_bytes() == NEW
    assert stale.read_bytes() == GOOD[:40]


# write_atomic itself, in process


def test_temporary_file_is_a_sibling_then_renamed(workdir: Path, monkeypatch) -> None:
    path = write(workdir / "a.py", GOOD)
    calls = []
    real_replace = os.replace

    def replace(source, target):
        calls.append((Path(source), Path(target)))
        assert Path(source).read_bytes() == NEW  # complete before the rename
        real_replace(source, target)

    monkeypatch.setattr(files.os, "replace", replace)
    write_atomic(path, NEW, GOOD)
    [(temporary, target)] = calls
    assert target == path.resolve() and temporary.parent == path.resolve().parent
    assert TEMPORARY.match(temporary.name) and TEMPORARY.match(temporary.name).group("name") == "a.py"
    assert path.read_bytes() == NEW and not temporary_leftovers(workdir)


@pytest.mark.parametrize("failing", ["mkstemp", "fsync", "replace", "chmod"])
def test_failed_write_keeps_the_original(failing: str, workdir: Path, monkeypatch) -> None:
    path = write(workdir / "a.py", GOOD)

    def boom(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    target = files.tempfile if failing == "mkstemp" else files.os
    monkeypatch.setattr(target, failing, boom)
    with pytest.raises(FileError) as raised:
        write_atomic(path, NEW, GOOD)
    assert "\n" not in str(raised.value)
    assert path.read_bytes() == GOOD
    assert not temporary_leftovers(workdir)


def test_stale_original_is_not_overwritten(workdir: Path) -> None:
    path = write(workdir / "a.py", b"# newer\n")
    with pytest.raises(FileError, match="changed on disk"):
        write_atomic(path, NEW, GOOD)
    assert path.read_bytes() == b"# newer\n"


@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM"])
def test_signal_during_write_waits_until_the_file_is_complete(signal_name: str, workdir: Path, monkeypatch) -> None:
    """A Ctrl-C (or SIGTERM from a pool shutdown) arriving mid-write is delivered after the rename."""
    number = getattr(signal, signal_name)
    path = write(workdir / "a.py", GOOD)
    real_fsync = os.fsync

    def fsync_then_signal(descriptor):
        os.kill(os.getpid(), number)  # arrives with the temporary file half-way
        real_fsync(descriptor)

    class Stop(Exception):
        pass

    def handler(signum, frame):
        raise Stop

    previous = signal.signal(number, handler)
    monkeypatch.setattr(files.os, "fsync", fsync_then_signal)
    try:
        with pytest.raises(Stop):
            write_atomic(path, NEW, GOOD)
        assert signal.getsignal(number) is handler  # the program's own handler is back
    finally:
        signal.signal(number, previous)
    assert path.read_bytes() == NEW
    assert not temporary_leftovers(workdir)


def test_hard_link_keeps_the_original_content(workdir: Path) -> None:
    """Documented: the migrated file is a new inode; another hard link still holds the original, nothing is lost."""
    path = write(workdir / "a.py", GOOD)
    other = workdir / "b.py"
    os.link(path, other)
    write_atomic(path, NEW, GOOD)
    assert path.read_bytes() == NEW
    assert other.read_bytes() == GOOD
