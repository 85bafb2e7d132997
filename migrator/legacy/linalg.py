"""Removed linear algebra and spectral functions with their legacy signatures (catalog A01-A23).

Each function keeps the legacy argument order (right-hand side first), defaults
(`upper=True` for symeig/potrf/potri/potrs/trtrs) and return values, computed with the
`torch.linalg` call a migration would write, so original and migrated scripts agree
bitwise where the legacy result has a direct modern counterpart. They are installed
both as `torch.<name>` and as `Tensor.<name>` methods, replacing 2.x's raising stubs.
"""

from __future__ import annotations

import sys
import types
from collections import namedtuple

import torch

from ._functions import copy_function
from .eras import at_most
from .errors import LegacyUnsupported
from .quiet import silence

_Solve = namedtuple("solve", ["solution", "LU"])
_Lstsq = namedtuple("lstsq", ["solution", "QR"])
_Eigen = namedtuple("eig", ["eigenvalues", "eigenvectors"])
_Triangular = namedtuple("triangular_solve", ["solution", "cloned_coefficient"])

_zero_eigenvectors = True  # symeig(eigenvectors=False): zeros up to 1.0, empty later


def gesv(B, A, out=None):
    """`X, LU = torch.gesv(B, A)` (<= 1.0; `torch.solve` 1.1-1.12): solve A X = B, B first.

    LU is A's packed LU factorisation (pivots dropped, as legacy returned them).
    """
    return _Solve(torch.linalg.solve(A, B), torch.linalg.lu_factor(A).LU)


def gels(B, A, out=None):
    """`X, QR = torch.gels(B, A)` (<= 1.1; `torch.lstsq` 1.2-1.12): least squares, B first.

    X has legacy shape (max(m, n), k): rows `[:n]` are the solution; for m > n the
    remaining rows are Q^T B's tail, whose column sums of squares are the residuals.
    QR is A's packed geqrf factorisation.
    """
    matrix = B if B.dim() > 1 else B.unsqueeze(-1)
    m, n = A.shape[-2:]
    solution = torch.linalg.lstsq(A, matrix).solution
    if m > n:
        q = torch.linalg.qr(A, mode="complete").Q
        solution = torch.cat([solution, (q.mT @ matrix)[..., n:, :]], dim=-2)
    return _Lstsq(solution, torch.geqrf(A)[0])


def symeig(input, eigenvectors=False, upper=True, out=None):
    """`e, V = torch.symeig(A, eigenvectors=False, upper=True)`: reads the upper triangle by default."""
    uplo = "U" if upper else "L"
    if eigenvectors:
        return _Eigen(*torch.linalg.eigh(input, UPLO=uplo))
    values = torch.linalg.eigvalsh(input, UPLO=uplo)
    vectors = torch.zeros_like(input) if _zero_eigenvectors else input.new_empty(0)
    return _Eigen(values, vectors)


def eig(input, eigenvectors=False, out=None):
    """`e, v = torch.eig(A, eigenvectors=False)`: eigenvalues as real `(n, 2)` `[re, im]` rows.

    Eigenvectors use LAPACK geev's real packing: a real eigenvalue's vector is real; for
    a conjugate pair at (j, j+1), column j holds the real part and j+1 the imaginary part.
    """
    if not eigenvectors:
        return _Eigen(torch.view_as_real(torch.linalg.eigvals(input)).contiguous(), input.new_empty(0))
    values, vectors = torch.linalg.eig(input)
    packed = vectors.real.clone()
    imag = values.imag
    j = 0
    while j < values.shape[-1]:
        if imag[j] != 0 and j + 1 < values.shape[-1]:
            packed[:, j + 1] = vectors[:, j].imag
            j += 2
        else:
            j += 1
    return _Eigen(torch.view_as_real(values).contiguous(), packed)


def potrf(a, upper=True, out=None):
    """`torch.potrf(A, upper=True)`: the Cholesky factor, upper (A = U^T U) by default."""
    lower = torch.linalg.cholesky(a)
    return lower.mH if upper else lower


def potri(a, upper=True, out=None):
    """`torch.potri(u, upper=True)`: A's inverse from its Cholesky factor, upper by default."""
    return torch.cholesky_inverse(a, upper=upper)


def potrs(b, u, upper=True, out=None):
    """`torch.potrs(b, u, upper=True)`: solve A x = b from A's Cholesky factor, upper by default."""
    if b.dim() == 1:
        return torch.cholesky_solve(b.unsqueeze(-1), u, upper=upper).squeeze(-1)
    return torch.cholesky_solve(b, u, upper=upper)


def pstrf(a, upper=True, out=None, tol=-1):
    """`torch.pstrf`: pivoted Cholesky has no torch equivalent."""
    raise LegacyUnsupported("`torch.pstrf` (pivoted Cholesky) has no equivalent in current torch")


def trtrs(b, A, upper=True, transpose=False, unitriangular=False, out=None):
    """`X, A_ = torch.trtrs(b, A, upper=True, transpose=False, unitriangular=False)`: b first, returns a copy of A."""
    matrix = b if b.dim() > 1 else b.unsqueeze(-1)
    solution = torch.linalg.solve_triangular(
        A.mT if transpose else A, matrix, upper=(upper != transpose), unitriangular=unitriangular
    )
    if b.dim() == 1:
        solution = solution.squeeze(-1)
    return _Triangular(solution, A.clone())


def btrifact(A, info=None, pivot=True, out=None):
    """`LU, pivots = torch.btrifact(A)`: batched LU with int32 1-based pivots; fills `info` if given."""
    LU, pivots, infos = torch.linalg.lu_factor_ex(A, pivot=pivot)
    if info is not None:
        info.resize_(infos.shape).copy_(infos)
    return LU, pivots


def btrifact_with_info(A, pivot=True, out=None):
    """`LU, pivots, info = torch.btrifact_with_info(A)`."""
    return tuple(torch.linalg.lu_factor_ex(A, pivot=pivot))


def btrisolve(b, LU_data, LU_pivots):
    """`torch.btrisolve(b, LU, pivots)`: b is a batch of vectors `(B, n)` (or of matrices)."""
    if b.dim() == LU_data.dim() - 1:
        return torch.linalg.lu_solve(LU_data, LU_pivots, b.unsqueeze(-1)).squeeze(-1)
    return torch.linalg.lu_solve(LU_data, LU_pivots, b)


def btriunpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):
    """`P, L, U = torch.btriunpack(LU, pivots)`."""
    return torch.lu_unpack(LU_data, LU_pivots, unpack_data, unpack_pivots)


def matrix_rank(input, tol=None, symmetric=False):
    """`torch.matrix_rank(A, tol=None, symmetric=False)`: singular values above `tol`.

    The legacy default tolerance is sigma_max * min(m, n) * eps; `torch.linalg` uses
    max(m, n), which agrees for square matrices only.
    """
    if tol is not None:
        return torch.linalg.matrix_rank(input, atol=tol, rtol=0.0, hermitian=symmetric)
    m, n = input.shape[-2:]
    if m == n:
        return torch.linalg.matrix_rank(input, hermitian=symmetric)
    rtol = torch.finfo(input.dtype).eps * min(m, n)
    return torch.linalg.matrix_rank(input, rtol=rtol, hermitian=symmetric)


# --- FFT with the complex numbers as a trailing dimension of size 2 (<= 1.7) -----------------


def _norm(normalized):
    """The `torch.fft` norm for the legacy `normalized` flag."""
    return "ortho" if normalized else "backward"


def _signal_dims(signal_ndim):
    """The last `signal_ndim` dimensions, which the legacy functions transformed."""
    return tuple(range(-signal_ndim, 0))


def rfft(input, signal_ndim, normalized=False, onesided=True):
    """`torch.rfft(x, signal_ndim, normalized=False, onesided=True)`: real input, `(..., 2)` output."""
    dims, norm = _signal_dims(signal_ndim), _norm(normalized)
    spectrum = torch.fft.rfftn(input, dim=dims, norm=norm) if onesided else torch.fft.fftn(input, dim=dims, norm=norm)
    return torch.view_as_real(spectrum)


def irfft(input, signal_ndim, normalized=False, onesided=True, signal_sizes=None):
    """`torch.irfft(x, signal_ndim, normalized=False, onesided=True, signal_sizes=None)`: real output."""
    dims, norm = _signal_dims(signal_ndim), _norm(normalized)
    spectrum = torch.view_as_complex(input.contiguous())
    if onesided:
        return torch.fft.irfftn(spectrum, s=signal_sizes, dim=dims, norm=norm)
    return torch.fft.ifftn(spectrum, s=signal_sizes, dim=dims, norm=norm).real


def fft(input, signal_ndim, normalized=False):
    """`torch.fft(x, signal_ndim, normalized=False)`: complex-to-complex, `(..., 2)` in and out."""
    spectrum = torch.view_as_complex(input.contiguous())
    return torch.view_as_real(torch.fft.fftn(spectrum, dim=_signal_dims(signal_ndim), norm=_norm(normalized)))


def ifft(input, signal_ndim, normalized=False):
    """`torch.ifft(x, signal_ndim, normalized=False)`: inverse of `fft`, divided by n unless normalized."""
    spectrum = torch.view_as_complex(input.contiguous())
    return torch.view_as_real(torch.fft.ifftn(spectrum, dim=_signal_dims(signal_ndim), norm=_norm(normalized)))


class _CallableFFT(types.ModuleType):
    """The `torch.fft` module made callable: `torch.fft(x, 1)` was a function up to 1.7."""

    def __call__(self, input, signal_ndim, normalized=False):
        """`torch.fft(x, signal_ndim, normalized=False)`."""
        return fft(input, signal_ndim, normalized)


def _real_stft(stft):
    """`torch.stft` returning a real `(..., 2)` tensor when `return_complex` is omitted, as in 1.x."""

    def legacy_stft(input, n_fft, hop_length=None, win_length=None, window=None, center=True,
                    pad_mode="reflect", normalized=False, onesided=None, return_complex=None, **kwargs):
        """The 2.x function; for real input without `return_complex`, `view_as_real` of the complex result."""
        real = return_complex is None and not input.is_complex() and not (window is not None and window.is_complex())
        result = stft(input, n_fft, hop_length, win_length, window, center, pad_mode, normalized, onesided,
                      return_complex=True if real else return_complex, **kwargs)
        return torch.view_as_real(result) if real else result

    return legacy_stft


_FUNCTIONS = {
    "gesv": gesv, "solve": gesv, "gels": gels, "lstsq": gels, "symeig": symeig, "eig": eig,
    "potrf": potrf, "potri": potri, "potrs": potrs, "pstrf": pstrf, "trtrs": trtrs,
    "btrifact": btrifact, "btrifact_with_info": btrifact_with_info, "btrisolve": btrisolve,
    "btriunpack": btriunpack, "matrix_rank": matrix_rank,
}
_METHODS = ("gesv", "solve", "gels", "lstsq", "symeig", "eig", "potrf", "potri", "potrs", "pstrf",
            "trtrs", "btrifact", "btrifact_with_info", "btrisolve")
_SPECTRAL = {"rfft": rfft, "irfft": irfft, "ifft": ifft}


def install(era: str) -> None:
    """Install the removed linear algebra (all eras) and FFT (<= 1.7) functions and methods."""
    global _zero_eigenvectors
    _zero_eigenvectors = at_most(era, "1.0")
    for name, function in _FUNCTIONS.items():
        setattr(torch, name, copy_function(function, name))
    for name in _METHODS:
        setattr(torch.Tensor, name, copy_function(_FUNCTIONS[name], name))
    torch.stft = _real_stft(torch.stft)
    silence(r"A window was not provided", UserWarning)
    if at_most(era, "1.7"):
        for name, function in _SPECTRAL.items():
            setattr(torch, name, function)
            setattr(torch.Tensor, name, copy_function(function))
        torch.Tensor.fft = copy_function(fft)
        sys.modules["torch.fft"].__class__ = _CallableFFT
