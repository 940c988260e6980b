"""Session store URLs: every form parses, and no message ever shows a password."""

from __future__ import annotations

import re

import pytest

from agent import errors
from agent.sessions import redis_url

SECRET = "hunter2-S3cr3t"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "redis://localhost",
            redis_url.RedisTarget(False, False, (("localhost", 6379),), None, 0, None, None, ""),
        ),
        (
            f"redis://:{SECRET}@10.0.0.5:6380/2?prefix=tenant-a:",
            redis_url.RedisTarget(
                False, False, (("10.0.0.5", 6380),), None, 2, None, SECRET, "tenant-a:"
            ),
        ),
        (
            "rediss://app:p%40ss%2Fw%3Ford@redis.example:6390/0",
            redis_url.RedisTarget(
                False, True, (("redis.example", 6390),), None, 0, "app", "p@ss/w?ord", ""
            ),
        ),
        (
            "redis://[::1]:7000",
            redis_url.RedisTarget(False, False, (("::1", 7000),), None, 0, None, None, ""),
        ),
        (
            f"unix://:{SECRET}@/run/redis/redis.sock?db=3&prefix=p.",
            redis_url.RedisTarget(False, False, (), "/run/redis/redis.sock", 3, None, SECRET, "p."),
        ),
        (
            f"redis+cluster://:{SECRET}@a:7000,b:7001,c?prefix=x:",
            redis_url.RedisTarget(
                True, False, (("a", 7000), ("b", 7001), ("c", 6379)), None, 0, None, SECRET, "x:"
            ),
        ),
        (
            "REDISS+CLUSTER://seed:7000/0",
            redis_url.RedisTarget(True, True, (("seed", 7000),), None, 0, None, None, ""),
        ),
    ],
)
def test_parse_redis_url_reads_every_form(url: str, expected: redis_url.RedisTarget) -> None:
    assert redis_url.parse_redis_url(url) == expected


def test_parse_redis_url_ends_userinfo_at_the_last_at_sign_as_redaction_does() -> None:
    url = f"redis://:{SECRET}?/@x@h?prefix=p"
    target = redis_url.parse_redis_url(url)
    assert (target.password, target.nodes, target.prefix) == (f"{SECRET}?/@x", (("h", 6379),), "p")
    assert redis_url.redact_url(url) == "redis://:***@h?prefix=p"


def test_redis_target_repr_leaves_the_password_out() -> None:
    assert SECRET not in repr(redis_url.parse_redis_url(f"redis://:{SECRET}@h"))


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (f"redis://:{SECRET}@h:1/0", "redis://:***@h:1/0"),
        (f"redis://user:{SECRET}@h", "redis://user:***@h"),
        (f"redis://{SECRET}@h", "redis://***@h"),
        (f"redis://:{SECRET}?x@y@h?prefix=p", "redis://:***@h?prefix=p"),
        (f"redis://h?password={SECRET}&prefix=p", "redis://h?password=***&prefix=p"),
        (f"redis+cluster://:{SECRET}@a:1,b:2", "redis+cluster://:***@a:1,b:2"),
        ("redis://h:6379", "redis://h:6379"),
        (f"{SECRET}@h:6379", "<URL without scheme://>"),
    ],
)
def test_redact_url_hides_the_password(url: str, shown: str) -> None:
    assert redis_url.redact_url(url) == shown


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (f"http://:{SECRET}@h", "expected one of"),
        (f"h:6379/{SECRET}", "expected one of"),
        (f"redis://:{SECRET}@h?prefix=a{{b}}", "no braces"),
        (f"redis://:{SECRET}@h?prefix=" + "p" * 65, "up to 64"),
        (f"redis://:{SECRET}@h?db=1", "unknown option"),
        (f"redis://:{SECRET}@h?prefix=a&prefix=b", "repeated"),
        (f"redis://:{SECRET}@h?password={SECRET}", "unknown option"),
        (f"redis://:{SECRET}@h/x", "db must be a number"),
        (f"redis://:{SECRET}@h:99999", "is not host[:port]"),
        (f"redis://:{SECRET}@h:port", "is not host[:port]"),
        (f"redis://:{SECRET}@", "is not host[:port]"),
        (f"redis://:{SECRET}@[::1", "is not host[:port]"),
        (f"redis://:{SECRET}@a:1,b:2", "need the redis+cluster:// scheme"),
        (f"redis+cluster://:{SECRET}@a:1/1", "only db 0"),
        (f"redis+cluster://:{SECRET}@" + ",".join(["h"] * 17), "at most 16 seed nodes"),
        (f"unix://:{SECRET}@relative.sock", "unix:///absolute/path"),
        (f"unix://:{SECRET}@/s.sock?db=-1", "db must be a number"),
    ],
)
def test_parse_redis_url_refuses_bad_urls_without_showing_the_password(
    url: str, message: str
) -> None:
    with pytest.raises(errors.ConfigError, match=re.escape(message)) as caught:
        redis_url.parse_redis_url(url)
    assert SECRET not in str(caught.value)
    assert "session store URL" in str(caught.value)
