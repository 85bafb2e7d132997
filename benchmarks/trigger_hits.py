"""Which rules' triggers let files of the modern corpus through the pre-filter.

`python benchmarks/trigger_hits.py [CODE_PREFIX ...]` prints the share of the modern
corpus (the installed torch package: current code) that would be parsed, and per rule how
many files its trigger matches (only rules the file's era lets run). A rule that matches
many modern files makes every check of a modern code base slower: tighten its
`trigger_regex`.
"""

from __future__ import annotations

import sys
from collections import Counter

from corpus import build

from migrator.config import Settings
from migrator.era import in_range, infer_era
from migrator.rule_index import prefilter_plan


def main(prefixes) -> None:
    files = [p.read_bytes() for p in sorted(build()["modern"].rglob("*.py"))]
    candidates, entries = prefilter_plan(Settings())  # what `may_match` asks: words, then patterns
    hits: Counter = Counter()
    alone: Counter = Counter()
    parsed_bytes = parsed_files = 0
    for text in files:
        era = infer_era(text.decode("utf-8", "replace"))[0]
        codes = [
            entries[i].code for i in candidates.matching(text) if in_range(era, *entries[i].source_eras)
        ]
        hits.update(codes)
        if len(codes) == 1:
            alone[codes[0]] += 1
        if codes:
            parsed_files += 1
            parsed_bytes += len(text)
    total = sum(map(len, files))
    print(f"{parsed_files} of {len(files)} files, {parsed_bytes / total:.1%} of the bytes, would be parsed")
    wanted = lambda code: not prefixes or code.startswith(tuple(prefixes))  # noqa: E731
    print("files matched per rule:", ", ".join(f"{c} {n}" for c, n in hits.most_common() if wanted(c)))
    print("files only this rule lets through:", ", ".join(f"{c} {n}" for c, n in alone.most_common() if wanted(c)))


if __name__ == "__main__":
    main(sys.argv[1:])
