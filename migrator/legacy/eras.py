"""PyTorch release eras the legacy runtime can emulate, and how to compare them.

An era is a `major.minor` release string; patch releases (`0.4.1`, `0.3.1`) share their
minor release's era, which is also how the catalogue states its boundaries ("<= 0.4.1").
"""

from __future__ import annotations

from typing import Tuple

ERAS: Tuple[str, ...] = (
    "0.1", "0.2", "0.3", "0.4",
    "1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8", "1.9",
    "1.10", "1.11", "1.12", "1.13",
)


def era_key(era: str) -> Tuple[int, int]:
    """`(major, minor)` of an era string such as `"0.4"`, `"0.4.1"` or `"1.10"`, for ordering."""
    parts = str(era).strip().split(".")
    try:
        major, minor = int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        raise ValueError(f"not a PyTorch era: {era!r} (expected one of {', '.join(ERAS)})") from None
    return major, minor


def normalize_era(era: str) -> str:
    """The canonical member of `ERAS` for `era` (`"0.4.1"` -> `"0.4"`); ValueError when unknown."""
    major, minor = era_key(era)
    name = f"{major}.{minor}"
    if name not in ERAS:
        raise ValueError(f"not a PyTorch era: {era!r} (expected one of {', '.join(ERAS)})")
    return name


def at_most(era: str, limit: str) -> bool:
    """True when `era` is `limit` or older (`at_most("0.3", "0.4")` is True)."""
    return era_key(era) <= era_key(limit)
