"""Reductions over a dimension keep it in 0.1 (catalog T17).

0.1.12's `x.sum(1)` returned shape `(n, 1)`; 0.2.0 made `keepdim=False` the default.
For era 0.1 the reductions default to `keepdim=True` when the script itself calls them
with a dimension; calls made from torch's own code keep the 2.x default, which that
code expects. 0.1.12's element-wise ops on same-size, different-shape tensors (before
broadcasting, catalog T18) are not emulated.
"""

from __future__ import annotations

import sys

import torch

from .eras import at_most

# name: (position of dim, position of keepdim) among the arguments after the tensor
_REDUCTIONS = {
    "sum": (0, 1), "mean": (0, 1), "prod": (0, 1), "max": (0, 1), "min": (0, 1),
    "median": (0, 1), "mode": (0, 1), "std": (0, 2), "var": (0, 2), "norm": (1, 2), "kthvalue": (1, 2),
}


def _keeping(reduce, dim_at, keepdim_at):
    """A reduction whose `keepdim` defaults to True for dimension reductions called from user code."""

    def legacy_reduce(input, *args, **kwargs):
        """The 2.x reduction, with `keepdim=True` when a dim is given, keepdim is not, and the caller is not torch."""
        if (
            "keepdim" not in kwargs
            and len(args) <= keepdim_at
            and (len(args) > dim_at or "dim" in kwargs)
            # max(a, b) is element-wise; std(True) is `unbiased`, not a dim
            and not (len(args) > dim_at and isinstance(args[dim_at], (torch.Tensor, bool)))
            and not sys._getframe(1).f_globals.get("__name__", "").startswith("torch")
        ):
            kwargs["keepdim"] = True
        return reduce(input, *args, **kwargs)

    legacy_reduce.__name__ = reduce.__name__
    return legacy_reduce


def install(era: str) -> None:
    """Default `keepdim=True` for the script's own dimension reductions in era 0.1."""
    if not at_most(era, "0.1"):
        return
    for name, (dim_at, keepdim_at) in _REDUCTIONS.items():
        setattr(torch.Tensor, name, _keeping(getattr(torch.Tensor, name), dim_at, keepdim_at))
        setattr(torch, name, _keeping(getattr(torch, name), dim_at, keepdim_at))
