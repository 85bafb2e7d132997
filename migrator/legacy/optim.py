"""Optimizer and learning-rate scheduler semantics of their era (catalog O03-O07, O18).

- `zero_grad()` zeroed gradients in place up to 1.13 (2.0 made `set_to_none=True` the
  default, which changes weight decay/momentum on parameters left without a gradient).
- Up to 1.0 schedulers were stepped at the start of each epoch: the constructor set
  lr(0) and the first `step()` set lr(0) again. Swallowing the first argument-less
  `step()` after construction reproduces that for both call sites (epoch start or end).
- Up to 1.3 `get_lr()` returned the current learning rate.
- Up to 1.4 built-in optimizers updated `p.data`, which does not bump the autograd
  version counter, so a second `backward()` through a graph that saw the parameters
  before `optimizer.step()` silently used the new values instead of raising. The step
  runs as in 2.x (same numbers) and the parameters' version counters are then reset.
- `verbose=` (all 1.x schedulers, and ReduceLROnPlateau's 5th positional argument) is
  accepted and dropped; its "Adjusting learning rate" messages are not printed.
"""

from __future__ import annotations

import inspect

import torch
from torch.optim import lr_scheduler
from torch.optim import optimizer as _optimizer

from .eras import at_most
from .quiet import silence

_ERA_SCHEDULERS = (
    lr_scheduler.LambdaLR,
    lr_scheduler.StepLR,
    lr_scheduler.MultiStepLR,
    lr_scheduler.ExponentialLR,
    lr_scheduler.CosineAnnealingLR,
)
_FIRST_STEP = "_legacy_first_step"
_VERSIONS = "_legacy_versions"
_set_versions = getattr(torch._C._autograd, "_unsafe_set_version_counter", None)


def _zeroing(zero_grad):
    """`zero_grad` with the <= 1.13 default `set_to_none=False` (gradients zeroed in place)."""

    def legacy_zero_grad(self, set_to_none=False):
        """Zero the gradients in place unless `set_to_none=True` is passed."""
        return zero_grad(self, set_to_none)

    return legacy_zero_grad


def _initial_stepping(initial_step):
    """`LRScheduler._initial_step` that marks the next argument-less `step()` as the legacy epoch-0 step."""

    def legacy_initial_step(self):
        """Apply lr(0) as 2.x does, then arm the swallowing of the first `step()`."""
        initial_step(self)
        if isinstance(self, _ERA_SCHEDULERS) or not type(self).__module__.startswith("torch."):
            self.__dict__[_FIRST_STEP] = True

    return legacy_initial_step


def _stepping(step):
    """`LRScheduler.step` whose first argument-less call after construction changes nothing (<= 1.0)."""

    def legacy_step(self, epoch=None):
        """Skip the first `step()`: the constructor already set lr(0), as the legacy first step did."""
        if self.__dict__.pop(_FIRST_STEP, False) and epoch is None:
            return None
        return step(self, epoch)

    return legacy_step


def _current_lr(get_lr):
    """A scheduler's `get_lr` that reports the current learning rates when called by the user (<= 1.3)."""

    def legacy_get_lr(self):
        """Inside `step()` the 2.x computation; outside it, the current lrs (<= 1.3 closed form)."""
        if not self._get_lr_called_within_step:
            return [group["lr"] for group in self.optimizer.param_groups]
        return get_lr(self)

    return legacy_get_lr


def _without_verbose(cls):
    """`cls.__init__` accepting and dropping the `verbose` argument of 1.x schedulers."""
    init = cls.__dict__["__init__"]
    parameters = list(inspect.signature(init).parameters.values())[1:]
    if any(p.kind is p.VAR_POSITIONAL for p in parameters):
        return
    # verbose was the last positional argument, except ReduceLROnPlateau's 5th.
    verbose_at = 4 if cls is lr_scheduler.ReduceLROnPlateau else sum(p.kind is p.POSITIONAL_OR_KEYWORD for p in parameters)

    def legacy_init(self, *args, verbose=None, **kwargs):
        """The 2.x constructor, called without the legacy `verbose` argument."""
        if len(args) > verbose_at:
            args = args[:verbose_at] + args[verbose_at + 1:]
        init(self, *args, **kwargs)

    legacy_init.__wrapped__ = init
    cls.__init__ = legacy_init


def _recording_versions(optimizer, args, kwargs):
    """Optimizer pre-step hook (<= 1.4): remember each parameter's autograd version counter."""
    params = [p for group in optimizer.param_groups for p in group["params"]]
    optimizer.__dict__[_VERSIONS] = (params, [p._version for p in params])


def _restoring_versions(optimizer, args, kwargs):
    """Optimizer post-step hook (<= 1.4): put the version counters back, as `p.data` updates left them."""
    params, versions = optimizer.__dict__.pop(_VERSIONS, ((), ()))
    if params:
        _set_versions(params, versions)


def install(era: str) -> None:
    """Install the era's optimizer and scheduler behaviour."""
    torch.optim.Optimizer.zero_grad = _zeroing(torch.optim.Optimizer.zero_grad)
    torch.nn.Module.zero_grad = _zeroing(torch.nn.Module.zero_grad)
    for cls in vars(lr_scheduler).values():
        if isinstance(cls, type) and issubclass(cls, lr_scheduler.LRScheduler) and "__init__" in cls.__dict__:
            _without_verbose(cls)
    silence(r"Detected call of `lr_scheduler\.step\(\)` before `optimizer\.step\(\)`", UserWarning)
    silence(r"The epoch parameter in `scheduler\.step\(\)` was not necessary", UserWarning)
    silence(r"To get the last learning rate computed by the scheduler", UserWarning)
    if at_most(era, "1.0"):
        base = lr_scheduler.LRScheduler
        base._initial_step = _initial_stepping(base._initial_step)
        base.step = _stepping(base.step)
    if at_most(era, "1.3"):
        for cls in vars(lr_scheduler).values():
            if isinstance(cls, type) and issubclass(cls, lr_scheduler.LRScheduler) and "get_lr" in cls.__dict__:
                if cls is not lr_scheduler.LRScheduler:
                    cls.get_lr = _current_lr(cls.__dict__["get_lr"])
    if at_most(era, "1.4") and _set_versions is not None:
        _optimizer.register_optimizer_step_pre_hook(_recording_versions)
        _optimizer.register_optimizer_step_post_hook(_restoring_versions)
