"""The trigger pre-filter only saves time: with and without it the findings are identical.

The corpus is every fixture script plus a deterministic sample of the installed torch
package's own sources (modern code, most of which the pre-filter skips). Set
`MIGRATOR_PREFILTER_SAMPLE` to a number of skipped files to sample, or to `all` to run
the whole torch package.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from migrator.config import Settings
from migrator.engine import could_match
from migrator.registry import all_rules
from migrator.rule_index import INDEX, AllOf, Candidates, alternatives, index_of, words_of
from migrator.runner import Mode, process_files

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_SKIPPED = 40  # files the pre-filter skips: the ones the comparison is about
MAX_BYTES = 20_000  # keeps the un-filtered run within the test budget


def _torch_sources() -> List[Path]:
    """The installed torch package's `.py` files, or none without torch."""
    spec = importlib.util.find_spec("torch")  # locate, never import: importing torch costs seconds
    if spec is None or not spec.submodule_search_locations:
        return []
    return sorted(Path(spec.submodule_search_locations[0]).rglob("*.py"))


def _sample(files: List[Path], settings: Settings) -> List[Path]:
    """Small files, mostly ones the pre-filter skips, spread over the package."""
    wanted = os.environ.get("MIGRATOR_PREFILTER_SAMPLE", str(SAMPLE_SKIPPED))
    if wanted == "all":
        return files
    small = [f for f in files if f.stat().st_size <= MAX_BYTES]
    skipped = [f for f in small if not could_match(f.read_bytes(), settings)]
    matched = [f for f in small if f not in set(skipped)]
    return _every(skipped, int(wanted)) + _every(matched, max(1, int(wanted) // 8))


def _every(files: List[Path], count: int) -> List[Path]:
    """`count` files evenly spread over `files`."""
    step = max(1, len(files) // count)
    return files[::step][:count]


def _findings(files: List[Path], settings: Settings) -> Dict[str, Tuple]:
    """Path -> (error, findings) from a check of every file."""
    outcomes = process_files(files, settings, Mode(fix=False, write=False), jobs=2)
    return {o.path: (o.error, tuple(o.remaining)) for o in outcomes}


def test_prefilter_changes_no_finding():
    settings = Settings()
    fixtures = sorted((ROOT / "fixtures").rglob("*.py"))
    files = fixtures + _sample(_torch_sources(), settings)
    with_filter = _findings(files, settings)
    without = _findings(files, Settings(prefilter=False))
    assert with_filter.keys() == without.keys()
    differ = [path for path in with_filter if with_filter[path] != without[path]]
    assert not differ, f"the pre-filter hides findings in {differ[:5]}"
    assert sum(bool(found) for _, found in with_filter.values()) >= len(fixtures) // 2


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_every_rule_declares_triggers_its_examples_contain(rule):
    """A rule without triggers, or with an example none matches, would be skipped by the pre-filter."""
    assert rule.triggers, f"{rule.code} declares no triggers"
    for example in rule.examples:
        if example.flagged:
            before = example.before.encode()
            assert rule.trigger_pattern().search(before), f"{rule.code} example {example.id!r} holds no trigger"
            words = {w.encode() for w in rule.trigger_words}
            assert not words or words & words_of(before), f"{rule.code} example {example.id!r} holds no trigger word"


def test_rule_index_is_current():
    """The pre-filter's index (read without importing libcst) says what the rules say."""
    stored = json.loads(INDEX.read_text(encoding="utf-8"))
    assert stored == index_of(all_rules()), "the rule index is stale: run `python -m migrator.rule_index`"


def test_clean_file_is_checked_without_libcst(tmp_path):
    """A file no trigger occurs in is settled before libcst (or torch) is imported."""
    clean = tmp_path / "clean.py"
    clean.write_text("import torch\n\n\ndef double(x):\n    return x * 2\n")
    probe = (
        "import sys\n"
        "from migrator.cli import main\n"
        "try:\n"
        f"    main(['check', {str(clean)!r}])\n"
        "except SystemExit as exit:\n"
        "    print(exit.code, 'libcst' in sys.modules, 'torch' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1].split() == ["0", "False", "False"]


def test_words_are_whole_identifiers_from_code_strings_and_comments():
    text = "from torch.autograd import Variable as V  # Variable\nx = V(t, 'FloatTensor')\nnormé = 1\n".encode()
    words = words_of(text)
    assert {b"Variable", b"V", b"FloatTensor", b"torch", b"autograd"} <= words
    assert b"Tensor" not in words and b"norm" not in words  # parts of other identifiers are not words


@pytest.mark.parametrize(
    "source, parts",
    [
        (rb"a|b(c|d)|[|x]|\||e", [rb"a", rb"b(c|d)", rb"[|x]", rb"\|", rb"e"]),
        (rb"(?m)^x|y", [rb"(?m)^x", rb"(?m)y"]),  # the whole pattern's flags lead every part
        (rb"[]|]|[^]|]|q", [rb"[]|]", rb"[^]|]", rb"q"]),  # `]` first in a class is literal
        (rb"(a)|\1", [rb"(a)|\1"]),  # a back reference keeps the pattern whole
        (rb"abc", [rb"abc"]),
    ],
)
def test_alternatives_cut_a_pattern_at_its_top_level_bars_only(source, parts):
    assert [p.pattern for p in alternatives(source)] == parts


@pytest.mark.parametrize("text", [b"x.reduce y", b"Loss x.reduce", b"x.reduce\nLoss", b"Loss", b"x.reduce", b"", b"Loss2d .reduce"])
def test_a_both_anywhere_pattern_is_searched_as_two_patterns(text):
    """`\\A(?=[\\s\\S]*?X)[\\s\\S]*?Y` is "X and Y occur": two plain searches, same answer."""
    source = rb"\A(?=[\s\S]*?Loss(?:2d)?\b)[\s\S]*?\.(?:reduce|size_average)\b|zzz"
    parts = alternatives(source)
    assert isinstance(parts[0], AllOf) and [p.pattern for p in parts[0].parts] == [rb"Loss(?:2d)?\b", rb"\.(?:reduce|size_average)\b"]
    assert (re.compile(source).search(text) is not None) == any(p.search(text) is not None for p in parts)


def test_every_trigger_matches_where_one_of_its_alternatives_does():
    """The pre-filter searches each trigger's alternatives one by one: same answer as the whole."""
    texts = [path.read_bytes() for path in sorted((ROOT / "fixtures").rglob("*.py"))]
    texts += [example.before.encode() for rule in all_rules() for example in rule.examples]
    split = 0
    for rule in all_rules():
        whole = rule.trigger_pattern()
        parts = alternatives(whole.pattern)
        split += len(parts) > 1
        for text in texts:
            assert (whole.search(text) is not None) == any(p.search(text) for p in parts), rule.code
    assert split >= 10  # the cut is really taken


def test_a_pattern_is_compiled_only_once_a_text_holds_its_words():
    candidates = Candidates([(frozenset({b"Variable"}), rb"Variable\(|V\("), (frozenset({b"volatile"}), rb"volatile\s*=")])
    assert candidates.matching(b"x = Variable(t)\n") == (0,)
    assert candidates._compiled[1] is None  # a clean file pays for the patterns its words call for
    candidates.compile_all()
    assert candidates._compiled[1] is not None


def test_a_file_that_passes_the_prefilter_is_matched_once(monkeypatch):
    """The engine reuses the pre-filter's answer for the same text instead of searching again."""
    from migrator.runner import transform

    searched: List[bytes] = []
    original = Candidates._matching

    def spy(self: Candidates, text: bytes):
        searched.append(text)
        return original(self, text)

    monkeypatch.setattr(Candidates, "_matching", spy)
    source = b"import torch\nfrom torch.autograd import Variable\nx = Variable(torch.zeros(1))\n"
    result = transform(source, Settings(), "one.py", fix=False)
    assert [f.code for f in result.remaining] == ["TM101"]
    assert searched == [source]
