"""The fixture corpus: each `fixtures/<name>/` holds `legacy.py`, its expected `migrated.py` and `fixture.toml`.

Run as a script to regenerate every `migrated.py` from the current rules
(`python tests/fixture_corpus.py`); review the diff before committing.
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

ROOT = Path(__file__).resolve().parent.parent / "fixtures"


@dataclass(frozen=True)
class Fixture:
    """One legacy script with its expectations."""

    name: str
    folder: Path
    era: str
    description: str
    rtol: Optional[float] = None  # verify compares bitwise unless the fixture states a tolerance
    atol: Optional[float] = None
    why_tolerance: str = ""
    strict_warnings: bool = True  # the migrated script runs under `-W error`

    @property
    def legacy(self) -> Path:
        return self.folder / "legacy.py"

    @property
    def migrated(self) -> Path:
        return self.folder / "migrated.py"

    @property
    def reference(self) -> Path:
        return self.folder / "reference.py"


def load_fixtures() -> List[Fixture]:
    fixtures = []
    for folder in sorted(p for p in ROOT.iterdir() if (p / "legacy.py").is_file()):
        meta = tomllib.loads((folder / "fixture.toml").read_text()) if (folder / "fixture.toml").is_file() else {}
        fixtures.append(
            Fixture(
                name=folder.name,
                folder=folder,
                era=meta.get("era", "0.3"),
                description=meta.get("description", ""),
                rtol=meta.get("rtol"),
                atol=meta.get("atol"),
                why_tolerance=meta.get("why_tolerance", ""),
                strict_warnings=meta.get("strict_warnings", True),
            )
        )
    return fixtures


def migrate(fixture: Fixture) -> bytes:
    """The fixture's legacy script as `migrator fix --unsafe-fixes --source-version ERA` makes it."""
    from migrator.config import Settings
    from migrator.engine import fix_source

    settings = Settings(unsafe_fixes=True, source_version=fixture.era)
    result = fix_source(fixture.legacy.read_bytes(), settings, str(fixture.legacy))
    if result.error:
        raise RuntimeError(f"{fixture.name}: {result.error}")
    return result.output


if __name__ == "__main__":
    wanted = set(sys.argv[1:])
    for fixture in load_fixtures():
        if wanted and fixture.name not in wanted:
            continue
        output = migrate(fixture)
        old = fixture.migrated.read_bytes() if fixture.migrated.exists() else None
        if old != output:
            fixture.migrated.write_bytes(output)
            print(f"updated {fixture.migrated}")
