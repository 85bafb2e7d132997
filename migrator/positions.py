"""Where nodes start in the source, for findings: libcst's `PositionProvider`, made cheap.

The provider builds a position object for every node while generating the code of the
whole module (more than twice the cost of parsing). Findings need the start of a few
nodes only. This codegen state records character offsets, with the provider's own rules
(the syntactic start where a node declares one, else where its code begins), and turns
just the wanted ones into lines and columns.

Even generating the whole module costs a third of the parse. CPython's `ast` of the same
text (which the engine builds anyway, to check that CPython accepts the code) knows the
line and column of every statement; so only the innermost statement around each wanted
node is generated, indented as in the file and only as far as its last wanted node (a
loop's body is not generated for a finding in its header), and its lines are counted
from where `ast` puts it. When the two trees cannot be paired, the whole module is generated.
"""

from __future__ import annotations

import ast
import bisect
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

import libcst as cst
from libcst._nodes.internal import CodegenState

from migrator.walk import code_children

_NEWLINE = re.compile(r"\r\n?|\n")  # what libcst counts as a line break


@dataclass(frozen=False)
class _OffsetState(CodegenState):
    offset: int = 0
    starts: Dict[int, int] = field(default_factory=dict)  # node id -> offset of its start
    stack: List[int] = field(default_factory=list)
    # ids of the nodes still to place; once none is left, the code after them is not needed
    waiting: Optional[Set[int]] = None

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)
        for token in self.indent_tokens:
            self.offset += len(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self.offset += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self.stack.append(self.offset)

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self.stack.pop()
        self.starts.setdefault(id(node), start)  # a syntactic start recorded inside the node wins
        waiting = self.waiting
        if waiting is not None and id(node) in waiting:
            waiting.discard(id(node))
            if not waiting:
                raise _AllPlaced

    @contextmanager
    def record_syntactic_position(
        self, node: cst.CSTNode, *, start_node: Optional[cst.CSTNode] = None, end_node: Optional[cst.CSTNode] = None
    ) -> Iterator[None]:
        start = self.offset
        yield
        if start_node is not None:
            start = self.starts.get(id(start_node), start)
        self.starts[id(node)] = start


Position = Tuple[int, int]  # 1-based line, 0-based column


def start_positions(
    module: cst.Module,
    nodes: Iterable[cst.CSTNode],
    tree: Optional[ast.Module] = None,
    parents: Optional[Dict[int, cst.CSTNode]] = None,
) -> Dict[int, Position]:
    """Node id -> (1-based line, 0-based column) of its start, as `PositionProvider` gives it.

    `tree`: CPython's `ast` of the module's code, if the caller has it; without it, or
    when it cannot be paired with `module`, the whole module is generated. `parents`:
    the module's `parent_map`, if the caller has it; else the nodes are searched for.
    """
    nodes = list(nodes)
    if tree is not None and nodes:
        try:
            return _positions_from_statements(module, nodes, tree, parents)
        except _Unpaired:
            pass
    return _positions_from_module(module, nodes)


def _positions_from_module(module: cst.Module, nodes: List[cst.CSTNode]) -> Dict[int, Position]:
    state = _OffsetState(default_indent=module.default_indent, default_newline=module.default_newline)
    module._codegen(state)
    code = "".join(state.tokens)
    line_starts = _line_starts(code)
    found = {}
    for node in nodes:
        found[id(node)] = _line_and_column(line_starts, state.starts[id(node)])
    return found


def _line_starts(code: str) -> List[int]:
    return [0] + [match.end() for match in _NEWLINE.finditer(code)]


def _line_and_column(line_starts: List[int], offset: int) -> Position:
    line = bisect.bisect_right(line_starts, offset)
    return line, offset - line_starts[line - 1]


class _AllPlaced(Exception):
    """Every wanted node of a statement has its start: the rest of its code (a loop's body) is not generated."""


class _Unpaired(Exception):
    """The libcst and ast trees do not line up (or a node lies outside every statement)."""


def _positions_from_statements(
    module: cst.Module, nodes: List[cst.CSTNode], tree: ast.Module, parents: Optional[Dict[int, cst.CSTNode]] = None
) -> Dict[int, Position]:
    anchors: Dict[int, Position] = {}  # id of a statement in a block -> (line, column) of its first token
    _pair_block(module.body, tree.body, anchors)
    innermost = _innermost_anchors(module, nodes, anchors) if parents is None else None
    by_anchor: Dict[int, Tuple[cst.CSTNode, List[cst.CSTNode]]] = {}
    for node in nodes:
        if innermost is not None:
            anchor = innermost[id(node)]
        else:
            anchor = node
            while id(anchor) not in anchors:
                parent = parents.get(id(anchor))  # type: ignore[union-attr]
                if parent is None:
                    raise _Unpaired(node)
                anchor = parent
        by_anchor.setdefault(id(anchor), (anchor, []))[1].append(node)
    found: Dict[int, Position] = {}
    for anchor, wanted in by_anchor.values():
        first_line, column = anchors[id(anchor)]
        state = _OffsetState(default_indent=module.default_indent, default_newline=module.default_newline)
        state.indent_tokens.append(" " * column)  # only its length matters: columns count characters
        state.waiting = {id(node) for node in wanted}
        try:
            anchor._codegen(state)
        except _AllPlaced:
            pass
        code = "".join(state.tokens)
        line_starts = _line_starts(code)
        token_line = _first_code_line(code, line_starts)  # the lines before it are leading comments and blanks
        for node in wanted:
            line, node_column = _line_and_column(line_starts, state.starts[id(node)])
            found[id(node)] = (first_line + line - token_line, node_column)
    return found


def _innermost_anchors(
    module: cst.Module, nodes: List[cst.CSTNode], anchors: Dict[int, Position]
) -> Dict[int, cst.CSTNode]:
    """id(node) -> the innermost anchored statement around it, by a walk that stops once all are found.

    Without a parent map: one for a large module costs more memory than its whole tree's
    positions are worth here.
    """
    wanted = {id(node) for node in nodes}
    found: Dict[int, cst.CSTNode] = {}
    stack: List[Tuple[cst.CSTNode, Optional[cst.CSTNode]]] = [(module, None)]
    while stack and len(found) < len(wanted):
        node, anchor = stack.pop()
        if id(node) in anchors:
            anchor = node
        if id(node) in wanted and anchor is not None:
            found[id(node)] = anchor
        stack.extend((child, anchor) for child in code_children(node))
    if len(found) < len(wanted):
        raise _Unpaired(module)
    return found


_BLANK_OR_COMMENT = re.compile(r"[ \t\f]*(?:#[^\r\n]*)?(?:\r\n?|\n)")


def _first_code_line(code: str, line_starts: List[int]) -> int:
    """The 1-based line of the first token of a statement's code (after its leading lines)."""
    for number, start in enumerate(line_starts, 1):
        if not _BLANK_OR_COMMENT.match(code, start):
            return number
    raise _Unpaired(code)


# libcst compound statements and the ast classes they parse to
_COMPOUND = {
    cst.If: (ast.If,),
    cst.For: (ast.For, ast.AsyncFor),
    cst.While: (ast.While,),
    cst.Try: (ast.Try,),
    cst.TryStar: (ast.TryStar,),
    cst.With: (ast.With, ast.AsyncWith),
    cst.FunctionDef: (ast.FunctionDef, ast.AsyncFunctionDef),
    cst.ClassDef: (ast.ClassDef,),
    cst.Match: (ast.Match,),
}


def _pair_block(statements: Sequence[cst.BaseStatement], trees: Sequence[ast.stmt], anchors: Dict[int, Position]) -> None:
    index = 0
    for statement in statements:
        if index >= len(trees):
            raise _Unpaired(statement)
        tree = trees[index]
        if isinstance(statement, cst.SimpleStatementLine):
            anchors[id(statement)] = (tree.lineno, tree.col_offset)
            index += len(statement.body)
            continue
        if not isinstance(tree, _COMPOUND.get(type(statement), ())):
            raise _Unpaired(statement)
        decorators = getattr(tree, "decorator_list", None)
        # a decorated definition starts at its first `@`, in the column of its `def` or `class`
        line = decorators[0].lineno if decorators else tree.lineno
        anchors[id(statement)] = (line, tree.col_offset)
        _pair_compound(statement, tree, anchors)
        index += 1
    if index != len(trees):
        raise _Unpaired(statements)


def _pair_suite(suite: cst.BaseSuite, trees: Sequence[ast.stmt], anchors: Dict[int, Position]) -> None:
    if isinstance(suite, cst.IndentedBlock):
        _pair_block(suite.body, trees, anchors)
    # a one-line suite (`if x: y = 1`) holds small statements: its compound statement is their anchor


def _pair_compound(statement: cst.BaseCompoundStatement, tree: ast.stmt, anchors: Dict[int, Position]) -> None:
    if isinstance(statement, cst.Match):
        cases = tree.cases  # type: ignore[attr-defined]
        if len(statement.cases) != len(cases):
            raise _Unpaired(statement)
        for case, case_tree in zip(statement.cases, cases):
            _pair_suite(case.body, case_tree.body, anchors)
        return
    _pair_suite(statement.body, tree.body, anchors)  # type: ignore[attr-defined]
    if isinstance(statement, cst.If):
        if isinstance(statement.orelse, cst.If):
            # `elif`: paired with the ast `If` it becomes, but generated only with the whole chain
            if len(tree.orelse) != 1 or not isinstance(tree.orelse[0], ast.If):  # type: ignore[attr-defined]
                raise _Unpaired(statement)
            _pair_compound(statement.orelse, tree.orelse[0], anchors)  # type: ignore[attr-defined]
        elif statement.orelse is not None:
            _pair_suite(statement.orelse.body, tree.orelse, anchors)  # type: ignore[attr-defined]
    elif isinstance(statement, (cst.For, cst.While)):
        if statement.orelse is not None:
            _pair_suite(statement.orelse.body, tree.orelse, anchors)  # type: ignore[attr-defined]
    elif isinstance(statement, (cst.Try, cst.TryStar)):
        handlers = tree.handlers  # type: ignore[attr-defined]
        if len(statement.handlers) != len(handlers):
            raise _Unpaired(statement)
        for handler, handler_tree in zip(statement.handlers, handlers):
            _pair_suite(handler.body, handler_tree.body, anchors)
        if statement.orelse is not None:
            _pair_suite(statement.orelse.body, tree.orelse, anchors)  # type: ignore[attr-defined]
        if statement.finalbody is not None:
            _pair_suite(statement.finalbody.body, tree.finalbody, anchors)  # type: ignore[attr-defined]
