"""Device rules (TM9xx beyond the `async=` token repair)."""

from __future__ import annotations

import pytest

from migrator.config import Settings
from migrator.engine import check_source, fix_source


def fix(source: str, era: str = "auto") -> str:
    result = fix_source(source.encode(), Settings(select=("TM9",), unsafe_fixes=True, source_version=era))
    assert result.error is None, result.error
    return result.output.decode()


def codes(source: str, era: str = "auto"):
    return [f.code for f in check_source(source.encode(), Settings(select=("TM9",), source_version=era)).remaining]


def test_async_and_device_id_together():
    source = "model = model.cuda(device_id=0)\nx = x.cuda(async=True)\n"
    assert fix(source) == "model = model.cuda(device=0)\nx = x.cuda(non_blocking=True)\n"


def test_positional_async_stays():
    source = "x = x.cuda(0, True)\n"
    assert fix(source, era="0.3") == source and codes(source) == []


def test_device_id_with_device_is_reported():
    source = "x = x.cuda(device=1, device_id=0)\n"
    assert fix(source) == source and codes(source) == ["TM902"]


@pytest.mark.parametrize(
    "body, flagged",
    [
        ("model.cuda()\n", True),
        ("if torch.cuda.is_available():\n    model.cuda()\n", False),
        ("if args.gpu:\n    model.cuda()\nelse:\n    model.cpu()\n", False),
        ("if ready:\n    model.cuda()\n", True),
        ("try:\n    model.cuda()\nexcept AssertionError:\n    pass\n", False),
        ("loader = iter(batches)\nx = next(loader).pin_memory()\n", True),
        ("torch.cuda.manual_seed(0)\n", False),
    ],
)
def test_unguarded_cuda_in_legacy_code(body, flagged):
    source = "import torch\n" + body
    assert (codes(source, era="0.3") == ["TM903"]) == flagged
    assert codes(source, era="auto") == []  # modern files (no legacy idiom) are not nagged
    assert fix(source, era="0.3") == source  # report only
