"""Parse the session store's Redis URL, and redact it for every message that names it.

Forms (the password is percent-encoded; `?prefix=` is optional everywhere):

    redis://[[user]:password@]host[:port][/db][?prefix=p]         one node
    rediss://...                                                   one node over TLS
    unix://[[user]:password@]/path/to/redis.sock[?db=N&prefix=p]   one node on a Unix socket
    redis+cluster://[[user]:password@]host[:port][,host[:port]...][?prefix=p]   Redis Cluster
    rediss+cluster://...                                           Redis Cluster over TLS
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field

from agent import errors

DEFAULT_PORT = 6379
MAX_PREFIX_CHARS = 64
MAX_CLUSTER_SEED_NODES = 16
TLS_SCHEMES = frozenset({"rediss", "rediss+cluster"})
CLUSTER_SCHEMES = frozenset({"redis+cluster", "rediss+cluster"})
UNIX_SCHEME = "unix"
SCHEMES = frozenset({"redis", UNIX_SCHEME}) | TLS_SCHEMES | CLUSTER_SCHEMES
# No braces: the prefix comes before the session's {hash tag}, and Redis Cluster hashes the
# first {...} of a key.
PREFIX_PATTERN = re.compile(rf"[A-Za-z0-9._:-]{{0,{MAX_PREFIX_CHARS}}}")
SECRET_QUERY = re.compile(r"(?i)((?:^|[?&;])(?:password|passwd|pass|pw|token|secret)=)[^&;#]*")
REDACTED = "***"
REDACTED_QUERY_VALUE = r"\g<1>***"
EXPECTED_FORMS = (
    "redis://[:password@]host[:port][/db], rediss://..., unix:///path.sock[?db=N], "
    "redis+cluster://[:password@]host:port[,host:port...] or rediss+cluster://..., "
    "each with an optional ?prefix="
)


@dataclass(frozen=True)
class RedisTarget:
    """Where the store connects and how; the password is left out of repr()."""

    is_cluster: bool
    is_tls: bool
    nodes: tuple[tuple[str, int], ...]
    """host, port pairs (the seed nodes of a cluster); empty for a Unix socket."""
    unix_path: str | None
    db: int
    username: str | None
    password: str | None = field(repr=False)
    prefix: str
    """Prepended to every key, e.g. `tenant-a:` gives `tenant-a:omnia:{<id>}:meta`."""


def redact_url(url: str) -> str:
    """Return url with its password (and any secret-looking query value) replaced by `***`.

    Works on malformed URLs too, since it serves the messages that report them.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "<URL without scheme://>"
    userinfo, at, location = rest.rpartition("@")
    if at:
        user, colon, _ = userinfo.partition(":")
        rest = (f"{user}:{REDACTED}" if colon else REDACTED) + "@" + location
    return f"{scheme}://{SECRET_QUERY.sub(REDACTED_QUERY_VALUE, rest)}"


def parse_redis_url(url: str) -> RedisTarget:
    """Parse a session store URL.

    Raises:
        ConfigError: the URL has none of the forms in this module's docstring; the message
            shows the URL redacted.
    """
    shown = redact_url(url)
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in SCHEMES:
        raise errors.ConfigError(f"session store URL {shown}: expected one of {EXPECTED_FORMS}")
    # Userinfo ends at the last "@", exactly as redact_url() sees it, so that no part of a
    # password (even one with a raw "?" or "/") can reach a message as a host or an option.
    userinfo, _, rest = rest.rpartition("@")
    location, _, query = rest.partition("?")
    username, password = _credentials(userinfo)
    options = _options(query, shown)
    prefix = options.pop("prefix", "")
    if PREFIX_PATTERN.fullmatch(prefix) is None:
        raise errors.ConfigError(
            f"session store URL {shown}: prefix {prefix[:MAX_PREFIX_CHARS]!r} must be up to "
            f"{MAX_PREFIX_CHARS} of A-Z a-z 0-9 . _ : - (no braces)"
        )
    if scheme == UNIX_SCHEME:
        path, db = location, _db(options.pop("db", "0"), shown)
        _no_options_left(options, shown)
        if not path.startswith("/"):
            raise errors.ConfigError(f"session store URL {shown}: expected unix:///absolute/path")
        return RedisTarget(False, False, (), path, db, username, password, prefix)
    _no_options_left(options, shown)
    hosts, _, db_text = location.partition("/")
    db = _db(db_text or "0", shown)
    is_cluster = scheme in CLUSTER_SCHEMES
    nodes = tuple(_node(part, shown) for part in hosts.split(","))
    if is_cluster and (db != 0 or len(nodes) > MAX_CLUSTER_SEED_NODES):
        raise errors.ConfigError(
            f"session store URL {shown}: a cluster has only db 0 and at most "
            f"{MAX_CLUSTER_SEED_NODES} seed nodes"
        )
    if not is_cluster and len(nodes) != 1:
        raise errors.ConfigError(
            f"session store URL {shown}: several hosts need the redis+cluster:// scheme"
        )
    return RedisTarget(
        is_cluster, scheme in TLS_SCHEMES, nodes, None, db, username, password, prefix
    )


def _credentials(userinfo: str) -> tuple[str | None, str | None]:
    user, _, password = userinfo.partition(":")
    return urllib.parse.unquote(user) or None, urllib.parse.unquote(password) or None


def _options(query: str, shown: str) -> dict[str, str]:
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    options = dict(pairs)
    if len(options) != len(pairs):
        raise errors.ConfigError(f"session store URL {shown}: a query option is repeated")
    return options


def _no_options_left(options: dict[str, str], shown: str) -> None:
    if options:
        names = ", ".join(sorted(options))
        raise errors.ConfigError(f"session store URL {shown}: unknown option(s) {names}")


def _db(text: str, shown: str) -> int:
    if not text.isdigit():
        raise errors.ConfigError(f"session store URL {shown}: db must be a number >= 0")
    return int(text)


def _node(text: str, shown: str) -> tuple[str, int]:
    if text.startswith("["):
        host, bracket, port_text = text[1:].partition("]")
        port_text = port_text.removeprefix(":") if bracket else "?"
    else:
        host, _, port_text = text.partition(":")
    port = int(port_text) if port_text.isdigit() else DEFAULT_PORT if not port_text else 0
    if not host or not 0 < port < 65_536:
        raise errors.ConfigError(f"session store URL {shown}: {text!r} is not host[:port]")
    return host, port
