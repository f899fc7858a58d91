"""The words a name in SQL that lint suggests must be quoted for, per engine (its description names the function)."""

from __future__ import annotations

from functools import lru_cache

_MYSQL = frozenset("""
add all alter analyze and as asc before between bigint binary blob both by call cascade case change char
character check collate column condition constraint continue convert create cross current_date current_time
current_timestamp current_user cursor database databases default delayed delete desc describe distinct div
double drop each else elseif enclosed escaped exists exit explain false fetch float for force foreign from
fulltext generated grant group having if ignore in index infile inner insert int integer interval into is
join key keys kill leading leave left like limit lines load lock long loop match mod modifies natural not null
numeric on optimize option or order out outer partition primary procedure purge range read real references
regexp release rename repeat replace require restrict return revoke right rlike schema select set show
smallint spatial sql ssl starting table terminated then to trailing trigger true undo union unique unlock
unsigned update usage use using values varchar when where while with write xor year_month zerofill rank
row rows groups window system lag lead over
""".split())
_SQLITE = frozenset("""
abort action add after all alter analyze and as asc attach autoincrement before begin between by cascade case
cast check collate column commit conflict constraint create cross current_date current_time current_timestamp
database default deferrable deferred delete desc detach distinct drop each else end escape except exclusive
exists explain fail for foreign from full glob group having if ignore immediate in index indexed initially
inner insert instead intersect into is isnull join key left like limit match natural no not notnull null of
offset on or order outer plan pragma primary query raise recursive references regexp reindex release rename
replace restrict right rollback row savepoint select set table temp temporary then to transaction trigger union
unique update using vacuum values view virtual when where with without
""".split())


@lru_cache(maxsize=1)
def postgresql() -> frozenset[str]:
    """PostgreSQL's own parser's reserved words (pglast is imported only when a PostgreSQL name is quoted)."""
    from pglast import keywords

    return frozenset(keywords.RESERVED_KEYWORDS | keywords.TYPE_FUNC_NAME_KEYWORDS)


def mysql() -> frozenset[str]:
    return _MYSQL


def sqlite() -> frozenset[str]:
    return _SQLITE
