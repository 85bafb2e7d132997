"""The child-process side of `migrator verify`: runs one script and records what it computes.

`python -m migrator.harness --mode legacy|stock [--era 0.3] [--record OUT.json] [--seed 0]
[--memory-limit BYTES] [--offline] SCRIPT [ARGS...]` executes SCRIPT as `__main__` (on the
emulated legacy runtime with `--mode legacy`), and with `--record` writes a JSON record of every
loss, every `.backward()` root and the final trained parameters. Nothing here imports torch until
a child process runs, so the rewriter can import this package freely.
"""

RECORD_VERSION = 1
