"""The fast walk calls rules' visit/leave methods in exactly the order libcst's batched visitor does."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Dict, List, Tuple

import libcst as cst
import pytest

from migrator.walk import iter_code, visit_batched

ROOT = Path(__file__).resolve().parent.parent

# Every kind of node a rule can visit: expressions, statements and the parts of both.
_KINDS = (
    cst.BaseExpression, cst.BaseStatement, cst.BaseSmallStatement, cst.BaseSuite, cst.Module, cst.Arg,
    cst.Param, cst.Parameters, cst.Decorator, cst.AssignTarget, cst.WithItem, cst.ExceptHandler,
    cst.ExceptStarHandler, cst.CompFor, cst.CompIf, cst.AsName, cst.ImportAlias, cst.SubscriptElement,
    cst.Index, cst.Slice, cst.BaseElement, cst.BaseDictElement, cst.Else, cst.Finally, cst.MatchCase,
    cst.Annotation, cst.FormattedStringExpression, cst.MatchPattern,
)
_NAMES = sorted(
    {
        cls.__name__
        for cls in vars(cst).values()
        if isinstance(cls, type) and issubclass(cls, cst.CSTNode) and issubclass(cls, _KINDS)
    }
)

CONSTRUCTS = '''
@dec(1)
async def f(a, /, b: int = 1, *args, c=2, **kw) -> "T":
    return [x for x in y if x] + {k: v for k, v in d.items()}
class C(B, metaclass=M):
    x: int = 3
y = a if b else c
z = g(k=1, *s, **t)[1:2, ::3]
w = lambda q, r=1: q
for i, j in z: pass
else: pass
with open(f) as g, h as i: pass
try:
    pass
except E as e:
    pass
else:
    pass
finally:
    pass
import a.b as c
from . import d as e
async def h():
    await x
    async for a in b: pass
    async with c as d: pass
del a[1]
assert x, y
global g
print(f"{x!r:>{w}}")
a @= b
match p:
    case [1, *rest] if rest: pass
    case {"k": v, **kw}: pass
    case Point(x=0) | None as q: pass
t = *a, b
s = {*a}
raise E from e
if (n := 10) > 5: pass
elif x: pass
while x: pass
'''


class _Recorder(cst.BatchableCSTVisitor):
    def __init__(self, events: List[Tuple[str, int]]) -> None:
        super().__init__()
        self.events = events

    def get_visitors(self) -> Dict[str, object]:
        table: Dict[str, object] = {}
        for name in _NAMES:
            table[f"visit_{name}"] = lambda node, n=name: self.events.append((f"visit_{n}", id(node)))
            table[f"leave_{name}"] = lambda node, n=name: self.events.append((f"leave_{n}", id(node)))
        return table


def _sources() -> List[Path]:
    files = sorted(ROOT.glob("fixtures/*/legacy.py"))[:10]
    spec = importlib.util.find_spec("torch")
    if spec is not None and spec.submodule_search_locations:
        torch_files = [f for f in sorted(Path(spec.submodule_search_locations[0]).rglob("*.py")) if f.stat().st_size > 2000]
        files += torch_files[:: max(1, len(torch_files) // 15)][:15]
    return files


@pytest.mark.parametrize("source", [CONSTRUCTS] + _sources(), ids=lambda s: s.name if isinstance(s, Path) else "constructs")
def test_walk_matches_libcst_order(source) -> None:
    text = source.read_text(encoding="utf-8") if isinstance(source, Path) else source
    module = cst.parse_module(text)
    expected: List[Tuple[str, int]] = []
    cst.MetadataWrapper(module, unsafe_skip_copy=True).visit_batched([_Recorder(expected)])
    got: List[Tuple[str, int]] = []
    visit_batched(module, [_Recorder(got).get_visitors()])
    assert got == expected
    assert len(got) > 20


def test_iter_code_yields_every_visited_node_once() -> None:
    module = cst.parse_module(CONSTRUCTS)
    events: List[Tuple[str, int]] = []
    visit_batched(module, [_Recorder(events).get_visitors()])
    visited = [node_id for event, node_id in events if event.startswith("visit_")]
    walked = [id(node) for node in iter_code(module) if type(node).__name__ in _NAMES]
    assert walked == visited
