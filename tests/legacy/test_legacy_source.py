"""Eras, the lexical pre-pass and Python 2 detection (eras.py, source.py); no torch in-process."""

import subprocess
import sys

import pytest

from migrator.legacy import ERAS, LegacyUnsupported, at_most, era_key, normalize_era, prepare_source
from migrator.legacy.source import compile_script

from legacy_support import child_env, run_python

pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def test_eras_are_ordered():
    assert ERAS[0] == "0.1" and ERAS[-1] == "1.13"
    assert [era_key(e) for e in ERAS] == sorted(era_key(e) for e in ERAS)


@pytest.mark.parametrize(
    "era, limit, expected",
    [("0.3", "0.4", True), ("0.4", "0.4", True), ("0.4.1", "0.4", True), ("1.10", "1.9", False), ("1.2", "1.10", True)],
)
def test_at_most(era, limit, expected):
    assert at_most(era, limit) is expected


def test_normalize_era():
    assert normalize_era("0.4.1") == "0.4"
    with pytest.raises(ValueError):
        normalize_era("2.0")
    with pytest.raises(ValueError):
        normalize_era("latest")


@pytest.mark.parametrize(
    "source, expected",
    [
        (b"x = y.cuda(async=True)\n", b"x = y.cuda(non_blocking=True)\n"),
        (b"f(a,\r\n  async = True)\r\n", b"f(a,\r\n  non_blocking = True)\r\n"),
        (b"\xef\xbb\xbfx.cuda(async=True)  # \xc3\xa9\n", b"\xef\xbb\xbfx.cuda(non_blocking=True)  # \xc3\xa9\n"),
        (b"# -*- coding: latin-1 -*-\ns = '\xe9'\nx.cuda(async=True)\n", b"# -*- coding: latin-1 -*-\ns = '\xe9'\nx.cuda(non_blocking=True)\n"),
    ],
    ids=["keyword", "crlf-multiline", "bom", "latin-1-cookie"],
)
def test_prepare_source_renames_async_keywords_byte_exactly(source, expected):
    assert prepare_source(source) == expected


@pytest.mark.parametrize(
    "source",
    [b"async_flag = x == 1\ny = f(async_=True)\n", b"x = (\n", b"\xff\xfe not utf-8\n"],
    ids=["look-alike", "python-3-syntax-error", "undecodable"],
)
def test_prepare_source_leaves_other_files_alone(source):
    assert prepare_source(source) is source


@pytest.mark.parametrize(
    "source, construct",
    [
        (b"print 'loss', loss\n", "`print` statement"),
        (b"try:\n    pass\nexcept ValueError, e:\n    pass\n", "`except E, e:` clause"),
        (b"mode = 0777\n", "octal literal"),
        (b"if x:\n\ty = 1\n        z = 2\n", "mixed tabs and spaces"),
        (b"s = `x`\n", "backtick repr"),
        (b"raise ValueError, 'bad'\n", "`raise E, msg` statement"),
    ],
    ids=["print", "except", "octal", "tabs", "backtick", "raise"],
)
def test_python_2_syntax_is_unsupported(source, construct):
    with pytest.raises(LegacyUnsupported, match="Python 2 syntax") as info:
        prepare_source(source)
    assert construct in str(info.value)
    with pytest.raises(LegacyUnsupported, match=r"script\.py:\d+"):
        compile_script(source, "script.py")


def test_ordinary_syntax_errors_stay_syntax_errors():
    with pytest.raises(SyntaxError) as info:
        compile_script(b"def f(:\n", "script.py")
    assert not isinstance(info.value, LegacyUnsupported)


def test_importing_the_package_does_not_import_torch():
    code = "import sys, migrator.legacy; migrator.legacy.prepare_source(b'x=1'); print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], env=child_env(), capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "False", result.stderr


def test_install_is_idempotent_and_refuses_to_switch_eras():
    code = (
        "from migrator.legacy import install, installed_era\n"
        "import torch\n"
        "install('0.3'); getitem = torch.Tensor.__getitem__; install('0.3.1')\n"
        "print(installed_era(), torch.Tensor.__getitem__ is getitem)\n"
        "try:\n    install('1.0')\nexcept RuntimeError as e:\n    print('refused')\n"
    )
    result = run_python(["-c", code])
    assert result.stdout.split() == ["0.3", "True", "refused"], result.stderr
