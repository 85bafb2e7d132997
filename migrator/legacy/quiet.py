"""Silence the deprecation warnings that legacy entry points emit on current torch.

A script written for an old release ran without these warnings in its era; the entry
points listed here still compute the era's numbers on 2.x, so only the noise is removed.
Warnings about real behaviour changes that are not emulated are left alone.
"""

from __future__ import annotations

import warnings

# (message regex matched at the start of the warning text, category)
_DEPRECATIONS = (
    # V08, V09: renamed/ignored autograd arguments, same numbers
    (r"`grad_variables` is deprecated", FutureWarning),
    (r"only_inputs argument is deprecated", FutureWarning),
    # V12, V14, S12: reading .grad of a non-leaf, copy-constructing, float() of a graph tensor
    (r"The \.grad attribute of a Tensor that is not a leaf Tensor is being accessed", UserWarning),
    (r"To copy construct from a tensor", UserWarning),
    (r"Converting a tensor with requires_grad=True to a scalar", UserWarning),
    # O10: scalar-first overloads such as `p.data.add_(-lr, d_p)`
    (r"This overload of \w+ is deprecated", UserWarning),
    # M01, O08, O14-O17, O19, T09, T11, T12, T19, T20, A06, A07, A16, A18, A24
    (r"`nn\.Container` is deprecated", FutureWarning),
    (r"`torch\.nn\.utils\.weight_norm` is deprecated", FutureWarning),
    (r"torch\.utils\.checkpoint: the use_reentrant parameter should be passed explicitly", UserWarning),
    (r"`torch\.cuda\.amp\.\w+\(args\.\.\.\)` is deprecated", FutureWarning),
    (r"Using a non-full backward hook when the forward contains multiple autograd Nodes", FutureWarning),
    (r"Positional args are being deprecated, use kwargs instead", FutureWarning),
    (r"`torch\.testing\.assert_allclose\(\)` is deprecated", FutureWarning),
    (r"torch\.range is deprecated", UserWarning),
    (r"torch\.set_default_tensor_type\(\) is deprecated", UserWarning),
    (r"non-inplace resize is deprecated", UserWarning),
    (r"torch\.sparse\.SparseTensor\(indices, values, shape, \*, device=\) is deprecated", UserWarning),
    (r"TypedStorage is deprecated", UserWarning),
    (r"torch\.qr is deprecated", UserWarning),
    (r"torch\.cholesky is deprecated", UserWarning),
    (r"torch\.lu is deprecated", UserWarning),
    (r"torch\.lu_solve is deprecated", UserWarning),
    (r"torch\.triangular_solve is deprecated", UserWarning),
    (r"torch\.chain_matmul is deprecated", UserWarning),
    (r"Using torch\.cross without specifying the dim arg is deprecated", UserWarning),
    # a CPU harness running scripts written for a GPU
    (r"'pin_memory' argument is set as true but no accelerator is found", UserWarning),
    (r"torch\.cuda\.amp\.GradScaler is enabled, but CUDA is not available", UserWarning),
)


def silence(pattern: str, category: type = Warning) -> None:
    """Ignore warnings whose text starts with the regex `pattern` for the rest of the process."""
    warnings.filterwarnings("ignore", message=pattern, category=category)


def install(era: str) -> None:
    """Filter the deprecation warnings of legacy spellings whose semantics did not change."""
    for pattern, category in _DEPRECATIONS:
        silence(pattern, category)
