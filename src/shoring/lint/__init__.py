"""The linter: reading files, running the rules, suppressions, the cache, output; the rules themselves are in `shoring.rules`."""
