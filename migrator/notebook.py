"""Jupyter notebooks: migrate the code cells, leave every other byte of the file as it was.

The code cells are joined into one module (separated by marker statements), so the
engine sees the notebook's imports, era and names as a whole: `Variable` imported in
the first cell and used in the fifth is still torch's. IPython syntax that Python
cannot parse (`%matplotlib inline`, `!pip install x`, `%%time`, `obj?`) is masked by a
placeholder statement before parsing and put back afterwards. Only the `source` value
of a changed cell is re-serialised, in the file's own JSON style, and spliced into the
original text: outputs, metadata, key order, indentation and line endings stay
byte-identical, so a diff shows only the changed source lines. A fix that would move code
across cells (a `with` block taking in the statements after it) is not applied: it is
reported for a human, and the other fixes are applied without it. Cells are numbered
by their position among all the notebook's cells, markdown included.
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import keyword
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from migrator.config import Settings
from migrator.engine import SourceResult, check_source, could_match, fix_source
from migrator.findings import Finding, Safety

# Cell magics whose body is Python run in the kernel; the body of any other (%%bash, %%html, ...) is left alone.
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})
_ASSIGNED_MAGIC = re.compile(r"[A-Za-z_][\w.\[\], ]*=\s*[!%]")
_BOM = "\ufeff"
_IDENTIFIER = re.compile(r"(?<![\w.])[A-Za-z_]\w*")
_SURROGATE = re.compile("[\ud800-\udfff]")


class NotebookError(Exception):
    """The file cannot be handled as a notebook; the message is the user-facing reason."""


@dataclass
class _Cell:
    """One code cell as the engine sees it."""

    index: int  # position in the notebook's `cells` list
    number: int  # 1-based position among all cells, as reported
    original: str
    masked: str = ""
    skipped: bool = False  # a non-Python cell magic: never handed to the engine
    # mask id -> (the original lines, the placeholder lines that replace them)
    masks: Dict[int, Tuple[List[str], List[str]]] = dataclasses.field(default_factory=dict)


def transform_notebook(source: bytes, settings: Settings, path: str, fix: bool) -> SourceResult:
    """Check or fix the code cells of a notebook; findings carry their cell number and the line in that cell."""
    if settings.prefilter and _raw_prefilter_sound(settings) and not could_match(source, settings):
        return SourceResult(path, source, source, parsed=False)
    try:
        bom, text, notebook = _load(source)
        if not _is_python(notebook):
            return SourceResult(path, source, source, parsed=False)
        cells = _code_cells(notebook)
    except NotebookError as error:
        return SourceResult(path, source, source, error=str(error), parsed=False)
    if not cells:
        return SourceResult(path, source, source, parsed=False)
    nonce = _nonce(cells)
    joined, layout = _join(cells, nonce)
    run = fix_source if fix else check_source
    result = run(joined.encode("utf-8"), settings, path)
    if result.error:
        return dataclasses.replace(result, source=source, output=source, error=_locate_error(result.error, layout))
    if not result.parsed:
        return dataclasses.replace(result, source=source, output=source)
    fixed = tuple(_in_cell(f, layout) for f in result.fixed)
    if not result.changed:
        found = result.remaining if fix else _marked_held(joined, result.remaining, cells, nonce, settings, path)
        remaining = tuple(_in_cell(f, layout) for f in found)
        return dataclasses.replace(result, source=source, output=source, fixed=fixed, remaining=remaining)
    held: Tuple[Finding, ...] = ()
    try:
        new_sources = _split(result.output.decode("utf-8"), cells, nonce)
    except NotebookError as error:
        retried = _fix_within_cells(joined, result, cells, nonce, settings, path)
        if retried is None:
            return dataclasses.replace(result, source=source, output=source, fixed=(), remaining=(), error=str(error))
        result, new_sources, held, _ = retried
        fixed = tuple(_in_cell(f, layout) for f in result.fixed)
    try:
        output = (bom + _splice(text, cells, new_sources)).encode("utf-8")
    except NotebookError as error:
        return dataclasses.replace(result, source=source, output=source, fixed=(), remaining=(), error=str(error))
    new_layout = _layout_of(new_sources, cells)
    remaining = sorted(
        (_in_cell(f, new_layout) for f in (*result.remaining, *held)), key=lambda f: (f.cell, f.line, f.column, f.code)
    )
    return dataclasses.replace(result, source=source, output=output, fixed=fixed, remaining=tuple(remaining))


@lru_cache(maxsize=16)
def _raw_prefilter_sound(settings: Settings) -> bool:
    """Whether the triggers can be searched in the raw JSON: plain substrings, none holding a
    character JSON may escape. Otherwise the pre-filter runs on the cells' joined source."""
    from migrator.registry import select_rules

    rules = select_rules(settings)
    return all(
        rule.trigger_regex is None
        and all(all(32 <= ord(c) < 127 and c not in '"\\/' for c in trigger) for trigger in rule.triggers)
        for rule in rules
    )


def _load(source: bytes) -> Tuple[str, str, dict]:
    """(byte-order mark, JSON text, parsed notebook), or a NotebookError saying why not."""
    try:
        text = source.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotebookError(f"not a valid notebook: not UTF-8 text ({error.reason} at byte {error.start})") from None
    bom = _BOM if text.startswith(_BOM) else ""
    text = text[len(bom):]
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotebookError(f"not a valid notebook: invalid JSON ({error.msg} at line {error.lineno}, column {error.colno})") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        if isinstance(notebook, dict) and "worksheets" in notebook:
            raise NotebookError("nbformat 3 notebooks are not supported; convert with `jupyter nbconvert --to notebook`")
        raise NotebookError("not a valid notebook: no `cells` list")
    if "nbformat" not in notebook:
        raise NotebookError("not a valid notebook: no `nbformat` version")
    version = notebook["nbformat"]
    if type(version) is not int:  # bool is an int too
        found = json.dumps(version, ensure_ascii=False)
        found = found if len(found) <= 20 else found[:20] + "..."
        raise NotebookError(f"not a valid notebook: `nbformat` must be a version number such as 4, not {found}")
    if version < 4:
        raise NotebookError(f"nbformat {version} notebooks are not supported; convert with `jupyter nbconvert --to notebook`")
    return bom, text, notebook


def _is_python(notebook: dict) -> bool:
    """False for notebooks whose kernel declares another language (R, Julia, ...)."""
    metadata = notebook.get("metadata")
    if not isinstance(metadata, dict):
        return True
    for section, key in (("kernelspec", "language"), ("language_info", "name")):
        value = metadata.get(section, {}).get(key) if isinstance(metadata.get(section), dict) else None
        if isinstance(value, str) and value:
            return value.lower().startswith("python")
    return True


def _code_cells(notebook: dict) -> List[_Cell]:
    """The code cells, numbered by their position among all cells (as Jupyter users count them), from 1."""
    cells = []
    for index, cell in enumerate(notebook["cells"]):
        number = index + 1
        if not isinstance(cell, dict):
            raise NotebookError(f"not a valid notebook: cell {number} is not a JSON object")
        if not isinstance(cell.get("cell_type"), str):
            what = "malformed" if "cell_type" in cell else "no"
            raise NotebookError(f"not a valid notebook: cell {number} has {what} `cell_type`")
        if cell["cell_type"] != "code":
            continue
        raw = cell.get("source", "")
        if isinstance(raw, list) and all(isinstance(line, str) for line in raw):
            text = "".join(raw)
        elif isinstance(raw, str):
            text = raw
        else:
            raise NotebookError(f"not a valid notebook: cell {number} has a malformed `source`")
        surrogate = _SURROGATE.search(text)
        if surrogate:
            # JSON can escape half a UTF-16 pair (`"\ud800"`); no UTF-8 text, Python source included, can hold it
            line = text.count("\n", 0, surrogate.start()) + 1
            raise NotebookError(
                f"cell {number}:{line}: the source holds a lone surrogate (`\\u{ord(surrogate.group()):04x}`), "
                "which is not valid Unicode text"
            )
        cells.append(_Cell(index, number, text))
    return cells


def _nonce(cells: Sequence[_Cell]) -> str:
    """A suffix that keeps marker names distinct from anything in the notebook's code."""
    if not any("__migrator_" in cell.original for cell in cells):
        return ""
    while True:
        nonce = "_" + secrets.token_hex(4)
        if not any(nonce in cell.original for cell in cells):
            return nonce


def _cell_marker(number: int, nonce: str) -> str:
    """The statement that separates cell `number` from the one before it."""
    return f"__migrator_cell_{number}{nonce}__"


def _mask_name(mask: int, nonce: str) -> str:
    """The name that stands for masked IPython line(s) number `mask`."""
    return f"__migrator_mask_{mask}{nonce}__"


def _placeholder(mask: int, nonce: str, lines: Sequence[str], indent: str) -> List[str]:
    """One statement with as many lines as `lines`, at `indent`.

    It names the identifiers the IPython lines use, so that an import they need still
    counts as used; continuation lines become the inside of a parenthesised tuple, so
    no fix elsewhere can remove them.
    """
    names = list(dict.fromkeys(
        name for name in _IDENTIFIER.findall("".join(lines)) if not keyword.iskeyword(name) and "__migrator_" not in name
    ))[:100]
    if len(lines) == 1:
        return [indent + ", ".join([_mask_name(mask, nonce), *names]) + "\n"]
    opening = indent + _mask_name(mask, nonce) + ", (" + "".join(f"{name}, " for name in names).rstrip() + "\n"
    return [opening, *["\n"] * (len(lines) - 2), ")\n"]


def _lines(text: str) -> List[str]:
    """Lines with their `\\n` (as in a notebook's source list; `\\r` stays inside the line)."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _mask(cell: _Cell, nonce: str, counter: List[int]) -> None:
    """Replace IPython-only lines by placeholder statements at the same indentation (none on the first line)."""
    lines = _lines(cell.original)
    # IPython drops the blank lines above the first line, and that line's indentation
    opening = next((number for number, line in enumerate(lines) if line.strip()), len(lines))
    first = lines[opening].strip() if lines[opening:] else ""
    if first.startswith("%%") and (first[2:].split() or [""])[0] not in _PYTHON_CELL_MAGICS:
        cell.skipped = True
        return
    masked: List[str] = []
    index = 0
    for start, length in _ipython_spans(lines):
        masked.extend(lines[index:start])
        mask = counter[0]
        counter[0] += 1
        original = lines[start:start + length]
        indent = "" if start == opening else original[0][: len(original[0]) - len(original[0].lstrip())]
        placeholder = _placeholder(mask, nonce, original, indent)
        cell.masks[mask] = (original, placeholder)
        masked.extend(placeholder)
        index = start + length
    masked.extend(lines[index:])
    cell.masked = "".join(masked)


def _ipython_spans(lines: Sequence[str]) -> List[Tuple[int, int]]:
    """(first line, line count) of each IPython escape that starts a logical line."""
    spans = []
    scanner = _Scanner()
    index = 0
    while index < len(lines):
        line = lines[index]
        if scanner.at_logical_start() and _is_ipython(line):
            length = 1
            while lines[index + length - 1].rstrip().endswith("\\") and index + length < len(lines):
                length += 1
            spans.append((index, length))
            index += length
            continue
        scanner.feed(line)
        index += 1
    return spans


def _is_ipython(line: str) -> bool:
    """`%magic`, `%%cell magic`, `!shell`, `?help`, `obj?`, `x = !cmd`: none of them is Python."""
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return False
    if stripped[0] in "%!?":
        return True
    if stripped.endswith("?") and "#" not in stripped:
        return True
    return _ASSIGNED_MAGIC.match(stripped) is not None


class _Scanner:
    """Just enough of Python's tokenizer to know whether a line starts a logical line."""

    def __init__(self) -> None:
        """Start outside any bracket or string."""
        self.depth = 0
        self.quote = ""  # the open string's delimiter
        self.continued = False

    def at_logical_start(self) -> bool:
        """Whether the next line begins a new statement."""
        return not (self.depth or self.quote or self.continued)

    def feed(self, line: str) -> None:
        """Account for one line of Python: brackets, strings, comments and backslash continuations."""
        text = line.rstrip("\r\n")
        self.continued = False
        position, end = 0, len(text)
        while position < end:
            char = text[position]
            if self.quote:
                if char == "\\":
                    if position == end - 1:
                        self.continued = len(self.quote) == 1
                    position += 2
                    continue
                if text.startswith(self.quote, position):
                    position += len(self.quote)
                    self.quote = ""
                    continue
                position += 1
                continue
            if char == "#":
                break
            if char in "([{":
                self.depth += 1
            elif char in ")]}":
                self.depth = max(0, self.depth - 1)
            elif char in "'\"":
                triple = char * 3
                self.quote = triple if text.startswith(triple, position) else char
                position += len(self.quote)
                continue
            elif char == "\\" and position == end - 1:
                self.continued = True
            position += 1
        if len(self.quote) == 1 and not self.continued:
            self.quote = ""  # an unterminated short string ends with its line


def _join(cells: Sequence[_Cell], nonce: str) -> Tuple[str, List[Tuple[int, int]]]:
    """One module of all code cells, and (first module line, cell number) for each cell."""
    counter = [0]
    parts: List[str] = []
    layout: List[Tuple[int, int]] = []
    line = 1
    for position, cell in enumerate(cells):
        _mask(cell, nonce, counter)
        if position:
            parts.append(_cell_marker(cell.number, nonce) + "\n")
            line += 1
        layout.append((line, cell.number))
        text = "" if cell.skipped else cell.masked
        if text and not text.endswith("\n"):
            text += "\n"
        parts.append(text)
        line += text.count("\n")
    return "".join(parts), layout


def _place(line: int, layout: Sequence[Tuple[int, int]]) -> Tuple[int, int]:
    """(cell number, line in that cell) of a line of the joined module."""
    position = max(0, bisect.bisect_right([start for start, _ in layout], line) - 1)
    start, number = layout[position]
    return number, line - start + 1


def _in_cell(finding: Finding, layout: Sequence[Tuple[int, int]]) -> Finding:
    """The finding with its cell number and its line inside that cell."""
    number, line = _place(finding.line, layout)
    return dataclasses.replace(finding, line=line, cell=number)


_ERROR_PLACE = re.compile(r"^(\d+):(\d+):")


def _locate_error(error: str, layout: Sequence[Tuple[int, int]]) -> str:
    """`57:3: syntax error` in the joined module -> `cell 4:2:3: syntax error`."""
    match = _ERROR_PLACE.match(error)
    if not match:
        return error
    number, line = _place(int(match.group(1)), layout)
    return f"cell {number}:{line}:{match.group(2)}:{error[match.end():]}"


_ACROSS_CELLS = "the fixes would move code from one cell into another; notebook left unchanged (please report this)"


def _split(output: str, cells: Sequence[_Cell], nonce: str) -> List[str]:
    """The fixed module cut back into cell sources, IPython lines restored."""
    segments: List[List[str]] = [[]]
    markers = {_cell_marker(cell.number, nonce): position for position, cell in enumerate(cells)}
    for line in _lines(output):
        position = markers.get(line.rstrip("\r\n"))
        if position is not None:
            if position != len(segments):
                raise NotebookError(_ACROSS_CELLS)
            segments.append([])
        else:
            segments[-1].append(line)
    if len(segments) != len(cells):
        raise NotebookError(_ACROSS_CELLS)
    return [_restore(cell, lines, nonce) for cell, lines in zip(cells, segments)]


def _restore(cell: _Cell, lines: List[str], nonce: str) -> str:
    """The cell's new source: placeholders replaced by the IPython lines they stood for."""
    if cell.skipped:
        return cell.original
    pattern = re.compile(r"[ \t]*__migrator_mask_(\d+)" + re.escape(nonce) + r"__")
    restored: List[str] = []
    seen = set()
    index = 0
    while index < len(lines):
        match = pattern.match(lines[index])
        if match and int(match.group(1)) in cell.masks:
            mask = int(match.group(1))
            original, placeholder = cell.masks[mask]
            if [line.rstrip("\n") for line in lines[index:index + len(placeholder)]] != [line.rstrip("\n") for line in placeholder]:
                raise NotebookError(_ipython_lines_touched(cell))
            seen.add(mask)
            restored.extend(original)
            index += len(placeholder)
            continue
        restored.append(lines[index])
        index += 1
    if seen != set(cell.masks):
        raise NotebookError(_ipython_lines_touched(cell))
    text = "".join(restored)
    if not cell.original.endswith("\n") and text.endswith("\n"):
        text = text[:-1]
    return text


def _ipython_lines_touched(cell: _Cell) -> str:
    return (
        f"the fixes would change or move the IPython lines (magics, shell escapes) of cell {cell.number}; "
        "notebook left unchanged (please report this)"
    )


def _layout_of(sources: Sequence[str], cells: Sequence[_Cell]) -> List[Tuple[int, int]]:
    """The (first line, cell) table of the fixed module, for findings that refer to it."""
    layout = []
    line = 1
    for position, (cell, text) in enumerate(zip(cells, sources)):
        if position:
            line += 1
        layout.append((line, cell.number))
        if not cell.skipped:
            line += text.count("\n") + (1 if text and not text.endswith("\n") else 0)
    return layout


# (line of the joined module, rule code): the finest grain at which a fix can be held back
_Group = Tuple[int, str]
_HELD = " (not rewritten: the fix would move code across notebook cells)"


@dataclass
class _Attempt:
    """One run of the fixes over the joined module, some of them held back."""

    result: SourceResult  # its output without the held-back fixes' `# noqa` comments
    sources: Optional[List[str]]  # the cells' new sources; None: the output cannot be cut back into cells
    places: Dict[int, int]  # line of a held-back fix -> its line in the output


def _marked_held(
    joined: str, found: Sequence[Finding], cells: Sequence[_Cell], nonce: str, settings: Settings, path: str
) -> Sequence[Finding]:
    """`found` (a check of `joined`) with the fixes `fix` would hold back shown as report-only,
    so that a check counts as fixable only what a fix of the notebook does."""
    if not any(f.safety in (Safety.SAFE, Safety.UNSAFE) for f in found):
        return found
    every_fix = dataclasses.replace(settings, unsafe_fixes=True)
    first = fix_source(joined.encode("utf-8"), every_fix, path)
    if first.error or not first.changed:
        return found
    try:
        _split(first.output.decode("utf-8"), cells, nonce)
        return found
    except NotebookError:
        pass
    retried = _fix_within_cells(joined, first, cells, nonce, every_fix, path)
    if retried is None:
        return found
    groups = retried[3]
    return [
        dataclasses.replace(f, safety=Safety.NONE, message=f.message + _HELD) if (f.line, f.code) in groups else f
        for f in found
    ]


def _fix_within_cells(
    joined: str, first: SourceResult, cells: Sequence[_Cell], nonce: str, settings: Settings, path: str
) -> Optional[Tuple[SourceResult, List[str], Tuple[Finding, ...], Set[_Group]]]:
    """Fix again without the fixes that move code across cells: the result, the cells' new
    sources, the held-back findings (placed in the output) and their (line, code) in `joined`;
    None if that does not help.

    A replacement may be as large as a whole block (TM103 moves the rest of the block under
    `with torch.no_grad():`), and the engine does not say how far it reaches. So the
    culprits are found by trying the fixes in halves; a fix is held back per line and rule
    by a tagged `# noqa` comment, taken out of the output again.
    """
    tag = _tag(joined)
    # every fix the first pass could apply, not only those applied: a fix left for a later
    # pass (two on one node) must be held back too while another one is being tried
    found = check_source(joined.encode("utf-8"), settings, path).remaining
    candidates = [f for f in found if f.safety is Safety.SAFE or (f.safety is Safety.UNSAFE and settings.unsafe_fixes)]
    held: Dict[_Group, List[Finding]] = {}
    attempt = _Attempt(first, None, {})
    while attempt.sources is None:
        candidates = list(dict.fromkeys([*candidates, *attempt.result.fixed]))
        groups = sorted({(f.line, f.code) for f in candidates} - set(held))

        def splits(enabled: Sequence[_Group], groups: Sequence[_Group] = groups) -> bool:
            others = [g for g in groups if g not in enabled]
            return _attempt(joined, [*held, *others], tag, cells, nonce, settings, path).sources is not None

        crossing = _crossing(groups, splits) if groups else []
        if not crossing:
            return None
        for group in crossing:
            held[group] = [f for f in candidates if (f.line, f.code) == group]
        attempt = _attempt(joined, held, tag, cells, nonce, settings, path)
    kept = tuple(
        dataclasses.replace(f, line=attempt.places.get(f.line, f.line), safety=Safety.NONE, message=f.message + _HELD)
        for findings in held.values()
        for f in findings
    )
    return attempt.result, attempt.sources, kept, set(held)


def _crossing(groups: Sequence[_Group], splits: Callable[[Sequence[_Group]], bool]) -> List[_Group]:
    """The groups whose fixes, applied without the others', cannot be cut back into cells.

    `groups` together cannot. Halving finds one culprit among n fixes in about 2 log n runs.
    """
    if len(groups) == 1:
        return list(groups)
    half = len(groups) // 2
    return [g for part in (groups[:half], groups[half:]) if not splits(part) for g in _crossing(part, splits)]


def _attempt(
    joined: str, held: Iterable[_Group], tag: str, cells: Sequence[_Cell], nonce: str, settings: Settings, path: str
) -> _Attempt:
    """Fix `joined` with the fixes of `held` left out."""
    codes: Dict[int, Set[str]] = {}
    for line, code in held:
        codes.setdefault(line, set()).add(code)
    result = fix_source(_with_noqa(joined, codes, tag).encode("utf-8"), settings, path)
    output, places = _without_noqa(result.output.decode("utf-8"), tag)
    result = dataclasses.replace(result, source=joined.encode("utf-8"), output=output.encode("utf-8"))
    if result.error:
        return _Attempt(result, None, places)
    try:
        return _Attempt(result, _split(output, cells, nonce), places)
    except NotebookError:
        return _Attempt(result, None, places)


def _tag(text: str) -> str:
    """A word found nowhere in `text`, to recognise the comments added to it."""
    while True:
        tag = "migrator" + secrets.token_hex(4)
        if tag not in text:
            return tag


def _with_noqa(text: str, codes: Dict[int, Set[str]], tag: str) -> str:
    """`text` with a `# noqa` comment for `codes` (line -> rule codes), each tagged with its line."""
    lines = _lines(text)
    for line, names in codes.items():
        if not 0 < line <= len(lines):
            continue
        content = lines[line - 1].rstrip("\r\n")
        if content.endswith("\\"):
            continue  # no comment can follow a backslash continuation
        ending = lines[line - 1][len(content):]
        lines[line - 1] = f"{content}  # noqa: {','.join(sorted(names))} {tag}L{line}{ending}"
    return "".join(lines)


def _without_noqa(text: str, tag: str) -> Tuple[str, Dict[int, int]]:
    """`text` without the comments `_with_noqa` added, and line -> where its comment was found."""
    pattern = re.compile(r"[ \t]*# noqa: [A-Za-z0-9,]+ " + tag + r"L(\d+)")
    lines: List[str] = []
    places: Dict[int, int] = {}
    for line in _lines(text):
        match = pattern.search(line)
        if match:
            places[int(match.group(1))] = len(lines) + 1
            line = line[:match.start()] + line[match.end():]
            if not line.strip():
                continue  # the comment alone: a fix moved it above its statement
        lines.append(line)
    return "".join(lines), places


def _splice(text: str, cells: Sequence[_Cell], new_sources: Sequence[str]) -> str:
    """The original JSON text with only the changed cells' `source` values replaced."""
    spans = _source_spans(text)
    style = _Style.of(text)
    edits = []
    for cell, new in zip(cells, new_sources):
        if new == cell.original:
            continue
        span = spans.get(cell.index)
        if span is None:
            raise NotebookError(f"cannot locate the source of cell {cell.number} in the JSON text")
        edits.append((span, style.render(text, span, new)))
    for (start, end), replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


_DECODER = json.JSONDecoder()
_WHITESPACE = re.compile(r"[ \t\n\r]*")


def _skip(text: str, position: int) -> int:
    """The position after any JSON whitespace at `position`."""
    return _WHITESPACE.match(text, position).end()  # type: ignore[union-attr]


def _source_spans(text: str) -> Dict[int, Tuple[int, int]]:
    """Cell index -> (start, end) of its `source` value in the JSON text."""
    spans: Dict[int, Tuple[int, int]] = {}
    for key, start, end in _members(text, _skip(text, 0)):
        if key != "cells" or text[start] != "[":
            continue
        spans.clear()  # with duplicate keys, json.loads keeps the last
        for index, (item_start, _) in enumerate(_elements(text, start)):
            if text[item_start] != "{":
                continue
            for cell_key, value_start, value_end in _members(text, item_start):
                if cell_key == "source":
                    spans[index] = (value_start, value_end)
    return spans


def _members(text: str, position: int):
    """(key, value start, value end) of each member of the object at `position`."""
    position = _skip(text, position + 1)
    if text[position] == "}":
        return
    while True:
        key, position = json.decoder.scanstring(text, position + 1)
        position = _skip(text, _skip(text, position) + 1)  # past the colon
        _, end = _DECODER.raw_decode(text, position)
        yield key, position, end
        position = _skip(text, end)
        if text[position] == "}":
            return
        position = _skip(text, position + 1)  # past the comma


def _elements(text: str, position: int):
    """(start, end) of each element of the array at `position`."""
    position = _skip(text, position + 1)
    if text[position] == "]":
        return
    while True:
        _, end = _DECODER.raw_decode(text, position)
        yield position, end
        position = _skip(text, end)
        if text[position] == "]":
            return
        position = _skip(text, position + 1)


@dataclass(frozen=True)
class _Style:
    """How the file writes JSON: indentation unit (None: one line), whether non-ASCII is escaped, line ending."""

    indent: Optional[str]
    ensure_ascii: bool
    newline: str = "\n"

    @classmethod
    def of(cls, text: str) -> "_Style":
        """The style of a notebook's JSON text."""
        match = re.match(r"\s*\{\r?\n([ \t]*)\S", text)
        indent = match.group(1) if match else None
        first = text.find("\n")
        newline = "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"
        if any(ord(char) > 127 for char in text):
            ensure_ascii = False
        else:
            ensure_ascii = re.search(r"\\u(?!00[0-7])[0-9a-fA-F]{4}", text) is not None
        return cls(indent, ensure_ascii, newline)

    def render(self, text: str, span: Tuple[int, int], new: str) -> str:
        """`new` as a JSON value laid out like the value it replaces."""
        start, end = span
        if text[start] != "[":
            return self._string(new)
        items = [self._string(line) for line in _lines(new)]
        if not items:
            return "[]"
        old = text[start:end]
        if "\n" in old:
            item_indent = re.match(r"\[\s*?\n([ \t]*)", old).group(1)  # type: ignore[union-attr]
            close_indent = re.search(r"\n([ \t]*)\]$", old).group(1)  # type: ignore[union-attr]
        elif old.replace(" ", "") == "[]" and self.indent is not None:
            line_start = text.rfind("\n", 0, start) + 1
            close_indent = re.match(r"[ \t]*", text[line_start:start]).group(0)  # type: ignore[union-attr]
            item_indent = close_indent + self.indent
        else:
            separator = ", " if ", " in old or old == "[]" else ","
            return "[" + separator.join(items) + "]"
        separator = "," + self.newline
        return "[" + self.newline + separator.join(item_indent + item for item in items) + self.newline + close_indent + "]"

    def _string(self, value: str) -> str:
        """A JSON string, escaped as the file escapes."""
        return json.dumps(value, ensure_ascii=self.ensure_ascii)
