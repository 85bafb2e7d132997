"""Build the benchmark corpus in `benchmarks/.corpus/` (gitignored) from what this checkout already has.

- `modern/`: every `.py` file of the installed torch package (current code, mostly
  without legacy idioms: what the pre-filter is for);
- `legacy/`: the fixtures' legacy scripts, repeated to `LEGACY_FILES` files;
- `clean.py`: one small modern file (the pre-commit case);
- `big/`: `BIG_FILES` files made by repeating the two sets above (the memory case).

Run `python benchmarks/corpus.py [--force]`; `speed.py` builds it when missing.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import sys
from pathlib import Path
from typing import Dict, List

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = HERE / ".corpus"
LEGACY_FILES = 300
BIG_FILES = 5000
BIG_LEGACY_SHARE = 10  # one file in ten of the big tree is legacy
CLEAN = '''"""A small modern training step: nothing for migrator to do."""
import torch
from torch import nn


def step(model: nn.Module, batch: torch.Tensor, target: torch.Tensor, optimizer) -> float:
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(batch), target)
    loss.backward()
    optimizer.step()
    return loss.item()
'''


def torch_sources() -> Path:
    """The installed torch package's directory, found without importing torch."""
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("benchmarks need torch installed (pip install -e '.[dev]')")
    return Path(spec.submodule_search_locations[0])


def legacy_scripts() -> List[Path]:
    """The fixtures' legacy scripts."""
    return sorted(ROOT.glob("fixtures/*/legacy.py"))


def build(force: bool = False) -> Dict[str, Path]:
    """Build the corpus (unless present and complete); return its parts by name."""
    parts = {name: CORPUS / name for name in ("modern", "legacy", "big")}
    parts["clean"] = CORPUS / "clean.py"
    stamp = CORPUS / "stamp.json"
    torch_root = torch_sources()
    wanted = {"torch": str(torch_root), "legacy": LEGACY_FILES, "big": BIG_FILES, "fixtures": len(legacy_scripts())}
    if not force and stamp.exists() and json.loads(stamp.read_text()) == wanted:
        return parts
    if CORPUS.exists():
        shutil.rmtree(CORPUS)
    CORPUS.mkdir(parents=True)
    modern = sorted(torch_root.rglob("*.py"))
    for source in modern:
        target = parts["modern"] / source.relative_to(torch_root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    scripts = legacy_scripts()
    parts["legacy"].mkdir()
    for index in range(LEGACY_FILES):
        script = scripts[index % len(scripts)]
        shutil.copyfile(script, parts["legacy"] / f"{script.parent.name}_{index:03d}.py")
    parts["clean"].write_text(CLEAN)
    for index in range(BIG_FILES):
        if index % BIG_LEGACY_SHARE == 0:
            source = scripts[(index // BIG_LEGACY_SHARE) % len(scripts)]
        else:
            source = modern[index % len(modern)]
        folder = parts["big"] / f"pkg{index // 100:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, folder / f"m{index:04d}.py")
    stamp.write_text(json.dumps(wanted))
    return parts


def python_files(folder: Path) -> List[Path]:
    """Every `.py` file under `folder`, sorted."""
    return sorted(folder.rglob("*.py"))


def main() -> None:
    """Build the corpus and list its parts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rebuild even if the corpus is complete")
    args = parser.parse_args()
    parts = build(args.force)
    for name, path in parts.items():
        count = 1 if path.is_file() else len(python_files(path))
        print(f"{name:7} {count:5} files  {path}")


if __name__ == "__main__":
    main()
