"""Every loss that took `size_average`/`reduce`, with its parameter order (unchanged from 0.4 to 2.13)."""

from __future__ import annotations

from typing import Dict, Tuple

_TAIL = ("size_average", "reduce", "reduction")

# Module constructors: parameters after `self`.
LOSS_MODULES: Dict[str, Tuple[str, ...]] = {
    "torch.nn.L1Loss": _TAIL,
    "torch.nn.MSELoss": _TAIL,
    "torch.nn.SmoothL1Loss": _TAIL + ("beta",),
    "torch.nn.NLLLoss": ("weight", "size_average", "ignore_index", "reduce", "reduction"),
    "torch.nn.NLLLoss2d": ("weight", "size_average", "ignore_index", "reduce", "reduction"),
    "torch.nn.CrossEntropyLoss": ("weight", "size_average", "ignore_index", "reduce", "reduction", "label_smoothing"),
    "torch.nn.KLDivLoss": _TAIL + ("log_target",),
    "torch.nn.BCELoss": ("weight",) + _TAIL,
    "torch.nn.BCEWithLogitsLoss": ("weight",) + _TAIL + ("pos_weight",),
    "torch.nn.PoissonNLLLoss": ("log_input", "full", "size_average", "eps", "reduce", "reduction"),
    "torch.nn.MarginRankingLoss": ("margin",) + _TAIL,
    "torch.nn.HingeEmbeddingLoss": ("margin",) + _TAIL,
    "torch.nn.MultiLabelMarginLoss": _TAIL,
    "torch.nn.SoftMarginLoss": _TAIL,
    "torch.nn.MultiLabelSoftMarginLoss": ("weight",) + _TAIL,
    "torch.nn.CosineEmbeddingLoss": ("margin",) + _TAIL,
    "torch.nn.MultiMarginLoss": ("p", "margin", "weight") + _TAIL,
    "torch.nn.TripletMarginLoss": ("margin", "p", "eps", "swap") + _TAIL,
}

_F = "torch.nn.functional."
_PAIR = ("input", "target")

# Functional losses: every parameter, inputs included.
LOSS_FUNCTIONS: Dict[str, Tuple[str, ...]] = {
    _F + "l1_loss": _PAIR + _TAIL,
    _F + "mse_loss": _PAIR + _TAIL,
    _F + "smooth_l1_loss": _PAIR + _TAIL + ("beta",),
    _F + "nll_loss": _PAIR + ("weight", "size_average", "ignore_index", "reduce", "reduction"),
    _F + "cross_entropy": _PAIR + ("weight", "size_average", "ignore_index", "reduce", "reduction", "label_smoothing"),
    _F + "kl_div": _PAIR + _TAIL + ("log_target",),
    _F + "binary_cross_entropy": _PAIR + ("weight",) + _TAIL,
    _F + "binary_cross_entropy_with_logits": _PAIR + ("weight",) + _TAIL + ("pos_weight",),
    _F + "poisson_nll_loss": _PAIR + ("log_input", "full", "size_average", "eps", "reduce", "reduction"),
    _F + "margin_ranking_loss": ("input1", "input2", "target", "margin") + _TAIL,
    _F + "hinge_embedding_loss": _PAIR + ("margin",) + _TAIL,
    _F + "multilabel_margin_loss": _PAIR + _TAIL,
    _F + "soft_margin_loss": _PAIR + _TAIL,
    _F + "multilabel_soft_margin_loss": _PAIR + ("weight",) + _TAIL,
    _F + "cosine_embedding_loss": ("input1", "input2", "target", "margin") + _TAIL,
    _F + "multi_margin_loss": _PAIR + ("p", "margin", "weight") + _TAIL,
    _F + "triplet_margin_loss": ("anchor", "positive", "negative", "margin", "p", "eps", "swap") + _TAIL,
}

# Losses born with `reduction` only: scalar by default, never took the legacy flags.
MODERN_LOSS_MODULES = ("torch.nn.CTCLoss", "torch.nn.GaussianNLLLoss", "torch.nn.HuberLoss", "torch.nn.TripletMarginWithDistanceLoss")
MODERN_LOSS_FUNCTIONS = tuple(_F + n for n in ("ctc_loss", "gaussian_nll_loss", "huber_loss", "triplet_margin_with_distance_loss"))


def _last(names) -> Tuple[str, ...]:
    return tuple(sorted({n.rsplit(".", 1)[-1] for n in names}))


# The words of every loss (the last component of its name: present wherever it is used).
LOSS_WORDS = _last((*LOSS_MODULES, *LOSS_FUNCTIONS, *MODERN_LOSS_MODULES, *MODERN_LOSS_FUNCTIONS))
# ... of the losses that took `size_average`/`reduce`.
LEGACY_LOSS_WORDS = _last((*LOSS_MODULES, *LOSS_FUNCTIONS))
