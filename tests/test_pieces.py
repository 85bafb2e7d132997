"""A text parsed in pieces gives the very tree the whole text parses to, or is parsed whole."""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path
from typing import List

import libcst as cst
import pytest

from migrator import engine, pieces
from migrator.config import Settings
from migrator.parsing import parse_module
from migrator.pieces import Piece, cut, cut_with_python_tree, strip_expressions
from migrator.tokens import rename_async_keywords

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixture_corpus import load_fixtures  # noqa: E402


def _statements_only(tree: ast.Module) -> ast.Module:
    for statement in tree.body:
        strip_expressions(statement)
    return tree

CLASS_BODY = '''\
import torch


class Net(object):
    """A net."""

    scale = 2

    # the forward pass
    def forward(self, x):
        y = x * 2
        return y
        # deeper: the method's own

    @staticmethod
    def helper(a,
               b):
        return a + b
# column 0, inside the class


    class Inner:
        def one(self):
            return 1

        def two(self):
            return 2

    def last(self):
        pass

# after the class
x = Net()
'''

LIST_LITERAL = '''\
ops = [
    # first
    dict(name="a", n=1),
    ("tuple", 2),  # parenthesized
    (
        "implicitly "
        "joined"
    ),
    *extra,
    "ünïcode", dict(name="b", n=2),
    [1, 2, 3,
     4, 5],
    lambda x: (x,
               x),
]
print(ops)
'''

DICT_LITERAL = '''\
table = {
    "a": {"x": 1, "y": 2, "z": [1, 2, 3]},
    **base,
    "b": {"x": 3, "y": 4, "z": [4, 5, 6], "w": {"deep": True, "deeper": [7, 8]}},
    ("k", 1): 2,
    "c": {"x": 5},
}
'''

CASES = {
    "class body": CLASS_BODY,
    "list literal": LIST_LITERAL,
    "dict literal": DICT_LITERAL,
    "literal in a class": "class A:\n    if True:\n        data = (\n            1,\n            2,\n            3,\n            4,\n        )\n    more = 1\n",
    "unparenthesized tuple": "data = 1, 2, \\\n    3, 4\nother = 5\n",
    "crlf": CLASS_BODY.replace("\n", "\r\n"),
    "cr": LIST_LITERAL.replace("\n", "\r"),
    "tabs": "def f():\n\tif x:\n\t\treturn 1\n\treturn 2\n\n\ndef g():\n\treturn 3\n",
    "indent learned late": "a = 1\nb = [\n    1,\n    2,\n]\nif a:\n   c = 1\nif b:\n      d = 2\nwhile a:\n   a = 0\n",
    "semicolons": "a = 1; b = 2\nc = 3; d = 4\n\n\ne = 5\n",
    "no final newline": "def f():\n    return 1\n\n\ndef g():\n    return 2",
    "trailing comments": "x = 1\n\n\ny = 2\n# the end\n\n",
    "whitespace lines": "def f():\n    a = 1\n        \n    b = 2\n   \n\ndef g():\n    pass\n",
    "form feed": "x = 1\n\f\ny = 2\n\n\fz = 3\n",
    "else after a big body": "if a:\n    x = 1\n    y = 2\n    z = 3\nelse:\n    w = 4\nfor i in r:\n    pass\nelse:\n    pass\n",
    "try": "try:\n    a = 1\n    b = 2\n    c = 3\nexcept E:\n    pass\nfinally:\n    pass\n",
    "deeper comment after a block": "def f():\n    if x:\n        y = 1\n        # owned by the if\n    z = 2\n    w = 3\n",
    "header comments": "# header\n\n# more\nimport os\n\nx = [\n    1,\n    2,\n]\n",
}


def _whole(text: str) -> cst.Module:
    return cst.parse_module(text)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("piece_chars", [1, 12, 40])
def test_pieces_join_into_the_whole_tree(name: str, piece_chars: int) -> None:
    text = CASES[name]
    planned = cut(text, ast.parse(text), piece_chars=piece_chars)
    joined, whole = parse_module(text, planned), _whole(text)
    assert joined.deep_equals(whole)
    assert joined.code == whole.code  # not always `text`: libcst drops a final lone `\r`


def _counts(planned: List[Piece]) -> dict:
    counts: dict = {}
    pending = list(planned)
    while pending:
        piece = pending.pop()
        counts[piece.kind] = counts.get(piece.kind, 0) + 1
        pending.extend(piece.holes)
    return counts


@pytest.mark.parametrize(
    "name, kinds",
    [
        ("class body", {"module", "statements"}),
        ("list literal", {"elements"}),
        ("dict literal", {"entries"}),
        ("literal in a class", {"statements", "elements"}),
    ],
)
def test_long_statements_are_cut_inside(name: str, kinds: set) -> None:
    text = CASES[name]
    planned = cut(text, ast.parse(text), piece_chars=12)
    assert planned is not None
    assert kinds <= set(_counts(planned))


def test_nested_blocks_and_literals_become_nested_holes() -> None:
    planned = cut(CLASS_BODY, ast.parse(CLASS_BODY), piece_chars=12)
    assert planned is not None
    blocks = {hole.blocks for piece in planned for hole in _all_holes(piece)}
    assert ("    ", "        ") in blocks  # the methods of `Inner`
    planned = cut(DICT_LITERAL, ast.parse(DICT_LITERAL), piece_chars=12)
    assert planned is not None
    assert any(hole.holes for piece in planned for hole in piece.holes)  # inside the "b" entry


def _all_holes(piece: Piece) -> List[Piece]:
    found = list(piece.holes)
    for hole in piece.holes:
        found.extend(_all_holes(hole))
    return found


def test_no_cut_where_a_deeper_comment_may_belong_to_the_block_above() -> None:
    text = "def f():\n    return 1\n    # f's\n\n\ndef g():\n    return 2\n"
    planned = cut(text, ast.parse(text), piece_chars=1)
    assert planned is None or all(piece.start != text.index("    # f's") for piece in planned)


def test_unparenthesized_tuples_are_not_cut() -> None:
    text = CASES["unparenthesized tuple"]
    planned = cut(text, ast.parse(text), piece_chars=1)
    assert planned is None or not any(hole.kind == "elements" for piece in planned for hole in piece.holes)


def test_a_piece_that_does_not_parse_means_a_whole_parse() -> None:
    text = 'a = """\n\nb = 1\n"""\nc = 2\n'
    wrong = [Piece(0, text.index("b = 1"), "module"), Piece(text.index("b = 1"), len(text), "module")]
    assert pieces.parse_pieces(text, wrong) is None
    assert parse_module(text, wrong).deep_equals(_whole(text))


def test_texts_within_one_piece_and_placeholder_names_are_not_cut() -> None:
    assert cut("x = 1\ny = 2\n", ast.parse("x = 1\ny = 2\n")) is None
    text = "__migrator_piece_0__ = 1\n" + "y = 2\n" * 20
    assert cut(text, ast.parse(text), piece_chars=1) is None


SOURCES = [rename_async_keywords(f.legacy.read_text())[0] for f in load_fixtures()]
SOURCES += [f.migrated.read_text() for f in load_fixtures()]


@pytest.mark.parametrize("index", range(len(SOURCES)))
def test_fixtures_in_small_pieces(index: int) -> None:
    text = SOURCES[index]
    planned = cut(text, ast.parse(text), piece_chars=200)
    assert planned is not None
    assert parse_module(text, planned).deep_equals(_whole(text))


def _assert_like_whole_python_parse(text: str, piece_chars: int) -> None:
    planned = cut_with_python_tree(text, piece_chars=piece_chars)
    assert planned is not None
    tree, libcst_pieces = planned
    whole = ast.parse(text)
    assert libcst_pieces == cut(text, whole, piece_chars=piece_chars)
    assert ast.dump(tree, include_attributes=True) == ast.dump(_statements_only(whole), include_attributes=True)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("piece_chars", [1, 40])
def test_python_tree_in_pieces_is_the_whole_tree(name: str, piece_chars: int) -> None:
    _assert_like_whole_python_parse(CASES[name], piece_chars)


def test_python_pieces_cut_inside_strings_are_joined() -> None:
    text = 's = """\nfoo = 1\nbar = [\n"""\nx = (\n1)\nclass A:\n    pass\n' * 3
    _assert_like_whole_python_parse(text, 1)


def test_python_syntax_errors_are_left_to_the_whole_parse() -> None:
    text = "x = 1\n" * 50 + "def f(:\n    pass\n" + "y = 2\n" * 50
    assert cut_with_python_tree(text, piece_chars=10) is None


def _torch_sample() -> List[Path]:
    torch_spec = __import__("importlib.util").util.find_spec("torch")
    if torch_spec is None or not torch_spec.submodule_search_locations:
        return []
    root = Path(list(torch_spec.submodule_search_locations)[0])
    files = sorted(p for p in root.rglob("*.py") if 20_000 <= p.stat().st_size <= 120_000)
    return files[:: max(1, len(files) // 24)]


@pytest.mark.parametrize("path", _torch_sample(), ids=lambda p: p.name)
def test_real_files_in_small_pieces(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    planned = cut(text, ast.parse(text), piece_chars=2000)
    assert planned is not None
    assert parse_module(text, planned).deep_equals(_whole(text))
    _assert_like_whole_python_parse(text, 2000)


def _big_legacy_script() -> str:
    parts = ["import torch\nfrom torch.autograd import Variable\n\n"]
    for number in range(250):
        parts.append(
            f"def step_{number}(x):\n"
            f"    v = Variable(torch.randn(3), volatile=True)\n"
            f"    loss = (v * x).sum()\n"
            f"    return loss.data[0]\n\n\n"
        )
    parts.append("TABLE = [\n" + "".join(f"    torch.FloatTensor([{n}]),  # entry {n}\n" for n in range(1500)) + "]\n")
    return "".join(parts)


def test_engine_results_do_not_depend_on_cutting(monkeypatch: pytest.MonkeyPatch) -> None:
    source = _big_legacy_script().encode()
    monkeypatch.setattr(engine, "SPLIT_ABOVE", len(source) // 4)
    settings = Settings()
    calls: List[int] = []
    real = pieces.parse_pieces

    def counting(text: str, planned: List[Piece]) -> cst.Module:
        calls.append(sum(_counts(planned).values()))
        return real(text, planned)

    monkeypatch.setattr("migrator.parsing.parse_pieces", counting)
    in_pieces = engine.check_source(source, settings, "big.py"), engine.fix_source(source, settings, "big.py")
    assert calls and calls[0] > 1
    monkeypatch.setattr(engine, "SPLIT_ABOVE", 10**12)
    calls.clear()
    whole = engine.check_source(source, settings, "big.py"), engine.fix_source(source, settings, "big.py")
    assert not calls
    assert in_pieces[0].remaining == whole[0].remaining and len(whole[0].remaining) > 1000
    assert in_pieces[1].output == whole[1].output != source
    assert (in_pieces[1].fixed, in_pieces[1].remaining) == (whole[1].fixed, whole[1].remaining)
