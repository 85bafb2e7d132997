"""torch-migrator: rewrite legacy PyTorch code into current idioms, and prove the rewrite."""

__version__ = "0.1.0"
