"""How fast is `migrator check`? Prints figures from one run; nothing here is a pass/fail test.

Side by side on the same files: `migrator check --jobs 1`, TorchFix 0.7.0 (`torchfix -j 1`,
installed by this script into `benchmarks/.venv-torchfix` from PyPI), and a bare loop
that only parses the files with libcst. Then the targets: files without a legacy
trigger are not parsed (modern corpus, >= 5x faster than parsing everything), migrator
within 1.5x of the bare parse of the files it does parse, >= 10x TorchFix's throughput,
`--jobs 2` >= 1.7x `--jobs 1`, one clean file < 250 ms without importing torch, and peak
memory < 200 MB on a 5,000-file tree (summed over the processes, as RSS and as
PSS, and for the largest process). Two bounds go with them: the parse time of the
modern files that have findings (no pre-filter may skip those), and the memory of the
largest file checked alone. Each ratio compares the fastest of several turns of both
sides, taken alternately (this machine's speed drifts).

    python benchmarks/speed.py [--skip-torchfix] [--skip-big]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import HERE, build, python_files  # noqa: E402

TORCHFIX = "torchfix==0.7.0"
TORCHFIX_VENV = HERE / ".venv-torchfix"
SAMPLE = 300  # files of the modern corpus used for the side-by-side table
ROUNDS = 3  # turns of bare parse and check per comparison; the fastest of each counts
TORCHFIX_REPEAT = 2  # TorchFix takes a minute a run: the faster of two
BIN = Path(sys.executable).parent

# Runs in a fresh interpreter: times reading + libcst parsing of each listed file, and the pre-filter's choice.
_PARSE_LOOP = r"""
import json, re, sys, time
import libcst
from migrator.config import Settings
from migrator.rule_index import may_match
files = open(sys.argv[1]).read().split("\n")
settings = Settings()
total = matched_time = 0.0
matched = lines = failed = 0
for name in files:
    start = time.perf_counter()
    data = open(name, "rb").read()
    try:
        libcst.parse_module(data)
    except Exception:
        # `x.cuda(async=True)` is no Python 3.7+ syntax: migrator renames the keyword before parsing
        try:
            libcst.parse_module(re.sub(rb"\basync(\s*=)", rb"non_blocking\1", data))
        except Exception:
            failed += 1
    spent = time.perf_counter() - start
    total += spent
    lines += data.count(b"\n")
    if may_match(data, settings):
        matched += 1
        matched_time += spent
print(json.dumps({"files": len(files), "lines": lines, "parse": total, "matched": matched, "parse_matched": matched_time, "failed": failed}))
"""

# Runs the command and reports the largest resident set any one of its processes reached.
_MAXRSS = "import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"

_TORCH_IMPORTED = (
    "import atexit, sys; atexit.register(lambda: sys.stderr.write('TORCH=%s\\n' % ('torch' in sys.modules)));"
    "from migrator.cli import main; sys.argv[0] = 'migrator'; main()"
)


def migrator_command() -> List[str]:
    """The `migrator` console script of this environment (what pre-commit and users run)."""
    script = BIN / "migrator"
    return [str(script)] if script.exists() else [sys.executable, "-m", "migrator"]


def wall(command: Sequence[str], repeat: int = 1) -> float:
    """Best wall time of `repeat` runs, output discarded."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(list(command), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
    return best


def alternating(
    parse: Callable[[], Dict[str, float]], check: Callable[[], float], rounds: int = ROUNDS
) -> Tuple[Dict[str, float], float]:
    """The fastest of `rounds` bare parse loops and of as many checks, taken in turns.

    This machine's speed drifts by half between minutes: one of each, taken minutes
    apart, made the same ratio read 1.7x in one run and 2.4x in the next.
    """
    best_parse: Dict[str, float] = {}
    best_check = float("inf")
    for _ in range(rounds):
        parsed = parse()
        if not best_parse or parsed["parse"] < best_parse["parse"]:
            best_parse = parsed
        best_check = min(best_check, check())
    return best_parse, best_check


def parse_loop(files: Sequence[Path]) -> Dict[str, float]:
    """Bare libcst parse times of `files` (all, and the ones the pre-filter lets through)."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.write("\n".join(str(f) for f in files))
    try:
        completed = subprocess.run([sys.executable, "-c", _PARSE_LOOP, listing.name], capture_output=True, text=True)
        if completed.returncode:
            sys.exit(f"the parse loop failed:\n{completed.stderr}")
    finally:
        os.unlink(listing.name)
    return json.loads(completed.stdout)


def ensure_torchfix() -> Optional[Path]:
    """The `torchfix` executable of a throwaway venv, installed with pip from PyPI on first use."""
    executable = TORCHFIX_VENV / "bin" / "torchfix"
    if executable.exists():
        return executable
    print(f"installing {TORCHFIX} into {TORCHFIX_VENV} ...", file=sys.stderr)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(TORCHFIX_VENV)], check=True)
        subprocess.run(
            [str(TORCHFIX_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", TORCHFIX],
            check=True,
        )
    except subprocess.CalledProcessError as error:
        print(f"could not install TorchFix ({error}); skipping it", file=sys.stderr)
        return None
    return executable


def _children(pid: int) -> List[int]:
    """The child processes of `pid`, from /proc."""
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as stream:
                found.extend(int(child) for child in stream.read().split())
    except OSError:
        pass
    return found


def _rss_kb(pid: int) -> int:
    """The resident set of `pid` in kB, 0 once it is gone."""
    return _proc_kb(pid, "status", "VmRSS:")


def _pss_kb(pid: int) -> int:
    """The proportional set of `pid` in kB (a page shared by n processes counts 1/n), 0 once it is gone."""
    return _proc_kb(pid, "smaps_rollup", "Pss:")


def _proc_kb(pid: int, name: str, field: str) -> int:
    try:
        with open(f"/proc/{pid}/{name}") as stream:
            for line in stream:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def peak_memory(command: Sequence[str]) -> Tuple[float, int, int, int]:
    """(wall s, peak summed RSS of the process tree in kB, peak summed PSS of it in kB,
    peak RSS of its largest process in kB).

    Workers are forked: the pages they share with the parent count in every process's
    RSS, and once in the summed PSS.
    """
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", _MAXRSS, *command], stdout=subprocess.PIPE, text=True)
    peak_rss = peak_pss = 0
    while process.poll() is None:
        rss = pss = 0
        pending = _children(process.pid)  # the wrapper itself is not counted
        while pending:
            pid = pending.pop()
            rss += _rss_kb(pid)
            pss += _pss_kb(pid)
            pending.extend(_children(pid))
        peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
        time.sleep(0.02)
    elapsed = time.perf_counter() - start
    largest = int(process.stdout.read().strip() or 0)  # type: ignore[union-attr]
    return elapsed, max(peak_rss, largest), peak_pss, largest


def _files_with_findings(migrator: Sequence[str], folder: Path) -> List[Path]:
    completed = subprocess.run(
        [*migrator, "check", "--jobs", "1", "--exit-zero", "--output-format", "json", str(folder)],
        capture_output=True,
        text=True,
    )
    return sorted({Path(finding["path"]) for finding in json.loads(completed.stdout or "[]")})


def verdict(ok: bool) -> str:
    """How a figure compares with its target."""
    return "met" if ok else "MISSED"


def row(label: str, seconds: float, files: int, lines: int) -> str:
    """One line of the side-by-side table."""
    return f"  {label:<34} {seconds:9.2f} s {files / seconds:10.1f} files/s {lines / seconds:12.0f} lines/s"


def main() -> None:
    """Build the corpus, run every measurement once, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-torchfix", action="store_true")
    parser.add_argument("--skip-big", action="store_true", help="skip the 5,000-file memory run")
    args = parser.parse_args()
    # as installed tools run: with their compiled bytecode cached (some sandboxes turn that off)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    parts = build()
    migrator = migrator_command()
    modern, legacy = python_files(parts["modern"]), python_files(parts["legacy"])
    sample = modern[:: max(1, len(modern) // SAMPLE)][:SAMPLE]
    print(f"python {platform.python_version()}, {os.cpu_count()} cores; corpus {parts['modern'].parent}")
    torchfix = None if args.skip_torchfix else ensure_torchfix()
    # warm the file cache and the interpreters' bytecode once
    wall([*migrator, "check", "--jobs", "1", "--quiet", str(parts["clean"])])
    wall([*migrator, "check", "--jobs", "1", "--quiet", "--exit-zero", str(legacy[0])])
    if torchfix:
        wall([str(torchfix), "-j", "1", str(legacy[0])])

    results: Dict[str, Dict[str, float]] = {}
    for name, files in (("legacy", legacy), ("modern sample", sample)):
        paths = [str(f) for f in files]
        parsed, own = alternating(
            lambda: parse_loop(files), lambda: wall([*migrator, "check", "--jobs", "1", "--quiet", "--exit-zero", *paths])
        )
        theirs = wall([str(torchfix), "-j", "1", *paths], repeat=TORCHFIX_REPEAT) if torchfix else float("nan")
        results[name] = {"migrator": own, "torchfix": theirs, **parsed}
        print(f"\n{name}: {parsed['files']} files, {parsed['lines']} lines, {parsed['matched']} with a legacy trigger, {parsed['failed']} libcst cannot parse")
        print(row("migrator check --jobs 1", own, parsed["files"], parsed["lines"]))
        if torchfix:
            print(row("torchfix -j 1", theirs, parsed["files"], parsed["lines"]))
        print(row("libcst parse loop (all files)", parsed["parse"], parsed["files"], parsed["lines"]))

    everything, modern_time = alternating(
        lambda: parse_loop(modern),
        lambda: wall([*migrator, "check", "--jobs", "1", "--quiet", "--exit-zero", str(parts["modern"])]),
        rounds=2,
    )
    print(f"\nmodern corpus: {everything['files']} files, {everything['lines']} lines, {everything['matched']} with a trigger")
    print(row("migrator check --jobs 1", modern_time, everything["files"], everything["lines"]))
    print(row("libcst parse loop (all files)", everything["parse"], everything["files"], everything["lines"]))
    print(row("libcst parse loop (triggered only)", everything["parse_matched"], everything["matched"], everything["lines"]))
    # the files no pre-filter may skip: those with findings; parsing them alone bounds the pre-filter's gain
    found = _files_with_findings(migrator, parts["modern"])
    with_findings = parse_loop(found) if found else {"parse": 0.0, "files": 0, "lines": 0}
    if found:
        print(row("libcst parse loop (files with findings)", with_findings["parse"], with_findings["files"], with_findings["lines"]))

    jobs1 = jobs2 = float("inf")
    for _ in range(ROUNDS):  # in turns, as above
        jobs1 = min(jobs1, wall([*migrator, "check", "--jobs", "1", "--quiet", "--exit-zero", str(parts["legacy"])]))
        jobs2 = min(jobs2, wall([*migrator, "check", "--jobs", "2", "--quiet", "--exit-zero", str(parts["legacy"])]))
    clean = wall([*migrator, "check", str(parts["clean"])], repeat=10)
    probe = subprocess.run([sys.executable, "-c", _TORCH_IMPORTED, "check", str(parts["clean"])], capture_output=True, text=True)
    torch_imported = "TORCH=True" in probe.stderr

    print("\ntargets")
    prefilter = everything["parse"] / modern_time
    print(f"  pre-filter, modern corpus: parse everything {everything['parse']:.2f} s / migrator {modern_time:.2f} s = {prefilter:.1f}x  (>= 5x: {verdict(prefilter >= 5)})")
    if with_findings["parse"]:
        bound = everything["parse"] / with_findings["parse"]
        print(f"    at best, parsing only the {with_findings['files']} files with findings: {bound:.1f}x before any rule runs")
    for name, data in (("legacy", results["legacy"]), ("modern corpus", {"migrator": modern_time, "parse_matched": everything["parse_matched"]})):
        parse_time = data["parse_matched"] if name != "legacy" else data["parse"]
        ratio = data["migrator"] / parse_time if parse_time else float("inf")
        print(f"  migrator / bare parse of the files it parses, {name}: {data['migrator']:.2f} s / {parse_time:.2f} s = {ratio:.2f}x  (<= 1.5x: {verdict(ratio <= 1.5)})")
    if torchfix:
        for name, data in results.items():
            speedup = data["torchfix"] / data["migrator"]
            print(f"  throughput vs TorchFix, {name}: {speedup:.1f}x  (>= 10x: {verdict(speedup >= 10)})")
    scaling = jobs1 / jobs2
    print(f"  --jobs 2 vs --jobs 1, {len(legacy)} legacy files: {jobs1:.2f} s / {jobs2:.2f} s = {scaling:.2f}x  (>= 1.7x: {verdict(scaling >= 1.7)})")
    print(f"  one clean file: {clean * 1000:.0f} ms (< 250 ms: {verdict(clean < 0.25)}); torch imported: {'yes' if torch_imported else 'no'}")
    if not args.skip_big:
        big = python_files(parts["big"])
        # default jobs (all cores): the parent plus its workers, as a user runs it
        seconds, rss_kb, pss_kb, largest_kb = peak_memory([*migrator, "check", "--quiet", "--exit-zero", str(parts["big"])])
        print(
            f"  peak memory, {len(big)}-file tree ({seconds:.0f} s), all processes together: {pss_kb / 1024:.0f} MB PSS "
            f"(< 200 MB: {verdict(pss_kb / 1024 < 200)}; {rss_kb / 1024:.0f} MB adding up RSS, which counts the pages "
            f"the workers share with the parent in each of them); the largest process: {largest_kb / 1024:.0f} MB RSS "
            f"(< 200 MB: {verdict(largest_kb / 1024 < 200)})"
        )
        biggest = max(big, key=lambda path: path.stat().st_size)
        _, alone_kb, _, _ = peak_memory([*migrator, "check", "--quiet", "--exit-zero", str(biggest)])
        print(f"    its largest file alone ({biggest.stat().st_size / 1e6:.2f} MB of source): {alone_kb / 1024:.0f} MB")


if __name__ == "__main__":
    main()
