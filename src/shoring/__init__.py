"""shoring: safe database migrations (plan, lint, rehearse, execute, verify)."""

__version__ = "0.1.0"
