"""`nn.init` names without the trailing underscore and `clip_grad_norm` (catalog I01, O01).

The <= 0.3 names still exist on 2.x as wrappers that warn and call the `_` function, so
they are re-pointed at the `_` functions directly: same values under the same seed, same
returned object, no FutureWarning.
"""

from __future__ import annotations

import torch.nn.init as init
import torch.nn.utils as utils
import torch.nn.utils.clip_grad as clip_grad

from ._functions import copy_function
from .eras import at_most

_INIT_NAMES = (
    "uniform", "normal", "constant", "eye", "dirac", "xavier_uniform", "xavier_normal",
    "kaiming_uniform", "kaiming_normal", "orthogonal", "sparse",
)


def _clipping(clip_grad_norm_, as_float):
    """`clip_grad_norm` without the warning; up to 0.3 the total norm came back as a Python float."""

    def clip_grad_norm(parameters, max_norm, norm_type=2, *args, **kwargs):
        """Scale gradients in place like `clip_grad_norm_` and return the total norm."""
        total = clip_grad_norm_(parameters, max_norm, norm_type, *args, **kwargs)
        return total.item() if as_float else total

    return clip_grad_norm


def install(era: str) -> None:
    """Alias the legacy `nn.init` names and `clip_grad_norm` to their silent `_` versions."""
    for name in _INIT_NAMES:
        setattr(init, name, copy_function(getattr(init, name + "_"), name))
    legacy = _clipping(clip_grad.clip_grad_norm_, at_most(era, "0.3"))
    utils.clip_grad_norm = clip_grad.clip_grad_norm = legacy
