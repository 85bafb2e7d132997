"""Variable-era autograd (catalog V01-V13).

Restores `Variable(x, volatile=True)`, `v.volatile`, `y.creator`,
`backward(retain_variables=...)`, `torch.autograd.backward(variables=, grad_variables=)`
and old-style (non-static) `autograd.Function` subclasses called as `MyFn()(x)`.

Up to 0.3 a Variable was a wrapper distinct from a Tensor; `Variable(...)` results are
flagged so `scalars` can give Tensors their Python-number indexing (`is_variable`).

Volatility (<= 0.3) is emulated at module granularity, not per op: a module called with
a volatile input runs under `torch.no_grad()` and its outputs are volatile. This covers
the era's idiom `model(Variable(x, volatile=True))`; the `Module.__call__` wrapper that
does it is installed by the first volatile Variable (about 0.2 us per module call from
then on), whereas faithful per-op propagation needs a global `TorchFunctionMode`
(about +65 % on a small MLP, catalog section 5). Plain torch ops on a volatile tensor
(`v.view(...)`) give ordinary tensors that do not require grad, and only mixing those
with parameters outside a module builds a graph the era would not have: same numbers,
and since Variables had no `.numpy()` before 0.4, the era's `.data.numpy()` idiom works
either way. From 0.4 on volatile had no effect, as here.
"""

from __future__ import annotations

import inspect

import torch
from torch.autograd import function as _function

from .eras import at_most
from .errors import LegacyUnsupported
from .quiet import silence

_FLAG = "_legacy_volatile"
_VARIABLE = "_legacy_variable"
_propagating = False  # Variables are told apart from Tensors, volatility propagates (<= 0.3)
_volatile_depth = 0  # > 0 while a module runs on volatile input
_reshape_scalar_grads = False  # (1,) gradients for 0-dim outputs, as for 0.3's (1,) losses


# --- Variable and volatile ---------------------------------------------------------------


def _construct_variable(cls, *args, **kwargs):
    """`Variable(data, requires_grad=False, volatile=False, ...)` without the removed-volatile warning."""
    volatile = kwargs.pop("volatile", False)
    if len(args) > 2:
        volatile = volatile or args[2]
        args = args[:2] + (False,) + args[3:]
    if volatile:
        # A volatile Variable never required grad, whatever requires_grad said.
        if len(args) > 1:
            args = args[:1] + (False,) + args[2:]
        kwargs.pop("requires_grad", None)
    var = type.__call__(cls, *args, **kwargs)
    if _propagating:
        setattr(var, _VARIABLE, True)
        if volatile:
            _mark_volatile(var)
    return var


def is_variable(tensor) -> bool:
    """Whether `tensor` stands for a 0.3 Variable rather than a plain Tensor.

    True for tensors that require grad, were built by `Variable(...)`, are volatile, or
    are computed inside a module running on volatile input. Results of plain ops on a
    Variable that does not require grad (`Variable(t).view(-1)`) cannot be told apart
    from Tensors without tracking every op, and count as Tensors.
    """
    return (
        tensor.requires_grad
        or _volatile_depth > 0
        or getattr(tensor, _VARIABLE, False)
        or getattr(tensor, _FLAG, False)
    )


def _mark_volatile(tensor):
    """Flag `tensor` volatile and start propagating the flag through module calls."""
    setattr(tensor, _FLAG, True)
    if torch.nn.Module.__call__ is not _volatile_module_call:
        torch.nn.Module.__call__ = _volatile_module_call
    return tensor


_MODULE_CALL = torch.nn.Module.__call__


def _volatile_module_call(self, *args, **kwargs):
    """`Module.__call__` that runs without a graph when an input is volatile, as 0.3 did."""
    for arg in args:
        if getattr(arg, _FLAG, False):
            break
    else:
        return _MODULE_CALL(self, *args, **kwargs)
    global _volatile_depth
    _volatile_depth += 1
    try:
        with torch.no_grad():
            return _mark_outputs(_MODULE_CALL(self, *args, **kwargs))
    finally:
        _volatile_depth -= 1


def _mark_outputs(value):
    """Flag every tensor in a module's output (a tensor, or nested tuples/lists like RNN states)."""
    if isinstance(value, torch.Tensor):
        setattr(value, _FLAG, True)
    elif isinstance(value, (tuple, list)):
        for item in value:
            _mark_outputs(item)
    return value


def _get_volatile(self):
    """`v.volatile`: the flag up to 0.3; always False from 0.4, as it then was."""
    return _propagating and getattr(self, _FLAG, False)


def _set_volatile(self, value):
    """`v.volatile = True`: flags the tensor up to 0.3; a silent no-op from 0.4, as it then was."""
    if _propagating:
        if value:
            _mark_volatile(self)
        elif getattr(self, _FLAG, False):
            delattr(self, _FLAG)


def _creator(self):
    """`y.creator`, the 0.1 name of `y.grad_fn`."""
    return self.grad_fn


# --- backward ------------------------------------------------------------------------------

_TENSOR_BACKWARD = torch.Tensor.backward
_AUTOGRAD_BACKWARD = torch.autograd.backward


def _tensor_backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None, retain_variables=None):
    """`Tensor.backward` accepting 0.1's `retain_variables` (renamed `retain_graph` in 0.2)."""
    if retain_graph is None:
        retain_graph = retain_variables
    return _TENSOR_BACKWARD(self, gradient, retain_graph, create_graph, inputs=inputs)


def _autograd_backward(
    tensors=None,
    grad_tensors=None,
    retain_graph=None,
    create_graph=False,
    grad_variables=None,
    inputs=None,
    *,
    variables=None,
    retain_variables=None,
):
    """`torch.autograd.backward` accepting the <= 0.4 names `variables`, `grad_variables`, `retain_variables`."""
    if tensors is None:
        tensors = variables
    if grad_tensors is None:
        grad_tensors = grad_variables
    if retain_graph is None:
        retain_graph = retain_variables
    if _reshape_scalar_grads and grad_tensors is not None:
        grad_tensors = _scalar_gradients(tensors, grad_tensors)
    return _AUTOGRAD_BACKWARD(tensors, grad_tensors, retain_graph, bool(create_graph), inputs=inputs)


def _scalar_gradients(tensors, grads):
    """Reshape `(1,)` gradients given for 0-dim outputs: 0.3 losses were `(1,)`, so were their gradients."""

    def fit(tensor, grad):
        """`grad` reshaped to 0-dim when it is the `(1,)` gradient of a 0-dim `tensor`."""
        if isinstance(grad, torch.Tensor) and isinstance(tensor, torch.Tensor) and tensor.dim() == 0 and grad.shape == (1,):
            return grad.reshape(())
        return grad

    if isinstance(tensors, torch.Tensor):
        return fit(tensors, grads)
    if isinstance(grads, torch.Tensor):
        grads = (grads,)
    return [fit(t, g) for t, g in zip(tensors, grads)]


# --- old-style Function ----------------------------------------------------------------------

_STATIC_FORWARD = {}
_PROXY_CLASSES = {}


def _has_static_forward(cls):
    """Whether `cls` is a new-style Function (static `forward`), cached per class."""
    static = _STATIC_FORWARD.get(cls)
    if static is None:
        static = _STATIC_FORWARD[cls] = isinstance(inspect.getattr_static(cls, "forward"), staticmethod)
    return static


def _proxy_class(cls):
    """A subclass of the legacy Function class whose bookkeeping goes to the new-style `ctx`.

    `saved_tensors` and `needs_input_grad` are read-only C attributes of a Function
    instance, so the legacy methods run with a stand-in `self` of this subclass: the
    user's methods, `isinstance` and `super()` behave as on the instance, while saving
    and marking are forwarded to the context of the bridging new-style call.
    """
    proxy = _PROXY_CLASSES.get(cls)
    if proxy is None:
        namespace = {
            "__slots__": ("_legacy_ctx",),
            "__module__": cls.__module__,
            "__qualname__": cls.__qualname__,
            "save_for_backward": lambda self, *tensors: self._legacy_ctx.save_for_backward(*tensors),
            "saved_tensors": property(lambda self: self._legacy_ctx.saved_tensors),
            "saved_variables": property(lambda self: self._legacy_ctx.saved_tensors),
            "needs_input_grad": property(lambda self: self._legacy_ctx.needs_input_grad[1:]),
            "mark_dirty": lambda self, *tensors: self._legacy_ctx.mark_dirty(*tensors),
            "mark_non_differentiable": lambda self, *tensors: self._legacy_ctx.mark_non_differentiable(*tensors),
            "mark_shared_storage": lambda self, *pairs: None,
        }
        proxy = _PROXY_CLASSES[cls] = type(cls.__name__, (cls,), namespace)
    return proxy


class _LegacyBridge(torch.autograd.Function):
    """New-style Function that runs an old-style instance's `forward`/`backward` methods.

    Used through a subclass per legacy class, named like it (`_bridge_class`).
    """

    @staticmethod
    def forward(ctx, legacy, *inputs):
        """Call the legacy `forward(self, *inputs)` with a stand-in `self` sharing the instance's state."""
        stand_in = torch._C._FunctionBase.__new__(_proxy_class(type(legacy)))
        stand_in.__dict__ = legacy.__dict__  # state set in __init__ or forward lives on the instance, as in 0.3
        ctx.legacy_self = stand_in
        return _with_context(stand_in, ctx, stand_in.forward, inputs)

    @staticmethod
    def backward(ctx, *grads):
        """Call the legacy `backward(self, *grads)`; no gradient flows to the instance argument."""
        stand_in = ctx.legacy_self
        result = _with_context(stand_in, ctx, stand_in.backward, grads)
        if not isinstance(result, tuple):
            result = (result,)
        return (None, *result)


_BRIDGE_CLASSES = {}


def _bridge_class(cls):
    """The bridge for the legacy class `cls`: a `_LegacyBridge` subclass with the name of `cls`.

    torch names a Function's graph nodes after the Function class, so outputs print
    `grad_fn=<MyFnBackward>` and `type(y.grad_fn).__name__` is `MyFnBackward`, as they do
    for the new-style `MyFn` a migration makes of it.
    """
    bridge = _BRIDGE_CLASSES.get(cls)
    if bridge is None:
        namespace = {"__module__": cls.__module__, "__qualname__": cls.__qualname__, "__doc__": _LegacyBridge.__doc__}
        bridge = _BRIDGE_CLASSES[cls] = type(_LegacyBridge)(cls.__name__, (_LegacyBridge,), namespace)
    return bridge


def _with_context(stand_in, ctx, method, args):
    """Call `method(*args)` with `ctx` reachable from the stand-in only for the call (no ctx <-> self cycle)."""
    stand_in._legacy_ctx = ctx
    try:
        return method(*args)
    finally:
        stand_in._legacy_ctx = None


def _function_init(self, *args, **kwargs):
    """`Function.__init__` without the "should not be instantiated" warning: legacy Functions were instances."""


def _function_call(self, *args, **kwargs):
    """`MyFn()(x)`: old-style instances go through the bridge, new-style classes through `apply`."""
    cls = type(self)
    if _has_static_forward(cls):
        return cls.apply(*args, **kwargs)
    return _bridge_class(cls).apply(self, *args)


# --- removed constructs ------------------------------------------------------------------------


def _reinforce(self, reward):
    """`action.reinforce(r)`: stochastic functions (removed in 0.3) cannot be emulated."""
    raise LegacyUnsupported(
        "`Variable.reinforce()` (stochastic functions, removed in 0.3) cannot be emulated; "
        "use torch.distributions (log_prob * reward)"
    )


_MULTINOMIAL = torch.Tensor.multinomial


def _multinomial(self, num_samples=1, replacement=False, *, generator=None):
    """`probs.multinomial()`: Variable.multinomial drew one sample by default up to 0.3."""
    return _MULTINOMIAL(self, num_samples, replacement, generator=generator)


def install(era: str) -> None:
    """Install the Variable-era autograd entry points for `era`."""
    global _propagating, _reshape_scalar_grads
    _propagating = _reshape_scalar_grads = at_most(era, "0.3")

    type(torch.autograd.Variable).__call__ = _construct_variable  # VariableMeta
    torch.Tensor.volatile = property(_get_volatile, _set_volatile)
    torch.Tensor.creator = property(_creator)
    torch.Tensor.backward = _tensor_backward
    torch.autograd.backward = _autograd_backward
    _function.Function.__init__ = _function_init
    _function.Function.__call__ = _function_call
    torch.Tensor.reinforce = _reinforce
    if at_most(era, "0.3"):
        torch.Tensor.multinomial = _multinomial
    silence(r"volatile was removed", UserWarning)
    silence(r"<class '.*'> should not be instantiated", DeprecationWarning)
