"""The engine conformance suite (a package, so its conftest does not shadow the shared tests/conftest.py)."""
