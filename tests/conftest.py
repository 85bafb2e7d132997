"""Test setup: make `tests/` importable for the fixture corpus helpers."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
