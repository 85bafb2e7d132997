"""`torch.nn.functional` defaults of their era (catalog F01-F12).

`torch.nn` modules call `F.<name>` through the module attribute at forward time, so
replacing the attribute also covers `nn.Upsample`, `nn.Softmax`, `nn.Embedding`, etc.
Explicit arguments always win; only omitted ones take the era's default.
"""

from __future__ import annotations

import torch.nn.functional as F

from .eras import at_most
from .quiet import silence

_LINEAR_MODES = frozenset({"linear", "bilinear", "trilinear", "bicubic"})


def _dropping(dropout):
    """`F.dropout*` whose `training` defaults to False: a no-op unless asked, as up to 0.4.1."""

    def legacy_dropout(input, p=0.5, training=False, inplace=False):
        """The 2.x function with the <= 0.4 default `training=False` (`nn.Dropout` passes it explicitly)."""
        return dropout(input, p, training, inplace)

    legacy_dropout.__name__ = dropout.__name__
    return legacy_dropout


def _interpolating(interpolate, corners_default, recompute_default):
    """`F.interpolate` (hence `F.upsample`, `nn.Upsample`) with the era's defaults.

    <= 0.3: linear modes sampled with `align_corners=True`. <= 1.5: a given
    `scale_factor` was only used to compute the output size, the kernel then used
    in/out sizes (`recompute_scale_factor=True`); 1.6 started using it directly.
    """

    def legacy_interpolate(
        input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None, antialias=False
    ):
        """The 2.x function with the era's defaults for omitted `align_corners`/`recompute_scale_factor`."""
        if align_corners is None and corners_default and mode in _LINEAR_MODES:
            align_corners = True
        if recompute_scale_factor is None and recompute_default and scale_factor is not None:
            recompute_scale_factor = True
        return interpolate(input, size, scale_factor, mode, align_corners, recompute_scale_factor, antialias)

    return legacy_interpolate


def _grid_sampling(grid_sample):
    """`F.grid_sample` behaving as `align_corners=True` when omitted, as up to 1.2."""

    def legacy_grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
        """The 2.x function with the <= 1.2 default `align_corners=True`."""
        return grid_sample(input, grid, mode, padding_mode, True if align_corners is None else align_corners)

    return legacy_grid_sample


def _affine_gridding(affine_grid):
    """`F.affine_grid` behaving as `align_corners=True` when omitted, as up to 1.2."""

    def legacy_affine_grid(theta, size, align_corners=None):
        """The 2.x function with the <= 1.2 default `align_corners=True`."""
        return affine_grid(theta, size, True if align_corners is None else align_corners)

    return legacy_affine_grid


def _embedding(embedding):
    """`F.embedding` reading the <= 0.3 positional order `(input, weight, max_norm, norm_type, ...)`.

    0.4 inserted `padding_idx` third. `nn.Embedding.forward` passes all seven arguments
    positionally, so a call with three to six positional arguments is a legacy call.
    """

    def legacy_embedding(input, weight, *args, **kwargs):
        """The 2.x function with 0.3's third to sixth positional arguments moved to keywords."""
        if 1 <= len(args) <= 4:
            kwargs.update(zip(("max_norm", "norm_type", "scale_grad_by_freq", "sparse"), args))
            args = ()
        return embedding(input, weight, *args, **kwargs)

    return legacy_embedding


def install(era: str) -> None:
    """Install the era's functional defaults and silence the warnings of unchanged legacy calls."""
    # F09: the implicit softmax dim is still the legacy rule on 2.x; only the warning differs.
    silence(r"Implicit dimension choice for \w+ has been deprecated", UserWarning)
    # F02, F04, F05: deprecated aliases of interpolate, same numbers.
    silence(r"`nn\.functional\.upsample\w*` is deprecated", UserWarning)
    # F08 for 1.3+ scripts: 2.x already uses their default (False).
    silence(r"Default grid_sample and affine_grid behavior has changed", UserWarning)
    # F11: 3-D input to dropout2d is channel-wise, as in the 1.x era.
    silence(r"dropout2d: Received a 3D input to dropout2d", UserWarning)

    if at_most(era, "0.4"):
        for name in ("dropout", "dropout2d", "dropout3d"):
            setattr(F, name, _dropping(getattr(F, name)))
    if at_most(era, "1.5"):
        F.interpolate = _interpolating(F.interpolate, at_most(era, "0.3"), True)
    if at_most(era, "1.2"):
        F.grid_sample = _grid_sampling(F.grid_sample)
        F.affine_grid = _affine_gridding(F.affine_grid)
    if at_most(era, "0.3"):
        F.embedding = _embedding(F.embedding)
