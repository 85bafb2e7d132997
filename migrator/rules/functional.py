"""`torch.nn.functional` functions renamed or with changed defaults."""

from __future__ import annotations

from migrator.rule import Safety, fixes, keeps
from migrator.rules._rename import RenameRule


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
