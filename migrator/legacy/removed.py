"""Modules and functions removed without an equivalent (catalog V13, O13).

Importing them raises `LegacyUnsupported` naming the module instead of a bare
ModuleNotFoundError. The error is also an ImportError, so a script's own
`try: import ... except ImportError:` fallback still takes its other branch.
"""

from __future__ import annotations

import importlib.abc
import sys

from .errors import LegacyUnsupported

_REMOVED = {
    "torch.autograd.stochastic_function": "stochastic functions (removed in 0.3; use torch.distributions)",
    "torch.legacy": "the Lua-torch port `torch.legacy` (removed in 1.0)",
    "torch.utils.ffi": "C extensions through `torch.utils.ffi` (removed in 1.0; use torch.utils.cpp_extension)",
    "torch.utils.trainer": "`torch.utils.trainer` (removed in 0.4)",
    "torch.nn._functions": "torch internals `torch.nn._functions` (removed in 1.0)",
}


class RemovedModuleError(LegacyUnsupported, ImportError):
    """Import of a torch module that was removed without an equivalent."""


class _RemovedModules(importlib.abc.MetaPathFinder):
    """Finds the removed modules first, to fail with a message naming them."""

    def find_spec(self, fullname, path=None, target=None):
        """Raise for a removed module; None lets the other finders handle every other import."""
        for name, what in _REMOVED.items():
            if fullname == name or fullname.startswith(name + "."):
                raise RemovedModuleError(f"`import {fullname}`: {what} cannot be emulated")
        return None


def _load_lua(*args, **kwargs):
    """`torch.utils.serialization.load_lua`: Lua torch files cannot be read any more."""
    raise LegacyUnsupported("`torch.utils.serialization.load_lua` (Lua torch files, removed in 1.0) cannot be emulated")


def install(era: str) -> None:
    """Make imports of removed modules fail with `LegacyUnsupported`."""
    if not any(isinstance(finder, _RemovedModules) for finder in sys.meta_path):
        sys.meta_path.insert(0, _RemovedModules())
    try:
        import torch.utils.serialization as serialization
    except ImportError:
        return
    serialization.load_lua = _load_lua
