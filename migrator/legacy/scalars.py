"""Scalar extraction from losses, reductions and 1-D Tensors (catalog S01, S02, S06, S09).

Up to 0.3 a loss or a full reduction of a Variable was a one-element 1-D Variable, so
`loss.data[0]` (and `loss.data.numpy()[0]`, `loss.data.tolist()[0]`) was a Python number and `loss[0]` a one-element Variable still on the
graph; int-indexing (or iterating) a 1-D Tensor also gave Python numbers. On 2.x the
loss is 0-dim, indexing it raises, and indexing a 1-D tensor gives 0-dim tensors, which
print as `tensor(...)`, hash by identity and do not serialize to JSON.

0.4 made them 0-dim but still accepted index 0 with a deprecation warning, returning an
alias of the tensor (0.5 made it an error): that is what era 0.4 gets.

Up to 0.3, 1-D Tensors (not Variables, see `autograd.is_variable`) give Python numbers
when the script indexes or iterates them; torch's own code always gets tensors. Full
reductions of Tensors (`t.sum()`), also Python numbers in 0.3, stay 0-dim tensors: they
behave as numbers in arithmetic and `format`, and a wrapper on every reduction would
misread reductions of Variables that do not require grad.
"""

from __future__ import annotations

import sys

import torch

from .autograd import is_variable
from .eras import at_most

_INDEX = torch._C.TensorBase.__getitem__
_ITER = torch.Tensor.__iter__
_NUMPY = torch._C.TensorBase.numpy
_TOLIST = torch._C.TensorBase.tolist


def _from_torch(depth: int) -> bool:
    """Whether the caller `depth` frames up is torch's (or this tool's) own code."""
    return sys._getframe(depth).f_globals.get("__name__", "").startswith(("torch", "migrator."))


def _getitem_03(self, index):
    """`t[i]` with 0.3 results: Python numbers from Tensors, Variables stay on the graph.

    `loss.data[0]` and `x.sum()[0]` (0-dim, no grad) give `.item()`, so
    `print(epoch, loss.data[0])` prints a Python float exactly as 0.3 did and as a
    migrated `loss.item()` does; `loss[0]` on a tensor that requires grad returns the
    tensor itself so `loss[0].backward()` keeps its graph. `t[i]` on a 1-D Tensor
    indexed by the script gives a Python number too.
    """
    if index.__class__ is int:
        dim = self.dim()
        if dim == 0:
            if index == 0 or index == -1:
                return self if self.requires_grad else self.item()
        elif dim == 1 and not is_variable(self) and not _from_torch(2):
            return _INDEX(self, index).item()
    return _INDEX(self, index)


def _iter_03(self):
    """Iterating a 1-D Tensor in the script yields Python numbers, as in 0.3."""
    if self.dim() == 1 and not is_variable(self) and not _from_torch(2):
        return iter(self.tolist())
    return _ITER(self)


def _numpy_03(self, *args, **kwargs):
    """`.numpy()` of a 0-dim tensor in the script: the one-element array 0.3 gave (`loss.data.numpy()[0]`)."""
    if not self.dim() and not _from_torch(2):
        return _NUMPY(self.reshape(1), *args, **kwargs)
    return _NUMPY(self, *args, **kwargs)


def _tolist_03(self):
    """`.tolist()` of a 0-dim tensor in the script: the one-element list 0.3 gave (`loss.data.tolist()[0]`)."""
    if not self.dim() and not _from_torch(2):
        return [_TOLIST(self)]
    return _TOLIST(self)


def _getitem_04(self, index):
    """`t[0]`/`t[-1]` on a 0-dim tensor returns the tensor itself, as 0.4 did (0.5 made it an error)."""
    if index.__class__ is int and (index == 0 or index == -1) and not self.dim():
        return self
    return _INDEX(self, index)


def _concatenating(cat):
    """`torch.cat` that accepts 0-dim tensors as the one-element 1-D tensors they were up to 0.3."""

    def legacy_cat(tensors, *args, **kwargs):
        """`torch.cat`, retried with 0-dim inputs reshaped to `(1,)` when it rejects them."""
        try:
            return cat(tensors, *args, **kwargs)
        except RuntimeError:
            # Only the failing call pays for the check, so the hot path stays one frame.
            if not any(isinstance(t, torch.Tensor) and t.dim() == 0 for t in tensors):
                raise
        return cat([t.reshape(1) if t.dim() == 0 else t for t in tensors], *args, **kwargs)

    return legacy_cat


def install(era: str) -> None:
    """0.3 indexing, iteration and `torch.cat` of scalars (<= 0.3); 0-dim index 0 (0.4)."""
    if at_most(era, "0.3"):
        torch.Tensor.__getitem__ = _getitem_03
        torch.Tensor.__iter__ = _iter_03
        torch.Tensor.numpy = _numpy_03
        torch.Tensor.tolist = _tolist_03
        torch.cat = _concatenating(torch.cat)
    elif at_most(era, "0.4"):
        torch.Tensor.__getitem__ = _getitem_04
