"""Where nodes start in the source, for findings: libcst's `PositionProvider`, made cheap.

The provider builds a position object for every node while generating the code (more
than twice the cost of parsing). Findings need the start of a few nodes only; this
codegen state records character offsets, with the provider's own rules (the syntactic
start where a node declares one, else where its code begins), and turns just the
wanted ones into lines and columns.
"""

from __future__ import annotations

import bisect
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Dict, Iterable, Iterator, List, Optional, Tuple

import libcst as cst
from libcst._nodes.internal import CodegenState

_NEWLINE = re.compile(r"\r\n?|\n")  # what libcst counts as a line break


@dataclass(frozen=False)
class _OffsetState(CodegenState):
    offset: int = 0
    starts: Dict[int, int] = field(default_factory=dict)  # node id -> offset of its start
    stack: List[int] = field(default_factory=list)

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
        self.starts.setdefault(id(node), start)

    @contextmanager
    def record_syntactic_position(
        self, node: cst.CSTNode, *, start_node: Optional[cst.CSTNode] = None, end_node: Optional[cst.CSTNode] = None
    ) -> Iterator[None]:
        start = self.offset
        yield
        if start_node is not None:
            start = self.starts.get(id(start_node), start)
        self.starts[id(node)] = start


def start_positions(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> Dict[int, Tuple[int, int]]:
    """Node id -> (1-based line, 0-based column) of its start, as `PositionProvider` gives it."""
    state = _OffsetState(default_indent=module.default_indent, default_newline=module.default_newline)
    module._codegen(state)
    code = "".join(state.tokens)
    line_starts = [0] + [match.end() for match in _NEWLINE.finditer(code)]
    found = {}
    for node in nodes:
        offset = state.starts[id(node)]
        line = bisect.bisect_right(line_starts, offset)
        found[id(node)] = (line, offset - line_starts[line - 1])
    return found
