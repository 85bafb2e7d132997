"""How much slower `migrator verify` is than running the two scripts plainly.

For every `fixtures/*/legacy.py` with a `migrated.py` (else `reference.py`) beside it, or for
the fixture directories given, prints the wall time of running each script plainly (the
legacy one as `run-legacy` does: on the legacy runtime, without recording, seeding or a
scratch copy; the migrated one as `python migrated.py`), the wall time of `verify`, and the
ratio verify / (legacy + migrated). The target is at most 1.3. CPU seconds (user + system, all
processes) are shown too, since wall time on a busy machine says little.

    python benchmarks/verify_speed.py [FIXTURE_DIR ...] [--sequential] [--one-thread] [--repeat N]

`--sequential` runs verify's two children one after the other and `--one-thread` runs the plain
scripts single-threaded as verify's are; together they isolate the harness's own overhead from
the gain of running both at once. Runs scripts: only point it at trusted code.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from migrator.harness.determinism import THREAD_VARIABLES  # noqa: E402
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


def _cpu() -> float:
    """CPU seconds used so far by this process and its waited-for children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


_PLAIN_ENV: dict = {}


def _timed(command: List[str], cwd: Path) -> Tuple[float, float, int]:
    """Wall seconds, CPU seconds and exit status of a command, output discarded."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""), **_PLAIN_ENV)
    started, cpu = time.perf_counter(), _cpu()
    done = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started, _cpu() - cpu, done.returncode


def _plain(legacy: Path, migrated: Path, era: str) -> Tuple[float, float, float, str]:
    """Wall seconds of the two plain runs and their CPU seconds, in a throwaway copy so fixtures stay clean."""
    with tempfile.TemporaryDirectory(prefix="verify-speed-") as scratch:
        copy = Path(scratch) / legacy.parent.name
        shutil.copytree(legacy.parent, copy)
        legacy_seconds, legacy_cpu, legacy_status = _timed(harness_command("legacy", legacy.name, era=era), copy)
        migrated_seconds, migrated_cpu, migrated_status = _timed([sys.executable, migrated.name], copy)
    note = "" if legacy_status == migrated_status == 0 else f" (plain exit {legacy_status}/{migrated_status})"
    return legacy_seconds, migrated_seconds, legacy_cpu + migrated_cpu, note


def main(argv: Optional[List[str]] = None) -> int:
    """Print one row per fixture and the overall ratio; exit 1 when it exceeds the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directories", nargs="*", type=Path, help="fixture directories (default: fixtures/*)")
    parser.add_argument("--sequential", action="store_true", help="run verify's two children one after the other")
    parser.add_argument("--repeat", type=int, default=1, help="take the best of N timings")
    parser.add_argument("--one-thread", action="store_true", help="run the plain scripts single-threaded too, as verify does")
    parser.add_argument("--target", type=float, default=1.3)
    options = parser.parse_args(argv)
    if options.one_thread:
        _PLAIN_ENV.update({name: "1" for name in THREAD_VARIABLES})
    directories = options.directories or sorted(p for p in (ROOT / "fixtures").iterdir() if p.is_dir())
    pairs = _pairs(directories)
    if not pairs:
        print("no fixture has both legacy.py and migrated.py (or reference.py)", file=sys.stderr)
        return 2
    header = f"{'fixture':24} {'legacy':>7} {'migr.':>7} {'plain':>7} {'verify':>7} {'ratio':>6} {'cpu':>6} {'cpu':>6} {'ratio':>6}  verdict"
    print(header)
    totals = {"plain": 0.0, "verify": 0.0, "plain_cpu": 0.0, "verify_cpu": 0.0}
    for legacy, migrated, era in pairs:
        best = None
        for _ in range(options.repeat):
            legacy_seconds, migrated_seconds, plain_cpu, note = _plain(legacy, migrated, era)
            started, cpu = time.perf_counter(), _cpu()
            verdict = verify_script(legacy, migrated=migrated, options=VerifyOptions(era=era, parallel=not options.sequential))
            row = {
                "legacy": legacy_seconds, "migrated": migrated_seconds, "plain": legacy_seconds + migrated_seconds,
                "verify": time.perf_counter() - started, "plain_cpu": plain_cpu, "verify_cpu": _cpu() - cpu,
                "verdict": verdict.status + note,
            }
            if best is None or row["verify"] / row["plain"] < best["verify"] / best["plain"]:
                best = row
        for key in totals:
            totals[key] += best[key]
        print(
            f"{legacy.parent.name:24} {best['legacy']:7.2f} {best['migrated']:7.2f} {best['plain']:7.2f} {best['verify']:7.2f} "
            f"{best['verify'] / best['plain']:6.2f} {best['plain_cpu']:6.2f} {best['verify_cpu']:6.2f} "
            f"{best['verify_cpu'] / best['plain_cpu']:6.2f}  {best['verdict']}"
        )
    ratio = totals["verify"] / totals["plain"]
    print(
        f"{'total':24} {'':7} {'':7} {totals['plain']:7.2f} {totals['verify']:7.2f} {ratio:6.2f} "
        f"{totals['plain_cpu']:6.2f} {totals['verify_cpu']:6.2f} {totals['verify_cpu'] / totals['plain_cpu']:6.2f}"
        f"  (target: wall ratio <= {options.target:g})"
    )
    return 0 if ratio <= options.target else 1


if __name__ == "__main__":
    sys.exit(main())
