"""Property-based tests: legacy snippets built from the rules' own examples, varied by hypothesis.

Variations: the import aliases renamed (`import torch.nn.functional as <alias>`),
bodies nested in functions, classes and blocks, comments everywhere a comment may
go (whole lines, line ends, after an opening bracket), and several examples
combined in one module. Properties: the output parses, `fix` is idempotent, every
comment survives, no safe fix is left undone, and a safe rule's legacy spelling is
gone from the snippets it rewrote.
"""

from __future__ import annotations

import ast
import builtins
import io
import keyword
import re
import textwrap
import tokenize
from typing import Dict, List, Optional, Sequence, Set, Tuple

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from migrator.config import Settings
from migrator.engine import check_source, fix_source
from migrator.registry import all_rules
from migrator.rule import Safety

PROFILE = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same cases on every run: CI never flakes on a new random draw
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)

# migrator's own rules only: rules other tests define would change the draws with the test order
EXAMPLES = [(rule, example) for rule in all_rules() if rule.__module__.startswith("migrator.rules") for example in rule.examples]
FIXING = [(r, e) for r, e in EXAMPLES if e.flagged and e.after is not None and e.after != e.before]
ALIASED = [(r, e) for r, e in EXAMPLES if re.search(r"^\s*(import|from) .* as \w+", e.before, re.M)]
_IMPORT_LINE = re.compile(r"^(import |from \S+ import )")


def _rule_settings(rule, unsafe: bool = True) -> Settings:
    return Settings(select=(rule.code,), unsafe_fixes=unsafe, source_version=getattr(rule, "example_era", "auto"))


def _significant(tokens):
    skipped = {tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    return [t for t in tokens if t.type not in skipped]


def _tokens(source: str):
    return list(tokenize.generate_tokens(io.StringIO(source).readline))


def _names(source: str) -> Set[str]:
    return {t.string for t in _tokens(source) if t.type == tokenize.NAME}


def _splice(source: str, edits: Sequence[Tuple[Tuple[int, int], str, int]]) -> str:
    """Apply (position, text, length-to-replace) edits, given in any order, on line/column positions."""
    lines = source.splitlines(keepends=True) or [""]
    for (line, column), text, length in sorted(edits, reverse=True):
        row = lines[line - 1]
        lines[line - 1] = row[:column] + text + row[column + length :]
    return "".join(lines)


def rename(source: str, old: str, new: str) -> str:
    """Rename the variable `old` (never an attribute `.old` or a keyword argument `old=`)."""
    tokens = _significant(_tokens(source))
    edits = []
    for index, token in enumerate(tokens):
        if token.type != tokenize.NAME or token.string != old:
            continue
        before = tokens[index - 1] if index else None
        after = tokens[index + 1] if index + 1 < len(tokens) else None
        if before is not None and before.string == ".":
            continue
        if after is not None and after.string == "=" and before is not None and before.string in ("(", ","):
            continue
        edits.append((token.start, new, len(old)))
    return _splice(source, edits)


def split_imports(source: str) -> Tuple[List[str], List[str]]:
    """The leading import lines, and the rest."""
    lines = source.splitlines(keepends=True)
    head: List[str] = []
    for index, line in enumerate(lines):
        if _IMPORT_LINE.match(line) and not line.rstrip().endswith(("(", "\\")):
            head.append(line)
        elif not line.strip():
            head.append(line)
        else:
            return head, lines[index:]
    return head, []


NESTINGS = {
    "function": "def _nested(model, x, y):\n",
    "method": "class _Nested:\n    def run(self, x):\n",
    "if": "if __name__ == '__main__':\n",
    "with": "with open('data') as _handle:\n",
    "loop": "for _step in range(3):\n",
    "try": "try:\n",
}


def nest(source: str, how: str) -> str:
    head, body = split_imports(source)
    if not body:
        return source
    header = NESTINGS[how]
    depth = header.count("\n") * 4
    indented = "".join((" " * depth + line) if line.strip() else line for line in body)
    tail = "except ImportError:\n    pass\n" if how == "try" else ""
    return "".join(head) + header + indented + tail


@st.composite
def commented(draw, source: str, tag: str) -> Tuple[str, List[str]]:
    """`source` with marker comments at line starts, line ends and after opening brackets."""
    tokens = _tokens(source)
    edits = []
    markers: List[str] = []
    logical_start = True
    for token in tokens:
        kind = token.type
        if kind in (tokenize.INDENT, tokenize.DEDENT, tokenize.NL, tokenize.COMMENT, tokenize.ENDMARKER):
            continue
        if logical_start and draw(st.booleans()):
            text = f"# {tag}-line-{len(markers)}"
            markers.append(text)
            line, column = token.start
            edits.append(((line, 0), " " * column + text + "\n", 0))
        logical_start = kind == tokenize.NEWLINE
        if kind == tokenize.NEWLINE and token.string and draw(st.booleans()):
            text = f"# {tag}-end-{len(markers)}"
            markers.append(text)
            edits.append((token.start, "  " + text, 0))
        elif kind == tokenize.OP and token.string in "([{" and draw(st.integers(0, 3)) == 0:
            text = f"# {tag}-open-{len(markers)}"
            markers.append(text)
            line, column = token.end
            edits.append((token.end, "  " + text + "\n" + " " * (column + 4), 0))
    return _splice(source, edits), markers


def _alias_names() -> st.SearchStrategy[str]:
    return st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,7}", fullmatch=True).map(lambda s: "al_" + s)


# Exact: renaming an alias renames it in the expected output too, and nothing else changes.


@PROFILE
@given(case=st.sampled_from(ALIASED), alias=_alias_names())
def test_alias_renamed_gives_the_renamed_result(case, alias) -> None:
    rule, example = case
    aliases = [a.asname for node in ast.walk(_parse_lenient(example.before)) if isinstance(node, (ast.Import, ast.ImportFrom)) for a in node.names if a.asname]
    assume(aliases)
    expected_source = example.after if example.after is not None else example.before
    assume(alias not in _names(example.before) | _names(expected_source))
    old = aliases[0]
    before = rename(example.before, old, alias)
    expected = rename(expected_source, old, alias)
    result = fix_source(before.encode(), _rule_settings(rule))
    assert result.error is None, result.error
    assert result.output.decode() == expected, f"{rule.code}: {old} -> {alias}"
    found = [f for f in check_source(before.encode(), _rule_settings(rule)).remaining if f.code == rule.code]
    assert bool(found) == example.flagged


def _parse_lenient(source: str) -> ast.Module:
    try:
        return ast.parse(source)
    except SyntaxError:
        return ast.parse("")


# Loose: whatever the combination, the output parses, is stable, keeps every comment, leaves no safe fix undone.


def _bound_and_used(source: str) -> Tuple[Set[str], Set[str]]:
    tree = _parse_lenient(source.replace("async=", "async_="))
    bound: Set[str] = set()
    used: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bound.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.Name):
            used.add(node.id)
            if isinstance(node.ctx, ast.Store):
                bound.add(node.id)  # two snippets assigning one name: neither name holds one value
    return bound, used


def _compatible(chosen: Sequence) -> bool:
    """No example binds a name another one uses differently (a user's own `Variable` next to torch's)."""
    facts = []
    for _, example in chosen:
        head, _ = split_imports(example.before)
        bound, used = _bound_and_used(example.before)
        facts.append((set(line.strip() for line in head if line.strip()), bound, used))
    for i, (imports_a, bound_a, used_a) in enumerate(facts):
        for imports_b, bound_b, used_b in facts[i + 1 :]:
            shared = (bound_a & (bound_b | used_b)) | (bound_b & (bound_a | used_a))
            for name in shared:
                same = [l for l in imports_a if re.search(rf"\b{re.escape(name)}\b", l)] == [
                    l for l in imports_b if re.search(rf"\b{re.escape(name)}\b", l)
                ]
                if not same or not any(re.search(rf"\b{re.escape(name)}\b", l) for l in imports_a):
                    return False
    return True


def combine(chosen: Sequence, nestings: Sequence[str]) -> Tuple[str, List[Tuple[int, str]]]:
    """One module: the examples' imports hoisted and merged, each body in its own block between markers."""
    imports: List[str] = []
    blocks: List[str] = []
    regions = []
    for index, ((rule, example), how) in enumerate(zip(chosen, nestings)):
        head, body = split_imports(example.before)
        for line in head:
            if line.strip() and line not in imports:
                imports.append(line)
        start, end = f"# region-{index}-start", f"# region-{index}-end"
        text = "".join(body)
        block = nest("import os\n" + text, how)[len("import os\n") :] if how != "flat" else text
        blocks.append(f"{start}\n{block}{end}\n")
        regions.append((index, (start, end)))
    return "".join(imports) + "\n\n" + "\n".join(blocks), regions


def _region(text: str, start: str, end: str) -> str:
    assert start in text and end in text, (start, end)
    return text[text.index(start) : text.index(end)]


def _legacy_spellings(rule, example, source_version: str = "auto") -> List[str]:
    """The rule's trigger words the rewritten example must have lost (for a fix the rule calls
    safe when the source era is `source_version`, as in the run being checked)."""
    settings = Settings(select=(rule.code,), source_version=source_version)
    findings = [f for f in check_source(example.before.encode(), settings).remaining if f.code == rule.code]
    if not findings or any(f.safety is not Safety.SAFE for f in findings):
        return []
    return [t for t in rule.triggers if t in example.before and t not in example.after]


@PROFILE
@given(data=st.data())
def test_combined_snippets_keep_every_property(data) -> None:
    count = data.draw(st.integers(1, 3), label="examples")
    chosen = data.draw(st.lists(st.sampled_from(FIXING + EXAMPLES), min_size=count, max_size=count), label="chosen")
    assume(_compatible(chosen))
    nestings = data.draw(st.lists(st.sampled_from(["flat", *NESTINGS]), min_size=count, max_size=count), label="nesting")
    source, regions = combine(chosen, nestings)
    source, markers = data.draw(commented(source, "c"), label="comments")
    unsafe = data.draw(st.booleans(), label="unsafe")
    options = Settings(unsafe_fixes=unsafe)
    assume(_valid_for_libcst(source))

    result = fix_source(source.encode(), options)
    assert result.error is None, f"{result.error}\n{source}"
    output = result.output.decode()
    ast.parse(output)
    for marker in markers:
        assert marker in output, f"comment {marker!r} lost\n--- before\n{source}\n--- after\n{output}"
    again = fix_source(result.output, options)
    # a fix can remove the idioms the era was read from (`fix` then says which `--source-version`
    # keeps it); only a second run that reads the same era must change nothing
    if again.era == result.era:
        assert again.output == result.output, f"a second fix changed the output\n{output}"
    left = [f for f in check_source(result.output, options).remaining if f.safety is Safety.SAFE and again.era == result.era]
    assert not left, f"safe fixes left undone: {left}\n{output}"
    for index, (start, end) in regions:
        rule, example = chosen[index]
        if example.after is None or not example.flagged:
            continue
        region = _region(output, start, end)
        for spelling in _legacy_spellings(rule, example):
            code = "\n".join(line.split("#", 1)[0] for line in region.splitlines())
            assert spelling not in code, f"{rule.code}: legacy `{spelling}` still in\n{region}"


def _valid_for_libcst(source: str) -> bool:
    import libcst

    try:
        libcst.parse_module(source)
    except Exception:
        return False
    return True


@PROFILE
@given(case=st.sampled_from(FIXING), how=st.sampled_from(sorted(NESTINGS)))
def test_nested_example_is_fixed_like_the_flat_one(case, how) -> None:
    """Inside a function, a method, a block: the same rewrite as at the top level, or (a rule that only
    trusts module-level facts) none at all; never a different one. Compared as syntax trees."""
    rule, example = case
    before = nest(example.before, how)
    assume(before != example.before)
    result = fix_source(before.encode(), _rule_settings(rule))
    assert result.error is None, result.error
    expected = nest(example.after, how)
    got = ast.dump(ast.parse(result.output))
    if got != ast.dump(ast.parse(expected)):
        assert result.output == before.encode(), (
            f"{rule.code} nested in {how}:\n--- got\n{result.output.decode()}\n--- expected\n{expected}"
        )


# The same properties with many more cases, for the slow run.
MORE = settings(PROFILE, max_examples=400)


@pytest.mark.slow
@MORE
@given(case=st.sampled_from(ALIASED), alias=_alias_names())
def test_alias_renamed_many(case, alias) -> None:
    test_alias_renamed_gives_the_renamed_result.hypothesis.inner_test(case, alias)


@pytest.mark.slow
@MORE
@given(data=st.data())
def test_combined_snippets_many(data) -> None:
    test_combined_snippets_keep_every_property.hypothesis.inner_test(data)


@pytest.mark.slow
@MORE
@given(case=st.sampled_from(FIXING), how=st.sampled_from(sorted(NESTINGS)))
def test_nested_example_many(case, how) -> None:
    test_nested_example_is_fixed_like_the_flat_one.hypothesis.inner_test(case, how)
