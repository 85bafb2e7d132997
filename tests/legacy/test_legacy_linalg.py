"""Removed linear algebra and FFT with legacy signatures (migrator/legacy/linalg.py)."""

import pytest

pytest.importorskip("torch")
pytestmark = pytest.mark.torch

ALL_TRUE_CHECKS = ["gesv", "gels", "symeig", "cholesky_family", "trtrs", "btrifact_family"]


@pytest.mark.parametrize("era", ["0.3", "1.13"])
@pytest.mark.parametrize("name", ALL_TRUE_CHECKS)
def test_legacy_results(check, name, era):
    value = {k: v for k, v in check(name).value(era).items() if isinstance(v, bool)}
    assert value and all(value.values()), value
    assert check(name).warnings(era) == []


def test_gesv_is_linalg_solve_with_swapped_arguments_bitwise(check):
    assert check("gesv").value("1.0") == {"solution": True, "lu": True, "method": True, "solve": True}


def test_gels_keeps_the_legacy_shape(check):
    value = check("gels").value("0.3")
    assert value["shape"] == [6, 2] and value["min_norm_shape"] == [4, 1]


def test_symeig_without_eigenvectors(check):
    assert check("symeig").value("1.0")["no_vectors_shape"] == [4, 4]  # zeros up to 1.0
    assert check("symeig").value("1.4")["no_vectors_shape"] == [0]


def test_eig_returns_real_pairs(check):
    value = check("eig").value("0.3")
    assert value["values"] == [[0.0, 1.0], [0.0, -1.0], [2.0, 0.0]]
    assert value["pair_packing"] and value["real_vector"]
    assert value["without_vectors"][1] == 0


@pytest.mark.parametrize("era", ["0.3", "1.4"])
def test_fft_with_trailing_complex_dimension_up_to_1_7(check, era):
    assert check("fft").value(era) == {"rfft": True, "irfft": True, "normalized": True, "callable": True, "module": [8]}
    assert check("fft").warnings(era) == []


def test_fft_functions_are_gone_from_1_8(check):
    assert "rfft" in check("fft").value("1.13")["raised"]


def test_matrix_rank(check):
    assert check("matrix_rank").value("1.0") == [2, 3, 1]


def test_pstrf_is_unsupported(check):
    assert "torch.pstrf" in check("pstrf").value("0.3")


def test_stft_returns_real_pairs_without_return_complex(check):
    assert check("stft").value("1.0") == [[9, 17, 2], True, [9, 17]]
    assert check("stft").warnings("1.0") == []
