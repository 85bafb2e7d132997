"""Process many files, serially or in a process pool, and stream small per-file outcomes."""

from __future__ import annotations

import difflib
import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional, Sequence, TextIO, Tuple

from migrator.config import Settings
from migrator.files import DEFERRED_SIGNALS, FileError, read_source, write_atomic
from migrator.findings import Finding, SourceResult
from migrator.rule_index import may_match


@dataclass(frozen=True)
class Mode:
    """What to do with each file."""

    fix: bool = False  # rewrite the file
    diff: bool = False  # compute a unified diff instead of writing
    write: bool = True  # write fixes back (False for --diff and for stdin)


@dataclass(frozen=True)
class FileOutcome:
    """The small, picklable result for one file: findings, whether it changed, errors."""

    path: str
    fixed: Tuple[Finding, ...] = ()
    remaining: Tuple[Finding, ...] = ()
    changed: bool = False
    error: Optional[str] = None
    diff: str = ""
    parsed: bool = False
    era: Optional[Tuple[int, int]] = None
    era_reason: str = ""


def diff_text(path: str, before: bytes, after: bytes) -> str:
    """A unified diff between two versions of a file, decoded leniently for display."""
    old = before.decode("utf-8", errors="replace").splitlines(keepends=True)
    new = after.decode("utf-8", errors="replace").splitlines(keepends=True)
    lines = difflib.unified_diff(old, new, fromfile=f"a/{path}", tofile=f"b/{path}")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def transform(source: bytes, settings: Settings, path: str, fix: bool) -> SourceResult:
    """Run the engine on a Python source or a notebook, by the file's suffix."""
    if path.endswith(".ipynb"):
        from migrator.notebook import transform_notebook

        return transform_notebook(source, settings, path, fix)
    if not may_match(source, settings):
        return SourceResult(path, source, source, parsed=False)
    from migrator.engine import check_source, fix_source  # libcst and the rules: only for files that need them

    return (fix_source if fix else check_source)(source, settings, path)


def process_file(path: Path, settings: Settings, mode: Mode) -> FileOutcome:
    """Read, migrate and (maybe) write one file; never raises for a bad file."""
    name = str(path)
    try:
        source = read_source(path)
    except FileError as error:
        return FileOutcome(name, error=str(error))
    try:
        result = transform(source, settings, name, mode.fix)
    except RecursionError:
        return FileOutcome(name, error="too deeply nested to process")
    except Exception as error:  # a bug must cost one file, not the run: the file is left as it was
        return FileOutcome(name, error=_internal_error(error))
    finally:
        if len(source) >= _RETURN_MEMORY_AFTER:
            _return_freed_memory()
    if result.error:
        return FileOutcome(name, error=result.error, parsed=result.parsed)
    diff = ""
    if result.changed:
        if mode.diff:
            diff = diff_text(name, source, result.output)
        elif mode.write:
            try:
                write_atomic(path, result.output, source)
            except FileError as error:
                return FileOutcome(name, error=str(error), parsed=True)
    return FileOutcome(
        name, result.fixed, result.remaining, result.changed, None, diff, result.parsed, result.era, result.era_reason
    )


# parsing takes about 500 bytes of working memory per byte of source (per piece, for a
# large file: see migrator/pieces.py); after a file this big, what it freed is worth
# handing back, or the process keeps its peak for the rest of the run
_RETURN_MEMORY_AFTER = 64 * 1024


@lru_cache(maxsize=1)
def _malloc_trim() -> Optional[Callable[[int], int]]:
    try:
        import ctypes

        return ctypes.CDLL(None).malloc_trim  # glibc only
    except (OSError, AttributeError):
        return None


def _return_freed_memory() -> None:
    """Hand memory freed by a big tree back to the system (glibc's malloc keeps it otherwise)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def _internal_error(error: BaseException) -> str:
    detail = str(error).splitlines()[0] if str(error) else ""
    return f"internal error ({type(error).__name__}{': ' + detail if detail else ''}); file left unchanged (please report this)"


def _work(item: Tuple[Path, Settings, Mode]) -> FileOutcome:
    if _parent[0] is not None and os.getppid() != _parent[0]:
        # the run that sent this file is gone (killed): do not touch files nobody will report on
        return FileOutcome(str(item[0]), error="not processed: the run was interrupted")
    return process_file(*item)


_parent: List[Optional[int]] = [None]


def _init_worker(parent: int) -> None:
    """A pool worker leaves Ctrl-C to the main process and dies with it.

    The terminal sends SIGINT to the whole process group: the main process stops the
    pool (SIGTERM, held back by `write_atomic` until a write in progress is complete),
    so workers ignore SIGINT instead of each printing a traceback. If the main process
    is killed outright, a thread of the worker notices its new parent and sends it
    SIGTERM; `_work` also checks before each file.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _parent[0] = parent
    # a worker whose parent has just died fails to send its last result: say nothing of it
    sys.stderr = _SilentOnceOrphaned(sys.stderr, parent)  # type: ignore[assignment]
    # not PR_SET_PDEATHSIG: it fires when the *thread* that forked the worker ends, and the
    # pool forks the workers that replace retired ones from a thread that ends before them
    threading.Thread(target=_end_when_orphaned, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # the parent died before the thread started
        os._exit(1)


def _end_when_orphaned(parent: int) -> None:
    if hasattr(signal, "pthread_sigmask"):  # not on Windows
        signal.pthread_sigmask(signal.SIG_BLOCK, DEFERRED_SIGNALS)  # they are for the thread that works
    while os.getppid() == parent:
        time.sleep(0.1)
    os.kill(os.getpid(), signal.SIGTERM)


class _SilentOnceOrphaned:
    """A worker's stderr that drops what is written after the main process is gone."""

    def __init__(self, stream: TextIO, parent: int) -> None:
        self._stream = stream
        self._parent = parent

    def write(self, text: str) -> int:
        return self._stream.write(text) if os.getppid() == self._parent else len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


# A worker retires after this many files: Python's allocator keeps a 1 MB arena while any
# object in it lives, so each large tree leaves a long-lived worker tens of MB bigger.
_FILES_PER_WORKER = 32


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover
        return os.cpu_count() or 1


def process_files(
    paths: Sequence[Path],
    settings: Settings,
    mode: Mode,
    jobs: Optional[int] = None,
    progress: Optional[Callable[[int, int], None]] = None,
) -> Iterator[FileOutcome]:
    """Outcomes for every path, in completion order; a pool of `jobs` processes for many files."""
    jobs = jobs or default_jobs()
    total = len(paths)
    items = [(p, settings, mode) for p in paths]
    if jobs <= 1 or total < 2 * jobs:
        for done, item in enumerate(items, start=1):
            outcome = _work(item)
            if progress:
                progress(done, total)
            yield outcome
        return
    _warm_up(mode, settings)
    forking = hasattr(os, "fork")
    context = multiprocessing.get_context("fork" if forking else "spawn")
    # small chunks: the last ones decide when the run ends, and a worker left idle
    # while another finishes a big chunk is lost time; sending a file costs far less
    chunk = max(1, min(4, total // (jobs * 32)))
    # a forked worker starts in milliseconds; a spawned one imports everything again
    retire_after = max(1, _FILES_PER_WORKER // chunk) if forking else None
    # what is loaded now is shared with the workers until written to; the collector writes
    # to every object it scans, so it is kept from scanning these (Python's advice for forking)
    gc.freeze()
    try:
        with context.Pool(jobs, initializer=_init_worker, initargs=(os.getpid(),), maxtasksperchild=retire_after) as pool:
            for done, outcome in enumerate(pool.imap_unordered(_work, items, chunksize=chunk), start=1):
                if progress:
                    progress(done, total)
                yield outcome
    finally:
        gc.unfreeze()


def _warm_up(mode: Mode, settings: Settings) -> None:
    """Load the parser and the rules, and compile the triggers, once before forking, so
    that no worker (nor any that replaces a retired one) pays for it."""
    import libcst

    from migrator import engine, rule_index
    from migrator.registry import all_rules

    libcst.parse_module("x = 1\n")
    all_rules()
    engine._plan(settings)
    rule_index.prefilter_plan(settings)[0].compile_all()  # the engine's candidates too
    if mode.fix:
        import libcst.codemod.visitors  # noqa: F401  (fixes that add or remove imports)
