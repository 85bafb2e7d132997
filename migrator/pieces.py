"""A large text parsed by libcst in pieces, joined into the tree the whole text parses to.

libcst's native parser holds about 500 bytes of working memory per source byte until
it returns, twelve times the tree it builds: a 1.4 MB file needs 800 MB at once.
Parsed a piece at a time, the peak is the tree plus one piece's working memory.

CPython's `ast` of the text shows where to cut. The text is cut between top-level
statements; a statement too long for one piece leaves holes: runs of its block's
statements, or of its collection literal's elements, each parsed on its own in a
wrapper that puts it at the same depth (a run of statements in nested `if 1:` blocks
indented as in the file, elements in a list or dict in such a block), and put where a
placeholder stood in the statement's own parse. A hole may hold holes in turn.

Each piece and hole either parses or the whole text is parsed at once, so the joined
tree is always the whole-text tree: a piece that parses alone ends where the whole
text's tokens are at the top level again, and libcst gives the lines between
statements to the same owners in either parse when they are blank lines or
comments no deeper than the block around them (`_Lines.owned_by_next`).
"""

from __future__ import annotations

import ast
import bisect
import re
import warnings
from dataclasses import dataclass
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import libcst as cst

PIECE_CHARS = 16 * 1024  # about 8 MB of parser working memory for typical code
SPLIT_ABOVE = 4 * PIECE_CHARS  # below, a whole parse needs about 30 MB for typical code, and no CPython parse first

_LINE_END = re.compile(r"\r\n|\r|\n")
_GAP_LINE = re.compile(r"[ \t\f]*(?:\r\n|\r|\n|$)|([ \t]*)#")  # a blank line, or a comment and its indent
_INDENT = re.compile(r"[ \t]*")
_PLACEHOLDER = "__migrator_piece_{}__"
_LITERALS = (ast.List, ast.Set, ast.Dict, ast.Tuple)
# the clauses of a compound statement that may hold its first indented block
_BLOCK_CLAUSES = (cst.Else, cst.Finally, cst.ExceptHandler, cst.ExceptStarHandler, cst.MatchCase, cst.If)


@dataclass(frozen=True)
class Piece:
    """A span of the text parsed on its own, with the holes parsed apart from it.

    kind: "module" (top-level statements), "statements" (a run of a block's statements,
    from its first line's start), "elements" or "entries" (a run of a list's, set's or
    tuple's elements, or of a dict's entries). `blocks`: the indents of the blocks around
    it, outermost first (for a run of statements, its own block's last).
    """

    start: int
    end: int
    kind: str
    blocks: Tuple[str, ...] = ()
    holes: Tuple["Piece", ...] = ()


def cut(text: str, tree: ast.Module, piece_chars: int = PIECE_CHARS) -> Optional[List[Piece]]:
    """Pieces of `text`, about `piece_chars` long, from CPython's `tree` of it; None when it
    offers no place to cut. Worth it for a text longer than `SPLIT_ABOVE`."""
    if "__migrator_piece_" in text:
        return None
    return _plan(_Lines(text), tree.body, piece_chars)


def cut_with_python_tree(text: str, piece_chars: int = PIECE_CHARS) -> Optional[Tuple[ast.Module, Optional[List[Piece]]]]:
    """CPython's tree of `text`, statements only (`strip_expressions`), and the pieces `cut` gives.

    CPython's parser also needs ten times the tree it builds while it runs, so a long
    text is parsed by it in pieces too, cut at lines that start a top-level statement, and
    each statement is planned and stripped before the next piece is parsed. A piece that
    does not parse is joined to the next; None when the last one still does not (the
    caller parses the whole text, for CPython's own error message). Worth it for a text
    longer than `SPLIT_ABOVE`.
    """
    if "__migrator_piece_" in text or "barry_as_FLUFL" in text:
        return None
    lines = _Lines(text)
    statements: List[ast.stmt] = []
    try:
        pieces = _plan(lines, _stripped_after_use(_python_statements(lines, piece_chars), statements), piece_chars)
    except _Unparsable:
        return None
    return ast.Module(body=statements, type_ignores=[]), pieces


def _plan(lines: _Lines, statements: Iterable[ast.stmt], piece_chars: int) -> Optional[List[Piece]]:
    pieces = _Planner(lines, piece_chars).module(statements)
    return pieces if len(pieces) > 1 or pieces[0].holes else None


_TOP_LEVEL_LINE = re.compile(r"^(?!(?:else|elif|except|finally)\b)[A-Za-z_@]", re.M)


class _Unparsable(Exception):
    """CPython does not accept the text's last piece, even joined to all before it that failed."""


def _python_statements(lines: _Lines, piece_chars: int) -> Iterator[ast.stmt]:
    """The top-level statements of CPython's tree of the text, parsed a piece at a time.

    A piece ends before a line that starts at column 0, at least `piece_chars` on; if it
    does not parse (the line was inside a string, say), it is made about twice as long.
    Each piece is parsed after as many line breaks as lines come before it, so that its
    line numbers are the file's. A piece that parses alone ends where the whole text's
    tokens are at the top level again (else its last string or bracket would be open),
    and the next one starts a statement: the pieces' statements are the whole text's.
    """
    text = lines.text
    candidates = [match.start() for match in _TOP_LEVEL_LINE.finditer(text)] + [len(text)]
    start, index = 0, 0
    while start < len(text):
        index = bisect.bisect_left(candidates, start + piece_chars, lo=index)
        while True:
            end = candidates[min(index, len(candidates) - 1)]
            line = bisect.bisect_right(lines.starts, start)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    tree = ast.parse("\n" * (line - 1) + text[start:end])
                break
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                if end == len(text):
                    raise _Unparsable() from None
                # twice as long: a long string with lines at column 0 costs a few parses, not one per line
                index = bisect.bisect_left(candidates, end + (end - start), lo=index + 1)
        yield from tree.body
        del tree
        start = end


def _stripped_after_use(statements: Iterator[ast.stmt], kept: List[ast.stmt]) -> Iterator[ast.stmt]:
    """`statements`, each stripped of its expressions once the reader asks for the next, and kept."""
    for statement in statements:
        yield statement
        strip_expressions(statement)
        kept.append(statement)


_BLOCK_FIELDS = frozenset({"body", "orelse", "finalbody", "handlers", "cases", "decorator_list"})


def strip_expressions(statement: ast.stmt) -> None:
    """Drop a statement's expressions, in place, keeping its blocks and decorators: all that
    placing findings reads. For a large file, the expressions are most of CPython's tree."""
    pending: List[ast.AST] = [statement]
    while pending:
        node = pending.pop()
        for name, value in ast.iter_fields(node):
            if name in _BLOCK_FIELDS:
                if name != "decorator_list":
                    pending.extend(value)
            elif isinstance(value, (ast.AST, list)):
                setattr(node, name, [] if isinstance(value, list) else None)


def parse_pieces(text: str, pieces: Sequence[Piece]) -> Optional[cst.Module]:
    """The module the whole `text` parses to, from its pieces; None if one does not parse."""
    return _Joiner(text).module(pieces)


class _Lines:
    """Offsets of the text's lines, as CPython numbers them (`\\r\\n`, `\\r` and `\\n` end a line)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [match.end() for match in _LINE_END.finditer(text)]  # line n starts at starts[n - 1]

    def start(self, line: int) -> int:
        return self.starts[line - 1]

    def after(self, line: int) -> Optional[int]:
        """Where the line after `line` starts; None if no line break ends `line`."""
        return self.starts[line] if line < len(self.starts) else None

    def offset(self, line: int, column: int) -> int:
        """The text offset of an `ast` position, whose columns count UTF-8 bytes."""
        start = self.starts[line - 1]
        prefix = self.text[start : start + column]
        if prefix.isascii():
            return start + column
        return start + len(prefix.encode("utf-8", "surrogatepass")[:column].decode("utf-8", "ignore"))

    def span(self, node: ast.AST) -> Tuple[int, int]:
        return (
            self.offset(node.lineno, node.col_offset),  # type: ignore[attr-defined]
            self.offset(node.end_lineno, node.end_col_offset),  # type: ignore[attr-defined]
        )

    def owned_by_next(self, first: int, stop: int, blocks: Tuple[str, ...]) -> bool:
        """Whether lines `first`..`stop - 1` are blank, or comments at column 0 or at one of `blocks`' indents.

        libcst gives such lines to the statement after them (or to the footer of the block
        they end) in either parse; a comment indented deeper may belong to the last block
        of the statement before them.
        """
        for line in range(first, stop):
            match = _GAP_LINE.match(self.text, self.starts[line - 1])
            if match is None or (match.group(1) and match.group(1) not in blocks):
                return False
        return True

    def next_code_line(self, line: int) -> int:
        """The first line from `line` on that is neither blank nor a comment (one past the last if none)."""
        while line <= len(self.starts) and self.starts[line - 1] < len(self.text):
            if not _GAP_LINE.match(self.text, self.starts[line - 1]):
                break
            line += 1
        return line


_SEPARATOR = re.compile(r"(?:[ \t\f\r\n\\]|#[^\r\n]*)*,?(?:[ \t\f\r\n\\]|#[^\r\n]*)*")


def _first_line(statement: ast.stmt) -> int:
    return min([statement.lineno] + [d.lineno for d in getattr(statement, "decorator_list", ())])


class _Planner:
    def __init__(self, lines: _Lines, piece_chars: int) -> None:
        self.lines = lines
        self.piece_chars = piece_chars

    def module(self, statements: Iterable[ast.stmt]) -> List[Piece]:
        """Runs of top-level statements about `piece_chars` long, cut where the lines between allow.

        Each statement is read once, in order, before the next is asked for.
        """
        lines = self.lines
        pieces: List[Piece] = []
        start = 0
        holes: List[Piece] = []
        previous: Optional[ast.stmt] = None
        for statement in statements:
            if previous is not None:
                last = previous.end_lineno or previous.lineno
                end = lines.after(last)
                following = _first_line(statement)
                if end is not None and end - start >= self.piece_chars and following > last and lines.owned_by_next(last + 1, following, ()):
                    pieces.append(Piece(start, end, "module", (), tuple(holes)))
                    start, holes = end, []
            holes.extend(self._holes(statement, ()))
            previous = statement
        pieces.append(Piece(start, len(lines.text), "module", (), tuple(holes)))
        return pieces

    def _holes(self, statement: ast.stmt, blocks: Tuple[str, ...]) -> List[Piece]:
        """The holes of a statement in a block indented `blocks[-1]`, if it is too long for one piece."""
        start, end = self.lines.span(statement)
        if end - start <= self.piece_chars:
            return []
        body = getattr(statement, "body", None)
        if isinstance(body, list):
            return self._statement_holes(body, blocks)
        literal = self._outermost_big_literal(statement)
        return self._element_holes(literal, blocks) if literal is not None else []

    def _indent(self, statement: ast.stmt) -> Optional[str]:
        """The indent of the line `statement` starts, None if something comes before it there."""
        lines = self.lines
        line_start = lines.start(_first_line(statement))
        indent = _INDENT.match(lines.text, line_start).group()  # type: ignore[union-attr]
        first_token = line_start + len(indent)
        if getattr(statement, "decorator_list", None):
            return indent if lines.text.startswith("@", first_token) else None
        return indent if lines.offset(statement.lineno, statement.col_offset) == first_token else None

    def _statement_holes(self, body: List[ast.stmt], outer: Tuple[str, ...]) -> List[Piece]:
        """Runs of a block's statements, each from its first statement's line to the end of its last one's."""
        lines = self.lines
        indent = self._indent(body[0])
        enclosing = outer[-1] if outer else ""
        if indent is None or len(indent) <= len(enclosing) or not indent.startswith(enclosing):
            return []  # the body shares its header's line, or is indented oddly
        blocks = (*outer, indent)
        holes: List[Piece] = []
        run_start: Optional[int] = None
        inner: List[Piece] = []
        for index, statement in enumerate(body):
            if run_start is None:
                if self._indent(statement) != indent:
                    continue
                run_start = lines.start(_first_line(statement))
            inner.extend(self._holes(statement, blocks))
            last = statement.end_lineno or statement.lineno
            end = lines.after(last)
            if end is None:
                break
            if end - run_start < self.piece_chars and index + 1 < len(body):
                continue
            following = _first_line(body[index + 1]) if index + 1 < len(body) else lines.next_code_line(last + 1)
            if following > last and lines.owned_by_next(last + 1, following, blocks):
                holes.append(Piece(run_start, end, "statements", blocks, tuple(inner)))
                run_start, inner = None, []
        return holes

    def _outermost_big_literal(self, node: ast.AST) -> Optional[ast.expr]:
        """The first collection literal inside `node` longer than `piece_chars`, outside f-strings
        (whose inner positions 3.11 guesses)."""
        pending: List[ast.AST] = [node]
        while pending:
            node = pending.pop(0)
            for child in ast.iter_child_nodes(node):
                if not isinstance(child, ast.expr) or isinstance(child, ast.JoinedStr):
                    continue
                start, end = self.lines.span(child)
                if end - start <= self.piece_chars:
                    continue
                if isinstance(child, _LITERALS):
                    return child
                pending.append(child)
        return None

    def _element_holes(self, literal: ast.expr, blocks: Tuple[str, ...]) -> List[Piece]:
        """Runs of a collection literal's elements, from a run's first element's start to its last one's end.

        Between two runs, the comma and the space around it stay in the statement: in
        either parse, the comma owns them.
        """
        lines = self.lines
        members: List[Tuple[Optional[int], int, Optional[ast.expr]]] = []  # start (None: unknown), end, literal inside
        if isinstance(literal, ast.Dict):
            kind = "entries"
            for key, value in zip(literal.keys, literal.values):
                # `ast` does not say where the `**` of `**mapping` is
                start = None if key is None else lines.span(key)[0]
                members.append((start, lines.span(value)[1], value))
        else:
            kind = "elements"
            if isinstance(literal, ast.Tuple) and lines.text[lines.span(literal)[0]] != "(":
                return []  # outside brackets, a line break would end the statement
            for element in literal.elts:  # type: ignore[attr-defined]
                start, end = lines.span(element)
                members.append((start, end, element))
        opening, closing = lines.span(literal)
        text = lines.text
        # where each member may start or end a run: `ast` puts a parenthesized element inside
        # its parentheses, so only commas, white space and comments may lie between members
        ends = [opening + 1] + [end for _, end, _ in members]
        starts = [start for start, _, _ in members] + [closing - 1]
        clean = [
            start is not None and _SEPARATOR.fullmatch(text, previous_end, start) is not None
            for previous_end, start in zip(ends, starts)
        ]  # clean[i]: between member i - 1 (or the opening bracket) and member i (or the closing one)
        holes: List[Piece] = []
        run_start: Optional[int] = None
        inner: List[Piece] = []
        for index, (start, end, value) in enumerate(members):
            if run_start is None:
                if not clean[index]:
                    continue
                run_start = start
            if value is not None and end - lines.span(value)[0] > self.piece_chars:
                nested = value if isinstance(value, _LITERALS) else self._outermost_big_literal(value)
                if nested is not None:
                    inner.extend(self._element_holes(nested, blocks))
            if (end - run_start >= self.piece_chars or index + 1 == len(members)) and clean[index + 1]:
                holes.append(Piece(run_start, end, kind, blocks, tuple(inner)))  # type: ignore[arg-type]
                run_start, inner = None, []
        return holes


class _Joiner:
    """Parses pieces and holes, and puts each hole's nodes where its placeholder stands."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.newline: Optional[str] = None  # the file's, from the first piece: libcst takes its first line break
        self.indent: Optional[str] = None  # the file's, from its first indented block
        self.names = 0

    def module(self, pieces: Sequence[Piece]) -> Optional[cst.Module]:
        body: List[cst.BaseStatement] = []
        modules: List[cst.Module] = []
        for piece in pieces:
            parsed = self._parse(piece)
            if parsed is None:
                return None
            module, statements = parsed
            if modules and (modules[-1].footer or module.header):
                return None  # lines that the next statement owns in the whole text
            body.extend(statements)  # type: ignore[arg-type]
            modules.append(module)
        first, last = modules[0], modules[-1]
        return cst.Module(
            body=body,
            header=first.header,
            footer=last.footer,
            encoding=first.encoding,
            default_indent=first.default_indent if self.indent is None else self.indent,
            default_newline=first.default_newline,
            has_trailing_newline=last.has_trailing_newline,
        )

    def _parse(self, piece: Piece) -> Optional[Tuple[cst.Module, Sequence[cst.CSTNode]]]:
        """The module of the piece's wrapped code, and the piece's own nodes in it, holes filled."""
        fillings: Dict[str, Sequence[cst.CSTNode]] = {}
        source: List[str] = []
        position = piece.start
        for hole in piece.holes:
            name = _PLACEHOLDER.format(self.names)
            self.names += 1
            source.append(self.text[position : hole.start])
            if hole.kind == "statements":
                source.append(f"{hole.blocks[-1]}{name}{self.newline or _first_line_break(self.text)}")
            else:
                source.append(f"**{name}" if hole.kind == "entries" else name)
            position = hole.end
            fillings[name] = ()
        source.append(self.text[position : piece.end])
        parsed = self._parse_wrapped(piece, "".join(source))
        if parsed is None:
            return None
        module, nodes = parsed
        if self.newline is None:
            self.newline = module.default_newline
        if self.indent is None and piece.kind in ("module", "statements") and _opens_block(nodes):
            self.indent = module.default_indent
        for name, hole in zip(list(fillings), piece.holes):
            inner = self._parse(hole)
            if inner is None:
                return None
            fillings[name] = inner[1]
        if fillings:
            filler = _Fill(fillings)
            nodes = [node.visit(filler) for node in nodes]
            if filler.filled != len(fillings):
                return None
        return module, nodes

    def _parse_wrapped(self, piece: Piece, source: str) -> Optional[Tuple[cst.Module, Sequence[cst.CSTNode]]]:
        """Parse `source` where the piece sits: after a prelude, in its blocks, in brackets for elements.

        The prelude ends any open clause, so a piece that begins with `else:` fails as in
        the whole text; once an indented block has been seen, it shows libcst the file's
        indent first. Blocks indented like the file's first block carry no indent of their
        own (None) in libcst's tree: every piece must be parsed with the same default.
        """
        newline = self.newline
        if newline is None:  # the first piece: nothing comes before it in the file either
            prelude, skipped = "", 0
        elif self.indent is None:
            prelude, skipped = f"pass{newline}", 1
        else:
            prelude, skipped = f"if 1:{newline}{self.indent}pass{newline}pass{newline}", 2
        nl = newline or _first_line_break(self.text)
        blocks = piece.blocks
        headers = "".join(f"{indent}if 1:{nl}" for indent in ("", *blocks[:-1])) if blocks else ""
        if piece.kind in ("elements", "entries"):
            opening, closing = ("{", "}") if piece.kind == "entries" else ("[", "]")
            source = f"{blocks[-1] if blocks else ''}_ = {opening}{source}{closing}{nl}"
        try:
            module = cst.parse_module(prelude + headers + source)
        except cst.ParserSyntaxError:
            return None
        nodes: Sequence[cst.CSTNode] = module.body[skipped:]
        if piece.kind == "module":
            return module, nodes
        depth = len(piece.blocks)
        for _ in range(depth):  # down the `if 1:` blocks
            if len(nodes) != 1 or not isinstance(nodes[0], cst.If) or not isinstance(nodes[0].body, cst.IndentedBlock):
                return None
            block = nodes[0].body
            if block.footer:
                return None
            nodes = block.body
        if piece.kind == "statements":
            return module, nodes
        if len(nodes) != 1 or not isinstance(nodes[0], cst.SimpleStatementLine):
            return None
        return module, nodes[0].body[0].value.elements  # type: ignore[attr-defined]


def _first_line_break(text: str) -> str:
    match = _LINE_END.search(text)
    return match.group() if match else "\n"


class _Fill(cst.CSTTransformer):
    """Put each hole's statements or elements where its placeholder stands."""

    def __init__(self, fillings: Dict[str, Sequence[cst.CSTNode]]) -> None:
        super().__init__()
        self.fillings = fillings
        self.filled = 0

    def _name(self, node: cst.CSTNode) -> Optional[str]:
        if isinstance(node, cst.SimpleStatementLine) and len(node.body) == 1 and isinstance(node.body[0], cst.Expr):
            node = node.body[0].value
        elif isinstance(node, (cst.Element, cst.StarredDictElement)):
            node = node.value
        if isinstance(node, cst.Name) and node.value in self.fillings:
            return node.value
        return None

    def _filled(self, nodes: Sequence[cst.CSTNode]) -> Optional[List[cst.CSTNode]]:
        result: List[cst.CSTNode] = []
        changed = False
        for node in nodes:
            name = self._name(node)
            if name is None:
                result.append(node)
                continue
            filling = list(self.fillings[name])
            if not filling:
                return None
            if isinstance(node, cst.SimpleStatementLine):  # the lines above the placeholder are the run's
                filling[0] = filling[0].with_changes(leading_lines=[*node.leading_lines, *filling[0].leading_lines])
            else:  # the comma after the placeholder ends the run
                filling[-1] = filling[-1].with_changes(comma=node.comma)  # type: ignore[attr-defined]
            result.extend(filling)
            self.filled += 1
            changed = True
        return result if changed else None

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock) -> cst.IndentedBlock:
        body = self._filled(updated_node.body)
        return updated_node if body is None else updated_node.with_changes(body=body)

    def _leave_collection(self, original_node: cst.CSTNode, updated_node: Any) -> Any:
        elements = self._filled(updated_node.elements)
        return updated_node if elements is None else updated_node.with_changes(elements=elements)

    leave_List = leave_Tuple = leave_Set = leave_Dict = _leave_collection  # type: ignore[assignment]


def _opens_block(nodes: Sequence[cst.CSTNode]) -> bool:
    """Whether one of `nodes` has an indented block: where libcst learns a file's indent."""
    pending = [node for node in nodes if isinstance(node, cst.BaseCompoundStatement)]
    while pending:
        node = pending.pop()
        for child in node.children:
            if isinstance(child, cst.IndentedBlock):
                return True
            if isinstance(child, _BLOCK_CLAUSES):
                pending.append(child)
    return False
