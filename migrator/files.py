"""Finding the files to process, byte-exact reads and atomic writes."""

from __future__ import annotations

import fnmatch
import os
import stat
import tempfile
from pathlib import Path
from typing import Iterable, Iterator, Optional, Sequence, Tuple

SOURCE_SUFFIXES = (".py", ".ipynb")
SKIPPED_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", "__pycache__", ".venv", "venv", ".tox", ".nox", "build", "dist",
        "node_modules", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".ipynb_checkpoints",
        "site-packages", ".eggs",
    }
)


class FileError(Exception):
    """A file that cannot be read or written; the message is shown as is."""


def _skipped_dir(path: Path) -> bool:
    return path.name in SKIPPED_DIRS or path.name.endswith(".egg-info") or (path / "pyvenv.cfg").exists()


def _excluded(path: Path, exclude: Sequence[str]) -> bool:
    text = path.as_posix()
    return any(fnmatch.fnmatch(text, p) or fnmatch.fnmatch(path.name, p) or fnmatch.fnmatch(text, f"*/{p}") for p in exclude)


def discover(paths: Iterable[str], exclude: Sequence[str] = ()) -> Iterator[Tuple[Path, Optional[str]]]:
    """Every source file under `paths`, with an error message for paths that cannot be used.

    Files named on the command line are always taken; directories are searched for
    `.py` and `.ipynb` files, skipping VCS, cache, build and virtualenv directories
    and whatever `exclude` matches.
    """
    seen = set()
    for raw in paths:
        path = Path(raw)
        if path.is_symlink() and not path.exists():
            yield path, "broken symbolic link (or a link loop)"
            continue
        if not path.exists():
            yield path, "no such file or directory"
            continue
        if path.is_dir():
            for found in _walk(path, exclude):
                key = os.path.realpath(found)
                if key not in seen:
                    seen.add(key)
                    yield found, None
        else:
            key = os.path.realpath(path)
            if key not in seen:
                seen.add(key)
                yield path, None


def _walk(root: Path, exclude: Sequence[str]) -> Iterator[Path]:
    ignored = _gitignored(root)
    for directory, dirnames, filenames in os.walk(root, followlinks=False):
        base = Path(directory)
        dirnames[:] = sorted(
            d for d in dirnames
            if not _skipped_dir(base / d) and not _excluded(base / d, exclude) and (base / d) not in ignored
        )
        for name in sorted(filenames):
            path = base / name
            if name.endswith(SOURCE_SUFFIXES) and not _excluded(path, exclude) and path not in ignored:
                if path.is_symlink() and not path.exists():
                    continue  # a dangling link found while walking is not the user's request
                if path.is_dir():
                    continue
                yield path


def _gitignored(root: Path) -> frozenset:
    """Paths under `root` that git ignores, when `root` is inside a git work tree."""
    import subprocess

    try:
        completed = subprocess.run(
            ["git", "-C", str(root), "ls-files", "--others", "--ignored", "--exclude-standard", "--directory", "-z"],
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    if completed.returncode != 0:
        return frozenset()
    top = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-prefix"], capture_output=True, text=True)
    prefix = top.stdout.strip() if top.returncode == 0 else ""
    result = set()
    for entry in completed.stdout.split(b"\0"):
        if not entry:
            continue
        relative = entry.decode(errors="surrogateescape").rstrip("/")
        if prefix and relative.startswith(prefix):
            relative = relative[len(prefix):]
        result.add(root / relative)
    return frozenset(result)


def read_source(path: Path) -> bytes:
    """The file's exact bytes."""
    try:
        if path.is_dir():
            raise FileError("is a directory, not a file")
        return path.read_bytes()
    except FileError:
        raise
    except PermissionError:
        raise FileError("permission denied") from None
    except OSError as error:
        raise FileError(error.strerror or str(error)) from None


def write_atomic(path: Path, data: bytes, original: bytes) -> None:
    """Replace `path` with `data` atomically, keeping its mode, unless it no longer holds `original`.

    The new content goes to a temporary file in the same directory, is flushed to
    disk, then renamed over the original: a reader sees the old file or the new one,
    never a mix, and an interrupted run leaves the original intact.
    """
    try:
        info = path.stat()
        if path.read_bytes() != original:
            raise FileError("changed on disk while being migrated; not overwritten (run again)")
    except FileError:
        raise
    except OSError as error:
        raise FileError(error.strerror or str(error)) from None
    target = Path(os.path.realpath(path))  # write through a symlink, keep the link
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".migrator-tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, stat.S_IMODE(info.st_mode))
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
