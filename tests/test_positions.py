"""Finding positions: `migrator.positions` must give exactly libcst's `PositionProvider` starts.

Both ways are checked on every node: generating the whole module, and generating only the
statement around each node, placed by CPython's `ast`.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from migrator import positions
from migrator.pieces import strip_expressions
from migrator.tokens import rename_async_keywords
from migrator.walk import iter_code, parent_map

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixture_corpus import load_fixtures  # noqa: E402


def _statements_only(tree: ast.Module) -> ast.Module:
    for statement in tree.body:
        strip_expressions(statement)
    return tree

TRICKY = {
    "decorators": "import functools\n\n\n# lead\n@functools.lru_cache(\n    maxsize=2)\n\n@staticmethod\ndef f(x):  # c\n    return x\n",
    "methods": "class A(object):\n    # a comment\n\n    @property\n    def x(self):\n        return self._x\n\n    def y(self, a,\n          b):\n        if a: return b\n        return a; b\n",
    "elif_chain": "if a:\n    x = 1\nelif b(\n        2):\n    x = 2\nelif c:\n    pass\nelse:\n    y = f(x)\n",
    "try": "try:\n    a()\nexcept (ValueError,\n        KeyError) as e:\n    b(e)\nexcept Exception:\n    pass\nelse:\n    c()\nfinally:\n    d()\n",
    "try_star": "try:\n    a()\nexcept* ValueError:\n    b()\n",
    "loops": "for i in range(3):\n    x = i\nelse:\n    y = 2\nwhile x:\n    x -= 1\nelse:\n    pass\nasync def g():\n    async for a in b:\n        await a\n    async with c as d:\n        pass\n",
    "match": "match p:\n    case [x, y]:\n        f(x)\n    case {'k': v} if v > 0:\n        g(v)\n    case _:\n        pass\n",
    "one_line_suites": "if x: y = f(1); z = g(2)\nfor i in r: print(i)\nclass C: pass\n",
    "semicolons": "a = 1; b = f(a); c = [\n  a,\n  b]; d = 4\n",
    "tabs": "def f():\n\tif x:\n\t\treturn g(x)\n\treturn h(\n\t\t1)\n",
    "crlf": "def f():\r\n    # c\r\n    return g(1)\r\n\r\nx = f()\r\n",
    "cr": "x = 1\ry = f(x)\rif y:\r    z = 2\r",
    "unicode": "s = 'héllo wörld'; t = f(s)\ndef g():\n    return 'ü' + h('é')\n",
    "continuation": "x = 1 + \\\n    f(2)\nif a and \\\n        b:\n    pass\n",
    "strings": 'def f():\n    """Doc\n    string"""\n    s = """a\nb"""; t = g(s)\n    return t\n',
    "nested": "def outer():\n    def inner():\n        class K:\n            def m(self):\n                with open(p) as fh, open(q) as gh:\n                    return fh.read()\n        return K\n    return inner\n",
    "header_and_footer": "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n\nimport torch\n\nx = torch.zeros(1)\n\n# trailing\n",
    "comments_after_block": "def f():\n    return 1\n    # footer of f\n# before g\ndef g():\n    pass\n",
    "empty": "",
}


def _provider_starts(module: cst.Module) -> Tuple[cst.Module, Dict[int, Tuple[int, int]]]:
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    return module, {id(node): (pos.start.line, pos.start.column) for node, pos in wrapper.resolve(PositionProvider).items()}


def _sources() -> List[Tuple[str, str]]:
    sources = list(TRICKY.items())
    for fixture in load_fixtures():
        sources.append((fixture.name + "/legacy", rename_async_keywords(fixture.legacy.read_text())[0]))
        sources.append((fixture.name + "/migrated", fixture.migrated.read_text()))
    return sources


SOURCES = _sources()


@pytest.mark.parametrize("name, text", SOURCES, ids=[name for name, _ in SOURCES])
def test_positions_equal_position_provider(name: str, text: str) -> None:
    module, expected = _provider_starts(cst.parse_module(text))
    nodes = [node for node in iter_code(module) if not isinstance(node, cst.Module)]
    whole = positions.start_positions(module, nodes)
    by_statement = positions.start_positions(module, nodes, ast.parse(text))  # statements found by a search
    with_parents = positions.start_positions(module, nodes, ast.parse(text), parent_map(module))
    statements_alone = positions.start_positions(module, nodes, _statements_only(ast.parse(text)))
    for node in nodes:
        assert whole[id(node)] == expected[id(node)], (name, type(node).__name__, cst.Module([]).code_for_node(node))
        assert by_statement[id(node)] == expected[id(node)], (name, type(node).__name__, cst.Module([]).code_for_node(node))
    assert with_parents == by_statement == statements_alone


@pytest.mark.parametrize("name, text", SOURCES, ids=[name for name, _ in SOURCES])
def test_statements_pair_with_ast(name: str, text: str) -> None:
    """Every node lies in a statement paired with CPython's tree: the cheap way is really taken."""
    module = cst.parse_module(text)
    nodes = [node for node in iter_code(module) if not isinstance(node, cst.Module) and _inside_statement(module, node)]
    positions._positions_from_statements(module, nodes, ast.parse(text))  # raises _Unpaired otherwise


def _inside_statement(module: cst.Module, node: cst.CSTNode) -> bool:
    """False for the module's header and footer lines, which belong to no statement."""
    return not any(node is line or node in iter_code(line) for line in (*module.header, *module.footer))


def test_trees_that_do_not_pair_fall_back_to_the_whole_module() -> None:
    text = "x = f(1)\ny = g(2)\n"
    module = cst.parse_module(text)
    call = module.body[1].body[0].value  # type: ignore[attr-defined]
    other_tree = ast.parse("x = f(1)\n")  # one statement short
    assert positions.start_positions(module, [call], other_tree) == {id(call): (2, 4)}
    with pytest.raises(positions._Unpaired):
        positions._positions_from_statements(module, [call], other_tree)


def test_form_feed_lines_are_placed_as_libcst_places_them() -> None:
    """CPython restarts the column after a form feed; findings keep libcst's columns."""
    from migrator.config import Settings
    from migrator.engine import check_source

    text = b"import torch\n\x0c\n\x0cy = torch.sigmoid(torch.autograd.Variable(torch.zeros(1)))\n"
    module, expected = _provider_starts(cst.parse_module(text.decode()))
    call = module.body[1].body[0].value.args[0].value  # type: ignore[attr-defined]
    result = check_source(text, Settings(), "ff.py")
    variable = [f for f in result.remaining if f.code == "TM101"]
    assert [(f.line, f.column) for f in variable] == [(expected[id(call)][0], expected[id(call)][1] + 1)]


@pytest.mark.parametrize("name, text", SOURCES, ids=[name for name, _ in SOURCES])
def test_a_node_placed_alone_is_placed_the_same(name: str, text: str) -> None:
    """Alone, a node's statement is generated only as far as the node itself."""
    module, expected = _provider_starts(cst.parse_module(text))
    tree, parents = ast.parse(text), parent_map(module)
    nodes = [node for node in iter_code(module) if not isinstance(node, cst.Module) and _inside_statement(module, node)]
    for node in nodes[:: max(1, len(nodes) // 150)]:
        assert positions.start_positions(module, [node], tree, parents) == {id(node): expected[id(node)]}


def test_a_node_in_a_loop_header_leaves_the_body_ungenerated(monkeypatch) -> None:
    text = "for i in f(x):\n" + "".join(f"    y{n} = g({n})\n" for n in range(50))
    module = cst.parse_module(text)
    call = module.body[0].iter  # type: ignore[attr-defined]
    generated: List[cst.CSTNode] = []
    original = cst.SimpleStatementLine._codegen_impl

    def spy(self: cst.SimpleStatementLine, state, **kwargs) -> None:
        generated.append(self)
        original(self, state, **kwargs)

    monkeypatch.setattr(cst.SimpleStatementLine, "_codegen_impl", spy)
    assert positions.start_positions(module, [call], ast.parse(text)) == {id(call): (1, 9)}
    assert generated == []
