"""Idempotence and no-op exactness at scale: the installed torch package (modern code) and every legacy fixture.

No crash, no error; every changed file compiles; a file with no fix applied is
byte-identical; a second `fix` changes nothing. The default run takes a fixed
sample of 300 small torch files; the full package is the `slow` test.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from robust_support import ROOT, assert_no_traceback, compiles, legacy_fixtures, run_cli, write

SAMPLE_SIZE = 300
SAMPLE_MAX_BYTES = 8000  # keeps the default run to about a megabyte of torch source


def _torch_root() -> Path:
    torch = pytest.importorskip("torch", reason="the scale test reads the installed torch package's sources")
    return Path(torch.__file__).resolve().parent


def _torch_sources(sample: bool) -> Dict[str, bytes]:
    root = _torch_root()
    paths = sorted(p for p in root.rglob("*.py") if p.is_file())
    if sample:
        small = [p for p in paths if p.stat().st_size <= SAMPLE_MAX_BYTES]
        paths = sorted(random.Random(2024).sample(small, min(SAMPLE_SIZE, len(small))))
    return {str(p.relative_to(root)): p.read_bytes() for p in paths}


def _migrate_twice(sources: Dict[str, bytes], root: Path, request, label: str) -> Dict[str, object]:
    for relative, data in sources.items():
        write(root / relative, data)
    started = time.monotonic()
    first = run_cli("fix", "--jobs", "2", "--output-format", "json", str(root), timeout=7200)
    elapsed = time.monotonic() - started
    assert_no_traceback(first)
    records = json.loads(first.stdout)
    errors = [r for r in records if "error" in r]
    assert not errors, errors[:10]
    assert first.returncode in (0, 1), first.stderr.decode()
    fixed = {r["path"] for r in records if r.get("fixed")}
    changed: List[Path] = []
    for relative, original in sources.items():
        path = root / relative
        output = path.read_bytes()
        if str(path) in fixed:
            assert output != original, f"{relative}: fixes reported but the file is unchanged"
            problem = compiles(output, relative)
            assert problem is None, f"{relative}: the migrated file does not compile: {problem}"
            changed.append(path)
        else:
            assert output == original, f"{relative}: no fix applied, yet the bytes changed"
    after_first = {p: p.read_bytes() for p in changed}
    if changed:  # unchanged files would be given the very same bytes again: only the changed ones can move
        second = run_cli("fix", "--jobs", "2", "--output-format", "json", *map(str, changed), timeout=7200)
        assert_no_traceback(second)
        again = json.loads(second.stdout)
        assert not [r for r in again if "error" in r or r.get("fixed")], again[:10]
        for path, data in after_first.items():
            assert path.read_bytes() == data, f"{path}: a second fix changed it"
    figures = {
        "files": len(sources),
        "megabytes": round(sum(map(len, sources.values())) / 1e6, 2),
        "changed": len(changed),
        "fixes": sum(1 for r in records if r.get("fixed")),
        "remaining": sum(1 for r in records if "code" in r and not r.get("fixed")),
        "seconds": round(elapsed, 1),
    }
    cached = request.config.cache.get("robustness/figures", {})
    cached[label] = figures
    request.config.cache.set("robustness/figures", cached)
    print(f"\n{label}: {figures}")
    return figures


def test_fixture_corpus(tmp_path: Path, request) -> None:
    sources = {str(p.relative_to(ROOT / "fixtures")): p.read_bytes() for p in legacy_fixtures()}
    assert len(sources) >= 10
    figures = _migrate_twice(sources, tmp_path / "fixtures", request, "fixtures/**/legacy.py")
    assert figures["changed"] >= len(sources) // 2


def test_torch_sample(tmp_path: Path, request) -> None:
    sources = _torch_sources(sample=True)
    assert len(sources) == SAMPLE_SIZE
    _migrate_twice(sources, tmp_path / "torch", request, f"torch sample ({SAMPLE_SIZE} files <= {SAMPLE_MAX_BYTES} B)")


@pytest.mark.slow
def test_torch_full_package(tmp_path: Path, request) -> None:
    sources = _torch_sources(sample=False)
    assert len(sources) > 1000
    _migrate_twice(sources, tmp_path / "torch", request, "torch package (all .py)")
