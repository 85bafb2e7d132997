"""Distinct function objects for patches installed under several names.

torch._dynamo maps torch objects to tracing rules by object identity when it is first
imported (an optimizer step is enough) and refuses one object registered under two
names with different rules (`torch.cuda.set_device` vs `torch.cuda.synchronize`), so
no function object is installed twice.
"""

from __future__ import annotations

import functools
import types


def copy_function(function: types.FunctionType, name: str = "") -> types.FunctionType:
    """A new function object with the same code, defaults, closure and docstring."""
    copy = types.FunctionType(
        function.__code__, function.__globals__, name or function.__name__, function.__defaults__, function.__closure__
    )
    copy.__kwdefaults__ = function.__kwdefaults__
    functools.update_wrapper(copy, function, assigned=("__module__", "__doc__", "__qualname__"), updated=())
    if name:
        copy.__name__ = copy.__qualname__ = name
    return copy
