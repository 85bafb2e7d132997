"""Tensor construction and dtype rules (TM7xx): migrated snippets give the legacy values and dtypes."""

from __future__ import annotations

import math
import warnings

import pytest

from migrator.config import Settings
from migrator.engine import check_source, fix_source


def migrate(source: str, select=("TM7",), era="auto", unsafe=True) -> str:
    result = fix_source(source.encode(), Settings(select=select, unsafe_fixes=unsafe, source_version=era))
    assert result.error is None, result.error
    return result.output.decode()


def codes(source: str, select=("TM7",), era="auto"):
    return [f.code for f in check_source(source.encode(), Settings(select=select, source_version=era)).remaining]


def run(source: str, **values):
    torch = pytest.importorskip("torch")
    migrated = migrate(source)
    namespace = {"torch": torch, **values}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # torch 2.x notes once that `sparse_coo_tensor` does not check its indices (neither did the legacy class)
        warnings.filterwarnings("ignore", "Sparse invariant checks are implicitly disabled")
        exec(compile(migrated, "<migrated>", "exec"), namespace)
    return namespace, migrated


# ----------------------------------------------------------------------------- torch.range

RANGES = [
    (1, 4, None),
    (0, 9, None),
    (0, 10, 3),
    (0, 5, 2),
    (5, 1, -1),
    (10, 0, -3),
    (-1, 1, 0.25),
    (0, 0.3, 0.1),
    (0, 1, 0.1),
    (0.5, 2.5, 0.5),
    (1, 2, 0.3),
    (-2.5, 2.5, 0.7),
    (3.0, -1.0, -0.4),
]


def legacy_range(start, end, step):
    """torch.range by hand: floor((end - start) / step) + 1 elements start + i * step, default dtype."""
    count = int((end - start) / step + 1)
    return [start + i * step for i in range(count)]


@pytest.mark.torch
@pytest.mark.parametrize("start, end, step", RANGES, ids=[str(r) for r in RANGES])
def test_range_literals(start, end, step):
    torch = pytest.importorskip("torch")
    args = f"{start}, {end}" + (f", {step}" if step is not None else "")
    ns, migrated = run(f"import torch\nr = torch.range({args})\n")
    assert "torch.range" not in migrated
    r = ns["r"]
    assert r.dtype == torch.get_default_dtype()  # float even for integer arguments
    expected = torch.tensor(legacy_range(start, end, step or 1), dtype=torch.float64).to(r.dtype)
    assert torch.equal(r, expected), (r, expected)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert torch.equal(r, torch.range(start, end, step or 1))  # the 2.13 function keeps the legacy semantics


@pytest.mark.torch
def test_range_end_is_inclusive_and_dtype_follows_the_default():
    torch = pytest.importorskip("torch")
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        ns, _ = run("import torch\nr = torch.range(1, 4)\n")
    finally:
        torch.set_default_dtype(previous)
    assert ns["r"].tolist() == [1.0, 2.0, 3.0, 4.0] and ns["r"].dtype == torch.float64


@pytest.mark.torch
def test_range_non_literal_end_is_unsafe_and_exact_for_integers():
    torch = pytest.importorskip("torch")
    source = "import torch\ngrid = torch.range(0, n - 1)\nmore = torch.range(1, n)\n"
    assert migrate(source, unsafe=False) == source
    ns, migrated = run(source, n=7)
    assert "torch.arange(0, n, dtype=torch.get_default_dtype())" in migrated
    assert ns["grid"].tolist() == [float(i) for i in range(7)]
    assert ns["more"].tolist() == [float(i) for i in range(1, 8)]


def test_range_with_non_literal_step_is_reported():
    source = "import torch\nr = torch.range(a, b, h)\n"
    assert migrate(source) == source
    assert codes(source) == ["TM705"]


# ----------------------------------------------------------------------------- constructors


@pytest.mark.torch
def test_constructors_keep_legacy_values_and_dtypes():
    torch = pytest.importorskip("torch")
    source = (
        "import torch\n"
        "s = torch.Tensor(2.5)\n"
        "l = torch.LongTensor([1.7, -2.2])\n"
        "f = torch.FloatTensor([1.5, 2])\n"
        "e = torch.Tensor(2, 3)\n"
    )
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # FloatTensor stays float32 whatever the default
    try:
        ns, _ = run(source)
    finally:
        torch.set_default_dtype(previous)
    assert ns["s"].tolist() == [2.5]
    assert ns["l"].tolist() == [1, -2] and ns["l"].dtype == torch.int64  # truncation toward zero
    assert ns["f"].dtype == torch.float32 and ns["f"].tolist() == [1.5, 2.0]
    assert ns["e"].shape == (2, 3) and ns["e"].dtype == torch.float64


def test_cuda_constructors_add_the_device():
    out = migrate("import torch\nt = torch.cuda.FloatTensor([1, 2])\n")
    assert out == "import torch\nt = torch.tensor([1, 2], dtype=torch.float32, device='cuda')\n"


@pytest.mark.torch
def test_type_casts():
    torch = pytest.importorskip("torch")
    x = torch.tensor([1.7, -2.5], dtype=torch.float64)
    source = (
        "import torch\n"
        "dtype = torch.FloatTensor\n"
        "a = x.type(dtype)\n"
        "b = x.type('torch.LongTensor')\n"
        "c = x.abs().type(torch.ByteTensor)\n"
    )
    ns, migrated = run(source, x=x)
    assert ".type(" not in migrated
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        legacy = [x.type(torch.FloatTensor), x.type("torch.LongTensor"), x.abs().type(torch.ByteTensor)]
    assert torch.equal(ns["a"], legacy[0]) and ns["a"].dtype == torch.float32
    assert torch.equal(ns["b"], legacy[1])
    assert torch.equal(ns["c"], legacy[2]) and ns["c"].dtype == torch.uint8


@pytest.mark.torch
def test_typed_class_checks_agree_with_the_classes():
    torch = pytest.importorskip("torch")
    source = "import torch\ndef check(t):\n    return isinstance(t, torch.FloatTensor)\ndef is_long(t):\n    return type(t) == torch.LongTensor\n"
    ns, migrated = run(source)
    assert "FloatTensor" not in migrated and "LongTensor" not in migrated
    samples = [torch.zeros(2), torch.zeros(2, dtype=torch.float64), torch.zeros(2, dtype=torch.long), torch.nn.Parameter(torch.zeros(2))]
    for t in samples:
        assert ns["check"](t) == isinstance(t, torch.FloatTensor)
        assert ns["is_long"](t) == isinstance(t, torch.LongTensor)
    assert ns["check"](3.0) is False


@pytest.mark.torch
def test_new_keeps_dtype():
    torch = pytest.importorskip("torch")
    x = torch.zeros(1, dtype=torch.float64)
    ns, migrated = run("import torch\na = x.new(2, 3)\nb = x.new([1, 2])\nc = x.new()\nd = x.new(a.size())\n", x=x)
    assert ".new(" not in migrated
    assert ns["a"].shape == (2, 3) and ns["a"].dtype == torch.float64
    assert ns["b"].tolist() == [1.0, 2.0] and ns["b"].dtype == torch.float64
    assert ns["c"].numel() == 0 and ns["d"].shape == (2, 3)


@pytest.mark.torch
def test_set_default_tensor_type():
    torch = pytest.importorskip("torch")
    previous = torch.get_default_dtype()
    try:
        ns, migrated = run("import torch\ntorch.set_default_tensor_type('torch.DoubleTensor')\nt = torch.zeros(1)\n")
        assert ns["t"].dtype == torch.float64 and "set_default_dtype(torch.float64)" in migrated
    finally:
        torch.set_default_dtype(previous)


@pytest.mark.torch
def test_resize_becomes_reshape():
    torch = pytest.importorskip("torch")
    x = torch.arange(6.0)
    ns, _ = run("import torch\ny = x.resize(2, 3)\nz = x.resize_as(y)\n", x=x)
    assert ns["y"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]] and ns["z"].shape == (2, 3)


def test_resize_of_images_is_left_alone():
    source = "import torch\nfrom PIL import Image\nimg = img.resize((32, 32), Image.BILINEAR)\nsmall = im.resize(size)\n"
    assert migrate(source) == source and codes(source) == []


# ----------------------------------------------------------------------------- masks


@pytest.mark.torch
def test_byte_masks():
    torch = pytest.importorskip("torch")
    x = torch.tensor([-1.0, 2.0, 0.0, 3.0])
    source = (
        "import torch\n"
        "a = x.masked_fill((x > 0).byte(), 0)\n"
        "b = x[(x > 1).byte()]\n"
        "c = torch.where(x.eq(0).byte(), torch.ones(4), x)\n"
    )
    ns, _ = run(source, x=x)
    assert ns["a"].tolist() == [-1.0, 0.0, 0.0, 0.0]  # legacy uint8 mask: positives zeroed
    assert ns["b"].tolist() == [2.0, 3.0]
    assert ns["c"].tolist() == [-1.0, 2.0, 1.0, 3.0]


def test_byte_mask_of_arbitrary_values_is_unsafe():
    source = "import torch\ny = x.masked_fill(m.byte(), 0)\n"
    assert migrate(source, unsafe=False) == source
    assert migrate(source) == "import torch\ny = x.masked_fill(m.bool(), 0)\n"


@pytest.mark.torch
def test_type_byte_masks_become_bool_masks_with_the_legacy_values():
    torch = pytest.importorskip("torch")
    x = torch.tensor([-1.0, 2.0, 0.0, 3.0])
    source = (
        "import torch\n"
        "a = x.masked_fill((x > 0).type(torch.ByteTensor), 0)\n"
        "b = x[(x > 1).type('torch.ByteTensor')]\n"
        "c = torch.where(x.eq(0).type(torch.ByteTensor), torch.ones(4), x)\n"
    )
    ns, migrated = run(source, x=x)
    assert "ByteTensor" not in migrated and ".byte()" not in migrated
    assert ns["a"].tolist() == [-1.0, 0.0, 0.0, 0.0]
    assert ns["b"].tolist() == [2.0, 3.0]
    assert ns["c"].tolist() == [-1.0, 2.0, 1.0, 3.0]


def test_type_byte_and_byte_tensor_masks_are_reported_on_the_first_check():
    built_by_type = "import torch\nx = torch.rand(4)\nm = (x > 0.5).type(torch.ByteTensor)\nx.masked_fill_(m, 0)\n"
    assert sorted(codes(built_by_type)) == ["TM703", "TM709"]
    assert migrate(built_by_type) == built_by_type.replace(".type(torch.ByteTensor)", ".byte()")  # the mask: by hand
    dtype_name = "import torch\nB = torch.ByteTensor\nm = (x > 0.5).type(B)\ny = x[m]\n"
    assert "TM709" in codes(dtype_name)
    for build in ("torch.ByteTensor(4, 4).fill_(0)", "torch.ByteTensor(4, 4).zero_()", "torch.cuda.ByteTensor(n).random_(2)"):
        source = f"import torch\nbg = {build}\nbg[0] = 1\nout = img.masked_select(bg)\n"
        assert "TM709" in codes(source), build
        assert "TM709" in codes(migrate(source)), build  # still after TM701 wrote `torch.empty(..., dtype=torch.uint8)`
    assert "TM709" not in codes("import torch\nbuf = torch.FloatTensor(4).fill_(0)\nout = x.masked_select(buf)\n")


def test_type_byte_mask_keeps_the_device_move():
    cuda_file = "import torch\nx = x.cuda()\ny = x.masked_fill((x > 0).type(torch.ByteTensor), 0)\n"
    assert migrate(cuda_file, select=("TM709",)) == "import torch\nx = x.cuda()\ny = x.masked_fill((x > 0).cpu(), 0)\n"
    assert migrate(cuda_file) == migrate(cuda_file, select=("TM709",))  # TM703's `.cpu().byte()` first: same end
    to_gpu = "import torch\ny = x.masked_fill((x > 0).type(torch.cuda.ByteTensor), 0)\n"
    assert migrate(to_gpu, select=("TM709",), unsafe=False) == to_gpu  # `.cuda()`: the current device
    assert migrate(to_gpu, select=("TM709",)) == "import torch\ny = x.masked_fill((x > 0).cuda(), 0)\n"


@pytest.mark.torch
def test_one_minus_comparison():
    torch = pytest.importorskip("torch")
    x = torch.tensor([-1.0, 2.0, 0.0])
    ns, migrated = run("import torch\nmask = x > 0\ninv = 1 - mask\nkeep = (1 - (x == 0)).float() * x\n", x=x)
    assert "~mask" in migrated
    legacy_inv = [1 - int(v > 0) for v in x.tolist()]  # uint8 arithmetic in <= 1.1
    assert ns["inv"].long().tolist() == legacy_inv
    assert ns["keep"].tolist() == [-1.0, 2.0, 0.0]


def test_python_number_comparisons_are_left_alone():
    source = "import torch\nfor i in range(3):\n    w = 1 - (i > 1)\nn = 4\nv = 1 - (n > 2)\n"
    assert migrate(source) == source


def test_integer_division_reported_for_legacy_eras_only():
    source = "import torch\ncorrect = pred.eq(target).sum()\nacc = correct / total\n"
    assert codes(source, era="1.0") == ["TM711"]
    assert codes(source, era="1.8") == []
    assert codes(source, era="0.3") == []  # `.sum()` gave a Python number then
    assert codes("import torch\nq = idx.long() / 2\n", era="0.3") == ["TM711"]
    promoted = "import torch\np = correct.long() * 100.0\n"
    assert codes(promoted, era="1.2") == ["TM711"] and codes(promoted, era="1.4") == []


# ----------------------------------------------------------------------------- sparse, storage


@pytest.mark.torch
def test_sparse_constructor():
    torch = pytest.importorskip("torch")
    i = torch.tensor([[0, 1], [2, 0]])
    v = torch.tensor([3.0, 4.0])
    ns, _ = run("import torch\nA = torch.sparse.FloatTensor(i, v, torch.Size([2, 3]))\n", i=i, v=v)
    assert ns["A"].dtype == torch.float32
    assert ns["A"].to_dense().tolist() == [[0.0, 0.0, 3.0], [4.0, 0.0, 0.0]]


@pytest.mark.torch
def test_storage_pointer():
    torch = pytest.importorskip("torch")
    x = torch.zeros(3)
    ns, _ = run("import torch\np = x.storage().data_ptr()\n", x=x)
    assert ns["p"] == x.data_ptr()


def test_mask_names_resolve_scope_by_scope():
    source = (
        "import torch\n"
        "def make(x):\n"
        "    mask = x > 0\n"
        "    pad = 1 - mask\n"          # the function's own comparison: fixed
        "    return x, mask\n"
        "def scale(w, mask):\n"
        "    return w * (1 - mask)\n"   # a parameter: unknown, left alone
        "x, mask = make(data)\n"
        "free = (1 - mask).sum()\n"     # unpacked from make(): a comparison
    )
    out = migrate(source)
    assert "pad = ~mask" in out and "w * (1 - mask)" in out and "free = (~mask).sum()" in out


def test_generator_results_are_not_followed():
    source = "import torch\ndef gen(x):\n    yield x, x > 0\n    return x, x > 0\na, m = gen(d)\nb = 1 - m\n"
    assert migrate(source) == source


def test_type_cast_is_safe_only_on_evident_tensors():
    source = "import torch\nx = torch.randn(3).type(torch.DoubleTensor)\nmodel = model.type(torch.FloatTensor)\n"
    assert migrate(source, unsafe=False) == "import torch\nx = torch.randn(3).double()\nmodel = model.type(torch.FloatTensor)\n"
    assert migrate(source) == "import torch\nx = torch.randn(3).double()\nmodel = model.float()\n"
