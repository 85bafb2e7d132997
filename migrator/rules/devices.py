"""Devices and renamed keywords: `async=` became `non_blocking=` (torch 0.4)."""

from __future__ import annotations

from typing import List, Tuple

from migrator.rule import Rule, Safety, fixes, keeps
from migrator.tokens import rename_async_keywords


class AsyncKeyword(Rule):
    """`x.cuda(async=True)`: use `non_blocking=True`.

    What it does: renames every `async=` keyword argument to `non_blocking=`, on the
    token stream before parsing, splicing only those five bytes.
    Why: torch 0.4 renamed the argument, and Python 3.7 made `async` a keyword: the
    legacy line is a syntax error that no current parser, libcst's included, accepts.
    Example: `input = input.cuda(async=True)` becomes `input = input.cuda(non_blocking=True)`.
    Fix safety: safe: the same argument under its new name. A `# noqa` comment cannot keep
    it, since the file would not parse.
    """

    code = "TM901"
    message = "`async=` is a syntax error since Python 3.7; use `non_blocking=`"
    safety = Safety.SAFE
    triggers = ("async",)
    changed_in = "0.4"
    examples = (
        fixes("x = x.cuda(async=True)\n", "x = x.cuda(non_blocking=True)\n", id="cuda"),
        fixes(
            "batch = batch.to(device,\n                 async = True)  # keep\n",
            "batch = batch.to(device,\n                 non_blocking = True)  # keep\n",
            id="multiline",
        ),
        keeps("async_flag = True\nx = x.cuda(non_blocking=async_flag)\n", id="look-alike"),
        keeps("async def main():\n    await run()\n", id="real-async"),
    )

    @staticmethod
    def repair(text: str) -> Tuple[str, List[Tuple[int, int]]]:
        return rename_async_keywords(text)
