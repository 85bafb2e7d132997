"""Source text in, result out: one parse, every selected rule in one batched visit, one replacement pass.

Pure: no file system, no torch. Replacement passes repeat (capped) until no fix
applies, so nested rewrites compose (`Variable(torch.Tensor([[1.0]]))`). A result
that does not compile, or fixes that do not converge, leave the source untouched.
"""

from __future__ import annotations

import ast
import bisect
import difflib
import inspect
import io
import re
import tokenize
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Type, cast

import libcst as cst

from migrator.comments import comment_line, comments, dropped_comments
from migrator.config import Settings
from migrator.context import FileContext
from migrator.era import NEWEST, Version, format_version, in_range, infer_era, parse_version
from migrator.names import ImportTable
from migrator.parsing import parse_module, python_tree
from migrator.pieces import SPLIT_ABOVE, Piece, cut_with_python_tree
from migrator.positions import start_positions
from migrator.registry import all_rules, select_rules
from migrator.rule_index import Candidates, prefilter_plan
from migrator.walk import visit_batched
from migrator.findings import SourceResult
from migrator.rule import Finding, Rule, Safety, _Pending

MAX_PASSES = 10


class _SourceError(Exception):
    """The source cannot be processed; the message is the user-facing reason."""


@dataclass(frozen=True)
class _Plan:
    """The selected rules split by how they run, and the trigger pre-filter."""

    token_rules: Tuple[Type[Rule], ...]
    tree_rules: Tuple[Type[Rule], ...]
    candidates: Optional[Candidates]  # None: no pre-filter
    target: Version
    # the rule of each of the candidates' entries (the same selection, in index order)
    indexed: Tuple[Type[Rule], ...] = ()
    # token rules left out: what they would repair makes the file unparseable, which deserves a clear message
    unselected_token_rules: Tuple[Type[Rule], ...] = ()

    def rules_for(self, text: bytes) -> Tuple[Tuple[Type[Rule], ...], Tuple[Type[Rule], ...]]:
        """The token and tree rules whose triggers occur in `text`: only those can report anything."""
        if self.candidates is None:
            return self.token_rules, self.tree_rules
        found = {self.indexed[i] for i in self.candidates.matching(text)}
        return tuple(r for r in self.token_rules if r in found), tuple(r for r in self.tree_rules if r in found)


@lru_cache(maxsize=64)
def _plan(settings: Settings) -> _Plan:
    rules = select_rules(settings)
    token_rules = tuple(r for r in rules if hasattr(r, "repair"))
    tree_rules = tuple(r for r in rules if not hasattr(r, "repair"))
    candidates, indexed = None, ()
    if settings.prefilter:
        # the runner's pre-filter (`may_match`) uses these same candidates, which remember
        # the last text they matched: a file that passes is not matched a second time here
        candidates, entries = prefilter_plan(settings)
        by_code = {r.code: r for r in rules}
        indexed = tuple(by_code[e.code] for e in entries)
    target = parse_version(settings.target_version) if settings.target_version else NEWEST
    unselected = tuple(r for r in all_rules() if hasattr(r, "repair") and r not in token_rules)
    return _Plan(token_rules, tree_rules, candidates, target, indexed, unselected)


def check_source(source: bytes, settings: Settings, path: str = "<stdin>") -> SourceResult:
    """Report every finding; change nothing."""
    return _run(source, settings, path, apply=False)


def fix_source(source: bytes, settings: Settings, path: str = "<stdin>") -> SourceResult:
    """Apply safe fixes (and unsafe ones when enabled); report what remains."""
    return _run(source, settings, path, apply=True)


def could_match(source: bytes, settings: Settings) -> bool:
    """The pre-filter: False only when no selected rule's trigger occurs in the text."""
    token_rules, tree_rules = _plan(settings).rules_for(source)
    return bool(token_rules or tree_rules)


def _run(source: bytes, settings: Settings, path: str, apply: bool) -> SourceResult:
    plan = _plan(settings)
    first = plan.rules_for(source)
    if not (first[0] or first[1]):
        return SourceResult(path, source, source, parsed=False)
    try:
        text, encoding = decode(source)
    except _SourceError as error:
        return SourceResult(path, source, source, error=str(error))
    if settings.source_version == "auto":
        era, era_reason = infer_era(text)
        # an inferred era is the newest the code can be from; how old it may be, no idiom settles:
        # a partly migrated file holds the new idioms of its own fixes
        floor = None
    else:
        era, era_reason = parse_version(settings.source_version), "given by --source-version"
        floor = era
    try:
        output_text, fixed, remaining = _rewrite(text, settings, plan, first, (era, floor), path, apply)
    except _SourceError as error:
        problem = _unrepaired(text, plan.unselected_token_rules, "not selected") or str(error)
        return SourceResult(path, source, source, error=problem, era=era, era_reason=era_reason)
    output = source if output_text == text else output_text.encode(encoding)
    return SourceResult(path, source, output, tuple(fixed), tuple(remaining), None, era, era_reason)


def decode(source: bytes) -> Tuple[str, str]:
    """The text of a Python source and the encoding to write it back in (PEP 263 cookie, BOM, UTF-8)."""
    if b"\x00" in source:
        raise _SourceError("binary file (contains NUL bytes), not Python source")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    except SyntaxError as error:
        # without a coding comment, the first lines must be UTF-8: say which byte is not
        raise _SourceError(_undecodable(source, "utf-8") or f"cannot determine the encoding: {error}") from None
    try:
        return source.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError) as error:
        raise _SourceError(_undecodable(source, encoding) or f"cannot decode as {encoding}: {error}") from None


def _undecodable(source: bytes, encoding: str) -> Optional[str]:
    """Where `source` stops being valid `encoding` text, as a user-facing message."""
    try:
        source.decode(encoding)
    except UnicodeDecodeError as error:
        line = source.count(b"\n", 0, error.start) + 1
        column = error.start - (source.rfind(b"\n", 0, error.start) + 1) + 1
        name = "UTF-8" if encoding.replace("_", "-").lower() in ("utf-8", "utf-8-sig", "utf8") else encoding
        return (
            f"not valid {name} text (byte 0x{source[error.start]:02x} at line {line}, column {column}); "
            "declare the file's encoding with a coding comment such as `# -*- coding: latin-1 -*-`"
        )
    except LookupError:
        return None
    return None


def _rewrite(
    text: str,
    settings: Settings,
    plan: _Plan,
    first: Tuple[Tuple[Type[Rule], ...], Tuple[Type[Rule], ...]],
    eras: Tuple[Optional[Version], Optional[Version]],
    path: str,
    apply: bool,
) -> Tuple[str, List[Finding], List[Finding]]:
    """`first`: the token and tree rules whose triggers occur in `text`; `eras`: the newest and
    the oldest torch the code can have been written for.

    Fixes are placed in `text`; findings left after fixing, in the fixed text.
    """
    has_noqa = "noqa" in text.lower()
    repairs: List[Finding] = []
    repaired = text
    for rule in first[0]:
        repaired, positions = rule.repair(repaired)  # type: ignore[attr-defined]
        found = [Finding(rule.code, rule.slug(), rule.message, rule.safety, line, column + 1) for line, column in positions]
        if has_noqa and found:
            noqa_lines = _noqa_lines(text)
            kept = [f for f in found if _suppressed(f, noqa_lines)]
            if kept:
                # no parser accepts what a token rule repairs: a kept one leaves nothing to read
                raise _SourceError(_unrepaired_message(rule, kept[0].line, kept[0].column, "`# noqa`"))
        repairs.extend(found)
    current = repaired
    passes: List[Tuple[str, List[Finding]]] = []  # per applying pass: the text it read, its fixes placed in it
    for number in range(MAX_PASSES):
        # rules are chosen again after each change: a fix may reveal an idiom (`Variable(torch.Tensor(...))`)
        candidates = first[1] if current == text else plan.rules_for(current.encode("utf-8", "surrogateescape"))[1]
        tree_rules = tuple(r for r in candidates if in_range(eras[0], *r.source_eras))
        cpython: Optional[Tuple[Optional[ast.Module], Optional[str]]] = None  # its tree and syntax error
        if not tree_rules:
            pending: List[_Pending] = []  # nothing can match: no need to parse
        else:
            pieces = None
            if len(current) > SPLIT_ABOVE:
                # CPython's tree shows where libcst may cut the text; None: CPython rejects it
                planned = cut_with_python_tree(current)
                if planned is not None:
                    cpython, pieces = (planned[0], None), planned[1]
            module = _parse(current, path, pieces)
            pending, context = _visit(module, tree_rules, eras, plan.target)
        problem = None
        if pending:
            tree, problem = cpython or _python_tree(current)  # also places the findings, cheaper than libcst can
            # a form feed starts a line's columns afresh for CPython but not for libcst
            _locate(module, pending, tree if "\f" not in current else None, context)
        noqa_lines = _noqa_lines(current) if has_noqa and pending else {}
        if noqa_lines:
            pending = [p for p in pending if not _suppressed(p.finding, noqa_lines)]
        if number == 0 and pending and problem:
            # libcst accepts some code CPython rejects (`except E, e:` parses as a 3.14 tuple)
            raise _SourceError(problem)
        applicable = [p for p in pending if apply and _enabled(p, settings)]
        if not applicable:
            remaining = [p.finding for p in pending]
            if not apply:
                if repairs:
                    remaining = sorted(repairs + _before_repairs(remaining, repairs, repaired, text), key=_place)
                return text, [], remaining
            break
        read = current
        current, applied = _apply(module, applicable)
        passes.append((read, applied))
    else:
        raise _SourceError(f"fixes did not settle after {MAX_PASSES} passes; file left unchanged (please report this)")
    if current != text:
        _ensure_compiles(current, repaired, path)
    fixed = _placed_in_first_text(passes)
    if repairs:
        fixed = repairs + _before_repairs(fixed, repairs, repaired, text)
    return current, sorted(fixed, key=_place), remaining


def _place(finding: Finding) -> Tuple[int, int, str]:
    return finding.line, finding.column, finding.code


def _unrepaired_message(rule: Type[Rule], line: int, column: int, why: str) -> str:
    return f"{line}:{column}: {rule.unrepaired} ({why})"  # type: ignore[attr-defined]


def _unrepaired(text: str, rules: Sequence[Type[Rule]], why: str) -> Optional[str]:
    """Why `text` cannot be read when one of `rules` (token rules that do not run) finds what it repairs."""
    for rule in rules:
        positions = rule.repair(text)[1]  # type: ignore[attr-defined]
        if positions:
            return _unrepaired_message(rule, positions[0][0], positions[0][1] + 1, why)
    return None


_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")  # a line as libcst and CPython count them


def _placed_in_first_text(passes: Sequence[Tuple[str, List[Finding]]]) -> List[Finding]:
    """The fixes of every pass, placed in the text the first pass read.

    Each pass places its fixes in the text it read; a line diff against the text the
    pass before read moves them back, one pass at a time.
    """
    if not passes:
        return []
    found = passes[-1][1]
    for (older, earlier), (newer, _) in zip(reversed(passes[:-1]), reversed(passes[1:])):
        found = _moved_back(found, newer, older) + earlier
    return found


def _moved_back(findings: Sequence[Finding], newer: str, older: str) -> List[Finding]:
    """`findings` placed in `newer`, placed where their code stood in `older`.

    A finding on an unchanged line keeps its column. One on a line a rewrite changed is
    matched by characters against the line it replaced when the rewrite kept the number
    of lines, else against the whole replaced region; a character the rewrite introduced
    takes the place where the replaced text started. Lines that only were added take the
    line that follows them.
    """
    old_lines, new_lines = _LINE.findall(older), _LINE.findall(newer)
    blocks = difflib.SequenceMatcher(None, old_lines, new_lines).get_opcodes()
    starts = [block[3] for block in blocks]
    moved = []
    for finding in findings:
        index = finding.line - 1
        if not 0 <= index < len(new_lines):
            moved.append(finding)
            continue
        tag, a1, a2, b1, b2 = blocks[bisect.bisect_right(starts, index) - 1]
        if tag == "equal":
            moved.append(_at(finding, a1 + index - b1 + 1, finding.column))
            continue
        if a1 == a2:
            moved.append(_at(finding, min(a1 + 1, len(old_lines)), 1))
            continue
        if a2 - a1 == b2 - b1:  # as many lines as before: this line's counterpart
            a1 += index - b1
            a2 = a1 + 1
        offset = _offset_back("".join(old_lines[a1:a2]), new_lines[index], finding.column - 1)
        line = a1
        while line < a2 - 1 and offset >= len(old_lines[line]):
            offset -= len(old_lines[line])
            line += 1
        moved.append(_at(finding, line + 1, offset + 1))
    return moved


def _offset_back(older: str, newer: str, offset: int) -> int:
    """Where in `older` the character at `offset` in `newer` stood (where `older`'s differing text starts, if new)."""
    for tag, a1, _, b1, b2 in difflib.SequenceMatcher(None, older, newer, autojunk=False).get_opcodes():
        if offset < b2:
            return a1 + offset - b1 if tag == "equal" else a1
    return len(older)


def _before_repairs(findings: List[Finding], repairs: Sequence[Finding], repaired: str, text: str) -> List[Finding]:
    """`findings` placed in `repaired`, placed in `text`: token repairs keep lines, but move what follows them on theirs."""
    lines = {r.line for r in repairs}
    if not any(f.line in lines for f in findings):
        return findings
    old_lines, new_lines = _LINE.findall(text), _LINE.findall(repaired)
    moved = []
    for f in findings:
        if f.line in lines:
            f = _at(f, f.line, _offset_back(old_lines[f.line - 1], new_lines[f.line - 1], f.column - 1) + 1)
        moved.append(f)
    return moved


def _parse(text: str, path: str, pieces: Optional[Sequence[Piece]] = None) -> cst.Module:
    """`pieces`: where a large text may be cut, to parse it in less memory."""
    try:
        return parse_module(text, pieces)
    except cst.ParserSyntaxError as error:
        problem = _python_syntax_error(text)  # CPython's diagnosis reads better than the grammar's
        if problem is None:
            hint = _python2_hint(text)
            where = f"{error.raw_line}:{error.raw_column + 1}"
            message = str(error.message).splitlines()[0] if error.message else "invalid syntax"
            problem = f"{where}: syntax error: {message}{hint}"
        raise _SourceError(problem) from None
    except RecursionError:
        raise _SourceError("too deeply nested to parse") from None


def _python_syntax_error(text: str) -> Optional[str]:
    """`line:column: syntax error: ...` as CPython's parser reports it, or None if it accepts `text`."""
    return _python_tree(text)[1]


def _python_tree(text: str) -> Tuple[Optional[ast.Module], Optional[str]]:
    """CPython's tree of `text` (None if it cannot build one), and its syntax error message if any."""
    tree, problem = python_tree(text)
    return tree, problem and problem + _python2_hint(text)


def _compile(text: str, path: str) -> None:
    """Compile to check, without printing SyntaxWarnings (`"\\d"`) for someone else's code."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compile(text, path, "exec", dont_inherit=True)


_PY2 = (
    (re.compile(r"^[ \t]*print[ \t]+[^\s(=.,)][^\n]*$", re.M), "a `print` statement"),
    (re.compile(r"^[ \t]*except[ \t]+[\w.]+[ \t]*,[ \t]*\w+[ \t]*:", re.M), "`except E, e:`"),
    (re.compile(r"^[ \t]*exec[ \t]+['\"]", re.M), "an `exec` statement"),
    (re.compile(r"\bur['\"]|(?<![\w.])\d+L\b"), "a Python 2 literal"),
)


def _python2_hint(text: str) -> str:
    for pattern, what in _PY2:
        if pattern.search(text):
            return f" (this looks like Python 2 code: {what}; convert it to Python 3 first, e.g. with 2to3)"
    return ""


def _visit(
    module: cst.Module, rules: Sequence[Type[Rule]], eras: Tuple[Optional[Version], Optional[Version]], target: Version
) -> Tuple[List[_Pending], FileContext]:
    """The rules' findings, and the visit's context (with what it computed for several rules)."""
    context = FileContext(ImportTable.from_module(module), eras[0], target, era_floor=eras[1])
    visitors = [rule(context) for rule in rules]
    visit_batched(module, [_bound_visitor_methods(visitor) for visitor in visitors])
    return [p for visitor in visitors for p in visitor.pending], context


def _locate(module: cst.Module, pending: List[_Pending], tree: Optional[ast.Module], context: FileContext) -> None:
    """Give the findings their lines and columns, and sort them by place."""
    parents = cast(Optional[Dict[int, cst.CSTNode]], context.computed("parents"))  # built only if a rule needed it
    positions = start_positions(module, [item.position_node or item.node for item in pending], tree, parents)
    for item in pending:
        line, column = positions[id(item.position_node or item.node)]
        item.finding = _at(item.finding, line, column + 1)
    pending.sort(key=lambda p: (p.finding.line, p.finding.column, p.finding.code))


@lru_cache(maxsize=None)
def _visitor_method_names(rule: Type[Rule]) -> Tuple[str, ...]:
    """What libcst's `get_visitors` finds with `inspect.getmembers` on every instance, once per class.

    Done per instance it costs about 3 ms a rule, a third of a second per file with
    a hundred rules: more than parsing and visiting a typical script. Only the classes of
    migrator are searched: libcst's bases declare a no-op for every node type.
    """
    names = []
    candidates = {
        name
        for cls in rule.__mro__
        if not cls.__module__.startswith("libcst")
        for name in vars(cls)
        if name.startswith(("visit_", "leave_"))
    }
    for name in sorted(candidates):
        member = getattr(rule, name)
        if inspect.isfunction(member) and not getattr(member, "_is_no_op", False):
            names.append(name)
    return tuple(names)


def _bound_visitor_methods(visitor: Rule) -> Dict[str, Callable]:
    return {name: getattr(visitor, name) for name in _visitor_method_names(type(visitor))}


def _at(finding: Finding, line: int, column: int) -> Finding:
    return Finding(finding.code, finding.name, finding.message, finding.safety, line, column)


def _enabled(item: _Pending, settings: Settings) -> bool:
    if item.replacement is None:
        return False
    return item.finding.safety is Safety.SAFE or (item.finding.safety is Safety.UNSAFE and settings.unsafe_fixes)


_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Za-z0-9]+(?:[\s,]+[A-Za-z0-9]+)*))?", re.I)


def _noqa_lines(text: str) -> Dict[int, Optional[Tuple[str, ...]]]:
    """Line -> the codes its `# noqa` comment names (None: every code)."""
    lines: Dict[int, Optional[Tuple[str, ...]]] = {}
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        match = _NOQA.search(line)
        if match:
            codes = match.group("codes")
            lines[number] = tuple(c.upper() for c in re.split(r"[\s,]+", codes) if c) if codes else None
    return lines


def _suppressed(finding: Finding, noqa_lines: Dict[int, Optional[Tuple[str, ...]]]) -> bool:
    if finding.line not in noqa_lines:
        return False
    codes = noqa_lines[finding.line]
    return codes is None or any(finding.code.startswith(code) for code in codes)


_STATEMENTS = (cst.SimpleStatementLine, cst.BaseCompoundStatement)


class _Replace(cst.CSTTransformer):
    """Swap each target node for its replacement; a target inside another target waits for the next pass.

    A replacement that drops comments of the code it replaces (`Variable(x,  # why`)
    would lose user text: those comments move above the enclosing statement instead.
    A statement line that disappears (`from torch._six import inf  # why`) hands its
    comments to the next statement of its block, or to the block's footer.
    """

    def __init__(self, replacements: Dict[int, _Pending]) -> None:
        super().__init__()
        self.replacements = replacements
        self.open: List[int] = []
        self.applied: List[_Pending] = []
        self.orphans: List[List[str]] = [[]]  # per open statement (and the module): comments to re-attach
        self.carried: Dict[int, List[cst.EmptyLine]] = {}  # statement depth -> lines of removed statements

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, _STATEMENTS):
            self.orphans.append([])
        if id(node) in self.replacements:
            self.open.append(id(node))
        return True

    def on_leave(self, original_node, updated_node):  # type: ignore[override]
        result = updated_node
        item = self.replacements.get(id(original_node))
        if item is not None:
            self.open.pop()
            if not self.open:  # else an enclosing replacement discards this one; it is found again next pass
                self.applied.append(item)
                result = item.built_replacement()
                self.orphans[-1].extend(dropped_comments(original_node, result))
        if isinstance(original_node, _STATEMENTS):
            depth = len(self.orphans)
            orphans = self.orphans.pop()
            if _is_removed(result):
                lines = [*_comment_lines(original_node, updated_node), *map(comment_line, orphans)]
                if lines:
                    self.carried.setdefault(depth, []).extend(lines)
                return cst.RemovalSentinel.REMOVE
            if orphans:
                result = self._attach(result, orphans)
            carried = self.carried.pop(depth, None)
            if carried:
                result = _with_leading(result, carried)
        elif isinstance(original_node, (cst.IndentedBlock, cst.Module)):
            inner = len(self.orphans) + 1
            footer = [*self.carried.pop(inner, []), *result.footer]
            if isinstance(original_node, cst.Module) and self.orphans and self.orphans[-1]:
                footer.extend(map(comment_line, self.orphans.pop()))
            if len(footer) != len(result.footer):
                result = result.with_changes(footer=footer)
        return result

    def _attach(self, result, comments: List[str]):
        lines = [comment_line(text) for text in comments]
        if isinstance(result, _STATEMENTS):
            return result.with_changes(leading_lines=[*result.leading_lines, *lines])
        if isinstance(result, cst.FlattenSentinel) and result.nodes and isinstance(result.nodes[0], _STATEMENTS):
            first = result.nodes[0]
            return cst.FlattenSentinel([first.with_changes(leading_lines=[*first.leading_lines, *lines]), *result.nodes[1:]])
        self.orphans[-1].extend(comments)
        return result


def _is_removed(result: object) -> bool:
    if isinstance(result, cst.RemovalSentinel):
        return True
    if isinstance(result, cst.FlattenSentinel):
        return not result.nodes
    return isinstance(result, cst.SimpleStatementLine) and not result.body


def _comment_lines(original: cst.CSTNode, updated: cst.CSTNode) -> List[cst.EmptyLine]:
    """The lines above a removed statement and its own trailing comment, if any of them is a comment."""
    lines = list(getattr(original, "leading_lines", ()))
    trailing = getattr(updated, "trailing_whitespace", None) or getattr(original, "trailing_whitespace", None)
    if isinstance(trailing, cst.TrailingWhitespace) and trailing.comment is not None:
        lines.append(comment_line(trailing.comment.value))
    return lines if any(line.comment is not None for line in lines) else []


def _with_leading(result, lines: List[cst.EmptyLine]):
    if isinstance(result, _STATEMENTS):
        return result.with_changes(leading_lines=[*lines, *result.leading_lines])
    if isinstance(result, cst.FlattenSentinel) and result.nodes and isinstance(result.nodes[0], _STATEMENTS):
        first = result.nodes[0]
        return cst.FlattenSentinel([first.with_changes(leading_lines=[*lines, *first.leading_lines]), *result.nodes[1:]])
    return result


def _apply(module: cst.Module, items: Sequence[_Pending]) -> Tuple[str, List[Finding]]:
    replacements: Dict[int, _Pending] = {}
    # findings that share one replacement (a rule rebuilding a region for several of them) are fixed together
    sharing: Dict[int, List[_Pending]] = {}
    for item in items:
        chosen = replacements.setdefault(id(item.node), item)  # two rules on one node: the second waits a pass
        if chosen is not item and chosen.replacement is item.replacement:
            sharing.setdefault(id(chosen), []).append(item)
    transformer = _Replace(replacements)
    new_module = module.visit(transformer)
    applied = [shared for item in transformer.applied for shared in (item, *sharing.get(id(item), ()))]
    new_module = _update_imports(new_module, applied)
    applied.sort(key=lambda p: (p.finding.line, p.finding.column, p.finding.code))
    return new_module.code, [p.finding for p in applied]


def _update_imports(module: cst.Module, applied: Sequence[_Pending]) -> cst.Module:
    imports = {i for item in applied for i in item.imports}
    releases = {(item.context, name) for item in applied for name in item.releases}
    if not imports and not releases:
        return module
    # imported here: libcst.codemod loads libcst.matchers, a fifth of a second that a check never needs
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

    context = CodemodContext()
    for needed in sorted(imports, key=lambda i: (i.module, i.obj or "", i.asname or "")):
        AddImportsVisitor.add_needed_import(context, needed.module, needed.obj, needed.asname)
    commented = _names_of_commented_imports(module) if releases else set()
    for file_context, name in releases:
        binding = file_context.names.bindings.get(name) if file_context else None
        if binding is not None and name not in commented:
            RemoveImportsVisitor.remove_unused_import(context, binding.module, binding.obj, binding.asname)
    if imports:
        module = AddImportsVisitor(context).transform_module(module)
    if releases:
        module = RemoveImportsVisitor(context).transform_module(module)
    return module


def _names_of_commented_imports(module: cst.Module) -> set:
    """Local names bound by import lines that carry a comment: removing them would delete the comment."""
    names = set()
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine) or not comments(statement):
            continue
        for small in statement.body:
            if isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(small.names, cst.ImportStar):
                for alias in small.names:
                    bound = alias.asname.name if alias.asname is not None else alias.name
                    local = _code_of_name(bound)
                    names.add(local.split(".", 1)[0] if alias.asname is None and isinstance(small, cst.Import) else local)
    return names


def _code_of_name(node: cst.BaseExpression) -> str:
    return cst.Module(body=[]).code_for_node(node)


def _ensure_compiles(output: str, original: str, path: str) -> None:
    try:
        _compile(output, path)
    except SyntaxError as error:
        problem = _python_syntax_error(original)
        if problem:
            raise _SourceError(problem) from None  # the input is not Python 3 syntax: refuse it
        try:
            _compile(original, path)
        except SyntaxError:
            return  # the input itself does not compile (e.g. `return` at top level); nothing new broke
        raise _SourceError(
            f"the fixes would produce code that does not compile ({error.msg}, line {error.lineno}); "
            "file left unchanged (please report this)"
        ) from None


def era_description(result: SourceResult) -> str:
    """`0.3 (inferred: ...)` for messages."""
    if result.era is None:
        return f"unknown ({result.era_reason})"
    return f"{format_version(result.era)} ({result.era_reason})"
