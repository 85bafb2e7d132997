"""Every rule's code, trigger and version gates, readable without importing libcst.

Checking a clean file must not pay for importing libcst and a hundred rule modules
(about half a second) only to learn that no rule's trigger occurs in it: the runner asks
`may_match` first, from `rule_index.json`, and imports the engine only for files that
pass. `python -m migrator.rule_index` regenerates the file from the rules; a test fails
when it is stale.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple, TypeVar, Union

from migrator.config import ConfigError, Settings
from migrator.era import NEWEST, in_range, infer_era, parse_version

INDEX = Path(__file__).with_name("rule_index.json")


@dataclass(frozen=True)
class IndexEntry:
    """What the pre-filter needs of one rule."""

    code: str
    words: FrozenSet[bytes]  # `Rule.trigger_words`
    trigger: str  # the regular expression of `Rule.trigger_pattern()`
    source_eras: Tuple[Optional[str], Optional[str]]
    requires: str


@lru_cache(maxsize=1)
def load_index() -> Tuple[IndexEntry, ...]:
    data = json.loads(INDEX.read_text(encoding="utf-8"))
    return tuple(
        IndexEntry(e["code"], frozenset(w.encode() for w in e["words"]), e["trigger"], tuple(e["source_eras"]), e["requires"])  # type: ignore[arg-type]
        for e in data
    )


def index_of(rules: Iterable[type]) -> List[dict]:
    """The index records of rule classes."""
    return [
        {
            "code": rule.code,  # type: ignore[attr-defined]
            "words": sorted(rule.trigger_words),  # type: ignore[attr-defined]
            "trigger": rule.trigger_pattern().pattern.decode(),  # type: ignore[attr-defined]
            "source_eras": list(rule.source_eras),  # type: ignore[attr-defined]
            "requires": rule.requires,  # type: ignore[attr-defined]
        }
        for rule in rules
    ]


# Bytes that cannot be part of a Python identifier become spaces (bytes >= 128 stay: UTF-8 letters).
_NOT_WORD = bytes(c for c in range(128) if not (chr(c).isalnum() or chr(c) == "_"))
_TO_SPACES = bytes.maketrans(_NOT_WORD, b" " * len(_NOT_WORD))


def words_of(text: bytes) -> FrozenSet[bytes]:
    """Every identifier-like word of a text (code, strings and comments alike)."""
    return frozenset(text.translate(_TO_SPACES).split())


# Whole lines that are comments or doctest examples (`# ...`, `>>> ...`, `... ...`): no code
# line starts that way, and no rule reads them, but they mention legacy spellings a lot.
_COMMENT_LINES = re.compile(rb"(?m)^[ \t]*(?:#|>>>|\.\.\. ).*$")


class Candidates:
    """Which of some rules can report in a text: trigger words first, then trigger patterns.

    `rules` are pairs of (words, pattern source); the text's words are computed once, and
    a rule's pattern is searched only when one of its words occurs. A pattern is compiled
    on its first search: a clean file compiles the few whose words it holds.
    """

    def __init__(self, rules: Sequence[Tuple[FrozenSet[bytes], bytes]]) -> None:
        self.rules = list(rules)
        self._compiled: List[Optional[Tuple[Alternative, ...]]] = [None] * len(self.rules)
        # the last text asked about and its answer: the pre-filter and the engine ask in turn
        self._last: Tuple[Optional[bytes], Tuple[int, ...]] = (None, ())

    def compile_all(self) -> None:
        """Compile every pattern now (before forking workers, which would each compile their own)."""
        for index, (_, source) in enumerate(self.rules):
            if self._compiled[index] is None:
                self._compiled[index] = alternatives(source)

    def matching(self, text: bytes) -> Tuple[int, ...]:
        """Indices of the rules whose trigger occurs in `text` (outside comment and doctest lines)."""
        last, found = self._last
        if text is last:
            return found
        found = self._matching(text)
        self._last = (text, found)
        return found

    def _matching(self, text: bytes) -> Tuple[int, ...]:
        text = _COMMENT_LINES.sub(b"", text)
        words: Optional[FrozenSet[bytes]] = None
        found = []
        searched: Dict[bytes, bool] = {}  # alternative's source -> whether it occurs in `text`
        for index, (gate, source) in enumerate(self.rules):
            if gate:
                if words is None:
                    words = words_of(text)
                if gate.isdisjoint(words):
                    continue
            branches = self._compiled[index]
            if branches is None:
                branches = self._compiled[index] = alternatives(source)
            for branch in branches:
                hit = searched.get(branch.pattern)
                if hit is None:
                    # many rules share an alternative (`from torch import *`): one search each
                    hit = searched[branch.pattern] = branch.search(text) is not None
                if hit:
                    found.append(index)
                    break
        return tuple(found)


# A whole pattern's inline flags (`(?m)`): they must lead every alternative once it stands alone.
_GLOBAL_FLAGS = re.compile(rb"\A\(\?[aiLmsux]+\)")


class AllOf:
    """Patterns that must all occur in a text, anywhere: `search` is truthy when each does."""

    def __init__(self, parts: Sequence["re.Pattern[bytes]"]) -> None:
        self.parts = tuple(parts)
        self.pattern = b"\0".join(p.pattern for p in self.parts)  # a key no regular expression spells

    def search(self, text: bytes) -> Optional["re.Match[bytes]"]:
        found = None
        for part in self.parts:
            found = part.search(text)
            if found is None:
                return None
        return found


Alternative = Union["re.Pattern[bytes]", AllOf]

# `\A(?=[\s\S]*?X)[\s\S]*?Y`: "X occurs and Y occurs", which `re` answers by trying every
# position of the lazy scans (TM303's was the costliest trigger on modern code); two
# searches answer the same faster.
_ANYWHERE = rb"[\s\S]*?"
_BOTH_LEAD = rb"\A(?=" + _ANYWHERE


def alternatives(source: bytes) -> Tuple[Alternative, ...]:
    """The pattern `source` as its top-level alternatives `A|B|...`, compiled one by one.

    The whole matches where one of them does; searched alone, each starts with its own
    literal text, which `re` finds far faster than the first characters of many branches
    at once (TM301's pattern searched whole costs twice its parts). A pattern that refers
    to its own groups by number or name stays whole.
    """
    flags = _GLOBAL_FLAGS.match(source)
    prefix = flags.group() if flags else b""
    if re.search(rb"\\[1-9]|\(\?P=|\(\?\(", source):
        return (re.compile(source),)
    parts = _top_level_split(source[len(prefix):])
    if len(parts) < 2 and not parts[0].startswith(_BOTH_LEAD):
        return (re.compile(source),)
    return tuple(_compiled(prefix, part) for part in parts)


def _compiled(prefix: bytes, part: bytes) -> Alternative:
    if part.startswith(_BOTH_LEAD):
        inner = part[len(_BOTH_LEAD) :]
        close = _group_end(inner)
        if close is not None and inner[close + 1 :].startswith(_ANYWHERE):
            first, second = inner[:close], inner[close + 1 + len(_ANYWHERE) :]
            return AllOf((re.compile(prefix + first), re.compile(prefix + second)))
    return re.compile(prefix + part)


def _group_end(source: bytes) -> Optional[int]:
    """The index of the `)` closing a group opened just before `source`, or None."""
    depth, index, size = 0, 0, len(source)
    while index < size:
        char = source[index]
        if char == 0x5C:
            index += 2
            continue
        if char == 0x5B:
            index = _class_end(source, index)
        elif char == 0x28:
            depth += 1
        elif char == 0x29:
            if depth == 0:
                return index
            depth -= 1
        index += 1
    return None


def _class_end(source: bytes, index: int) -> int:
    """The index of the `]` closing the character class that opens at `index`."""
    index += 1
    size = len(source)
    if index < size and source[index] == 0x5E:
        index += 1
    if index < size and source[index] == 0x5D:
        index += 1
    while index < size and source[index] != 0x5D:
        index += 2 if source[index] == 0x5C else 1
    return index


def _top_level_split(source: bytes) -> List[bytes]:
    """`source` cut at each `|` outside groups and character classes."""
    parts, depth, start, index, size = [], 0, 0, 0, len(source)
    while index < size:
        char = source[index]
        if char == 0x5C:  # backslash: the next character is literal
            index += 2
            continue
        if char == 0x5B:  # `[`: skip the class; a `]` right after `[` or `[^` belongs to it
            index = _class_end(source, index)
        elif char == 0x28:
            depth += 1
        elif char == 0x29:
            depth -= 1
        elif char == 0x7C and depth == 0:
            parts.append(source[start:index])
            start = index + 1
        index += 1
    parts.append(source[start:])
    return parts


Selectable = TypeVar("Selectable")


def _check_prefixes(prefixes: Iterable[str], option: str, codes: Sequence[str]) -> List[str]:
    checked = []
    for prefix in prefixes:
        normal = prefix.strip().upper()
        if normal == "ALL":
            normal = "TM"
        if not normal or not any(code.startswith(normal) for code in codes):
            raise ConfigError(f"{option}: {prefix!r} matches no rule code (see `migrator rules`)")
        checked.append(normal)
    return checked


def choose(rules: Sequence[Selectable], settings: Settings) -> Tuple[Selectable, ...]:
    """The rules (classes or index entries) selected by `settings`, minus those whose
    replacement needs a newer target torch.

    A code is selected when a select prefix matches it and no ignore prefix at least as long does.
    """
    codes = [r.code for r in rules]  # type: ignore[attr-defined]
    select = _check_prefixes(settings.select, "select", codes)
    ignore = _check_prefixes(settings.ignore, "ignore", codes)
    target = parse_version(settings.target_version) if settings.target_version else NEWEST
    chosen = []
    for rule in rules:
        code = rule.code  # type: ignore[attr-defined]
        selected = max((len(p) for p in select if code.startswith(p)), default=-1)
        ignored = max((len(p) for p in ignore if code.startswith(p)), default=-1)
        if selected >= 0 and selected > ignored and parse_version(rule.requires) <= target:  # type: ignore[attr-defined]
            chosen.append(rule)
    return tuple(chosen)


@lru_cache(maxsize=64)
def prefilter_plan(settings: Settings) -> Tuple[Candidates, Tuple[IndexEntry, ...]]:
    """The selected rules' index entries and their candidates (shared with the engine)."""
    entries = choose(load_index(), settings)
    return Candidates([(e.words, e.trigger.encode()) for e in entries]), entries


def may_match(source: bytes, settings: Settings) -> bool:
    """False only when no selected rule can report anything in `source` (its trigger is absent,
    or the file's era is outside the rule's)."""
    if not settings.prefilter:
        return True
    candidates, entries = prefilter_plan(settings)
    era = None
    era_known = settings.source_version != "auto"
    if era_known:
        era = parse_version(settings.source_version)
    for index in candidates.matching(source):
        entry = entries[index]
        if entry.source_eras == (None, None):
            return True
        if not era_known:
            era, era_known = infer_era(source.decode("utf-8", "replace"))[0], True
        if in_range(era, *entry.source_eras):
            return True
    return False


def main() -> None:
    from migrator.registry import all_rules

    INDEX.write_text(json.dumps(index_of(all_rules()), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {INDEX}")


if __name__ == "__main__":
    main()
