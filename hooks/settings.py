"""Settings of the hook service, read once from the environment by the app factory's caller."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from importlib import metadata

DEFAULT_IMAGE_REPOSITORY = "ghcr.io/altairalabs/omnia"
DEFAULT_PULL_POLICY = "IfNotPresent"
DEFAULT_CLUSTER_DOMAIN = "cluster.local"
DEFAULT_PORT = 8080
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
MAX_PORT = 65535


def _package_version() -> str:
    try:
        return metadata.version("omnia")
    except metadata.PackageNotFoundError:
        return "latest"


def default_agent_image() -> str:
    """Return the agent image that matches this package's version."""
    return f"{DEFAULT_IMAGE_REPOSITORY}:{_package_version()}"


def int_from_env(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """Return the integer in env[name] (default when unset or empty), checked against a range.

    Raises:
        ValueError: naming the variable, when the value is not a number from low to high.
    """
    text = env.get(name) or str(default)
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValueError(f"{name}: {text!r} is not a number from {low} to {high}")
    return int(text)


@dataclasses.dataclass(frozen=True)
class HookSettings:
    """What the hooks need beyond the Metacontroller request.

    Attributes:
        agent_image: image of the agent containers the AgentRuntime hook deploys.
        agent_image_pull_policy: imagePullPolicy of those containers.
        cluster_domain: DNS suffix of in-cluster Service names, as in <svc>.<ns>.svc.<domain>.
        port: TCP port `omnia hooks` listens on.
        agent_image_pull_secrets: names of Secrets agent pods pull their image with; each must
            exist in every agent's namespace.
    """

    agent_image: str = dataclasses.field(default_factory=default_agent_image)
    agent_image_pull_policy: str = DEFAULT_PULL_POLICY
    cluster_domain: str = DEFAULT_CLUSTER_DOMAIN
    port: int = DEFAULT_PORT
    agent_image_pull_secrets: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> HookSettings:
        """Read the hooks' settings from OMNIA_* variables and PORT.

        The variables: OMNIA_AGENT_IMAGE, OMNIA_AGENT_IMAGE_PULL_POLICY,
        OMNIA_AGENT_IMAGE_PULL_SECRETS (comma-separated Secret names), OMNIA_CLUSTER_DOMAIN.

        Raises:
            ValueError: naming the variable, when a value is malformed.
        """
        env = os.environ if environ is None else environ
        policy = env.get("OMNIA_AGENT_IMAGE_PULL_POLICY") or DEFAULT_PULL_POLICY
        if policy not in PULL_POLICIES:
            allowed = ", ".join(PULL_POLICIES)
            raise ValueError(f"OMNIA_AGENT_IMAGE_PULL_POLICY: {policy!r} is not one of {allowed}")
        return cls(
            agent_image=env.get("OMNIA_AGENT_IMAGE") or default_agent_image(),
            agent_image_pull_policy=policy,
            cluster_domain=(env.get("OMNIA_CLUSTER_DOMAIN") or DEFAULT_CLUSTER_DOMAIN).strip("."),
            port=int_from_env(env, "PORT", DEFAULT_PORT, 1, MAX_PORT),
            agent_image_pull_secrets=tuple(
                name.strip()
                for name in (env.get("OMNIA_AGENT_IMAGE_PULL_SECRETS") or "").split(",")
                if name.strip()
            ),
        )
