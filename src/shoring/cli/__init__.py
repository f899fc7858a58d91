"""The command line: one module per command group; each parses arguments, calls the library, renders."""
