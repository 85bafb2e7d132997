"""Scalar extraction from losses and full reductions (catalog S01, S02, S09).

Up to 0.3 a loss or a full reduction of a Variable was a one-element 1-D tensor, so
`loss.data[0]` was a Python number and `loss[0]` a one-element Variable still on the
graph. On 2.x these are 0-dim tensors and indexing them raises. 0.4 made them 0-dim but
still accepted index 0 with a deprecation warning, returning an alias of the tensor.
"""

from __future__ import annotations

import torch

from .eras import at_most

_INDEX = torch._C.TensorBase.__getitem__


def _getitem_03(self, index):
    """`t[0]`/`t[-1]` on a 0-dim tensor: a Python number off the graph, the tensor itself on it.

    Returning `.item()` makes `print(epoch, loss.data[0])` print a Python float exactly as
    0.3 did (and as a migrated `loss.item()` does); a tensor that requires grad stays a
    tensor so `loss[0].backward()` and `total = total + loss[0]` keep their graph.
    """
    if index.__class__ is int and (index == 0 or index == -1) and not self.dim():
        return self if self.requires_grad else self.item()
    return _INDEX(self, index)


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
    """Make `x[0]` work on 0-dim tensors (<= 0.4) and `torch.cat` of scalars (<= 0.3)."""
    if not at_most(era, "0.4"):
        return
    torch.Tensor.__getitem__ = _getitem_03 if at_most(era, "0.3") else _getitem_04
    if at_most(era, "0.3"):
        torch.cat = _concatenating(torch.cat)
