"""`torch.nn.functional` functions renamed or with changed defaults."""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

import libcst as cst
from migrator.walk import iter_code

from migrator.era import parse_version
from migrator.names import dotted
from migrator.rule import Rule, Safety, fixes, keeps, reports
from migrator.rules._calls import bind, is_simple, keyword_arg, keywordize, literal, string, with_args
from migrator.rules._ranks import RankedCallRule, RankFlow, RankOf
from migrator.rules._rename import RenameRule
from migrator.rules._triggers import (
    DOT,
    GAP,
    SPACE,
    rx_any_word,
    rx_call,
    rx_call_without,
    rx_from_import,
    rx_keyword_given,
    rx_positional_call,
    rx_second_positional_given,
    rx_star_import,
    rx_word,
    rx_words,
)

_F = "torch.nn.functional."


class FunctionalActivation(RenameRule):
    """`F.sigmoid` / `F.tanh`: use `torch.sigmoid` / `torch.tanh`.

    What it does: replaces `torch.nn.functional.sigmoid` and `.tanh`, however imported,
    with the `torch` functions.
    Why: torch 0.4.1 deprecated the functional aliases in favour of `torch.sigmoid` and
    `torch.tanh` (they warned through 1.x; 2.13 keeps them silently).
    Example: `F.sigmoid(self.linear(x))` becomes `torch.sigmoid(self.linear(x))`.
    Fix safety: safe: the same function under another name, identical numbers.
    """

    code = "TM401"
    message = "`F.sigmoid`/`F.tanh` are deprecated; use `torch.sigmoid`/`torch.tanh`"
    safety = Safety.SAFE
    triggers = ("sigmoid", "tanh")
    trigger_words = ("sigmoid", "tanh")
    # `functional.sigmoid`, `from ...functional import tanh [as t]` or `*`, or `functional as F`
    # (then `F.sigmoid`: the gate on the words already asks for `sigmoid`/`tanh`)
    trigger_regex = "|".join(
        (
            rx_word("functional") + r"(?:" + DOT + r"(?:sigmoid|tanh)\b|" + SPACE + r"as\b)",
            rx_from_import(r"[\w.\s\\]*?\bfunctional", ("sigmoid", "tanh")),
            rx_star_import(r"[\w.\s\\]*?\bnn" + DOT + "functional"),
        )
    )
    changed_in = "0.4.1"
    renames = {
        "torch.nn.functional.sigmoid": "torch.sigmoid",
        "torch.nn.functional.tanh": "torch.tanh",
    }
    examples = (
        fixes(
            "import torch\nimport torch.nn.functional as F\ny = F.sigmoid(self.linear(x))\n",
            "import torch\nimport torch.nn.functional as F\ny = torch.sigmoid(self.linear(x))\n",
            id="alias",
        ),
        fixes(
            "from torch.nn.functional import tanh\nh = tanh(x)\n",
            "import torch\n\nh = torch.tanh(x)\n",
            id="from-import-adds-torch",
        ),
        fixes(
            "import torch.nn as nn\nact = nn.functional.sigmoid\nz = apply(nn.functional.tanh, x)\n",
            "import torch.nn as nn\nimport torch\n\nact = torch.sigmoid\nz = apply(torch.tanh, x)\n",
            id="as-value",
        ),
        keeps("import numpy as np\ny = np.tanh(x)\n", id="numpy"),
        keeps("def sigmoid(x):\n    return x\ny = sigmoid(2)\n", id="own-function"),
    )


def _legacy_softmax_dim(rank: int) -> int:
    """`torch.nn.functional._get_softmax_dim`: 0 for 0-, 1- and 3-D input, else 1 (same rule since 0.3)."""
    return 0 if rank in (0, 1, 3) else 1


# ---------------------------------------------------------------------------
# Upsampling

_LINEAR_MODES = ("linear", "bilinear", "trilinear", "bicubic")
_UPSAMPLE_PARAMS = ("input", "size", "scale_factor", "mode", "align_corners")
_INTERPOLATE_PARAMS = _UPSAMPLE_PARAMS + ("recompute_scale_factor", "antialias")
_UPSAMPLE_MODULE_PARAMS = ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor")


def _mode(bound: Dict[str, cst.Arg]) -> object:
    """The literal mode of an upsampling call ('nearest' when omitted), else UNKNOWN."""
    return literal(bound["mode"].value) if "mode" in bound else "nearest"


def _era_at_most(rule: Rule, version: str) -> Optional[bool]:
    """Whether the file's source era is at most `version`; None when the code does not say.

    An inferred era is the newest the code can be from: it settles "at most"; "newer" only
    an era `--source-version` gave does.
    """
    era = rule.context.source_era
    if era is None:
        return None
    if era <= parse_version(version):
        return True
    floor = rule.context.era_floor
    return False if floor is not None and floor > parse_version(version) else None


def _renamed(rule: Rule, node: cst.Call, new: str, args: Sequence[cst.Arg]) -> Tuple[cst.Call, tuple, tuple]:
    """`node` calling `new` with `args`; the import it needs; the from-import binding it may free."""
    replacement, imports = rule.context.reference(new)
    binding = rule.context.names.binding_of(node.func)
    releases = (binding,) if binding and rule.context.names.bindings[binding].obj else ()
    call = with_args(node.with_changes(func=replacement), list(args))
    return call, imports, releases


class UpsampleAlias(Rule):
    """`F.upsample`, `F.upsample_nearest`, `F.upsample_bilinear`: use `F.interpolate`.

    What it does: renames `F.upsample` to `F.interpolate` when its mode is not a linear one
    or `align_corners` is given (linear modes without it are TM403/TM404), renames
    `F.upsample_nearest`, and turns `F.upsample_bilinear(x, ...)` into
    `F.interpolate(x, ..., mode='bilinear', align_corners=True)`.
    Why: torch 0.4.1 deprecated the three in favour of `interpolate` (`UserWarning:
    nn.functional.upsample is deprecated. Use nn.functional.interpolate instead.`).
    Example: `F.upsample(x, scale_factor=2)` becomes `F.interpolate(x, scale_factor=2)`.
    Fix safety: safe: 2.13's `upsample` calls `interpolate(input, size, scale_factor, mode,
    align_corners)` and the first five parameters have the same order; `upsample_bilinear`
    always sampled with `align_corners=True`; the results are bitwise equal.
    """

    code = "TM402"
    message = "`F.{old}` is deprecated; use `F.interpolate`"
    safety = Safety.SAFE
    triggers = ("upsample",)
    trigger_words = ("upsample", "upsample_nearest", "upsample_bilinear")
    trigger_regex = rx_any_word(('upsample', 'upsample_nearest', 'upsample_bilinear')) + r"\b" + rx_call() + r"|\b" + rx_words(('upsample', 'upsample_nearest', 'upsample_bilinear')) + SPACE + r"as\b"
    changed_in = "0.4.1"
    examples = (
        fixes(
            "import torch.nn.functional as F\ny = F.upsample(x, scale_factor=2)\nz = F.upsample(x, (8, 8), None, 'bilinear', False)\n",
            "import torch.nn.functional as F\ny = F.interpolate(x, scale_factor=2)\nz = F.interpolate(x, (8, 8), None, 'bilinear', False)\n",
            id="nearest-and-explicit-corners",
        ),
        fixes(
            "import torch.nn.functional as Fn\ny = Fn.upsample_bilinear(x, size=(16, 16))\nz = Fn.upsample_nearest(x, None, 2)\n",
            "import torch.nn.functional as Fn\ny = Fn.interpolate(x, size=(16, 16), mode='bilinear', align_corners=True)\nz = Fn.interpolate(x, None, 2)\n",
            id="aliased-bilinear-nearest",
        ),
        fixes(
            "from torch.nn.functional import upsample_nearest\ny = upsample_nearest(x, scale_factor=4)\n",
            "import torch\n\ny = torch.nn.functional.interpolate(x, scale_factor=4)\n",
            id="from-import",
        ),
        keeps("import torch.nn.functional as F\ny = F.upsample(x, scale_factor=2, mode='bilinear')\n", id="linear-left-to-TM403"),
        keeps("def upsample(x, scale_factor):\n    return x\ny = upsample(x, scale_factor=2)\n", id="own-function"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        name = self.context.qualified_name(node.func)
        if name == _F + "upsample":
            bound = bind(node, _UPSAMPLE_PARAMS)
            if bound is None:
                return
            mode = _mode(bound)
            if "align_corners" not in bound and not (isinstance(mode, str) and mode not in _LINEAR_MODES):
                return
            args: List[cst.Arg] = list(node.args)
        elif name == _F + "upsample_nearest":
            if bind(node, ("input", "size", "scale_factor")) is None:
                return
            args = list(node.args)
        elif name == _F + "upsample_bilinear":
            if bind(node, ("input", "size", "scale_factor")) is None:
                return
            args = [*node.args, keyword_arg("mode", string("bilinear")), keyword_arg("align_corners", cst.Name("True"))]
        else:
            return
        call, imports, releases = _renamed(self, node, _F + "interpolate", args)
        self.report(node, call, imports=imports, releases=releases, message=self.message.format(old=name.rsplit(".", 1)[-1]))


class UpsampleLegacyCorners(Rule):
    """Linear upsampling without `align_corners` in torch <= 0.3 code: pass `align_corners=True`.

    What it does: in files written for torch 0.3 or older, `F.upsample(..., mode='bilinear')`
    (also 'linear', 'trilinear') without `align_corners` becomes
    `F.interpolate(..., align_corners=True)`, and `nn.Upsample(mode='bilinear')` gains
    `align_corners=True`. A non-literal mode is reported.
    Why: until 0.3.1 the linear modes aligned corners; torch 0.4.0 changed the default to
    `align_corners=False` (with a warning at the time, silently today), so the same call
    samples different points: a 2x2 -> 4x4 row becomes `[0, .25, .75, 1]` instead of
    `[0, .333, .667, 1]`.
    Example: `F.upsample(x, scale_factor=2, mode='bilinear')` becomes
    `F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=True)`.
    Fix safety: unsafe: exact for code written for 0.3, but it rests on the source era
    (inferred from idioms, or `--source-version`) and changes what the file computes on
    current torch.
    """

    code = "TM403"
    message = "linear upsampling aligned corners until torch 0.3; pass `align_corners=True` to keep the results"
    safety = Safety.UNSAFE
    triggers = ("upsample", "Upsample")
    trigger_words = ("upsample", "Upsample")
    trigger_regex = rx_any_word(('upsample', 'Upsample')) + r"\b" + rx_call_without(("align_corners",)) + r"|\b" + rx_words(('upsample', 'Upsample')) + SPACE + r"as\b"
    changed_in = "0.4"
    source_eras = (None, "0.3")
    example_era = "0.3"
    examples = (
        fixes(
            "import torch.nn.functional as F\ny = F.upsample(x, scale_factor=2, mode='bilinear')\n",
            "import torch.nn.functional as F\ny = F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=True)\n",
            id="functional",
        ),
        fixes(
            "import torch.nn as tnn\nup = tnn.Upsample(scale_factor=2, mode='trilinear')\n",
            "import torch.nn as tnn\nup = tnn.Upsample(scale_factor=2, mode='trilinear', align_corners=True)\n",
            id="aliased-module",
        ),
        reports("import torch.nn.functional as F\ny = F.upsample(x, size, None, mode)\n", id="non-literal-mode"),
        keeps("import torch.nn as nn\nup = nn.Upsample(scale_factor=2)\n", id="nearest"),
        keeps("import cv2\ny = cv2.resize(x, (4, 4), interpolation=cv2.INTER_LINEAR)\nup = Upsample(mode='bilinear')\n", id="look-alike"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        name = self.context.qualified_name(node.func)
        if name == _F + "upsample":
            bound = bind(node, _UPSAMPLE_PARAMS)
        elif name == "torch.nn.Upsample":
            bound = bind(node, _UPSAMPLE_MODULE_PARAMS)
        else:
            return
        if bound is None or "align_corners" in bound:
            return
        mode = _mode(bound)
        if not isinstance(mode, str):
            self.report(node, message=self.message + " (the mode is not a literal: add `align_corners=True` if it is linear)")
            return
        if mode not in _LINEAR_MODES:
            return
        args = [*node.args, keyword_arg("align_corners", cst.Name("True"))]
        if name == "torch.nn.Upsample":
            self.report(node, with_args(node, args))
            return
        call, imports, releases = _renamed(self, node, _F + "interpolate", args)
        self.report(node, call, imports=imports, releases=releases)


class UpsampleDefaultCorners(Rule):
    """Linear `F.upsample` without `align_corners` in torch >= 0.4 code: `F.interpolate(..., align_corners=False)`.

    What it does: `F.upsample(..., mode='bilinear')` (also 'linear', 'trilinear', 'bicubic')
    without `align_corners` becomes `F.interpolate(..., align_corners=False)`; with a
    non-literal mode it is only renamed. Files known to be written for 0.3 or older are
    TM403's.
    Why: torch 0.4.1 deprecated `upsample`; since 0.4.0 the linear modes default to
    `align_corners=False`, which the explicit argument states.
    Example: `F.upsample(x, size=(32, 32), mode='bilinear')` becomes
    `F.interpolate(x, size=(32, 32), mode='bilinear', align_corners=False)`.
    Fix safety: safe when the source era is known to be 0.4 or later (the numbers do not
    change); unsafe when it is unknown, because code written for 0.3 meant `align_corners=True`.
    """

    code = "TM404"
    message = "`F.upsample` is deprecated; use `F.interpolate` and state `align_corners=False` (the default since torch 0.4)"
    safety = Safety.SAFE
    triggers = ("upsample",)
    trigger_words = ("upsample",)
    trigger_regex = rx_any_word(('upsample',)) + r"\b" + rx_call_without(("align_corners",)) + r"|\b" + rx_words(('upsample',)) + SPACE + r"as\b"
    changed_in = "0.4.1"
    example_era = "1.0"
    examples = (
        fixes(
            "import torch.nn.functional as F\ny = F.upsample(x, size=(32, 32), mode='bilinear')\n",
            "import torch.nn.functional as F\ny = F.interpolate(x, size=(32, 32), mode='bilinear', align_corners=False)\n",
            id="functional",
        ),
        fixes(
            "import torch.nn as nn\ny = nn.functional.upsample(x, None, 2, interp_mode)\n",
            "import torch.nn as nn\ny = nn.functional.interpolate(x, None, 2, interp_mode)\n",
            id="aliased-non-literal-mode",
        ),
        keeps("import torch.nn.functional as F\ny = F.upsample(x, scale_factor=2)\n", id="nearest-left-to-TM402"),
        keeps("import torch.nn.functional as F\ny = F.interpolate(x, scale_factor=2, mode='bilinear')\nz = upsample(x, mode='bilinear')\n", id="modern-and-look-alike"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if self.context.qualified_name(node.func) != _F + "upsample":
            return
        legacy = _era_at_most(self, "0.3")
        if legacy:
            return
        bound = bind(node, _UPSAMPLE_PARAMS)
        if bound is None or "align_corners" in bound:
            return
        mode = _mode(bound)
        if isinstance(mode, str) and mode not in _LINEAR_MODES:
            return
        args = list(node.args)
        if isinstance(mode, str):
            args.append(keyword_arg("align_corners", cst.Name("False")))
        call, imports, releases = _renamed(self, node, _F + "interpolate", args)
        if legacy is None:
            self.report(
                node, call, imports=imports, releases=releases, safety=Safety.UNSAFE,
                message=self.message + " (unsafe: source era unknown; code written for torch 0.3 meant `align_corners=True`)",
            )
        else:
            self.report(node, call, imports=imports, releases=releases)


class UpsampleRecomputeScale(Rule):
    """Non-integer `scale_factor` in torch <= 1.5 code: pass `recompute_scale_factor=True`.

    What it does: in files written for torch 1.5 or older, adds `recompute_scale_factor=True`
    to `F.interpolate` and `nn.Upsample` calls whose `scale_factor` is not an integer
    literal (a fraction, or an expression).
    Why: up to 1.5 a scale factor only chose the output size, and the kernel then used the
    ratio of the sizes; torch 1.6 started sampling with the given factor itself, which
    differs for non-integer factors (3x3 by 1.5, bilinear without aligned corners, differs by
    up to 0.49).
    Example: `F.interpolate(x, scale_factor=1.5, mode='bilinear')` becomes
    `F.interpolate(x, scale_factor=1.5, mode='bilinear', recompute_scale_factor=True)`.
    Fix safety: unsafe: exact for the code's era, but it rests on the source era and
    changes the results on current torch; integer factors are left alone (no difference).
    """

    code = "TM405"
    message = "since torch 1.6 a non-integer `scale_factor` is used as given; pass `recompute_scale_factor=True` for the <= 1.5 results"
    safety = Safety.UNSAFE
    triggers = ("scale_factor", "Upsample(", "interpolate(")
    trigger_words = ("interpolate", "Upsample")
    changed_in = "1.6"
    source_eras = (None, "1.5")
    example_era = "1.0"
    requires = "1.6"
    examples = (
        fixes(
            "import torch.nn.functional as F\ny = F.interpolate(x, scale_factor=1.5, mode='bilinear')\n",
            "import torch.nn.functional as F\ny = F.interpolate(x, scale_factor=1.5, mode='bilinear', recompute_scale_factor=True)\n",
            id="functional",
        ),
        fixes(
            "from torch import nn as N\nup = N.Upsample(None, scale, 'nearest')\n",
            "from torch import nn as N\nup = N.Upsample(None, scale, 'nearest', recompute_scale_factor=True)\n",
            id="aliased-module-variable-scale",
        ),
        keeps("import torch.nn.functional as F\ny = F.interpolate(x, scale_factor=2, mode='nearest')\nz = F.interpolate(x, size=(5, 5))\n", id="integer-or-size"),
        keeps("import scipy.ndimage\ny = scipy.ndimage.zoom(x, 1.5)\nz = resize(x, scale_factor=1.5)\n", id="look-alike"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        name = self.context.qualified_name(node.func)
        if name == _F + "interpolate":
            bound = bind(node, _INTERPOLATE_PARAMS)
        elif name == "torch.nn.Upsample":
            bound = bind(node, _UPSAMPLE_MODULE_PARAMS)
        else:
            return
        if bound is None or "scale_factor" not in bound or "recompute_scale_factor" in bound:
            return
        scale = bound["scale_factor"].value
        factors = [e.value for e in scale.elements] if isinstance(scale, cst.Tuple) else [scale]
        values = [literal(f) for f in factors]
        if all(v is None for v in values) or all(isinstance(v, (int, float)) and float(v).is_integer() for v in values):
            return
        self.report(node, with_args(node, [*node.args, keyword_arg("recompute_scale_factor", cst.Name("True"))]))


# ---------------------------------------------------------------------------
# grid_sample / affine_grid

_GRID = {
    _F + "grid_sample": ("input", "grid", "mode", "padding_mode", "align_corners"),
    _F + "affine_grid": ("theta", "size", "align_corners"),
}


def _missing_corners(rule: Rule, node: cst.Call) -> Optional[str]:
    name = rule.context.qualified_name(node.func)
    params = _GRID.get(name or "")
    if params is None:
        return None
    bound = bind(node, params)
    if bound is None or "align_corners" in bound:
        return None
    return name


class GridSampleLegacyCorners(Rule):
    """`F.grid_sample` / `F.affine_grid` without `align_corners` in torch <= 1.2 code: pass `align_corners=True`.

    What it does: in files written for torch 1.2 or older, adds `align_corners=True` to
    `grid_sample` and `affine_grid` calls that omit it (spatial transformer code).
    Why: up to 1.2 both behaved as `align_corners=True`; 1.3.0 changed the default to False
    (`UserWarning: Default grid_sample and affine_grid behavior has changed to
    align_corners=False since 1.3.0`).
    Example: `grid = F.affine_grid(theta, x.size())` becomes
    `grid = F.affine_grid(theta, x.size(), align_corners=True)`.
    Fix safety: unsafe: exact for the code's era, but it rests on the source era and
    changes the results on current torch.
    """

    code = "TM406"
    message = "`{name}` aligned corners until torch 1.2; pass `align_corners=True` to keep the results"
    safety = Safety.UNSAFE
    triggers = ("grid_sample", "affine_grid")
    trigger_words = ("grid_sample", "affine_grid")
    trigger_regex = rx_any_word(('grid_sample', 'affine_grid')) + r"\b" + rx_call_without(("align_corners",)) + r"|\b" + rx_words(('grid_sample', 'affine_grid')) + SPACE + r"as\b"
    changed_in = "1.3"
    source_eras = (None, "1.2")
    example_era = "0.4"
    examples = (
        fixes(
            "import torch.nn.functional as F\ngrid = F.affine_grid(theta, x.size())\nx = F.grid_sample(x, grid)\n",
            "import torch.nn.functional as F\ngrid = F.affine_grid(theta, x.size(), align_corners=True)\nx = F.grid_sample(x, grid, align_corners=True)\n",
            id="stn",
        ),
        fixes(
            "from torch.nn.functional import grid_sample as gs\ny = gs(img, flow, 'bilinear', 'border')\n",
            "from torch.nn.functional import grid_sample as gs\ny = gs(img, flow, 'bilinear', 'border', align_corners=True)\n",
            id="aliased-positional",
        ),
        keeps("import torch.nn.functional as F\ny = F.grid_sample(x, g, align_corners=False)\n", id="explicit"),
        keeps("def grid_sample(x, g):\n    return x\ny = grid_sample(x, g)\n", id="own-function"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        name = _missing_corners(self, node)
        if name is not None:
            message = self.message.format(name=name.rsplit(".", 1)[-1])
            self.report(node, with_args(node, [*node.args, keyword_arg("align_corners", cst.Name("True"))]), message=message)


class GridSampleDefaultCorners(Rule):
    """`F.grid_sample` / `F.affine_grid` without `align_corners` in code written for torch >= 1.3: pass `align_corners=False`.

    What it does: adds `align_corners=False`, the current default, to calls that omit it;
    files known to be written for 1.2 or older are TM406's.
    Why: torch warns on every call that omits it (`Default grid_sample and affine_grid
    behavior has changed to align_corners=False since 1.3.0`).
    Example: `F.grid_sample(x, grid)` becomes `F.grid_sample(x, grid, align_corners=False)`.
    Fix safety: safe when the source era is known to be 1.3 or later (the numbers do not
    change); unsafe when it is unknown, because code written for 1.2 or older meant `True`.
    """

    code = "TM407"
    message = "`{name}` without `align_corners` warns; state `align_corners=False` (the default since torch 1.3)"
    safety = Safety.SAFE
    triggers = ("grid_sample", "affine_grid")
    trigger_words = ("grid_sample", "affine_grid")
    trigger_regex = rx_any_word(('grid_sample', 'affine_grid')) + r"\b" + rx_call_without(("align_corners",)) + r"|\b" + rx_words(('grid_sample', 'affine_grid')) + SPACE + r"as\b"
    changed_in = "1.3"
    example_era = "1.3"
    requires = "1.3"
    examples = (
        fixes(
            "import torch.nn.functional as F\nx = F.grid_sample(x, grid, mode='nearest')\n",
            "import torch.nn.functional as F\nx = F.grid_sample(x, grid, mode='nearest', align_corners=False)\n",
            id="keyword",
        ),
        fixes(
            "import torch.nn.functional as Fn\ng = Fn.affine_grid(theta, size)\n",
            "import torch.nn.functional as Fn\ng = Fn.affine_grid(theta, size, align_corners=False)\n",
            id="aliased",
        ),
        keeps("import torch.nn.functional as F\ng = F.affine_grid(theta, size, True)\n", id="positional-corners"),
        keeps("import kornia\ny = kornia.geometry.grid_sample(x, g)\n", id="look-alike"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        legacy = _era_at_most(self, "1.2")
        name = None if legacy else _missing_corners(self, node)
        if name is None:
            return
        message = self.message.format(name=name.rsplit(".", 1)[-1])
        replacement = with_args(node, [*node.args, keyword_arg("align_corners", cst.Name("False"))])
        if legacy is None:
            self.report(
                node, replacement, safety=Safety.UNSAFE,
                message=message + " (unsafe: source era unknown; code written for torch <= 1.2 meant `align_corners=True`)",
            )
        else:
            self.report(node, replacement, message=message)


# ---------------------------------------------------------------------------
# softmax without dim

_SOFTMAX_FUNCTIONS = (_F + "softmax", _F + "log_softmax", _F + "softmin")
_SOFTMAX_MODULES = ("torch.nn.Softmax", "torch.nn.LogSoftmax", "torch.nn.Softmin")
_SOFTMAX_PARAMS = ("input", "dim", "_stacklevel", "dtype")


def _without_dim(node: cst.Call, params: Sequence[str]) -> Optional[Tuple[List[cst.Arg], Optional[cst.Arg]]]:
    """The call's arguments minus a `dim=None`, and that argument; None when the call states a dimension (or hides it)."""
    bound = bind(node, params)
    if bound is None:
        return None
    dim = bound.get("dim")
    if dim is not None and literal(dim.value) is not None:
        return None
    return [a for a in node.args if a is not dim], dim


def _with_dim(call: cst.Call, without: Tuple[List[cst.Arg], Optional[cst.Arg]], value: cst.BaseExpression, after_input: bool) -> cst.Call:
    """`call` with `dim=value`: in place of a `dim=None` (its line, its comment), else after the input or last."""
    args, none = without
    if none is not None:
        index = next(i for i, a in enumerate(call.args) if a is none)
        if any(a.keyword is None for a in args[index:]):
            arg = none.with_changes(value=value)  # `F.softmax(x, None, 3)`: a positional `_stacklevel` follows
        else:
            arg = keyword_arg("dim", value, like=none)
        return with_args(call, [*args[:index], arg, *args[index:]])
    arg = keyword_arg("dim", value)
    if after_input and args and args[0].keyword is None:
        return with_args(call, [args[0], arg, *args[1:]])
    return with_args(call, [*args, arg])


_SOFTMAX_WORDS = ("softmax", "log_softmax", "softmin")
_SOFTMAX_MODULE_WORDS = ("Softmax", "LogSoftmax", "Softmin")
# A softmax call that may lack a dimension: no visible `dim=` (other than None) nor second
# positional argument; a module built without arguments, with None or `dim=None`; an alias.
_SOFTMAX_WITHOUT_DIM = "|".join(
    (
        rx_any_word(_SOFTMAX_WORDS) + r"\b" + GAP
        + r"(?:(?:\)" + GAP + r")+\(|\((?!" + rx_keyword_given(("dim",), True) + "|" + rx_second_positional_given() + "))",
        rx_any_word(_SOFTMAX_MODULE_WORDS) + r"\b" + GAP
        + r"(?:(?:\)" + GAP + r")+\(|\(" + GAP + r"(?:\)|[(\s\\]*None\b|\*|dim[\s\\]*=(?!=)[\s\\(]*None\b))",
        rx_any_word(_SOFTMAX_WORDS + _SOFTMAX_MODULE_WORDS) + SPACE + r"as\b",
    )
)


class SoftmaxImplicitDim(RankedCallRule):
    """`F.softmax(x)` / `nn.LogSoftmax()` without `dim`: state the dimension.

    What it does: adds `dim=` to `F.softmax`, `F.log_softmax`, `F.softmin` calls and
    `nn.Softmax`, `nn.LogSoftmax`, `nn.Softmin` constructors that omit it (or pass None).
    When the code states the input's rank (`x.view(-1, 320)`, `torch.randn(4, 3)`,
    `nn.Linear` and activations keep their input's rank) the dimension is the one the
    implicit rule picks for that rank; otherwise a function call on a plain name gets the
    rule itself, `dim=(0 if x.dim() in (0, 1, 3) else 1)`, and anything else `dim=1`.
    Why: torch 0.3 deprecated the implicit choice (`UserWarning: Implicit dimension choice
    for softmax has been deprecated. Change the call to include dim=X as an argument.`).
    The rule (`_get_softmax_dim`, unchanged since 0.3) takes dim 0 for 0-, 1- and 3-D input
    and dim 1 for every other rank.
    Example: `return F.log_softmax(self.fc2(x.view(-1, 320)))` becomes
    `return F.log_softmax(self.fc2(x.view(-1, 320)), dim=1)`.
    Fix safety: safe when the rank is known from the code. Otherwise unsafe: the runtime
    expression is exact but spells out an accident a human should replace, and `dim=1` is
    wrong for 3-D input (a sequence batch: the legacy rule normalised over dim 0).
    """

    code = "TM408"
    message = "implicit softmax dimension is deprecated; pass `dim=`"
    safety = Safety.SAFE
    triggers = ("softmax", "Softmax", "softmin", "Softmin")
    trigger_words = _SOFTMAX_WORDS + _SOFTMAX_MODULE_WORDS
    trigger_regex = _SOFTMAX_WITHOUT_DIM
    changed_in = "0.3"
    examples = (
        fixes(
            "import torch.nn.functional as F\n\nclass Net(nn.Module):\n    def forward(self, x):\n"
            "        x = x.view(-1, 320)\n        x = F.relu(self.fc1(x))\n        return F.log_softmax(self.fc2(x))\n",
            "import torch.nn.functional as F\n\nclass Net(nn.Module):\n    def forward(self, x):\n"
            "        x = x.view(-1, 320)\n        x = F.relu(self.fc1(x))\n        return F.log_softmax(self.fc2(x), dim=1)\n",
            id="rank-from-view",
        ),
        fixes(
            "import torch\nimport torch.nn.functional as Fn\nscores = torch.randn(5, 4, 3)\np = Fn.softmax(scores)\n",
            "import torch\nimport torch.nn.functional as Fn\nscores = torch.randn(5, 4, 3)\np = Fn.softmax(scores, dim=0)\n",
            id="aliased-3d-takes-dim-0",
        ),
        fixes(
            "import torch.nn.functional as F\ndef attend(e):\n    return F.softmax(e, _stacklevel=5)\n",
            "import torch.nn.functional as F\ndef attend(e):\n    return F.softmax(e, dim=(0 if e.dim() in (0, 1, 3) else 1), _stacklevel=5)\n",
            id="unknown-rank-runtime-rule",
        ),
        fixes(
            "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4, 3), nn.LogSoftmax())\n",
            "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4, 3), nn.LogSoftmax(dim=1))\n",
            id="module-unknown-input",
        ),
        fixes(
            "import torch\nimport torch.nn as nn\nsm = nn.Softmax()\nx = torch.randn(2, 4)\ny = sm(x)\n",
            "import torch\nimport torch.nn as nn\nsm = nn.Softmax(dim=1)\nx = torch.randn(2, 4)\ny = sm(x)\n",
            id="module-known-input",
        ),
        fixes(
            "import torch\nimport torch.nn.functional as F\ntry:\n    s = torch.randn(5, 4, 3)\n    p = F.softmax(s)\nexcept ValueError:\n    pass\n",
            "import torch\nimport torch.nn.functional as F\ntry:\n    s = torch.randn(5, 4, 3)\n    p = F.softmax(s, dim=0)\nexcept ValueError:\n    pass\n",
            id="rank-known-inside-try",
        ),
        fixes(
            "import torch\nimport torch.nn.functional as F\ns = torch.randn(5, 4)\ntry:\n    s = torch.randn(5, 4, 3)\nexcept ValueError:\n    p = F.softmax(s)\n",
            "import torch\nimport torch.nn.functional as F\ns = torch.randn(5, 4)\ntry:\n    s = torch.randn(5, 4, 3)\nexcept ValueError:\n    p = F.softmax(s, dim=(0 if s.dim() in (0, 1, 3) else 1))\n",
            id="handler-forgets-names-the-try-binds",
        ),
        fixes(
            "import torch\nimport torch.nn.functional as F\nx = torch.randn(4, 3)\np = F.softmax(\n    x,  # logits\n)\n",
            "import torch\nimport torch.nn.functional as F\nx = torch.randn(4, 3)\np = F.softmax(\n    x,  # logits\n    dim=1,\n)\n",
            id="multi-line-trailing-comma-comment-stays-on-its-argument",
        ),
        fixes(
            "import torch\nimport torch.nn.functional as F\nx = torch.randn(4, 3)\np = F.softmax(\n    x  # logits\n)\n",
            "import torch\nimport torch.nn.functional as F\nx = torch.randn(4, 3)\np = F.softmax(\n    x,  # logits\n    dim=1\n)\n",
            id="multi-line-no-trailing-comma-comment-stays-on-its-argument",
        ),
        fixes(
            "import torch\nimport torch.nn.functional as F\nx = torch.randn(4, 3)\np = F.log_softmax(\n    x,\n    _stacklevel=5,\n)\n",
            "import torch\nimport torch.nn.functional as F\nx = torch.randn(4, 3)\np = F.log_softmax(\n    x,\n    dim=1,\n    _stacklevel=5,\n)\n",
            id="multi-line-inserted-after-the-input-no-comment",
        ),
        fixes(
            "import torch\nimport torch.nn.functional as F\nx = torch.randn(4, 3)\np = F.softmax(x,  # logits\n              _stacklevel=5)\n",
            "import torch\nimport torch.nn.functional as F\nx = torch.randn(4, 3)\np = F.softmax(x,  # logits\n              dim=1,\n              _stacklevel=5)\n",
            id="multi-line-aligned-arguments",
        ),
        fixes(
            "import torch\nimport torch.nn.functional as F\nx = torch.randn(4, 3)\np = F.softmax(\n    x,\n    _stacklevel=5,\n    dim=None,  # pick later\n)\n",
            "import torch\nimport torch.nn.functional as F\nx = torch.randn(4, 3)\np = F.softmax(\n    x,\n    _stacklevel=5,\n    dim=1,  # pick later\n)\n",
            id="multi-line-dim-none-replaced-in-place",
        ),
        fixes(
            "import torch.nn as nn\nsm = nn.Softmax(\n)\nlsm = nn.LogSoftmax(\n    None  # no dim\n)\n",
            "import torch.nn as nn\nsm = nn.Softmax(\n    dim=1\n)\nlsm = nn.LogSoftmax(\n    dim=1  # no dim\n)\n",
            id="multi-line-module",
        ),
        keeps("import torch.nn.functional as F\np = F.softmax(x, dim=-1)\nq = F.log_softmax(x, 1)\n", id="explicit"),
        keeps("import numpy as np\nfrom scipy.special import softmax\np = softmax(x)\n", id="scipy-look-alike"),
    )

    ranked_calls = frozenset((*_SOFTMAX_FUNCTIONS, *_SOFTMAX_MODULES))

    def __init__(self, context) -> None:
        super().__init__(context)
        self.functions: List[Tuple[cst.Call, Tuple[List[cst.Arg], Optional[cst.Arg]], cst.BaseExpression, Optional[int]]] = []
        self.modules: List[Tuple[cst.Call, Tuple[List[cst.Arg], Optional[cst.Arg]]]] = []

    def on_ranked_call(self, call: cst.Call, rank_of: RankOf) -> None:
        name = self.context.qualified_name(call.func)
        if name in _SOFTMAX_FUNCTIONS:
            without = _without_dim(call, _SOFTMAX_PARAMS)
            bound = bind(call, _SOFTMAX_PARAMS)
            if without is not None and bound is not None and "input" in bound:
                self.functions.append((call, without, bound["input"].value, rank_of(bound["input"].value)))
        elif name in _SOFTMAX_MODULES:
            without = _without_dim(call, ("dim",))
            if without is not None:
                self.modules.append((call, without))

    def ranked(self, module: cst.Module, flow: RankFlow) -> None:
        for call, without, source, rank in self.functions:
            if rank is not None:
                self.report(call, _with_dim(call, without, cst.Integer(str(_legacy_softmax_dim(rank))), True))
            elif is_simple(source):
                rule = cst.parse_expression(f"(0 if {cst.Module(body=[]).code_for_node(source)}.dim() in (0, 1, 3) else 1)")
                self.report(
                    call, _with_dim(call, without, rule, True), safety=Safety.UNSAFE,
                    message=self.message + " (unsafe: input rank unknown; this is the legacy rule spelled out, pick the real dimension)",
                )
            else:
                self.report(
                    call, _with_dim(call, without, cst.Integer("1"), True), safety=Safety.UNSAFE,
                    message=self.message + " (unsafe: input rank unknown; assumes a 2-D or 4-D input, a 3-D input took dim 0)",
                )
        owners = self._owners(module, flow)
        for call, without in self.modules:
            ranks = owners.get(id(call), [])
            dims = {None if r is None else _legacy_softmax_dim(r) for r in ranks}
            if len(dims) == 1 and None not in dims:
                self.report(call, _with_dim(call, without, cst.Integer(str(dims.pop())), False))
            else:
                self.report(
                    call, _with_dim(call, without, cst.Integer("1"), False), safety=Safety.UNSAFE,
                    message=self.message + " (unsafe: input rank unknown; assumes a 2-D or 4-D input, a 3-D input took dim 0)",
                )

    def _owners(self, module: cst.Module, flow: RankFlow) -> Dict[int, List[Optional[int]]]:
        """Constructor call -> ranks of the inputs it receives, through the name it is assigned to."""
        owners: Dict[int, List[Optional[int]]] = {}
        for assign in iter_code(module):
            if type(assign) is not cst.Assign or type(assign.value) is not cst.Call:
                continue
            names = [dotted(t.target) for t in assign.targets]
            if len(names) != 1 or names[0] is None:
                continue
            inputs = list(flow.inputs.get(names[0], []))
            if names[0].startswith("self.") and names[0].count(".") == 1:
                # `self.out = nn.Sequential(...)` is also called from outside as `model.out(x)`
                suffix = names[0][len("self") :]
                inputs += [r for callee, ranks in flow.inputs.items() if callee.endswith(suffix) and callee != names[0] for r in ranks]
            value = assign.value
            assert isinstance(value, cst.Call)
            if self.context.qualified_name(value.func) in _SOFTMAX_MODULES:
                owners[id(value)] = inputs
            elif self.context.qualified_name(value.func) == "torch.nn.Sequential":
                offset: Optional[int] = 0
                for arg in value.args:
                    if not isinstance(arg.value, cst.Call):
                        break
                    if self.context.qualified_name(arg.value.func) in _SOFTMAX_MODULES and offset is not None:
                        owners[id(arg.value)] = [None if r is None else r + offset for r in inputs]
                    delta = flow.module_delta(arg.value)
                    offset = None if delta is None or offset is None else offset + delta
        return owners


# ---------------------------------------------------------------------------
# dropout, embedding, gumbel_softmax

_DROPOUTS = (_F + "dropout", _F + "dropout2d", _F + "dropout3d")
_DROPOUT_PARAMS = ("input", "p", "training", "inplace")


class DropoutDefaultTraining(Rule):
    """`F.dropout(x, p)` without `training` in torch <= 0.4 code: pass `training=False`.

    What it does: in files written for torch 0.4 or older, adds `training=False` to
    `F.dropout`, `F.dropout2d` and `F.dropout3d` calls that omit it.
    Why: until 0.4.1 the functional dropouts defaulted to `training=False`, so such a call
    did nothing; torch 1.0 changed the default to True, and the same line now drops
    activations, in `eval()` too. (The author most likely meant `training=self.training`.)
    Example: `x = F.dropout(x, 0.5)` becomes `x = F.dropout(x, 0.5, training=False)`.
    Fix safety: unsafe: it reproduces the era's numbers (a no-op) but rests on the source era;
    replace it with `training=self.training` if dropout was intended.
    """

    code = "TM409"
    message = "`F.{name}` without `training` was a no-op until torch 0.4; pass `training=False` (or `training=self.training` if dropout was meant)"
    safety = Safety.UNSAFE
    triggers = ("dropout",)
    trigger_words = ("dropout", "dropout2d", "dropout3d")
    trigger_regex = rx_any_word(('dropout', 'dropout2d', 'dropout3d')) + r"\b" + rx_call_without(("training",)) + r"|\b" + rx_words(('dropout', 'dropout2d', 'dropout3d')) + SPACE + r"as\b"
    changed_in = "1.0"
    source_eras = (None, "0.4")
    example_era = "0.3"
    examples = (
        fixes(
            "import torch.nn.functional as F\nx = F.dropout(F.relu(self.fc1(x)), 0.5)\n",
            "import torch.nn.functional as F\nx = F.dropout(F.relu(self.fc1(x)), 0.5, training=False)\n",
            id="positional-p",
        ),
        fixes(
            "import torch.nn.functional as fun\nh = fun.dropout2d(h, p=0.2, inplace=True)\n",
            "import torch.nn.functional as fun\nh = fun.dropout2d(h, p=0.2, inplace=True, training=False)\n",
            id="aliased-2d",
        ),
        keeps("import torch.nn.functional as F\nx = F.dropout(x, training=self.training)\ny = F.dropout(x, 0.5, True)\n", id="explicit"),
        keeps("import torch.nn as nn\ndrop = nn.Dropout(0.5)\ny = dropout(x, 0.5)\n", id="module-and-look-alike"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        name = self.context.qualified_name(node.func)
        if name not in _DROPOUTS:
            return
        bound = bind(node, _DROPOUT_PARAMS)
        if bound is None or "training" in bound:
            return
        message = self.message.format(name=name.rsplit(".", 1)[-1])  # type: ignore[union-attr]
        self.report(node, with_args(node, [*node.args, keyword_arg("training", cst.Name("False"))]), message=message)


class Dropout2dOn3d(RankedCallRule):
    """`F.dropout2d(x)` on a 3-D input: use `F.dropout1d`.

    What it does: renames `F.dropout2d` to `F.dropout1d` where the code states that the
    input is 3-D (`x.view(n, c, -1)`, `torch.randn(a, b, c)`, ...).
    Why: a 3-D input to `dropout2d` has always been treated as (N, C, L) with channel-wise
    dropout; torch 1.12 added `dropout1d` for that and warns (`dropout2d: Received a 3D input
    to dropout2d and assuming that channel-wise 1D dropout behavior is desired`) that the
    meaning will change to an unbatched (C, H, W) input.
    Example: `h = F.dropout2d(h.view(n, c, -1), 0.2, self.training)` becomes
    `h = F.dropout1d(h.view(n, c, -1), 0.2, self.training)`.
    Fix safety: safe: both run the same channel-wise feature dropout on (N, C, L), with the
    same random draws; other inputs are left alone.
    """

    code = "TM410"
    message = "`F.dropout2d` on a 3-D input is channel-wise 1-D dropout; use `F.dropout1d`"
    safety = Safety.SAFE
    triggers = ("dropout2d",)
    trigger_words = ("dropout2d",)
    trigger_regex = rx_any_word(('dropout2d',)) + r"\b" + rx_call() + r"|\b" + rx_words(('dropout2d',)) + SPACE + r"as\b"
    changed_in = "1.12"
    requires = "1.12"
    examples = (
        fixes(
            "import torch.nn.functional as F\nh = h.view(n, c, -1)\nh = F.dropout2d(h, 0.2, self.training)\n",
            "import torch.nn.functional as F\nh = h.view(n, c, -1)\nh = F.dropout1d(h, 0.2, self.training)\n",
            id="view",
        ),
        fixes(
            "import torch\nfrom torch.nn.functional import dropout2d as d2\nx = d2(torch.randn(4, 8, 16), training=True)\n",
            "import torch\nx = torch.nn.functional.dropout1d(torch.randn(4, 8, 16), training=True)\n",
            id="aliased-from-import",
        ),
        keeps("import torch.nn.functional as F\nh = F.dropout2d(conv(x), 0.2, self.training)\n", id="unknown-rank"),
        keeps("import torch\nimport torch.nn.functional as F\nh = F.dropout2d(torch.randn(4, 8, 16, 16), 0.2)\n", id="4d"),
    )

    ranked_calls = frozenset((_F + "dropout2d",))

    def on_ranked_call(self, call: cst.Call, rank_of: RankOf) -> None:
        if self.context.qualified_name(call.func) != _F + "dropout2d":
            return
        bound = bind(call, _DROPOUT_PARAMS)
        if bound is None or "input" not in bound or rank_of(bound["input"].value) != 3:
            return
        replacement, imports, releases = _renamed(self, call, _F + "dropout1d", list(call.args))
        self.report(call, replacement, imports=imports, releases=releases)


class EmbeddingLegacyPositional(Rule):
    """`F.embedding(input, weight, max_norm, ...)` positional in torch <= 0.3 code: use keywords.

    What it does: in files written for torch 0.3 or older, turns the third to sixth
    positional arguments of `F.embedding` into `max_norm=`, `norm_type=`,
    `scale_grad_by_freq=`, `sparse=`.
    Why: torch 0.4 inserted `padding_idx` as the third parameter. A legacy float `max_norm`
    now raises (`argument 'padding_idx' must be int`); an integer one silently becomes a
    padding index, and the renormalisation no longer happens.
    Example: `F.embedding(ids, w, 1.0, 2)` becomes `F.embedding(ids, w, max_norm=1.0, norm_type=2)`.
    Fix safety: unsafe: exact for 0.3 code, but it rests on the source era (for 0.4+ code the
    third argument is `padding_idx`).
    """

    code = "TM411"
    message = "`F.embedding`'s third parameter is `padding_idx` since torch 0.4; pass the legacy `max_norm`, ... as keywords"
    safety = Safety.UNSAFE
    triggers = ("embedding",)
    trigger_words = ("embedding",)
    trigger_regex = rx_any_word(('embedding',)) + r"\b" + rx_positional_call(3) + r"|\b" + rx_words(('embedding',)) + SPACE + r"as\b"
    changed_in = "0.4"
    source_eras = (None, "0.3")
    example_era = "0.3"
    examples = (
        fixes(
            "import torch.nn.functional as F\ne = F.embedding(ids, self.weight, 1.0, 2, False, True)\n",
            "import torch.nn.functional as F\ne = F.embedding(ids, self.weight, max_norm=1.0, norm_type=2, scale_grad_by_freq=False, sparse=True)\n",
            id="all",
        ),
        fixes(
            "from torch.nn import functional as NF\ne = NF.embedding(ids, w, 5)\n",
            "from torch.nn import functional as NF\ne = NF.embedding(ids, w, max_norm=5)\n",
            id="aliased",
        ),
        keeps("import torch.nn.functional as F\ne = F.embedding(ids, w)\nf = F.embedding(ids, w, max_norm=1.0)\n", id="two-positional"),
        keeps("import torch.nn as nn\nemb = nn.Embedding(10, 3, 0)\ne = embedding(ids, w, 1.0)\n", id="module-and-look-alike"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if self.context.qualified_name(node.func) != _F + "embedding":
            return
        params = ("input", "weight", "max_norm", "norm_type", "scale_grad_by_freq", "sparse")
        given = [a for a in node.args if a.keyword is None]
        if len(given) < 3 or bind(node, params) is None:
            return
        args = keywordize(node, params, 2)
        if args is not None:
            self.report(node, with_args(node, args))


class GumbelSoftmaxEps(Rule):
    """`F.gumbel_softmax(logits, tau, hard, eps)`: drop `eps`, it has no effect.

    What it does: removes the `eps` argument of `F.gumbel_softmax` (keyword, or fourth
    positional; a fifth positional `dim` becomes a keyword).
    Why: torch 1.2 rewrote the sampler without `eps`; a non-default value warns (`eps
    parameter is deprecated and has no effect`).
    Example: `F.gumbel_softmax(logits, 0.5, True, 1e-20)` becomes `F.gumbel_softmax(logits, 0.5, True)`.
    Fix safety: safe: 2.13 ignores the argument, so the samples are identical.
    """

    code = "TM412"
    message = "`F.gumbel_softmax`'s `eps` has no effect since torch 1.2; drop it"
    safety = Safety.SAFE
    triggers = ("gumbel_softmax",)
    trigger_words = ("gumbel_softmax",)
    changed_in = "1.2"
    examples = (
        fixes(
            "import torch.nn.functional as F\ny = F.gumbel_softmax(logits, tau=0.5, hard=True, eps=1e-20)\n",
            "import torch.nn.functional as F\ny = F.gumbel_softmax(logits, tau=0.5, hard=True)\n",
            id="keyword",
        ),
        fixes(
            "from torch.nn.functional import gumbel_softmax as gs\ny = gs(logits, 1.0, False, 1e-10, -1)\n",
            "from torch.nn.functional import gumbel_softmax as gs\ny = gs(logits, 1.0, False, dim=-1)\n",
            id="aliased-positional",
        ),
        keeps("import torch.nn.functional as F\ny = F.gumbel_softmax(logits, tau=0.5, hard=True)\n", id="modern"),
        keeps("def gumbel_softmax(l, t, h, eps):\n    return l\ny = gumbel_softmax(a, 1, 0, 1e-5)\n", id="own-function"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if self.context.qualified_name(node.func) != _F + "gumbel_softmax":
            return
        params = ("logits", "tau", "hard", "eps", "dim")
        bound = bind(node, params)
        if bound is None or "eps" not in bound:
            return
        args = keywordize(node, params, 4)
        if args is None:
            return
        eps = bound["eps"]
        kept = [a for a in args if a is not eps and not (a.keyword is not None and a.keyword.value == "eps")]
        self.report(node, with_args(node, kept))
