"""Run a callback as soon as a module has been imported, without importing it ourselves.

The stock run only needs torch if the script imports it; waiting for the script's own
import keeps scripts that never touch torch (or NumPy) from paying for it, while the
wrappers and seeds are still in place before the script's next statement.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
from typing import Callable, Optional


class _AfterImport(importlib.abc.MetaPathFinder):
    """A one-shot finder that lets the real finder load `name`, then calls `callback`."""

    def __init__(self, name: str, callback: Callable[[], None]) -> None:
        self.name = name
        self.callback = callback

    def find_spec(self, fullname: str, path: Optional[object], target: Optional[object] = None):
        """The real spec of `name`, its loader made to call the callback after executing the module."""
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        exec_module = spec.loader.exec_module
        callback = self.callback

        def exec_then_call(module):
            exec_module(module)
            callback()

        spec.loader.exec_module = exec_then_call
        return spec


def when_imported(name: str, callback: Callable[[], None]) -> None:
    """Call `callback` once the top-level module `name` is imported (now, if it already is)."""
    if name in sys.modules:
        callback()
    else:
        sys.meta_path.insert(0, _AfterImport(name, callback))
