"""The database URL parser on fuzzed URLs: a DatabaseURL or one ConfigError, and the password is in
neither the message nor the masked form, however the URL is bent (scheme typos, raw @ / # ? in it)."""

from __future__ import annotations

from fuzz_strategies import one_line
from hypothesis import example, given
from hypothesis import strategies as st

from shoring.engines.url import mask_anything, parse_url
from shoring.errors import ConfigError

#: The password's two ends; nothing else generated contains Q, Z, 7 or 9, so a leak of any part shows.
HEAD, TAIL = "Q7", "Z9"
plain = st.text(alphabet="abcdefghijklmnoprstuvwxy_-.", min_size=1, max_size=6)
schemes = st.sampled_from(["postgresql", "postgres", "mysql", "mariadb", "sqlite", "pgsql", "mysql+pymysql", "oracle",
                           "MYSQL", "my sql", ""])
separators = st.sampled_from(["://", "//", ":/", ":", ":///", ":////", "://:", "", "/", ":\\\\"])
middles = st.text(alphabet="@/:#?%[]&=;! abc\\'\"é\t", max_size=6)
hosts = st.sampled_from(["127.0.0.1", "localhost", "[::1]", "[::1", "::1]", "[fe80::1%eth0]", "h", "", "ho st", "é.example"])
ports = st.sampled_from(["", ":3306", ":5432", ":bad", ":", ":99999", ":-1", ":0", "::", ":3306:1"])
paths = st.sampled_from(["/db", "", "/", "/a/b", "/db?sslmode=disable", "/db?x=1&password=" + HEAD + "x" + TAIL,
                         "/db#frag", "/%zz", "/db?timeout=x"])


@st.composite
def url(draw) -> tuple[str, str]:
    password = HEAD + draw(middles) + TAIL
    user = draw(plain)
    raw = f"{draw(schemes)}{draw(separators)}{user}:{password}@{draw(hosts)}{draw(ports)}{draw(paths)}"
    return raw, password


def no_secret(text: str) -> bool:
    return HEAD not in text and TAIL not in text


@given(url())
@example(("mysql//user:Q7pwZ9@h/db", "Q7pwZ9"))
@example(("mysql://u:Q7@Z9@[::1/db", "Q7@Z9"))
@example(("mysql://u:Q7/Z9@h:bad/db", "Q7/Z9"))
@example(("postgresql://_:Q7\tZ9@127.0.0.1/db", "Q7\tZ9"))  # found: urllib dropped the tab from the password
@example(("sqlite://_:Q7Z9@127.0.0.1/db", "Q7Z9"))  # found: printed whole as a file name
@example(("postgresql://_:Q7Z9@127.0.0.1/db?x=1&password=Q7xZ9", "Q7Z9"))  # found: in repr(), via the query
@example(("postgresql://_:Q7%aaZ9@127.0.0.1/db", "Q7%aaZ9"))  # found: %aa decoded to U+FFFD, another password
def test_url_parser_never_leaks_the_password(case):
    raw, password = case
    assert no_secret(mask_anything(raw)), mask_anything(raw)
    try:
        parsed = parse_url(raw)
    except ConfigError as exc:
        assert no_secret(exc.render()) and one_line(exc.render()), exc.render()
        return
    if parsed.engine == "sqlite":  # sqlite:///x names a file, whatever the name holds: no password there
        return
    assert no_secret(parsed.masked()) and no_secret(repr(parsed)), parsed.masked()
    assert (parsed.password or "").endswith(password), (raw, parsed.password)  # parsed, it is all there


@given(st.text(max_size=60))
def test_url_parser_on_any_text(raw):
    try:
        parse_url(raw)
    except ConfigError as exc:
        assert one_line(exc.render())
