"""CUDA-written scripts on a CPU-only harness, and renamed device keywords (catalog D01-D06, T06, T07).

The verification machines have no GPU, so device moves are identities: the script runs
as it would have with everything already on the one device, which is also what a
device-agnostic migration (`.to(device)` with `device = cpu`) computes. The legacy
keywords `device_id=` (<= 0.3) and `async=` (renamed `non_blocking` in 0.4; the source
pre-pass handles the spelling) are accepted and ignored.
"""

from __future__ import annotations

import contextlib

import torch
import torch.cuda.sparse

_TENSOR_TYPES = ("Double", "Float", "Half", "BFloat16", "Byte", "Char", "Short", "Int", "Long", "Bool")
_TYPE = torch.Tensor.type
_SET_DEFAULT_TENSOR_TYPE = torch.set_default_tensor_type


def _cpu_name(name):
    """'torch.cuda.FloatTensor' -> 'torch.FloatTensor'; anything else unchanged."""
    if isinstance(name, str) and name.startswith("torch.cuda."):
        return "torch." + name[len("torch.cuda."):]
    return name


def _tensor_cuda(self, device=None, non_blocking=False, memory_format=None, device_id=None, **kwargs):
    """`x.cuda(...)`: the tensor itself, since the harness device is the CPU."""
    return self


def _module_cuda(self, device=None, device_id=None):
    """`model.cuda(...)`: the module itself, parameters stay where they are."""
    return self


def _pin_memory(self, *args, **kwargs):
    """`x.pin_memory()`: the tensor itself (pinning needs an accelerator)."""
    return self


def _tensor_type(self, dtype=None, non_blocking=False, **kwargs):
    """`x.type('torch.cuda.FloatTensor')` casts to the CPU type; `x.type()` still queries."""
    if dtype is None:
        return _TYPE(self)
    kwargs.pop("async", None)
    return _TYPE(self, _cpu_name(dtype), non_blocking, **kwargs)


def _set_default_tensor_type(t):
    """`torch.set_default_tensor_type('torch.cuda.FloatTensor')` sets the CPU type."""
    return _SET_DEFAULT_TENSOR_TYPE(_cpu_name(t))


class _Device(contextlib.AbstractContextManager):
    """`with torch.cuda.device(i):` selects nothing on the CPU."""

    def __init__(self, device):
        """Remember the requested index, as `torch.cuda.device` does."""
        self.idx = device

    def __exit__(self, *exc_info):
        """Nothing to restore; exceptions propagate."""
        return None


def _set_device(device):
    """`torch.cuda.set_device(i)`: nothing to select on the CPU."""


def _synchronize(device=None):
    """`torch.cuda.synchronize()`: nothing to wait for on the CPU."""


def _current_device():
    """`torch.cuda.current_device()`: device 0, the only one a legacy script would select."""
    return 0


def install(era: str) -> None:
    """Map CUDA tensors, types and device calls to the CPU for every era."""
    torch.Tensor.cuda = _tensor_cuda
    torch.nn.Module.cuda = _module_cuda
    torch.Tensor.pin_memory = _pin_memory
    torch.Tensor.type = _tensor_type
    torch.set_default_tensor_type = _set_default_tensor_type
    for kind in _TENSOR_TYPES:
        setattr(torch.cuda, kind + "Tensor", getattr(torch, kind + "Tensor"))
        if hasattr(torch.sparse, kind + "Tensor"):
            setattr(torch.cuda.sparse, kind + "Tensor", getattr(torch.sparse, kind + "Tensor"))
    torch.cuda.device = _Device
    torch.cuda.set_device = _set_device
    torch.cuda.synchronize = _synchronize
    torch.cuda.current_device = _current_device
