"""Wrappers that record what a script computes, as it computes it.

Three things are recorded, in call order:

* every value returned by a loss function of `torch.nn.functional` (the `*_loss` functions,
  `cross_entropy`, `binary_cross_entropy(_with_logits)`, `kl_div`); `nn.*Loss` modules call
  `F.<name>` through the module attribute at forward time, so they are covered too;
* every tensor `.backward()` / `torch.autograd.backward()` starts from;
* at the end, the parameters handed to any optimizer (or, without one, those of the
  `nn.Module`s still alive), with their exact bytes.

Values are flattened, so a legacy-era loss of shape `(1,)` and a modern 0-dim loss compare
equal. Floats are kept as `float.hex()` so the JSON record is exact. Install after the legacy
runtime has patched torch and before the script imports anything from it.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import sys
import weakref
from array import array
from typing import Any, Callable, Dict, List, Optional, Tuple

# Values kept per recorded tensor; larger ones keep this prefix plus a digest of all values.
MAX_VALUES = 4096

_LOSS_NAMES_WITHOUT_SUFFIX = (
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "kl_div",
)


def loss_function_names(functional: Any) -> List[str]:
    """Names of the loss functions of a `torch.nn.functional`-like module."""
    names = []
    for name in dir(functional):
        if name.startswith("_") or not (name.endswith("_loss") or name in _LOSS_NAMES_WITHOUT_SUFFIX):
            continue
        if callable(getattr(functional, name)):
            names.append(name)
    return names


def _digest(flat: Any) -> str:
    """SHA-256 of the values as float64, independent of the tensor's memory layout."""
    import torch

    doubles = flat.to(torch.float64)
    try:
        data = doubles.numpy().tobytes()
    except (ImportError, RuntimeError, TypeError):  # torch without NumPy
        data = array("d", doubles.tolist()).tobytes()
    return hashlib.sha256(data).hexdigest()


def capture_values(value: Any) -> Optional[Dict[str, Any]]:
    """`{"n": count, "v": [float.hex, ...]}` for a tensor (flattened), or None for anything else."""
    import torch

    if not isinstance(value, torch.Tensor):
        return None
    flat = value.detach()
    if flat.is_complex():
        flat = torch.view_as_real(flat)
    flat = flat.reshape(-1)
    count = flat.numel()
    shown = flat if count <= MAX_VALUES else flat[:MAX_VALUES]
    entry: Dict[str, Any] = {"n": count, "v": [float(x).hex() for x in shown.tolist()]}
    if count > MAX_VALUES:
        entry["sha256"] = _digest(flat)
    return entry


def _parameter_bytes(tensor: Any) -> Tuple[str, bytes]:
    """The array typecode and the raw bytes of a parameter ('f' float32 as is, anything else as 'd')."""
    import torch

    flat = tensor.detach().cpu().reshape(-1)
    if flat.is_complex():
        flat = torch.view_as_real(flat).reshape(-1)
    code, dtype = ("f", torch.float32) if flat.dtype == torch.float32 else ("d", torch.float64)
    flat = flat.to(dtype)
    try:
        return code, flat.numpy().tobytes()
    except (ImportError, RuntimeError, TypeError):  # torch without NumPy
        return code, array(code, flat.tolist()).tobytes()


class Recorder:
    """Holds the record of one run; `install` wraps torch, `snapshot` returns the JSON-ready record."""

    def __init__(self) -> None:
        self.losses: List[Dict[str, Any]] = []
        self.backward: List[Dict[str, Any]] = []
        self._optimized: List[Any] = []
        self._modules: List[weakref.ref] = []
        self._in_loss = 0
        self._in_backward = 0
        self._undo: List[Tuple[Any, str, Any]] = []

    # -- installing -------------------------------------------------------------------------

    def _replace(self, owner: Any, name: str, make: Callable[[Any], Any]) -> None:
        """Set `owner.name` to `make(original)`, remembering the original for `uninstall`."""
        original = getattr(owner, name)
        self._undo.append((owner, name, original))
        setattr(owner, name, make(original))

    def install(self) -> "Recorder":
        """Wrap the loss functions, backward, optimizers and module construction of torch."""
        import torch
        import torch.nn.functional as F

        for name in loss_function_names(F):
            self._replace(F, name, functools.partial(self._wrap_loss, name))
        self._replace(torch.Tensor, "backward", self._wrap_tensor_backward)
        self._replace(torch.autograd, "backward", self._wrap_autograd_backward)
        self._replace(torch.optim.Optimizer, "add_param_group", self._wrap_add_param_group)
        self._replace(torch.nn.Module, "__init__", self._wrap_module_init)
        return self

    def uninstall(self) -> None:
        """Put back every wrapped attribute, newest first."""
        while self._undo:
            owner, name, original = self._undo.pop()
            setattr(owner, name, original)

    # -- wrappers ---------------------------------------------------------------------------

    def _wrap_loss(self, name: str, original: Callable) -> Callable:
        """A loss function that records what it returns."""
        recorder = self

        @functools.wraps(original)
        def loss(*args, **kwargs):
            # Loss functions that call other loss functions are recorded once, at the outside.
            recorder._in_loss += 1
            try:
                result = original(*args, **kwargs)
            finally:
                recorder._in_loss -= 1
            if not recorder._in_loss:
                entry = capture_values(result)
                if entry is not None:
                    entry["fn"] = name
                    recorder.losses.append(entry)
            return result

        return loss

    def _record_backward(self, tensor: Any) -> None:
        """Record the values of a tensor backward starts from."""
        entry = capture_values(tensor)
        if entry is not None:
            self.backward.append(entry)

    def _wrap_tensor_backward(self, original: Callable) -> Callable:
        """`Tensor.backward` that records its tensor."""
        recorder = self

        @functools.wraps(original)
        def backward(self, *args, **kwargs):
            # Tensor.backward calls torch.autograd.backward: record the root once.
            if not recorder._in_backward:
                recorder._record_backward(self)
            recorder._in_backward += 1
            try:
                return original(self, *args, **kwargs)
            finally:
                recorder._in_backward -= 1

        return backward

    def _wrap_autograd_backward(self, original: Callable) -> Callable:
        """`torch.autograd.backward` that records its roots (unless called from `Tensor.backward`)."""
        recorder = self

        @functools.wraps(original)
        def backward(*args, **kwargs):
            if not recorder._in_backward:
                # `variables=` is the legacy spelling of `tensors=`.
                roots = args[0] if args else kwargs.get("tensors", kwargs.get("variables"))
                for root in roots if isinstance(roots, (list, tuple)) else (roots,):
                    recorder._record_backward(root)
            recorder._in_backward += 1
            try:
                return original(*args, **kwargs)
            finally:
                recorder._in_backward -= 1

        return backward

    def _wrap_add_param_group(self, original: Callable) -> Callable:
        """`Optimizer.add_param_group` (also used by every optimizer's constructor) that keeps the parameters."""
        recorder = self

        @functools.wraps(original)
        def add_param_group(self, param_group):
            before = len(self.param_groups)
            result = original(self, param_group)
            for group in self.param_groups[before:]:
                recorder._optimized.extend(group["params"])
            return result

        return add_param_group

    def _wrap_module_init(self, original: Callable) -> Callable:
        """`nn.Module.__init__` that keeps a weak reference to every module, in creation order."""
        recorder = self

        @functools.wraps(original)
        def __init__(self, *args, **kwargs):
            original(self, *args, **kwargs)
            modules = recorder._modules
            modules.append(weakref.ref(self))
            if len(modules) % 1024 == 0:  # scripts that build modules in a loop
                modules[:] = [ref for ref in modules if ref() is not None]

        return __init__

    # -- the record -------------------------------------------------------------------------

    def _root_modules(self) -> List[Any]:
        """Live modules that are no other live module's submodule, in creation order."""
        alive = [module for module in (ref() for ref in self._modules) if module is not None]
        inner = {id(sub) for module in alive for sub in module.modules() if sub is not module}
        return [module for module in alive if id(module) not in inner]

    def parameters(self) -> Tuple[str, List[Tuple[str, Any]]]:
        """Where the trained parameters come from ("optimizer", "modules", "none") and (name, tensor) pairs."""
        modules = self._root_modules()
        names: Dict[int, str] = {}
        for module in modules:
            for name, parameter in module.named_parameters():
                names.setdefault(id(parameter), f"{type(module).__name__}.{name}")
        source, candidates = "optimizer", self._optimized
        if not candidates:
            source = "modules"
            candidates = [p for module in modules for p in module.parameters()]
        seen = set()
        chosen = []
        for parameter in candidates:
            if id(parameter) not in seen:
                seen.add(id(parameter))
                chosen.append((names.get(id(parameter), f"param{len(chosen)}"), parameter))
        return (source if chosen else "none"), chosen

    def snapshot(self) -> Dict[str, Any]:
        """The JSON-ready record: losses, backward roots and final parameters."""
        source, parameters = self.parameters()
        encoded = []
        for name, parameter in parameters:
            code, data = _parameter_bytes(parameter)
            encoded.append(
                {
                    "name": name,
                    "shape": list(parameter.shape),
                    "dtype": str(parameter.dtype).replace("torch.", ""),
                    "format": code,
                    "data": base64.b64encode(data).decode("ascii"),
                }
            )
        return {
            "losses": self.losses,
            "backward": self.backward,
            "parameter_source": source,
            "parameters": encoded,
            "byteorder": sys.byteorder,
        }
