"""Torch versions: parsing, and inferring which era a file was written for.

Some rewrites are exact only for the release the code targeted (`F.dropout(x)` was a
no-op in 0.3 and drops in 1.0), so the engine needs the source era. Without
`--source-version` it is read off idioms that only one era used.
"""

from __future__ import annotations

import re
from typing import Optional, Tuple

Version = Tuple[int, int]

NEWEST: Version = (2, 13)


class VersionError(ValueError):
    """A version string that is not `MAJOR.MINOR`."""


def parse_version(text: str) -> Version:
    """`"0.4"` -> `(0, 4)`; `"1.10.2"` -> `(1, 10)`."""
    match = re.fullmatch(r"\s*(\d+)\.(\d+)(?:\.\d+)?\s*", text)
    if not match:
        raise VersionError(f"not a torch version: {text!r} (expected MAJOR.MINOR, e.g. 0.4)")
    return int(match.group(1)), int(match.group(2))


def format_version(version: Version) -> str:
    return f"{version[0]}.{version[1]}"


# Evidence for an era, most specific first: (pattern, newest era that used it, why).
# Each pattern starts with a literal (a leading `\b` is a look-behind after the word) so that
# a search can skip ahead to it: the pre-filter runs these over every file it cannot rule out.
_EVIDENCE = (
    (re.compile(r"\.creator\b"), (0, 1), "`.creator` (0.1)"),
    # 0.2 renamed it `retain_graph` but kept the old name as a deprecated alias
    (re.compile(r"retain_variables\s*="), (0, 3), "`retain_variables=` (at most 0.3)"),
    (re.compile(r"\.data\s*\[\s*-?\s*0\s*\]"), (0, 3), "`.data[0]` on losses (at most 0.3)"),
    (re.compile(r"volatile(?<!\wvolatile)\s*="), (0, 3), "`volatile=` (at most 0.3)"),
    (re.compile(r"async(?<!\wasync)\s*=\s*True"), (0, 3), "`async=True` (at most 0.3)"),
    (re.compile(r"Variable(?<!\wVariable)\s*\("), (0, 3), "`Variable(...)` (at most 0.3)"),
    (re.compile(r"elementwise_mean(?<=['\"]elementwise_mean)['\"]"), (0, 4), "`reduction='elementwise_mean'` (0.4)"),
    (re.compile(r"size_average(?<!\wsize_average)\s*="), (0, 4), "`size_average=` (at most 0.4)"),
    (
        re.compile(r"F\.upsample(?<!\wF\.upsample)\s*\(|init\.(?<!\winit\.)\w*[^_\W]\s*\("),
        (1, 0),
        "`F.upsample` or `init.xavier_uniform`-style names (at most 1.0)",
    ),
)


# Idioms that 0.4 introduced: code using them ran on 0.4 or later, whatever older idioms it
# also holds (`Variable(...)` and `.data[0]` still ran in 0.4, with a warning at most).
_NEWER_EVIDENCE = (
    (re.compile(r"no_grad\b"), "`torch.no_grad`"),
    (re.compile(r"\.item\(\s*\)"), "`.item()`"),
    (re.compile(r"torch(?<!\wtorch)\s*\.\s*(?:tensor|device)\s*\("), "`torch.tensor(...)` / `torch.device(...)`"),
    (re.compile(r"reduction\s*=\s*['\"](?:mean|sum|none)['\"]"), "`reduction=`"),
)
_NEWER_ERA: Version = (0, 4)


def infer_era(text: str) -> Tuple[Optional[Version], str]:
    """The newest torch the code can have been written for, and why; (None, reason) when nothing tells.

    Evidence of an era older than 0.4 gives way when the code also uses what 0.4 introduced:
    such code mixes the styles of the 0.4 transition, and 0.4 is where both ran.
    """
    newer = next((why for pattern, why in _NEWER_EVIDENCE if pattern.search(text)), None)
    overruled = None
    for pattern, era, why in _EVIDENCE:
        if pattern.search(text):
            if newer is None or era >= _NEWER_ERA:
                return era, why
            overruled = overruled or why
    if overruled is not None:
        return _NEWER_ERA, f"{overruled.split(' (')[0]} alongside {newer} (0.4 or later): 0.4"
    return None, "no era-specific idiom found"


def in_range(version: Optional[Version], low: Optional[str], high: Optional[str]) -> bool:
    """Whether `version` lies in the inclusive range [low, high]; unknown versions lie in no bounded range."""
    if low is None and high is None:
        return True
    if version is None:
        return False
    if low is not None and version < parse_version(low):
        return False
    if high is not None and version > parse_version(high):
        return False
    return True
