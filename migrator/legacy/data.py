"""Datasets, serialization and the environment legacy scripts assumed (catalog O09, O11, O12, M06).

- `TensorDataset(data_tensor=X, target_tensor=y)`: the <= 0.3 keyword names.
- `torch.load` unpickled anything up to 2.5 (`weights_only=False`); legacy checkpoints
  hold whole modules, numpy scalars and argparse namespaces. Only trusted fixtures run here.
- `torch._six`, the Python 2/3 shim module removed in 2.0.
- numpy aliases removed in numpy 1.24/2.0 (`np.float`, `np.int`, `np.asscalar`, ...) that
  the same scripts use: not a torch change, but the script could not run without them.
"""

from __future__ import annotations

import collections.abc
import math
import queue
import sys
import types

import torch
from torch.utils.data import TensorDataset

_LOAD = torch.load
_TENSOR_DATASET_INIT = TensorDataset.__init__


def _tensor_dataset_init(self, *tensors, data_tensor=None, target_tensor=None):
    """`TensorDataset(data_tensor=X, target_tensor=y)` as in 0.3, or the modern `TensorDataset(*tensors)`."""
    if data_tensor is not None or target_tensor is not None:
        tensors = tuple(t for t in (data_tensor, target_tensor) if t is not None) + tensors
    _TENSOR_DATASET_INIT(self, *tensors)


def _load(f, map_location=None, pickle_module=None, *, weights_only=None, **kwargs):
    """`torch.load` with the <= 2.5 default `weights_only=False` (full unpickling)."""
    return _LOAD(f, map_location, pickle_module, weights_only=bool(weights_only), **kwargs)


def _istuple(obj):
    """`torch._six.istuple`: a tuple, including torch's named return types."""
    return isinstance(obj, tuple) or type(obj).__module__ == "torch.return_types"


def _with_metaclass(meta, *bases):
    """`torch._six.with_metaclass(meta, *bases)`, the six idiom for a class with a metaclass."""
    return meta("_WithMetaclass", bases or (object,), {})


def _six_module():
    """A stand-in for the removed `torch._six` with its Python 3 values."""
    six = types.ModuleType("torch._six", "Python 2/3 compatibility names (removed in torch 2.0).")
    six.PY2, six.PY3, six.PY37 = False, True, True
    six.inf, six.nan = math.inf, math.nan
    six.string_classes = (str, bytes)
    six.int_classes = int
    six.container_abcs = collections.abc
    six.builtins = __builtins__ if isinstance(__builtins__, types.ModuleType) else sys.modules["builtins"]
    six.FileNotFoundError = FileNotFoundError
    six.queue = queue
    six.istuple = _istuple
    six.with_metaclass = _with_metaclass
    return six


def _numpy_aliases(np):
    """The numpy < 1.24/2.0 names, only where numpy no longer defines them."""
    return {
        "float": float, "int": int, "object": object, "complex": complex, "str": str, "unicode": str,
        "bool": bool, "long": int,
        "float_": np.float64, "complex_": np.complex128, "unicode_": np.str_, "string_": np.bytes_,
        "bool8": np.bool_, "NaN": math.nan, "NAN": math.nan, "Inf": math.inf, "Infinity": math.inf,
        "PINF": math.inf, "NINF": -math.inf, "infty": math.inf,
        "asscalar": lambda a: a.item(), "product": np.prod, "cumproduct": np.cumprod,
        "alltrue": np.all, "sometrue": np.any, "round_": np.round, "in1d": np.isin,
        "trapz": getattr(np, "trapezoid", None),
    }


def install(era: str) -> None:
    """Install the legacy dataset keywords, `torch.load` default, `torch._six` and numpy aliases."""
    TensorDataset.__init__ = _tensor_dataset_init
    torch.load = _load
    if "torch._six" not in sys.modules:
        six = sys.modules["torch._six"] = _six_module()
        torch._six = six
    try:
        import numpy as np
    except ImportError:
        return
    for name, value in _numpy_aliases(np).items():
        # Checking np.__dict__ rather than hasattr avoids numpy's FutureWarning for removed names.
        if value is not None and name not in np.__dict__:
            setattr(np, name, value)
