"""uint8 masks and arithmetic on comparison results (catalog T13, T14).

Up to 1.1 comparisons returned uint8 tensors and masks were `ByteTensor`s; 1.2 made
them bool and uint8 masks were then deprecated, and some uses now raise. A uint8 mask
is converted to bool where 2.x insists on it (every era: an explicit `.byte()` mask
was accepted throughout 1.x). Up to 1.1 `1 - (x > 0)` inverted a uint8 mask; 2.x
raises for bool, so the bool operand is taken as the uint8 it was.
`m1 + m2` on two comparison results (a count up to 1.1, a logical OR now) is not
emulated: it would put a wrapper on every tensor addition.
"""

from __future__ import annotations

import torch

from .eras import at_most
from .quiet import silence

_SETITEM = torch._C.TensorBase.__setitem__
_RSUB = torch.Tensor.__rsub__


def _bool_mask(mask):
    """A uint8 mask as the bool mask current torch requires; anything else unchanged."""
    if isinstance(mask, torch.Tensor) and mask.dtype is torch.uint8:
        return mask.bool()
    return mask


def _masking(method):
    """`masked_fill(_)`/`masked_select`/`masked_scatter(_)` accepting a uint8 mask."""

    def legacy_masked(input, mask, *args, **kwargs):
        """The 2.x operation with a uint8 mask read as bool."""
        return method(input, _bool_mask(mask), *args, **kwargs)

    legacy_masked.__name__ = method.__name__
    return legacy_masked


def _setitem(self, index, value):
    """`x[mask] = v` with a uint8 mask, which 2.x rejects."""
    if index.__class__ is torch.Tensor and index.dtype is torch.uint8:
        index = index.bool()
    return _SETITEM(self, index, value)


def _rsub(self, other):
    """`1 - mask` on a bool comparison result computes on uint8, as up to 1.1."""
    if self.dtype is torch.bool:
        self = self.to(torch.uint8)
    return _RSUB(self, other)


def install(era: str) -> None:
    """Accept uint8 masks everywhere; restore uint8 `1 - mask` up to 1.1."""
    for name in ("masked_fill", "masked_fill_", "masked_select", "masked_scatter", "masked_scatter_"):
        setattr(torch.Tensor, name, _masking(getattr(torch.Tensor, name)))
    for name in ("masked_fill", "masked_select", "masked_scatter"):
        setattr(torch, name, _masking(getattr(torch, name)))
    torch.Tensor.__setitem__ = _setitem
    silence(r"indexing with dtype torch\.uint8 is now deprecated", UserWarning)
    silence(r"where received a uint8 condition tensor", UserWarning)
    if at_most(era, "1.1"):
        torch.Tensor.__rsub__ = _rsub
