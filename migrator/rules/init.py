"""`torch.nn.init` functions renamed with a trailing underscore (torch 0.4)."""

from __future__ import annotations

from typing import Optional, Tuple

import libcst as cst

from migrator.rule import Import, Safety, fixes, keeps
from migrator.rules._triggers import DOT, SPACE, rx_from_import, rx_star_import, rx_word, rx_words
from migrator.rules._rename import RenameRule

_INIT = "torch.nn.init."
_LEGACY_NAMES = (
    "uniform", "normal", "constant", "eye", "dirac", "xavier_uniform", "xavier_normal",
    "kaiming_uniform", "kaiming_normal", "orthogonal", "sparse",
)


class FromImportRenameRule(RenameRule):
    """A `RenameRule` that keeps `from m import old` spelled as `from m import new`.

    `RenameRule` spells the new name through the file's other bindings and falls back to
    the full dotted path plus `import torch`; when the old name came from a `from` import
    of the same module, importing the new name the same way reads better and keeps the
    file's style. (Shared by the init and optim families; a candidate for `_rename.py`.)
    """

    def _check(self, node: cst.BaseExpression) -> None:
        if isinstance(node, cst.Attribute) and self._rename_attribute(node):
            return
        direct = self._from_import_spelling(node)
        if direct is None:
            super()._check(node)
            return
        old, new, replacement, imports, binding = direct
        message = self.message.format(old=old.rsplit(".", 1)[-1], new=new)
        self.report(
            node,
            replacement.with_changes(lpar=node.lpar, rpar=node.rpar),
            imports=imports,
            releases=(binding,),
            message=message,
        )

    def _rename_attribute(self, node: cst.Attribute) -> bool:
        """`nn.init.uniform` -> `nn.init.uniform_`: keep the file's spelling when only the last name changes."""
        old = self.context.qualified_name(node)
        new = self.renames.get(old) if old else None
        if new is None or old.rsplit(".", 1)[0] != new.rsplit(".", 1)[0]:  # type: ignore[union-attr]
            return False
        message = self.message.format(old=old.rsplit(".", 1)[-1], new=new)  # type: ignore[union-attr]
        self.report(node.attr, cst.Name(new.rsplit(".", 1)[-1]), message=message, position_node=node)
        return True

    def _from_import_spelling(
        self, node: cst.BaseExpression
    ) -> Optional[Tuple[str, str, cst.BaseExpression, Tuple[Import, ...], str]]:
        if not isinstance(node, cst.Name):
            return None
        old = self.context.qualified_name(node)
        new = self.renames.get(old) if old else None
        if new is None:
            return None
        binding = self.context.names.bindings.get(node.value)
        if binding is None or binding.obj is None or binding.qualified != old:
            return None
        module, _, name = new.rpartition(".")
        if module != binding.module or name in self.context.names.shadowed:
            return None
        local = self.context.names.local_name_for(new)
        if local is not None and "." not in local:
            return old, new, cst.Name(local), (), node.value
        return old, new, cst.Name(name), (Import(module, name),), node.value


class InitWithoutUnderscore(FromImportRenameRule):
    """`nn.init.xavier_uniform(w)`: the initialisers end in `_` since torch 0.4.

    What it does: renames the eleven legacy initialisers (`uniform`, `normal`, `constant`,
    `eye`, `dirac`, `xavier_uniform`, `xavier_normal`, `kaiming_uniform`, `kaiming_normal`,
    `orthogonal`, `sparse`) to their in-place `_` names, however `torch.nn.init` is imported
    (`nn.init.X`, `import torch.nn.init as init`, `from torch.nn import init`,
    `from torch.nn.init import X`), called or passed as a value.
    Why: torch 0.4 added the `_` spellings for in-place functions and deprecated the old
    names; 2.13 still has them as wrappers that raise a `FutureWarning`
    (`nn.init.uniform is now deprecated in favor of nn.init.uniform_`).
    Example: `init.xavier_uniform(m.weight, gain=init.calculate_gain('relu'))` becomes
    `init.xavier_uniform_(m.weight, gain=init.calculate_gain('relu'))`.
    Fix safety: safe: each deprecated wrapper calls the `_` function with the same
    arguments, so the values under a given seed and the returned tensor are identical
    (kaiming's `nonlinearity='leaky_relu'` default with `a=0` is the legacy gain √2).
    """

    code = "TM501"
    message = "`init.{old}` is deprecated; use `{new}`"
    safety = Safety.SAFE
    triggers = tuple(_LEGACY_NAMES)
    trigger_words = _LEGACY_NAMES
    # `torch.nn.init` is reached as `<...>init.uniform`, through an alias (`init as I`,
    # `import torch.nn.init as I`) or `from <...>.init import uniform [as u]` / `*`.
    # `\b` after the name: the modern `uniform_` is not a match.
    trigger_regex = "|".join(
        (
            rx_word("init") + DOT + rx_words(_LEGACY_NAMES) + r"\b",
            rx_word("init") + SPACE + r"as\b",
            rx_from_import(r"[\w.\s\\]*?\binit", _LEGACY_NAMES),
            rx_star_import(r"[\w.\s\\]*?\binit"),
        )
    )
    changed_in = "0.4"
    renames = {_INIT + name: _INIT + name + "_" for name in _LEGACY_NAMES}
    examples = (
        fixes(
            "import torch.nn as nn\nnn.init.xavier_uniform(m.weight)\nnn.init.constant(m.bias, 0.1)\n",
            "import torch.nn as nn\nnn.init.xavier_uniform_(m.weight)\nnn.init.constant_(m.bias, 0.1)\n",
            id="nn-init",
        ),
        fixes(
            "from torch.nn import init as I\nI.kaiming_normal(conv.weight.data, mode='fan_out')\n",
            "from torch.nn import init as I\nI.kaiming_normal_(conv.weight.data, mode='fan_out')\n",
            id="aliased-module",
        ),
        fixes(
            "import torch\ntorch.nn.init.orthogonal(w, gain=2)\ntorch.nn.init.sparse(w2, 0.1)\ntorch.nn.init.eye(w3)\n",
            "import torch\ntorch.nn.init.orthogonal_(w, gain=2)\ntorch.nn.init.sparse_(w2, 0.1)\ntorch.nn.init.eye_(w3)\n",
            id="full-path",
        ),
        fixes(
            "from torch.nn.init import xavier_normal, normal\nxavier_normal(w)\nnormal(b, 0, 0.01)\n",
            "from torch.nn.init import normal_, xavier_normal_\nxavier_normal_(w)\nnormal_(b, 0, 0.01)\n",
            id="from-import",
        ),
        fixes(
            "import torch.nn.init as init\nfor p in params:\n    apply(init.uniform, p)\n",
            "import torch.nn.init as init\nfor p in params:\n    apply(init.uniform_, p)\n",
            id="as-value",
        ),
        keeps("import numpy as np\nw = np.random.uniform(-1, 1)\nz = np.random.normal(0, 1)\n", id="numpy-look-alike"),
        keeps("def xavier_uniform(w):\n    return w\nxavier_uniform(layer)\n", id="own-function"),
        keeps("import torch.nn as nn\nnn.init.xavier_uniform_(m.weight)\ng = nn.init.calculate_gain('relu')\n", id="modern"),
    )
