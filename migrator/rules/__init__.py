"""Rule families, one module each; every `Rule` subclass here is registered by its code."""
