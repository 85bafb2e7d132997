"""Building blocks of the rules' `trigger_regex` (the pre-filter: see `Rule.trigger_pattern`).

Each is sound for what it names: it matches every text in which the construct can occur,
whatever whitespace, line continuation, comment inside brackets or parenthesised import
list the parser allows. Each starts with a literal where it can (a search then skips ahead
to it) and checks a word boundary behind the literal. No global flags: patterns are joined.
"""

from __future__ import annotations

from typing import Sequence, Tuple

# Single tokens of space (`{GAP_TOKEN}*`, `{GAP_TOKEN}+`); before a call's `(` also the closing
# parentheses of a parenthesised callee (`(torch.FloatTensor)(...)`).
GAP_TOKEN = r"(?:[\s\\]|#[^\n]*\n)"
GAP_CLOSE_TOKEN = r"(?:[\s\\)]|#[^\n]*\n)"
GAP = GAP_TOKEN + "*"  # whitespace, `\` continuations, comments (inside brackets)
SPACE = r"[\s\\]+"  # whitespace between keywords of an import statement
DOT = GAP_CLOSE_TOKEN + r"*\." + GAP  # the dot of `a.b`, `a .b`, `(a).b`, `(a  # c\n).b`


def rx_word(word: str) -> str:
    """`\\bword`, spelled literal-first (the same matches; a search can then skip to the literal)."""
    return word + r"(?<!\w" + word + ")"


def rx_words(names: Sequence[str]) -> str:
    """One of `names`, longest first (put `\\b` around it)."""
    return "(?:" + "|".join(sorted(set(names), key=lambda n: (-len(n), n))) + ")"


def rx_any_word(names: Sequence[str]) -> str:
    """`\\b` and one of `names`, literal-first (`rx_word`)."""
    return "(?:" + "|".join(rx_word(n) for n in sorted(set(names), key=lambda n: (-len(n), n))) + ")"


def rx_attribute(names: Sequence[str]) -> str:
    """`<anything>.name` for one of `names`: every attribute (and method) spelling."""
    return r"\." + GAP + rx_words(names) + r"\b"


_ARG = r"""[^()\[\]{}'"#,:]"""  # a character of a simple argument list: no bracket, string, comment, comma, lambda
_MAYBE = r"""[(\[{'"#:]"""  # what ends a simple argument list early: counted as "maybe"
_HAS_KEYWORD = (
    r"""(?:[^()\[\]{}'"#:]*,)?""" + GAP + r"\w+" + GAP + r"=(?!=)" + r"""[^()\[\]{}'"#:]*\)"""
)  # an argument list without brackets, strings, comments or lambdas (`:`) that holds a keyword


def rx_args(count: int = 0, keywords: bool = True) -> str:
    """After a call's `(`: at least `count` arguments, or exactly 2 with `count=-2`; with
    `keywords=False`, none of them a keyword. A bracket, string, comment or lambda met
    before the answer is known counts as "maybe" (sound, not exact)."""
    head = "" if keywords else "(?!" + _HAS_KEYWORD + ")"
    if count == -2:
        return head + _ARG + "*(?:" + _MAYBE + "|," + _ARG + "*(?:" + _MAYBE + r"|\)|," + GAP + r"\)))"
    if count == 0:
        return head
    if count == 1:
        return head + GAP + r"[^\s\\)]"
    commas = _ARG + "*(?:" + _MAYBE + "|,)"  # at least n arguments: n - 1 commas
    for _ in range(count - 2):
        commas = _ARG + "*(?:" + _MAYBE + "|," + commas + ")"
    return head + commas


def rx_call(args: int = 0, keywords: bool = True) -> str:
    """After a callee: its call, with arguments as `rx_args` says; after a parenthesised
    callee (`(x.name)(`) the arguments are not looked at."""
    return GAP + r"(?:(?:\)" + GAP + r")+\(|\(" + rx_args(args, keywords) + ")"


def rx_method_call(names: Sequence[str], args: int = 0, keywords: bool = True) -> str:
    """`.name(` with arguments as `rx_args` says (see `rx_call`)."""
    return rx_attribute(names) + rx_call(args, keywords)


def rx_from_import(module: str, names: Sequence[str]) -> str:
    """`from <module> import ..., name [as x], ...` (parenthesised, continued, commented lists).

    `module` is a regular expression for the module name (`TORCH_MODULE`, `rx_module`).
    """
    words = rx_words(names)
    return (
        rx_word("from") + SPACE + module + SPACE + r"import\b" + GAP
        + r"(?:\((?:[^)#]|#[^\n]*\n)*?\b" + words + r"\b|(?:[^;\n()#]|\\\r?\n)*?\b" + words + r"\b)"
    )


def rx_star_import(module: str) -> str:
    """`from <module> import *`: every name of the module may then be used bare."""
    return rx_word("from") + SPACE + module + SPACE + r"import" + GAP + r"\*"


def rx_module(dotted: str) -> str:
    """A dotted module name as the parser allows it (`torch . nn`)."""
    return r"(?:[\s\\]*\.[\s\\]*)".join(dotted.split("."))


TORCH_MODULE = r"torch\b(?:[\s\\]*\.[\s\\]*\w+)*"  # torch or any of its submodules


def rx_qualified(names: Sequence[str], module: str = TORCH_MODULE) -> str:
    """Every spelling of `<module>.name` through imports (`migrator.names.ImportTable`): an
    attribute `.name`, `from <module> import name [as x]`, a star import of the module."""
    return "|".join((rx_attribute(names), rx_from_import(module, names), rx_star_import(module)))


def rx_torch_function(names: Sequence[str]) -> str:
    """`torch.name` (top-level torch) through every import of torch: `torch.name`,
    `import torch as th` (then `th.name`), `from torch import name [as x]`, `from torch import *`."""
    return "|".join(
        (
            rx_word("torch") + DOT + rx_words(names) + r"\b",
            rx_word("torch") + SPACE + r"as\b",
            rx_from_import("torch", names),
            rx_star_import("torch"),
        )
    )


def rx_member(module: str, names: Sequence[str]) -> str:
    """`<...>.module.name` for a module reached by its last component `module`: every
    spelling says `module.name`, `module as X` (then `X.name`), or imports from a module
    ending in `module` (`from torch.nn.functional import name [as x]` or `*`)."""
    tail = r"[\w.\s\\]*?\b" + module
    return "|".join(
        (
            rx_word(module) + DOT + rx_words(names) + r"\b",
            rx_word(module) + SPACE + r"as\b",
            rx_from_import(tail, names),
            rx_star_import(tail),
        )
    )


# Top-level text of an argument list: a simple character, or one simple nested group.
_SIMPLE = r"""[^()\[\]{}'"#:]"""
_NESTED = r"\(" + _SIMPLE + r"*\)|\[" + _SIMPLE + r"*\]"
_TOP = r"(?:" + _SIMPLE + "|" + _NESTED + ")"
_TOP_ARG = r"""(?:[^()\[\]{}'"#:,]|""" + _NESTED + ")"  # ... within one argument
# What ends a simple argument early: counted as "maybe" (a nested group that is not simple, a string, a comment, a lambda).
_DEEP = r"(?:\((?!" + _SIMPLE + r"*\))|\[(?!" + _SIMPLE + r"*\])|[{'\"#:])"
_NOT_KEYWORD = r"(?!" + GAP + r"\w+" + GAP + r"=(?!=))"


def rx_keyword_given(names: Sequence[str], value_not_none: bool = False) -> str:
    """After a call's `(`: one of `names` visibly passed as a keyword at the top level (with
    `value_not_none`, with a value other than a literal None). For a negative look-ahead:
    a call this does not match may or may not pass the keyword."""
    value = r"(?![\s\\(]*None\b)" if value_not_none else ""
    return r"(?:" + _TOP + r"*?,)?[\s\\]*\b" + rx_words(names) + r"[\s\\]*=(?!=)" + value


def rx_second_positional_given() -> str:
    """After a call's `(`: a second positional argument visibly given, not a literal None."""
    return _TOP_ARG + r"*,[\s\\]*(?![(\s\\]*None\b)" + _NOT_KEYWORD + r"[^\s\\)#]"


def rx_call_without(names: Sequence[str], value_not_none: bool = False) -> str:
    """After a callee: its call, unless one of the keywords `names` is visibly given
    (see `rx_keyword_given`); a parenthesised callee's arguments are not looked at."""
    return GAP + r"(?:(?:\)" + GAP + r")+\(|\((?!" + rx_keyword_given(names, value_not_none) + "))"


def rx_positional(count: int) -> str:
    """After a call's `(`: at least `count` positional arguments (a keyword argument ends
    them); a string, comment, lambda or deeper bracket met first counts as "maybe"."""
    first = r"(?:" + _NESTED + r"""|[^\s\\)(\[\],{}'"#:])"""  # the argument's first element
    rx = r"[\s\\]*" + _NOT_KEYWORD + r"(?:" + _DEEP + "|" + first + ")"
    for _ in range(count - 1):
        rx = r"[\s\\]*" + _NOT_KEYWORD + r"(?:" + _DEEP + "|" + first + _TOP_ARG + r"*(?:" + _DEEP + r"|," + rx + "))"
    return rx


def rx_positional_call(count: int) -> str:
    """After a callee: its call with at least `count` positional arguments (`rx_positional`)."""
    return GAP + r"(?:(?:\)" + GAP + r")+\(|\(" + rx_positional(count) + ")"


def word_regex(last: str, prefixes: Tuple[str, ...] = ("",)) -> str:
    """A whole word `prefix + last` for one of the prefixes, as a regex that starts with `last`."""
    return last + "(?:" + "|".join(rf"(?<=\b{p}{last})" for p in prefixes) + ")"


def called_or_aliased(name_regex: str) -> str:
    """A name called (`torch.FloatTensor(`, `(F)(`) or imported under an alias (`FloatTensor as F`):
    how a qualified name's last component shows wherever a call of it can be resolved."""
    return rf"{name_regex}(?:{GAP_CLOSE_TOKEN}*\(|{GAP_TOKEN}+as\b)"


def method_regex(name: str, no_args: bool = False) -> str:
    """`.name(` on any receiver, spaced as the parser allows (`x . name (`); `.name()` with `no_args`."""
    return rf"\.{GAP_TOKEN}*{name}{GAP_CLOSE_TOKEN}*\(" + (rf"{GAP_TOKEN}*\)" if no_args else "")


def literal_first(regex: str) -> str:
    """The same regular expression with a word boundary before `torch`/`from` moved behind the
    word (`\\btorch` -> `torch(?<!\\wtorch)`): a branch that starts with a literal lets the
    regex module skip to the places where one of the branches' first characters occurs."""
    for word in ("torch", "from", "data", "grad"):
        regex = regex.replace("\\b" + word, word + "(?<!\\w" + word + ")")
    return regex
