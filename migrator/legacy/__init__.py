"""An emulated legacy PyTorch runtime: run a 0.1-1.13 script unmodified on current torch.

`install(era)` patches torch in the current process so that a script written for that
era runs with that era's semantics and without the deprecation noise of its legacy
spellings; `run_script` also repairs what stops the file from compiling (`async=`) and
executes it as `__main__`. Constructs that cannot be emulated faithfully raise
`LegacyUnsupported` naming the construct, rather than producing different numbers.

Importing this package does not import torch; `install` does. The patches are global
and irreversible, so the verification harness runs each script in a fresh process.
"""

from __future__ import annotations

import builtins
import os
import sys
import types
from typing import Optional, Sequence

from .eras import ERAS, at_most, era_key, normalize_era
from .errors import LegacyUnsupported
from .source import compile_script, prepare_source

__all__ = [
    "ERAS",
    "LegacyUnsupported",
    "at_most",
    "era_key",
    "install",
    "installed_era",
    "normalize_era",
    "prepare_source",
    "run_script",
]

_installed: Optional[str] = None

# Python 2 names a script may reach at run time; they have no faithful Python 3 meaning
# (`unicode`/`long`/`reduce` only approximately, integer `/` not at all).
_PYTHON2_BUILTINS = frozenset(
    {"xrange", "raw_input", "unicode", "basestring", "long", "unichr", "execfile", "file",
     "reload", "cmp", "reduce", "apply", "buffer", "intern", "coerce"}
)
_PYTHON2_DICT_METHODS = frozenset(
    {"iteritems", "itervalues", "iterkeys", "has_key", "viewitems", "viewkeys", "viewvalues"}
)


def install(era: str = "0.3") -> None:
    """Patch torch in this process so scripts written for `era` run with its semantics.

    Call it before the script imports anything from torch (`from torch.nn.functional
    import dropout` binds the unpatched function). Calling it again with the same era
    does nothing; switching eras in one process is refused, since patches stack.
    """
    global _installed
    era = normalize_era(era)
    if _installed is not None:
        if _installed != era:
            raise RuntimeError(f"the legacy runtime is installed for era {_installed}; cannot switch to {era}")
        return
    from . import (
        autograd, data, devices, division, functional, init, linalg, losses, masks, modules, optim, quiet,
        reductions, removed, scalars,
    )

    for family in (
        quiet, removed, devices, autograd, scalars, losses, functional, init, linalg, optim, data, masks,
        division, reductions, modules,
    ):
        family.install(era)
    _installed = era


def installed_era() -> Optional[str]:
    """The era `install` patched this process for, or None."""
    return _installed


_FINISHED_SCRIPTS: list = []


def run_script(path: "os.PathLike[str] | str", argv: Sequence[str] = (), era: str = "0.3") -> None:
    """Run a legacy script as `__main__` on the emulated runtime of `era`.

    Like `python path argv...`: `__file__` is `path`, `sys.argv` is `[path, *argv]`,
    `sys.path[0]` the script's directory; all three and `sys.modules['__main__']` are
    restored afterwards. Exceptions from the script propagate (SystemExit included),
    except Python 2 syntax and builtins, which become `LegacyUnsupported`.
    """
    install(era)
    path = os.fspath(path)
    with open(path, "rb") as handle:
        code = compile_script(prepare_source(handle.read()), path)
    module = types.ModuleType("__main__")
    module.__dict__.update(__file__=path, __builtins__=builtins, __cached__=None)
    saved_argv, saved_path, saved_main = sys.argv, list(sys.path), sys.modules.get("__main__")
    sys.argv = [path, *argv]
    script_dir = os.path.dirname(os.path.abspath(path))
    if sys.path:
        sys.path[0] = script_dir
    else:
        sys.path.append(script_dir)
    sys.modules["__main__"] = module
    try:
        exec(code, module.__dict__)
    except NameError as error:
        if error.name in _PYTHON2_BUILTINS:
            raise LegacyUnsupported(f"Python 2 builtin `{error.name}` cannot run on Python 3") from error
        raise
    except AttributeError as error:
        if isinstance(getattr(error, "obj", None), dict) and error.name in _PYTHON2_DICT_METHODS:
            raise LegacyUnsupported(f"Python 2 dict method `.{error.name}()` cannot run on Python 3") from error
        raise
    finally:
        # As under `python script.py`, the script's globals live until the process exits,
        # so what it built (its trained modules) can still be inspected afterwards.
        _FINISHED_SCRIPTS.append(module)
        sys.argv = saved_argv
        sys.path[:] = saved_path
        if saved_main is not None:
            sys.modules["__main__"] = saved_main
