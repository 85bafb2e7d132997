"""Linear algebra and FFT rules (TM8xx): the migrated snippets compute what the legacy calls computed.

Each test writes a legacy snippet, migrates it with the engine (`--unsafe-fixes`), checks
the legacy name is gone, runs the result on the installed torch and compares it with
the legacy semantics computed independently: by hand (explicit inverses, a textbook
Cholesky, a direct DFT) or with NumPy (catalog §3).
"""

from __future__ import annotations

import math
import warnings

import pytest

from migrator.config import Settings
from migrator.engine import check_source, fix_source

torch = pytest.importorskip("torch")
np = pytest.importorskip("numpy")

pytestmark = pytest.mark.torch

DOUBLE = torch.float64


def migrate(source: str, select=("TM8",), target=None) -> str:
    settings = Settings(select=select, unsafe_fixes=True, target_version=target)
    result = fix_source(source.encode(), settings)
    assert result.error is None, result.error
    return result.output.decode()


def run(source: str, legacy_names=(), **values):
    """Migrate `source`, check no legacy name is left, execute it and return its namespace."""
    migrated = migrate(source)
    for name in legacy_names:
        assert name not in migrated, f"{name} left in:\n{migrated}"
    namespace = {"torch": torch, **values}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the migrated code must not warn
        exec(compile(migrated, "<migrated>", "exec"), namespace)
    return namespace


def close(a, b, tol=1e-10):
    a = torch.as_tensor(a, dtype=DOUBLE)
    b = torch.as_tensor(b, dtype=DOUBLE)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert torch.allclose(a, b, atol=tol, rtol=tol), (a, b)


@pytest.fixture
def mats():
    g = torch.Generator().manual_seed(0)
    A = torch.randn(4, 4, generator=g, dtype=DOUBLE) + 4 * torch.eye(4, dtype=DOUBLE)
    B = torch.randn(4, 2, generator=g, dtype=DOUBLE)
    M = torch.randn(4, 4, generator=g, dtype=DOUBLE)
    S = M @ M.T + 4 * torch.eye(4, dtype=DOUBLE)
    return A, B, S


def textbook_cholesky(S):
    """Cholesky-Banachiewicz in plain Python: the lower factor L with L L^T = S."""
    n = S.shape[0]
    s = S.tolist()
    L = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1):
            total = sum(L[i][k] * L[j][k] for k in range(j))
            L[i][j] = math.sqrt(s[i][i] - total) if i == j else (s[i][j] - total) / L[j][j]
    return torch.tensor(L, dtype=DOUBLE)


# ----------------------------------------------------------------------------- gesv / solve


@pytest.mark.parametrize(
    "snippet",
    [
        "X, LU = torch.gesv(B, A)\n",  # LU unused: linalg.solve
        "X, _ = torch.gesv(B, A)\n",
        "X = torch.gesv(B, A)[0]\n",
        "X = torch.solve(B, A).solution\n",
        "X = B.gesv(A)[0]\n",
        "import torch as th\nX, _ = th.solve(B, A)\n",
    ],
)
def test_gesv_solves_a_x_equals_b_with_b_first(mats, snippet):
    A, B, _ = mats
    ns = run("import torch\n" + snippet, ("gesv", "torch.solve", "th.solve("), A=A, B=B)
    close(ns["X"], torch.inverse(A) @ B)  # legacy: X = A^-1 B, right-hand side FIRST
    close(A @ ns["X"], B)


def test_gesv_with_used_lu_keeps_the_packed_factors(mats):
    A, B, _ = mats
    source = "from torch import gesv\nX, LU = gesv(B, A)\nd = torch.diag(LU)\n"
    migrated = migrate(source)
    assert "lu_factor" in migrated and "lu_solve" in migrated and "from torch import gesv" not in migrated
    ns = run(source, A=A, B=B)
    close(ns["X"], torch.inverse(A) @ B)
    LU = ns["LU"]
    L = torch.tril(LU, -1) + torch.eye(4, dtype=DOUBLE)
    U = torch.triu(LU)
    # LU is A's factorisation up to a row permutation: every row of L U is a row of A
    product = L @ U
    rows = [int(torch.cdist(product[i : i + 1], A).argmin()) for i in range(4)]
    assert sorted(rows) == [0, 1, 2, 3]
    close(product, A[rows])
    close(ns["d"], torch.diag(U))


def test_gesv_batched(mats):
    g = torch.Generator().manual_seed(1)
    A = torch.randn(2, 3, 3, generator=g, dtype=DOUBLE) + 3 * torch.eye(3, dtype=DOUBLE)
    B = torch.randn(2, 3, 1, generator=g, dtype=DOUBLE)
    ns = run("import torch\nX, _ = torch.gesv(B, A)\n", A=A, B=B)
    close(ns["X"], torch.stack([torch.inverse(A[i]) @ B[i] for i in range(2)]))


def test_gesv_result_kept_as_pair_is_reported_not_guessed():
    source = "import torch\nres = torch.gesv(B, A)\nprint(res[1])\n"
    assert migrate(source) == source
    assert [f.code for f in check_source(source.encode(), Settings(select=("TM801",))).remaining] == ["TM801"]


def test_lu_factor_form_needs_target_1_13(mats):
    source = "import torch\nX, LU = torch.gesv(B, A)\nprint(X, LU)\n"
    assert migrate(source, target="1.12") == source
    assert "lu_solve" in migrate(source, target="1.13")


# ----------------------------------------------------------------------------- gels / lstsq


def test_gels_overdetermined_solution_rows(mats):
    g = torch.Generator().manual_seed(2)
    A = torch.randn(6, 3, generator=g, dtype=DOUBLE)
    B = torch.randn(6, 2, generator=g, dtype=DOUBLE)
    ns = run("import torch\nX, _ = torch.gels(B, A)\nY = torch.lstsq(B, A)[0][:3]\n", ("gels", "torch.lstsq"), A=A, B=B)
    by_hand = torch.inverse(A.T @ A) @ A.T @ B  # normal equations; legacy X[:n]
    close(ns["X"], by_hand)
    close(ns["Y"], by_hand)


# ----------------------------------------------------------------------------- symeig


def test_symeig_reads_the_upper_triangle_of_a_non_symmetric_matrix():
    g = torch.Generator().manual_seed(3)
    N = torch.randn(4, 4, generator=g, dtype=DOUBLE)
    upper = np.triu(N.numpy()) + np.triu(N.numpy(), 1).T
    lower = np.tril(N.numpy()) + np.tril(N.numpy(), -1).T
    source = (
        "import torch\n"
        "e, _ = torch.symeig(N)\n"
        "e2 = N.symeig(upper=False)[0]\n"
        "w, V = torch.symeig(N, eigenvectors=True)\n"
    )
    ns = run(source, ("symeig",), N=N)
    close(ns["e"], np.linalg.eigvalsh(upper))
    close(ns["e2"], np.linalg.eigvalsh(lower))
    close(ns["w"], np.linalg.eigvalsh(upper))
    V = ns["V"]
    close(torch.from_numpy(upper) @ V, V @ torch.diag(ns["w"]))
    # the pitfall the rule avoids: the modern default reads the lower triangle
    assert not np.allclose(torch.linalg.eigvalsh(N).numpy(), np.linalg.eigvalsh(upper))


def test_symeig_with_used_empty_vectors_is_reported():
    source = "import torch\ne, V = torch.symeig(K)\nprint(V.shape)\n"
    assert migrate(source) == source


# ----------------------------------------------------------------------------- eig


def test_eig_values_as_real_pairs():
    R = torch.tensor([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 2.0]], dtype=DOUBLE)
    ns = run("import torch\ne, _ = torch.eig(R)\n", ("torch.eig",), R=R)
    e = ns["e"]
    assert e.shape == (3, 2) and e.dtype == DOUBLE
    assert sorted(map(tuple, e.tolist())) == sorted([(0.0, 1.0), (0.0, -1.0), (2.0, 0.0)])


# ----------------------------------------------------------------------------- qr, cholesky, potrf/potri/potrs


def test_qr_reduced_and_complete():
    g = torch.Generator().manual_seed(4)
    W = torch.randn(5, 3, generator=g, dtype=DOUBLE)
    ns = run("import torch\nQ, R = torch.qr(W)\nQc, Rc = W.qr(some=False)\n", ("torch.qr", "W.qr"), W=W)
    for Q, R, cols in ((ns["Q"], ns["R"], 3), (ns["Qc"], ns["Rc"], 5)):
        assert Q.shape == (5, cols)
        close(Q @ R, W)
        close(Q.T @ Q, torch.eye(cols, dtype=DOUBLE))
        close(R, torch.triu(R))


def test_potrf_is_upper_by_default(mats):
    _, _, S = mats
    L = textbook_cholesky(S)
    source = "import torch\nU = torch.potrf(S)\nL = torch.potrf(S, False)\nU2 = S.potrf(upper=True)\nC = torch.cholesky(S)\nCu = torch.cholesky(S, True)\n"
    ns = run(source, ("potrf", "torch.cholesky("), S=S)
    close(ns["U"], L.T)  # legacy potrf: U with U^T U = S
    close(ns["U2"], L.T)
    close(ns["L"], L)
    close(ns["C"], L)  # torch.cholesky: lower by default
    close(ns["Cu"], L.T)


def test_potri_and_potrs_keep_the_upper_default(mats):
    _, B, S = mats
    U = textbook_cholesky(S).T
    ns = run("import torch\nSi = torch.potri(U)\nX = torch.potrs(B, U)\n", ("potri", "potrs"), U=U, B=B)
    inverse = torch.from_numpy(np.linalg.inv(S.numpy()))
    close(ns["Si"], inverse)
    close(ns["X"], inverse @ B)
    # the pitfall: the modern default reads U as a lower factor
    assert not torch.allclose(torch.cholesky_inverse(U), inverse)


def test_potri_potrs_lower(mats):
    _, B, S = mats
    L = textbook_cholesky(S)
    ns = run("import torch\nSi = torch.potri(L, upper=False)\nX = torch.potrs(B, L, False)\n", L=L, B=B)
    inverse = torch.from_numpy(np.linalg.inv(S.numpy()))
    close(ns["Si"], inverse)
    close(ns["X"], inverse @ B)


# ----------------------------------------------------------------------------- trtrs / triangular_solve


@pytest.mark.parametrize(
    "snippet, expected",
    [
        ("X, _ = torch.trtrs(B, T)", lambda T, B: torch.inverse(T) @ B),
        ("X = torch.trtrs(B, T, transpose=True)[0]", lambda T, B: torch.inverse(T.T) @ B),
        ("X = torch.triangular_solve(B, T.T, upper=False).solution", lambda T, B: torch.inverse(T.T) @ B),
        ("X = torch.triangular_solve(B, T.T, False, True).solution", lambda T, B: torch.inverse(T) @ B),
        ("X, _ = B.trtrs(T, unitriangular=True)", lambda T, B: torch.inverse(torch.triu(T, 1) + torch.eye(4, dtype=DOUBLE)) @ B),
    ],
)
def test_trtrs(mats, snippet, expected):
    A, B, _ = mats
    T = torch.triu(A)
    ns = run("import torch\n" + snippet + "\n", ("trtrs", "triangular_solve("), T=T, B=B)
    close(ns["X"], expected(T, B))


def test_trtrs_copy_of_a(mats):
    A, B, _ = mats
    T = torch.triu(A)
    ns = run("import torch\nX, T2 = torch.trtrs(B, T)\nT2 += 1\n", T=T, B=B)
    close(ns["T2"], T + 1)
    close(T, torch.triu(A))  # the second output was a copy, not T itself


# ----------------------------------------------------------------------------- btrifact / btrisolve / btriunpack / lu


def test_btrifact_btrisolve_btriunpack():
    g = torch.Generator().manual_seed(5)
    Ab = torch.randn(2, 3, 3, generator=g, dtype=DOUBLE) + 3 * torch.eye(3, dtype=DOUBLE)
    b = torch.randn(2, 3, generator=g, dtype=DOUBLE)
    source = (
        "import torch\n"
        "A_LU = Ab.btrifact()\n"
        "x = b.btrisolve(*A_LU)\n"
        "LU, piv = torch.btrifact(Ab)\n"
        "y = torch.btrisolve(b, LU, piv)\n"
        "P, L, U = torch.btriunpack(LU, piv)\n"
        "LU2, piv2, info = torch.btrifact_with_info(Ab)\n"
    )
    ns = run(source, ("btri",), Ab=Ab, b=b)
    by_hand = torch.stack([torch.inverse(Ab[i]) @ b[i] for i in range(2)])
    close(ns["x"], by_hand)
    close(ns["y"], by_hand)
    close(ns["P"] @ ns["L"] @ ns["U"], Ab)
    assert ns["piv"].dtype == torch.int32 and int(ns["piv"].min()) >= 1  # 1-based, as legacy
    assert ns["info"].tolist() == [0, 0]


def test_lu_and_lu_solve(mats):
    A, B, _ = mats
    source = "import torch\nLU, piv = torch.lu(A)\nX = torch.lu_solve(B, LU, piv)\nF = A.lu(get_infos=True)\n"
    ns = run(source, ("torch.lu(", "torch.lu_solve"), A=A, B=B)
    close(ns["X"], torch.inverse(A) @ B)
    assert len(ns["F"]) == 3


def test_matrix_rank():
    D = torch.diag(torch.tensor([1.0, 0.6, 0.4], dtype=DOUBLE))
    ns = run("import torch\nr = torch.matrix_rank(D, 0.5)\ns = torch.matrix_rank(D)\nt = torch.matrix_rank(D, symmetric=True)\n", ("torch.matrix_rank",), D=D)
    assert int(ns["r"]) == 2  # singular values above the tolerance
    assert int(ns["s"]) == 3 and int(ns["t"]) == 3


# ----------------------------------------------------------------------------- chain_matmul, ger, norm, svd


def test_chain_matmul_and_ger(mats):
    A, B, S = mats
    u, v = B[:, 0], B[:, 1]
    ns = run("import torch\nP = torch.chain_matmul(A, S, B)\nO = torch.ger(u, v)\nO2 = u.ger(v)\n", ("chain_matmul", "ger("), A=A, S=S, B=B, u=u, v=v)
    close(ns["P"], A @ S @ B)
    by_hand = torch.tensor([[a * b for b in v.tolist()] for a in u.tolist()], dtype=DOUBLE)
    close(ns["O"], by_hand)
    close(ns["O2"], by_hand)


def test_norm_of_a_matrix_stays_the_vector_norm(mats):
    A, _, _ = mats
    source = (
        "import torch\n"
        "n2 = torch.norm(A, 2)\n"
        "nf = torch.norm(A)\n"
        "n1 = torch.norm(A, p=1, dim=1, keepdim=True)\n"
        "ni = torch.norm(A, float('inf'))\n"
        "nn = torch.norm(A, 'nuc')\n"
    )
    ns = run(source, ("torch.norm(",), A=A)
    flat = A.flatten().tolist()
    close(ns["n2"], math.sqrt(sum(x * x for x in flat)))  # legacy: 2-norm of the flattened matrix
    close(ns["nf"], math.sqrt(sum(x * x for x in flat)))
    close(ns["n1"], torch.tensor([[sum(abs(x) for x in row)] for row in A.tolist()], dtype=DOUBLE))
    close(ns["ni"], max(abs(x) for x in flat))
    close(ns["nn"], np.linalg.svd(A.numpy(), compute_uv=False).sum())
    assert not math.isclose(float(ns["n2"]), float(torch.linalg.norm(A, 2)))  # spectral: the pitfall


def test_svd_returns_v_not_vh():
    g = torch.Generator().manual_seed(6)
    W = torch.randn(5, 3, generator=g, dtype=DOUBLE)
    source = (
        "import torch\n"
        "U, S, V = torch.svd(W)\n"
        "V2 = W.svd()[2]\n"
        "_, s, _ = torch.svd(W, compute_uv=False)\n"
        "Uf, Sf, Vf = torch.svd(W, some=False)\n"
        "keep = (V, Vf)\n"
    )
    ns = run(source, ("torch.svd(", "W.svd("), W=W)
    U, S, V = ns["U"], ns["S"], ns["V"]
    assert U.shape == (5, 3) and V.shape == (3, 3) and ns["Uf"].shape == (5, 5)
    close(U @ torch.diag(S) @ V.T, W)  # legacy convention: W = U diag(S) V^T
    close(ns["V2"], V)
    close(ns["s"], np.linalg.svd(W.numpy(), compute_uv=False))
    close(ns["Uf"][:, :3] @ torch.diag(ns["Sf"]) @ ns["Vf"].T, W)


# ----------------------------------------------------------------------------- FFT, stft


def dft(x, inverse=False):
    """A direct DFT of a complex sequence given as (re, im) pairs; the inverse divides by n."""
    n = len(x)
    sign = 1 if inverse else -1
    out = []
    for k in range(n):
        re = im = 0.0
        for t, (a, b) in enumerate(x):
            theta = sign * 2 * math.pi * k * t / n
            re += a * math.cos(theta) - b * math.sin(theta)
            im += a * math.sin(theta) + b * math.cos(theta)
        out.append((re / n, im / n) if inverse else (re, im))
    return out


def test_rfft_layout_and_normalization():
    g = torch.Generator().manual_seed(7)
    x = torch.randn(3, 8, generator=g, dtype=DOUBLE)
    ns = run("import torch\nX = torch.rfft(x, 1)\nXn = x.rfft(1, normalized=True)\nXf = torch.rfft(x, 1, onesided=False)\n", ("torch.rfft(", "x.rfft("), x=x)
    for row in range(3):
        spectrum = dft([(v, 0.0) for v in x[row].tolist()])
        close(ns["X"][row], spectrum[:5])  # (n // 2 + 1, 2): [re, im] pairs
        close(ns["Xf"][row], spectrum)
        close(ns["Xn"][row], [(a / math.sqrt(8), b / math.sqrt(8)) for a, b in spectrum[:5]])


def test_irfft_round_trip_with_signal_sizes():
    g = torch.Generator().manual_seed(8)
    x = torch.randn(2, 7, generator=g, dtype=DOUBLE)  # odd length: signal_sizes matters
    ns = run("import torch\nX = torch.rfft(x, 1)\ny = torch.irfft(X, 1, signal_sizes=(7,))\nyn = torch.irfft(torch.rfft(x, 1, True), 1, True, True, (7,))\n", ("torch.rfft(", "torch.irfft("), x=x)
    close(ns["y"], x)
    close(ns["yn"], x)


def test_complex_fft_and_ifft():
    g = torch.Generator().manual_seed(9)
    z = torch.randn(6, 2, generator=g, dtype=DOUBLE)  # 6 complex numbers as (re, im) rows
    ns = run("import torch\nZ = torch.fft(z, 1)\nback = torch.ifft(Z, 1)\n", ("torch.fft(z", "torch.ifft("), z=z)
    close(ns["Z"], dft([tuple(p) for p in z.tolist()]))
    close(ns["back"], z)


def test_rfft_2d_matches_numpy():
    g = torch.Generator().manual_seed(10)
    img = torch.randn(4, 6, generator=g, dtype=DOUBLE)
    ns = run("import torch\nF = torch.rfft(img, 2)\n", x=img, img=img)
    reference = np.fft.rfft2(img.numpy())
    close(ns["F"], np.stack([reference.real, reference.imag], -1))


def test_stft_real_layout_is_bitwise_the_legacy_one():
    g = torch.Generator().manual_seed(11)
    wave = torch.randn(400, generator=g)
    window = torch.hann_window(64)
    ns = run("import torch\nS = torch.stft(wave, 64, 16, window=window)\n", wave=wave, window=window)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        legacy = torch.stft(wave, 64, 16, window=window, return_complex=False)  # still the 1.x layout
    assert torch.equal(ns["S"], legacy)


def test_cross_without_dim_is_reported_only():
    source = "import torch\nc = torch.cross(a, b)\n"
    assert migrate(source) == source
    assert [f.code for f in check_source(source.encode(), Settings(select=("TM824",))).remaining] == ["TM824"]
