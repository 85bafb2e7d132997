"""Comments survive rewrites that drop or replace the code they sit on."""

import pytest

from migrator.config import Settings
from migrator.engine import fix_source

CASES = [
    pytest.param(
        "from torch._six import inf  # why inf\nbest = inf\n",
        "import math\n\n# why inf\nbest = math.inf\n",
        id="removed-line-hands-comment-to-next-statement",
    ),
    pytest.param(
        "import torch\n# about the shim\nfrom torch._six import inf\nbest = inf\n",
        "import torch\nimport math\n\n# about the shim\nbest = math.inf\n",
        id="comment-above-removed-line",
    ),
    pytest.param(
        "import torch\nif ok:\n    best = 1\n    from torch._six import inf  # last in block\n",
        "import torch\nif ok:\n    best = 1\n    # last in block\n",
        id="removed-last-line-of-block-keeps-comment-in-footer",
    ),
    pytest.param(
        "import torch\nfrom torch.autograd import Variable\nx = Variable(torch.ones(2),  # grad later\n    requires_grad=True)\n",
        "import torch\n# grad later\nx = torch.ones(2, requires_grad=True)\n",
        id="comment-inside-replaced-call-moves-above",
    ),
]


@pytest.mark.parametrize("before, after", CASES)
def test_comments_survive(before: str, after: str) -> None:
    result = fix_source(before.encode(), Settings())
    assert result.error is None
    assert result.output.decode() == after
