"""Loss reduction flags and shapes (catalog L01-L08).

`size_average=`/`reduce=` (keyword or positional) are still honoured by 2.x with a
warning, bitwise equal to the mapped `reduction=`, so only the warning is removed.
What changed silently is restored for its era: toggling `crit.size_average` after
construction (read at call time up to 0.4.0), and pointwise losses between inputs of
equal size but different shape, element-wise up to 0.4 where 2.x broadcasts.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch.nn import _reduction
from torch.nn.modules.loss import _Loss

from .eras import at_most
from .quiet import silence


def _legacy_flag(name):
    """A `_Loss` property for `size_average`/`reduce` that re-derives `reduction` when assigned."""
    attr = "_legacy_" + name

    def get(self):
        """The flag as last assigned, else as implied by `reduction` (both default to True)."""
        value = self.__dict__.get(attr)
        if value is None:
            return self.reduction != ("sum" if name == "size_average" else "none")
        return value

    def set(self, value):
        """Store the flag and recompute `reduction` from both flags, as <= 0.4.0 `forward` did."""
        self.__dict__[attr] = value
        self.reduction = _reduction.legacy_get_string(self.size_average, self.reduce, emit_warning=False)

    return property(get, set)


def _elementwise(loss):
    """A pointwise loss that pairs same-numel input and target element-wise instead of broadcasting.

    Up to 0.4 (THNN kernels) `mse_loss(x_Nx1, y_N)` compared elements in order; 2.x
    broadcasts to N x N and warns. Only the equal-numel, different-shape case is changed.
    """

    def legacy_loss(input, target, *args, **kwargs):
        """The 2.x loss with `target` viewed as `input` when only their shapes differ."""
        if input.shape != target.shape and input.numel() == target.numel():
            target = target.reshape(input.shape)
        return loss(input, target, *args, **kwargs)

    legacy_loss.__name__ = loss.__name__
    return legacy_loss


def install(era: str) -> None:
    """Silence the reduction-flag warnings; restore flag toggling and element-wise pairing <= 0.4."""
    silence(r"size_average and reduce args will be deprecated", UserWarning)
    silence(r"reduction='elementwise_mean' is deprecated", UserWarning)
    silence(r"reduction: 'mean' divides the total loss by both the batch size and the support size", UserWarning)
    silence(r"`NLLLoss2d` has been deprecated", FutureWarning)
    if at_most(era, "0.4"):
        _Loss.size_average = _legacy_flag("size_average")
        _Loss.reduce = _legacy_flag("reduce")
        for name in ("mse_loss", "l1_loss", "smooth_l1_loss", "binary_cross_entropy"):
            setattr(F, name, _elementwise(getattr(F, name)))
