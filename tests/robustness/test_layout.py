"""Encodings, BOMs, line endings, tabs, form feeds, a missing final newline: every byte outside the rewritten spans survives.

Each variant of one legacy script is migrated by the CLI in a subprocess and compared
byte for byte with the migration of the plain (UTF-8, LF, spaces) script, computed in
process and carried over to the variant's encoding or layout. Lines the plain
migration leaves alone must be byte-identical in the variant's output.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import pytest

from robust_support import assert_no_traceback, migrated, run_cli, write

TEMPLATE = """\
import torch
from torch.autograd import Variable
import torch.nn.functional as F

# {comment}
LABEL = "{text}"   \n\
# section-break


def step(model, x, y):
    inputs = Variable(x.cuda(async=True))
    out = F.sigmoid(model(inputs))
    if out.sum() > 0:
        loss = F.mse_loss(out, y, size_average=False)  # {comment}
    else:
        loss = out.sum()  # {text}
    return loss


class Net(torch.nn.Module):
    def forward(self, x):
        return F.tanh(x)
w = Variable(torch.ones(2))
"""

TEXTS = {
    "utf-8": ("Données d'entrée: «café» 学習データ 表示", "naïve résumé ソフト表"),
    "latin-1": ("Données d'entrée: «café» ±½", "naïve résumé"),
    "cp1252": ("Smart “quotes” – dash €", "œuvre ‰"),
    "shift_jis": ("学習データ 表示 ソフト", "表十能"),  # 表 and 十 end in 0x5c, a backslash in ASCII
}


def _plain(encoding: str = "utf-8", cookie: bool = False) -> str:
    comment, text = TEXTS[encoding]
    body = TEMPLATE.format(comment=comment, text=text)
    return (f"# -*- coding: {encoding} -*-\n" + body) if cookie else body


def _tabify(data: bytes) -> bytes:
    lines = data.splitlines(keepends=True)
    out = []
    for line in lines:
        stripped = line.lstrip(b" ")
        indent = len(line) - len(stripped)
        assert indent % 4 == 0
        out.append(b"\t" * (indent // 4) + stripped)
    return b"".join(out)


def _mixed_endings(data: bytes) -> bytes:
    lines = data.splitlines(keepends=True)
    endings = [b"\r\n", b"\n", b"\n", b"\r\n", b"\r\n"]
    return b"".join(line.rstrip(b"\r\n") + endings[i % len(endings)] for i, line in enumerate(lines))


Variant = Tuple[bytes, bytes, bytes, Callable[[bytes], bytes]]


def _variants() -> Dict[str, Tuple[bytes, bytes]]:
    """id -> (variant source, plain source it corresponds to line for line)."""
    plain = _plain().encode()
    variants = {
        "crlf": (plain.replace(b"\n", b"\r\n"), plain),
        "mixed-endings": (_mixed_endings(plain), plain),
        "tabs": (_tabify(plain), plain),
        "no-final-newline": (plain[:-1], plain),
        "utf8-bom": (b"\xef\xbb\xbf" + plain, plain),
        "bom-crlf-tabs": (b"\xef\xbb\xbf" + _tabify(plain).replace(b"\n", b"\r\n"), plain),
        "form-feed": (plain.replace(b"# section-break\n", b"\x0c# section-break\n"), plain),
    }
    for encoding in ("latin-1", "cp1252", "shift_jis"):
        cookie_plain = _plain(encoding, cookie=True)
        utf8_twin = cookie_plain.replace(f"coding: {encoding}", "coding: utf-8", 1).encode("utf-8")
        variants[f"cookie-{encoding}"] = (cookie_plain.encode(encoding), utf8_twin)
    return variants


VARIANTS = _variants()


def _expected(name: str, plain_out: bytes) -> bytes:
    """The plain script's migration carried over to the variant (None where no exact prediction is made)."""
    if name == "crlf":
        return plain_out.replace(b"\n", b"\r\n")
    if name == "tabs":
        return _tabify(plain_out)
    if name == "no-final-newline":
        assert plain_out.endswith(b"\n")
        return plain_out[:-1]
    if name == "utf8-bom":
        return b"\xef\xbb\xbf" + plain_out
    if name == "bom-crlf-tabs":
        return b"\xef\xbb\xbf" + _tabify(plain_out).replace(b"\n", b"\r\n")
    if name == "form-feed":
        return plain_out.replace(b"# section-break\n", b"\x0c# section-break\n")
    if name.startswith("cookie-"):
        encoding = name[len("cookie-") :]
        text = plain_out.decode("utf-8").replace("coding: utf-8", f"coding: {encoding}", 1)
        return text.encode(encoding)
    return b""


@pytest.fixture(scope="module")
def layout_run(tmp_path_factory) -> Tuple[Path, object]:
    """One CLI run over every variant (plus the plain script), as a user would run it on a tree."""
    root = tmp_path_factory.mktemp("layout")
    write(root / "plain.py", _plain().encode())
    for name, (source, _) in VARIANTS.items():
        write(root / f"{name}.py", source)
    result = run_cli("fix", "--jobs", "2", str(root))
    return root, result


def test_run_succeeds(layout_run) -> None:
    root, result = layout_run
    assert_no_traceback(result)
    assert result.returncode == 1, result.stderr.decode()  # files changed, none failed
    assert b"error" not in result.stderr, result.stderr.decode()
    assert (root / "plain.py").read_bytes() == migrated(_plain().encode())


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_variant_round_trips(name: str, layout_run) -> None:
    root, _ = layout_run
    source, plain = VARIANTS[name]
    plain_out = migrated(plain)
    assert plain_out != plain, "the plain script must be migrated for this test to mean anything"
    output = (root / f"{name}.py").read_bytes()
    expected = _expected(name, plain_out)
    if expected:
        assert output == expected, "\n" + "".join(
            difflib.unified_diff(expected.decode("latin-1").splitlines(True), output.decode("latin-1").splitlines(True))
        )
    _assert_untouched_lines_identical(source, output, plain, plain_out)


def _lines(data: bytes) -> List[bytes]:
    return data.splitlines(keepends=True)  # bytes split only on \n, \r\n and \r, as Python does


def _assert_untouched_lines_identical(source: bytes, output: bytes, plain: bytes, plain_out: bytes) -> None:
    """Every line the plain migration kept is, in the variant, kept byte for byte (ending included)."""
    source_lines, output_lines = _lines(source), _lines(output)
    plain_lines, plain_out_lines = _lines(plain), _lines(plain_out)
    assert len(source_lines) == len(plain_lines)
    assert len(output_lines) == len(plain_out_lines), (output_lines, plain_out_lines)
    endings = {line[len(line.rstrip(b"\r\n")) :] for line in source_lines}
    matcher = difflib.SequenceMatcher(None, plain_lines, plain_out_lines, autojunk=False)
    kept = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for offset in range(i2 - i1):
                assert output_lines[j1 + offset] == source_lines[i1 + offset], (j1 + offset, output_lines[j1 + offset])
                kept += 1
        else:
            for j in range(j1, j2):
                ending = output_lines[j][len(output_lines[j].rstrip(b"\r\n")) :]
                assert ending in endings or (j == len(output_lines) - 1 and ending == b""), (j, output_lines[j])
    assert kept >= len(plain_lines) // 2
