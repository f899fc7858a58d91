"""Markdown reports as one self-contained HTML page, to attach to a change request or a wiki.

The markdown is rendered by markdown-it-py (CommonMark, already installed with Rich); raw HTML in it
is escaped, so SQL or names from a migration cannot inject markup into the page.
"""

from __future__ import annotations

import html

STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1f2328; }
h1, h2, h3 { line-height: 1.25; } h1 { border-bottom: 1px solid #d0d7de; padding-bottom: .3rem; }
code, pre { font: 13px/1.45 ui-monospace, monospace; background: #f6f8fa; border-radius: 4px; }
code { padding: .1rem .3rem; } pre { padding: .8rem; overflow-x: auto; } pre code { padding: 0; }
table { border-collapse: collapse; } th, td { border: 1px solid #d0d7de; padding: .3rem .6rem; text-align: left; }
ul.contains-task-list { list-style: none; padding-left: 1rem; }
"""


def markdown_page(markdown: str, title: str) -> str:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    body = md.render(markdown)
    return (f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n")
