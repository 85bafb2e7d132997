"""Integer division of its era (catalog T15).

Up to 1.4 `/` and `torch.div` on two integer operands truncated toward zero like C
(`tensor([5, -5]) / 2 == [2, -2]`); 1.5 warned, 1.6 raised, 1.7 made it true division.
Up to 1.12 `//` and `torch.floor_divide` truncated as well (for every dtype); 1.13 made
them floor. Both are era-gated wrappers that cost one Python frame per division.
`int_tensor * 0.5` keeping the integer dtype (<= 1.2) is not emulated: it would need a
wrapper on every arithmetic operator and reduction.

Up to 0.3 there were no 0-dim tensors: `correct = pred.eq(target).sum()` was a Python
int, so `correct / total` was Python's true division. A 0-dim operand therefore keeps
Python's semantics (true `/`, floor `//`) in those eras.
"""

from __future__ import annotations

import torch

from ._functions import copy_function
from .eras import at_most

_INTEGER = frozenset({torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64})
_TRUEDIV = torch._C.TensorBase.__truediv__
_ITRUEDIV = torch.Tensor.__itruediv__
_RTRUEDIV = torch.Tensor.__rtruediv__
_DIV = torch.div
_TENSOR_DIV = torch._C.TensorBase.div
_TENSOR_DIV_ = torch._C.TensorBase.div_
_FLOOR_DIVIDE = torch.floor_divide
_scalars_are_numbers = False  # <= 0.3: 0-dim tensors stand for Python numbers


def _integral(value):
    """An integer tensor or a Python int (not bool): the operands that truncated."""
    if isinstance(value, torch.Tensor):
        return value.dtype in _INTEGER
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value):
    """A Python number, or (<= 0.3) a 0-dim tensor standing for one."""
    if isinstance(value, torch.Tensor):
        return _scalars_are_numbers and value.dim() == 0
    return True


def _truncates(a, b):
    """Whether `a / b` truncated in the era: two integer operands, not both Python numbers."""
    return _integral(a) and _integral(b) and not (_number(a) and _number(b))


def _truediv(self, other):
    """`a / b`, truncating when both operands are integers (<= 1.4)."""
    if self.dtype in _INTEGER and _truncates(self, other):
        return _DIV(self, other, rounding_mode="trunc")
    return _TRUEDIV(self, other)


def _rtruediv(self, other):
    """`n / t`, truncating when both operands are integers (<= 1.4)."""
    if self.dtype in _INTEGER and _truncates(other, self):
        return _DIV(torch.as_tensor(other, dtype=self.dtype), self, rounding_mode="trunc")
    return _RTRUEDIV(self, other)


def _itruediv(self, other):
    """`a /= b`, truncating in place when both operands are integers (<= 1.4)."""
    if self.dtype in _INTEGER and _integral(other):
        return _TENSOR_DIV_(self, other, rounding_mode="trunc")
    return _ITRUEDIV(self, other)


def _div(input, other, *, rounding_mode=None, out=None):
    """`torch.div(a, b)`, truncating when both are integers and no rounding mode is given (<= 1.4)."""
    if rounding_mode is None and _truncates(input, other):
        rounding_mode = "trunc"
    if out is None:
        return _DIV(input, other, rounding_mode=rounding_mode)
    return _DIV(input, other, rounding_mode=rounding_mode, out=out)


def _tensor_div(self, other, *, rounding_mode=None):
    """`a.div(b)`, truncating for two integer operands (<= 1.4)."""
    if rounding_mode is None and self.dtype in _INTEGER and _truncates(self, other):
        rounding_mode = "trunc"
    return _TENSOR_DIV(self, other, rounding_mode=rounding_mode)


def _tensor_div_(self, other, *, rounding_mode=None):
    """`a.div_(b)`, truncating in place for two integer operands (<= 1.4)."""
    if rounding_mode is None and self.dtype in _INTEGER and _integral(other):
        rounding_mode = "trunc"
    return _TENSOR_DIV_(self, other, rounding_mode=rounding_mode)


def _floor_divide(input, other, *, out=None):
    """`torch.floor_divide` (and `//`), which truncated toward zero up to 1.12."""
    if _number(input) and _number(other):
        return _FLOOR_DIVIDE(input, other) if out is None else _FLOOR_DIVIDE(input, other, out=out)
    if not isinstance(input, torch.Tensor):
        input = torch.as_tensor(input, dtype=other.dtype if _integral(input) else None)
    if out is None:
        return _DIV(input, other, rounding_mode="trunc")
    return _DIV(input, other, rounding_mode="trunc", out=out)


def _ifloordiv(self, other):
    """`a //= b`, truncating in place (<= 1.12)."""
    return _TENSOR_DIV_(self, other, rounding_mode="trunc")


def install(era: str) -> None:
    """Truncating integer `/` (<= 1.4) and truncating `//` (<= 1.12)."""
    global _scalars_are_numbers
    _scalars_are_numbers = at_most(era, "0.3")
    if at_most(era, "1.4"):
        torch.Tensor.__truediv__ = _truediv
        torch.Tensor.__rtruediv__ = _rtruediv
        torch.Tensor.__itruediv__ = _itruediv
        torch.div = _div
        torch.Tensor.div = _tensor_div
        torch.Tensor.div_ = _tensor_div_
    if at_most(era, "1.12"):
        torch.floor_divide = _floor_divide
        torch.Tensor.floor_divide = copy_function(_floor_divide)
        torch.Tensor.__ifloordiv__ = _ifloordiv
        torch.Tensor.floor_divide_ = copy_function(_ifloordiv, "floor_divide_")
