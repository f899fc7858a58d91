"""Renderers shared by commands: schema as DDL-like text, the seed's AI prompts, human sizes."""
