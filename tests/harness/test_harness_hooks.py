"""Callbacks that run right after a module is imported, without importing it early."""

from __future__ import annotations

import sys

from migrator.harness.hooks import when_imported


def test_callback_runs_once_after_the_module_is_executed(tmp_path, monkeypatch):
    (tmp_path / "late_module_for_hooks.py").write_text("VALUE = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    seen = []
    when_imported("late_module_for_hooks", lambda: seen.append(sys.modules["late_module_for_hooks"].VALUE))
    assert seen == [] and "late_module_for_hooks" not in sys.modules
    try:
        import late_module_for_hooks  # noqa: F401

        import late_module_for_hooks  # noqa: F401,F811  (a second import runs nothing)
        assert seen == [42]
    finally:
        sys.modules.pop("late_module_for_hooks", None)


def test_callback_runs_at_once_for_an_imported_module():
    seen = []
    when_imported("json", lambda: seen.append("json"))
    assert seen == ["json"]
