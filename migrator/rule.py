"""The rule base class, findings, fix safety and the examples every rule carries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Callable, ClassVar, Optional, Sequence, Tuple, Union

import libcst as cst

from migrator.findings import Finding, Safety

if TYPE_CHECKING:
    from migrator.context import FileContext

Replacement = Union[cst.CSTNode, cst.RemovalSentinel, cst.FlattenSentinel]


class Deferred:
    """A replacement built only when its fix is applied.

    Some replacements rebuild a whole region or module (a legacy Function and all its
    uses); a check, or a fix that leaves them out, never needs them. Built once.
    """

    __slots__ = ("_build", "_built")

    def __init__(self, build: Callable[[], Replacement]) -> None:
        self._build: Optional[Callable[[], Replacement]] = build
        self._built: Optional[Replacement] = None

    def get(self) -> Replacement:
        if self._build is not None:
            self._built, self._build = self._build(), None
        return self._built  # type: ignore[return-value]


@dataclass(frozen=True)
class Import:
    """An import a fix needs (`import torch`, `from torch import nn`)."""

    module: str
    obj: Optional[str] = None
    asname: Optional[str] = None


@dataclass(frozen=True)
class Example:
    """A snippet with what `fix` must make of it.

    `after` is the expected output of `migrator fix --unsafe-fixes --select CODE`;
    None means the snippet must stay byte-identical. `flagged` says whether the
    rule must report it.
    """

    before: str
    after: Optional[str] = None
    flagged: bool = True
    id: str = ""


def keeps(before: str, id: str = "") -> Example:
    """An example the rule must neither report nor change."""
    return Example(before, None, flagged=False, id=id)


def fixes(before: str, after: str, id: str = "") -> Example:
    """An example the rule must report and rewrite to `after`."""
    return Example(before, after, flagged=True, id=id)


def reports(before: str, id: str = "") -> Example:
    """An example the rule must report but leave unchanged (report-only, or no exact fix here)."""
    return Example(before, None, flagged=True, id=id)


@dataclass
class _Pending:
    """A finding found during the visit, still tied to its node."""

    node: cst.CSTNode
    finding: Finding
    replacement: Optional[Union[Replacement, Deferred]]
    imports: Tuple[Import, ...] = ()
    releases: Tuple[str, ...] = ()  # local names whose import may become unused
    position_node: Optional[cst.CSTNode] = None
    context: Optional["FileContext"] = None

    def built_replacement(self) -> Replacement:
        """The replacement, built now if it was deferred (only called for a fix being applied)."""
        replacement = self.replacement
        assert replacement is not None
        return replacement.get() if isinstance(replacement, Deferred) else replacement


def _slug(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


class Rule(cst.BatchableCSTVisitor):
    """A legacy idiom: a code, a message, a fix safety and examples.

    Subclasses visit nodes (libcst batchable visitor methods) and call `report`.
    All selected rules share one visit of one parsed tree; their replacements are
    applied together by the engine, so a rule never edits the tree itself.
    """

    code: ClassVar[str] = ""
    message: ClassVar[str] = ""
    safety: ClassVar[Safety] = Safety.SAFE
    # A file whose text contains none of these substrings cannot hold the idiom and is not parsed.
    triggers: ClassVar[Tuple[str, ...]] = ()
    # A regular expression that says it more precisely; when set, it replaces `triggers`.
    trigger_regex: ClassVar[Optional[str]] = None
    # Identifiers one of which a file must contain as a whole word (in code, strings or
    # comments) for the rule to report anything, e.g. the last part of every qualified name
    # it matches. Checked first, against the file's set of words: far cheaper than any
    # search, so the pattern above only runs on files that pass. Empty: no such gate.
    trigger_words: ClassVar[Tuple[str, ...]] = ()
    # Torch versions the legacy code may have been written for, inclusive (None: open end).
    source_eras: ClassVar[Tuple[Optional[str], Optional[str]]] = (None, None)
    # The oldest torch the replacement runs on; skipped when --target-version is older.
    requires: ClassVar[str] = "0.4"
    # The torch release that deprecated or removed the legacy form, for the docs.
    changed_in: ClassVar[str] = ""
    examples: ClassVar[Sequence[Example]] = ()

    def __init__(self, context: "FileContext") -> None:
        super().__init__()
        self.context = context
        self.pending: list[_Pending] = []

    @classmethod
    def trigger_pattern(cls) -> "re.Pattern[bytes]":
        """What a text must match for this rule to be able to report anything in it."""
        return _trigger_pattern(cls)

    @classmethod
    def trigger_source(cls) -> bytes:
        """`trigger_pattern()`'s regular expression, not compiled."""
        if cls.trigger_regex is not None:
            return cls.trigger_regex.encode()
        return b"|".join(re.escape(t.encode()) for t in cls.triggers)

    @classmethod
    def slug(cls) -> str:
        return _slug(cls.__name__)

    @classmethod
    def summary(cls) -> str:
        """First line of the rule's documentation."""
        return (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else cls.message

    def report(
        self,
        node: cst.CSTNode,
        replacement: Optional[Union[Replacement, Deferred]] = None,
        *,
        message: Optional[str] = None,
        safety: Optional[Safety] = None,
        imports: Sequence[Import] = (),
        releases: Sequence[str] = (),
        position_node: Optional[cst.CSTNode] = None,
    ) -> None:
        """Record a finding on `node`; `replacement` replaces `node` when the fix is applied
        (a `Deferred` one is built only then).

        `imports` are added when the fix is applied; `releases` names local import
        bindings (e.g. `Variable`) the fix may leave unused, removed if so.
        """
        if replacement is None:
            effective = Safety.NONE
        else:
            effective = safety or self.safety
            if effective is Safety.NONE:
                effective = Safety.UNSAFE
        finding = Finding(self.code, self.slug(), message or self.message, effective)
        self.pending.append(
            _Pending(node, finding, replacement, tuple(imports), tuple(releases), position_node, self.context)
        )


@lru_cache(maxsize=None)
def _trigger_pattern(rule: type) -> "re.Pattern[bytes]":
    return re.compile(rule.trigger_source())  # type: ignore[attr-defined]
