"""Run one script as `__main__`, on the legacy runtime or stock torch, and record what it computes.

Protocol (used by `migrator verify` and `migrator run-legacy`):

    python -m migrator.harness --mode legacy|stock [--era 0.3] [--record OUT.json] [--seed N]
        [--memory-limit BYTES] [--offline] SCRIPT [ARGS...]

The script runs in the current directory with `__file__` and `sys.argv[0]` the absolute path
of SCRIPT (in both modes, so two runs agree) and `sys.argv[1:] = ARGS`; its stdout and
stderr are the child's own. The exit status is the script's (1 for an uncaught exception, as
with `python SCRIPT`; 2 when the harness cannot start it). With `--record`, a JSON object is
written to OUT.json whatever the outcome: `status` ("ok", "exit", "exception", "unsupported", "harness"),
`exit_code`, `error` (one line), `seconds`, and the recorder's `losses`, `backward`,
`parameter_source`, `parameters`.
"""

from __future__ import annotations

import argparse
import builtins
import functools
import json
import os
import sys
import time
import traceback
import types
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from migrator.harness import RECORD_VERSION

# Exit status when the harness itself cannot run the script (bad arguments, missing file, legacy refusal).
EXIT_HARNESS = 2


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    """The harness's command line."""
    parser = argparse.ArgumentParser(prog="python -m migrator.harness", description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("legacy", "stock"), required=True)
    parser.add_argument("--era", default="0.3", help="legacy torch version to emulate (legacy mode)")
    parser.add_argument("--record", type=Path, help="write the JSON record here")
    parser.add_argument("--seed", type=int, help="seed everything and make torch deterministic and single-threaded")
    parser.add_argument("--memory-limit", type=int, help="address-space limit in bytes")
    parser.add_argument("--offline", action="store_true", help="refuse non-loopback network access")
    parser.add_argument("script", type=Path)
    parser.add_argument("args", nargs=argparse.REMAINDER)
    return parser.parse_args(argv)


def _one_line(error: BaseException) -> str:
    """`ValueError: boom`, first line of the message only."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def _print_script_traceback(error: BaseException, path: str) -> None:
    """Print the traceback as `python SCRIPT` would, without the harness's own frames."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != path:
        tb = tb.tb_next
    if tb is None and not isinstance(error, SyntaxError):
        tb = error.__traceback__  # raised before the script ran: keep every frame
    traceback.print_exception(type(error), error, tb)


def _exit_code(error: SystemExit) -> int:
    """The process status `sys.exit(code)` gives, printing non-integer codes as Python does."""
    code = error.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def run_as_main(path: str, args: Sequence[str]) -> None:
    """Run the file at `path` as the `__main__` module, like `python path args...`."""
    with open(path, "rb") as handle:
        source = handle.read()
    module = types.ModuleType("__main__")
    module.__dict__.update(
        {"__file__": path, "__builtins__": builtins, "__spec__": None, "__loader__": None, "__package__": None, "__cached__": None}
    )
    sys.modules["__main__"] = module
    sys.argv = [path, *args]
    sys.path[0] = os.path.dirname(path)
    # dont_inherit: the harness's own `from __future__` imports must not leak into the script.
    exec(compile(source, path, "exec", dont_inherit=True), module.__dict__)


def execute(run: Callable[[], None], path: str, legacy_unsupported: type) -> Tuple[str, int, Optional[str]]:
    """Call `run` (which executes the script at `path`); (status, exit code, one-line error)."""
    try:
        run()
    except SystemExit as error:
        status = _exit_code(error)
        return ("ok" if status == 0 else "exit"), status, (None if status == 0 else f"exited with status {status}")
    except legacy_unsupported as error:
        print(f"legacy runtime: {error}", file=sys.stderr)
        return "unsupported", EXIT_HARNESS, f"legacy runtime: {error}"
    except KeyboardInterrupt as error:
        _print_script_traceback(error, path)
        return "exception", 130, "KeyboardInterrupt"
    except BaseException as error:  # report like the interpreter, keep recording
        _print_script_traceback(error, path)
        return "exception", 1, _one_line(error)
    return "ok", 0, None


class _NeverRaised(Exception):
    """Stands in for `LegacyUnsupported` in stock runs."""


def _write_record(path: Path, record: Dict[str, Any]) -> None:
    """Write the record whole or not at all, so the parent never reads half of one."""
    partial = path.with_name(path.name + ".partial")
    with open(partial, "w", encoding="utf-8") as handle:
        json.dump(record, handle, separators=(",", ":"))
    os.replace(partial, path)


def _prepare(recorder: Optional[Any], seed: Optional[int]) -> None:
    """Install the recorder and seed everything, each library as soon as it is imported."""
    from migrator.harness import determinism, hooks

    def prepare_torch() -> None:
        """Wrap and seed torch, right after it is imported."""
        if recorder is not None:
            recorder.install()
        if seed is not None:
            determinism.make_deterministic()
            determinism.seed_torch(seed)

    if recorder is not None or seed is not None:
        hooks.when_imported("torch", prepare_torch)
    if seed is not None:
        determinism.seed_python(seed)
        hooks.when_imported("numpy", functools.partial(determinism.seed_numpy, seed))


def main(argv: Optional[List[str]] = None) -> int:
    """Run the script described by `argv` and return its exit status."""
    options = _parse(sys.argv[1:] if argv is None else argv)
    started = time.perf_counter()
    record: Dict[str, Any] = {
        "version": RECORD_VERSION,
        "mode": options.mode,
        "era": options.era if options.mode == "legacy" else None,
        "seed": options.seed,
        "status": "harness",
        "exit_code": EXIT_HARNESS,
        "error": None,
    }
    recorder = None
    try:
        from migrator.harness import determinism

        if options.memory_limit:
            determinism.limit_memory(options.memory_limit)
        if options.offline:
            determinism.disable_network()
        # Absolute, as `python SCRIPT` makes `__file__`; argv[0] follows so both runs agree.
        path = os.path.abspath(options.script)
        if not os.path.isfile(path):
            record["error"] = f"cannot open {options.script}: no such file"
            print(record["error"], file=sys.stderr)
            return EXIT_HARNESS
        unsupported: type = _NeverRaised
        run: Callable[[], None] = functools.partial(run_as_main, path, options.args)
        if options.mode == "legacy":
            try:
                from migrator import legacy

                unsupported = legacy.LegacyUnsupported
                run = functools.partial(legacy.run_script, path, options.args, options.era)
            except (ImportError, AttributeError) as error:
                record["error"] = f"legacy runtime unavailable: {_one_line(error)}"
                print(record["error"], file=sys.stderr)
                return EXIT_HARNESS
            try:
                legacy.install(options.era)
            except (legacy.LegacyUnsupported, ValueError) as error:  # ValueError: an era it does not know
                print(f"legacy runtime: {error}", file=sys.stderr)
                record.update(status="unsupported", error=f"legacy runtime: {error}")
                return EXIT_HARNESS
        if options.record is not None:
            from migrator.harness.recorder import Recorder

            recorder = Recorder()
        _prepare(recorder, options.seed)
        status, code, error = execute(run, path, unsupported)
        record.update(status=status, exit_code=code, error=error)
        return code
    finally:
        sys.stdout.flush()
        if options.record is not None:
            record["seconds"] = time.perf_counter() - started
            if recorder is not None:
                try:
                    record.update(recorder.snapshot())
                except Exception as error:  # a script can leave torch unusable; keep the outcome
                    record.update(status="exception", exit_code=1, error=f"recording failed: {_one_line(error)}")
            _write_record(options.record, record)


if __name__ == "__main__":
    sys.exit(main())
