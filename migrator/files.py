"""Finding the files to process, byte-exact reads and atomic writes.

What a run may do to a user's file is decided here:

- a file is read only if it is a regular file (a FIFO or a device named `x.py`
  would block or never end) and, for `.py`, no larger than `max_source_bytes()`;
- a write goes to a temporary sibling `.NAME.XXXXXXXX.migrator-tmp`, is flushed
  and then renamed over the original (`os.replace`), keeping the mode and, where
  allowed, the owner; a file that changed on disk since it was read is not
  overwritten; a symbolic link is written through and stays a link;
- SIGINT, SIGTERM and SIGHUP are held back for the few milliseconds of a write,
  so an interrupted run leaves every file either untouched or fully migrated and
  no temporary file behind. Only SIGKILL (or a power cut) can leave a stale
  `.NAME.XXXXXXXX.migrator-tmp`; no run ever reads such a file (its name does not
  end in `.py`) or deletes it (it may belong to another run still in progress).
"""

from __future__ import annotations

import contextlib
import errno
import fnmatch
import os
import signal
import stat
import tempfile
import threading
from pathlib import Path
from typing import Iterable, Iterator, List, Optional, Sequence, Tuple

SOURCE_SUFFIXES = (".py", ".ipynb")
TEMPORARY_SUFFIX = ".migrator-tmp"
SKIPPED_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", "__pycache__", ".venv", "venv", ".tox", ".nox", "build", "dist",
        "node_modules", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".ipynb_checkpoints",
        "site-packages", ".eggs",
    }
)
# libcst needs about 700 bytes of memory and 50-150 ms per kilobyte of source; past a few
# megabytes a `.py` file is generated data, not code anyone will migrate by hand.
DEFAULT_MAX_SOURCE_BYTES = 2 * 1024 * 1024
MAX_SIZE_VARIABLE = "MIGRATOR_MAX_FILE_SIZE"
# held back during a write; the signals that stop a run
DEFERRED_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class FileError(Exception):
    """A file that cannot be read or written; the message is shown as is."""


def max_source_bytes() -> int:
    """The largest `.py` file read, from $MIGRATOR_MAX_FILE_SIZE (bytes; 0: no limit)."""
    raw = os.environ.get(MAX_SIZE_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_MAX_SOURCE_BYTES
    try:
        value = int(raw)
    except ValueError:
        return DEFAULT_MAX_SOURCE_BYTES
    return value if value > 0 else 0


def _skipped_dir(path: Path) -> bool:
    return path.name in SKIPPED_DIRS or path.name.endswith(".egg-info") or os.path.exists(path / "pyvenv.cfg")


def _excluded(path: Path, exclude: Sequence[str]) -> bool:
    text = path.as_posix()
    return any(fnmatch.fnmatch(text, p) or fnmatch.fnmatch(path.name, p) or fnmatch.fnmatch(text, f"*/{p}") for p in exclude)


def discover(paths: Iterable[str], exclude: Sequence[str] = ()) -> Iterator[Tuple[Path, Optional[str]]]:
    """Every source file under `paths`, with an error message for paths that cannot be used.

    Files named on the command line are always taken; directories are searched for
    `.py` and `.ipynb` files, skipping VCS, cache, build and virtualenv directories
    and whatever `exclude` matches. A directory that cannot be listed is an error,
    not a silent gap.
    """
    seen = set()
    for raw in paths:
        path = Path(raw)
        # os.path answers False where pathlib would raise (a path under an unreadable directory)
        if os.path.islink(path) and not os.path.exists(path):
            yield path, "broken symbolic link (or a link loop)"
            continue
        if not os.path.exists(path):
            yield path, "no such file or directory" if os.access(path.parent, os.X_OK) else "permission denied"
            continue
        if os.path.isdir(path):
            for found, problem in _walk(path, exclude):
                if problem:
                    yield found, problem
                    continue
                key = os.path.realpath(found)
                if key not in seen:
                    seen.add(key)
                    yield found, None
        else:
            key = os.path.realpath(path)
            if key not in seen:
                seen.add(key)
                yield path, None


def _walk(root: Path, exclude: Sequence[str]) -> Iterator[Tuple[Path, Optional[str]]]:
    ignored = _gitignored(root)
    unlisted: List[OSError] = []
    for directory, dirnames, filenames in os.walk(root, onerror=unlisted.append, followlinks=False):
        yield from _unlisted(unlisted)
        base = Path(directory)
        dirnames[:] = sorted(
            d for d in dirnames
            if not _skipped_dir(base / d) and not _excluded(base / d, exclude) and (base / d) not in ignored
        )
        for name in sorted(filenames):
            path = base / name
            if name.endswith(SOURCE_SUFFIXES) and not _excluded(path, exclude) and path not in ignored:
                if os.path.islink(path) and not os.path.exists(path):
                    continue  # a dangling link found while walking is not the user's request
                if os.path.isdir(path):
                    continue
                yield path, None
    yield from _unlisted(unlisted)


def _unlisted(errors: List[OSError]) -> Iterator[Tuple[Path, Optional[str]]]:
    while errors:
        error = errors.pop(0)
        reason = "permission denied" if isinstance(error, PermissionError) else (error.strerror or str(error))
        yield Path(error.filename or "?"), f"cannot list directory: {reason}"


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


def _reason(error: OSError) -> str:
    if isinstance(error, PermissionError):
        return "permission denied"
    if error.errno == errno.ELOOP:
        return "symbolic link loop"
    return error.strerror or str(error)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_source(path: Path) -> bytes:
    """The file's exact bytes; FileError for anything that is not a readable source file.

    Opened without blocking, so a FIFO named `x.py` is refused instead of waiting
    for a writer forever; a `.py` file over `max_source_bytes()` or one holding NUL
    bytes (binary data, never Python) is refused before it reaches the parser.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except IsADirectoryError:
        raise FileError("is a directory, not a file") from None
    except OSError as error:
        raise FileError(_reason(error)) from None
    try:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise FileError("is a directory, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise FileError(f"{_kind(info.st_mode)}, not a regular file; not read")
        is_python = not str(path).endswith(".ipynb")
        limit = max_source_bytes()
        if is_python and limit and info.st_size > limit:
            raise FileError(
                f"too large to migrate ({_megabytes(info.st_size)}, the limit is {_megabytes(limit)}); "
                f"exclude it, or set {MAX_SIZE_VARIABLE}=0 to process it anyway"
            )
        chunks = []
        while True:
            chunk = os.read(descriptor, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        data = b"".join(chunks)
    except OSError as error:
        raise FileError(_reason(error)) from None
    finally:
        os.close(descriptor)
    if is_python and b"\x00" in data:
        raise FileError("binary file (contains NUL bytes), not Python source")
    return data


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold back SIGINT/SIGTERM/SIGHUP until the block ends, then deliver them.

    Python runs signal handlers only in the main thread; elsewhere nothing can
    interrupt the block, so there is nothing to hold.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: List[int] = []
    previous = {}
    try:
        for number in DEFERRED_SIGNALS:
            handler = signal.getsignal(number)
            if handler is None:  # installed outside Python: leave it alone
                continue
            previous[number] = handler
            signal.signal(number, lambda signum, frame: received.append(signum))
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        for number in dict.fromkeys(received):
            signal.raise_signal(number)  # now with the original handler (default: KeyboardInterrupt, exit)


def write_atomic(path: Path, data: bytes, original: bytes) -> None:
    """Replace `path` with `data` atomically, keeping its mode and owner, unless it no longer holds `original`.

    The new content goes to a temporary file in the same directory, is flushed to
    disk, then renamed over the original: a reader sees the old file or the new one,
    never a mix, and an interrupted run leaves the original intact.
    """
    target = Path(os.path.realpath(path))  # write through a symlink, keep the link
    with _signals_held():
        try:
            info = target.stat()
            if not stat.S_ISREG(info.st_mode):
                raise FileError("no longer a regular file; not overwritten")
            if target.read_bytes() != original:
                raise FileError("changed on disk while being migrated; not overwritten (run again)")
        except FileError:
            raise
        except OSError as error:
            raise FileError(_reason(error)) from None
        try:
            handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMPORARY_SUFFIX, dir=target.parent)
        except OSError as error:
            raise FileError(f"cannot create a temporary file next to it: {_reason(error)}; not overwritten") from None
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, stat.S_IMODE(info.st_mode))
            _keep_owner(temporary, info)
            os.replace(temporary, target)
        except BaseException as error:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            if isinstance(error, OSError):
                raise FileError(f"cannot write: {_reason(error)}; original kept") from None
            raise
        _sync_directory(target.parent)


def _keep_owner(temporary: str, info: os.stat_result) -> None:
    """Give the new file the original's owner and group when allowed (e.g. when running as root)."""
    if not hasattr(os, "chown"):
        return
    mine = os.stat(temporary)
    if (mine.st_uid, mine.st_gid) == (info.st_uid, info.st_gid):
        return
    with contextlib.suppress(PermissionError):
        os.chown(temporary, info.st_uid, info.st_gid)
    with contextlib.suppress(PermissionError):  # an ordinary user may still set one of their groups
        os.chown(temporary, -1, info.st_gid)
    # chown may clear set-id bits: set the mode again
    os.chmod(temporary, stat.S_IMODE(info.st_mode))


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable (best effort: not every system can fsync a directory)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
