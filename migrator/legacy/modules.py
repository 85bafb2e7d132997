"""Module structure that torch <= 0.3 allowed (catalog M02).

Until 0.4, `add_module`, `register_parameter` and `register_buffer` accepted names with a
'.' (`add_module('conv.1', m)`), and scripts built layer lists that way. 0.4 added the
check; here, for those eras, such names are stored directly, as 0.3 did.
"""

from __future__ import annotations

import torch.nn as nn

from .eras import at_most

_ADD_MODULE = nn.Module.add_module
_REGISTER_PARAMETER = nn.Module.register_parameter
_REGISTER_BUFFER = nn.Module.register_buffer


def _add_module(self, name, module):
    if isinstance(name, str) and "." in name:
        self._modules[name] = module
        return
    _ADD_MODULE(self, name, module)


def _register_parameter(self, name, param):
    if isinstance(name, str) and "." in name:
        self._parameters[name] = param
        return
    _REGISTER_PARAMETER(self, name, param)


def _register_buffer(self, name, tensor, persistent=True):
    if isinstance(name, str) and "." in name:
        self._buffers[name] = tensor
        return
    _REGISTER_BUFFER(self, name, tensor, persistent)


def install(era: str) -> None:
    """Accept dotted names for eras up to 0.3."""
    if not at_most(era, "0.3"):
        return
    nn.Module.add_module = _add_module
    nn.Module.register_module = _add_module
    nn.Module.register_parameter = _register_parameter
    nn.Module.register_buffer = _register_buffer
