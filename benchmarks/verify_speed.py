"""How much slower `migrator verify` is than running the two scripts plainly.

For every `fixtures/*/legacy.py` with a `migrated.py` (else `reference.py`) beside it, or for
the fixture directories given, prints the wall time of running each script plainly (the
legacy one as `run-legacy` does: on the legacy runtime, without recording, seeding or a
scratch copy; the migrated one as `python migrated.py`), the wall time of `verify`, and the
ratio verify / (legacy + migrated). The target is at most 1.3.

    python benchmarks/verify_speed.py [FIXTURE_DIR ...] [--sequential] [--repeat N]

`--sequential` runs verify's two children one after the other, which isolates the harness's
own overhead from the gain of running both at once. Runs scripts: only point it at trusted code.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from migrator.verify import VerifyOptions, harness_command, verify_script  # noqa: E402

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = None


def _pairs(directories: List[Path]) -> List[Tuple[Path, Path, str]]:
    """(legacy script, migrated script, era) for each fixture directory that has both."""
    found = []
    for directory in directories:
        legacy = directory / "legacy.py"
        migrated = next((directory / n for n in ("migrated.py", "reference.py") if (directory / n).is_file()), None)
        if legacy.is_file() and migrated is not None:
            found.append((legacy, migrated, _era(directory)))
    return found


def _era(directory: Path) -> str:
    """The era a fixture's `fixture.toml` names, else 0.3."""
    manifest = directory / "fixture.toml"
    if tomllib is not None and manifest.is_file():
        return str(tomllib.loads(manifest.read_text()).get("era", "0.3"))
    return "0.3"


def _timed(command: List[str], cwd: Path) -> Tuple[float, int]:
    """Wall seconds and exit status of a command, output discarded."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started, done.returncode


def _plain(legacy: Path, migrated: Path, era: str) -> Tuple[float, float, str]:
    """Wall seconds of the two plain runs, in a throwaway copy so fixtures stay clean."""
    with tempfile.TemporaryDirectory(prefix="verify-speed-") as scratch:
        copy = Path(scratch) / legacy.parent.name
        shutil.copytree(legacy.parent, copy)
        legacy_seconds, legacy_status = _timed(harness_command("legacy", legacy.name, era=era), copy)
        migrated_seconds, migrated_status = _timed([sys.executable, migrated.name], copy)
    note = "" if legacy_status == migrated_status == 0 else f" (plain exit {legacy_status}/{migrated_status})"
    return legacy_seconds, migrated_seconds, note


def main(argv: Optional[List[str]] = None) -> int:
    """Print one row per fixture and the overall ratio; exit 1 when it exceeds the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directories", nargs="*", type=Path, help="fixture directories (default: fixtures/*)")
    parser.add_argument("--sequential", action="store_true", help="run verify's two children one after the other")
    parser.add_argument("--repeat", type=int, default=1, help="take the best of N timings")
    parser.add_argument("--target", type=float, default=1.3)
    options = parser.parse_args(argv)
    directories = options.directories or sorted(p for p in (ROOT / "fixtures").iterdir() if p.is_dir())
    pairs = _pairs(directories)
    if not pairs:
        print("no fixture has both legacy.py and migrated.py (or reference.py)", file=sys.stderr)
        return 2
    header = f"{'fixture':28} {'legacy':>7} {'migr.':>7} {'plain':>7} {'verify':>7} {'ratio':>6}  verdict"
    print(header)
    total_plain = total_verify = 0.0
    for legacy, migrated, era in pairs:
        best_plain, best_verify, verdict, note = None, None, None, ""
        for _ in range(options.repeat):
            legacy_seconds, migrated_seconds, note = _plain(legacy, migrated, era)
            started = time.perf_counter()
            verdict = verify_script(legacy, migrated=migrated, options=VerifyOptions(era=era, parallel=not options.sequential))
            verify_seconds = time.perf_counter() - started
            plain = legacy_seconds + migrated_seconds
            if best_verify is None or verify_seconds < best_verify:
                best_verify, best_plain, parts = verify_seconds, plain, (legacy_seconds, migrated_seconds)
        total_plain += best_plain
        total_verify += best_verify
        print(
            f"{legacy.parent.name:28} {parts[0]:7.2f} {parts[1]:7.2f} {best_plain:7.2f} {best_verify:7.2f} "
            f"{best_verify / best_plain:6.2f}  {verdict.status}{note}"
        )
    ratio = total_verify / total_plain
    print(f"{'total':28} {'':7} {'':7} {total_plain:7.2f} {total_verify:7.2f} {ratio:6.2f}  (target <= {options.target:g})")
    return 0 if ratio <= options.target else 1


if __name__ == "__main__":
    sys.exit(main())
