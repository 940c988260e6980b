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


def _package_version() -> str:
    try:
        return metadata.version("omnia")
    except metadata.PackageNotFoundError:
        return "latest"


def default_agent_image() -> str:
    """Return the agent image that matches this package's version."""
    return f"{DEFAULT_IMAGE_REPOSITORY}:{_package_version()}"


@dataclasses.dataclass(frozen=True)
class HookSettings:
    """What the hooks need beyond the Metacontroller request.

    Attributes:
        agent_image: image of the agent containers the AgentRuntime hook deploys.
        agent_image_pull_policy: imagePullPolicy of those containers.
        cluster_domain: DNS suffix of in-cluster Service names, as in <svc>.<ns>.svc.<domain>.
        port: TCP port `omnia hooks` listens on.
    """

    agent_image: str = dataclasses.field(default_factory=default_agent_image)
    agent_image_pull_policy: str = DEFAULT_PULL_POLICY
    cluster_domain: str = DEFAULT_CLUSTER_DOMAIN
    port: int = DEFAULT_PORT

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> HookSettings:
        """Read OMNIA_AGENT_IMAGE, OMNIA_AGENT_IMAGE_PULL_POLICY, OMNIA_CLUSTER_DOMAIN and PORT.

        Raises:
            ValueError: naming the variable, when a value is malformed.
        """
        env = os.environ if environ is None else environ
        policy = env.get("OMNIA_AGENT_IMAGE_PULL_POLICY") or DEFAULT_PULL_POLICY
        if policy not in PULL_POLICIES:
            allowed = ", ".join(PULL_POLICIES)
            raise ValueError(f"OMNIA_AGENT_IMAGE_PULL_POLICY: {policy!r} is not one of {allowed}")
        port_text = env.get("PORT") or str(DEFAULT_PORT)
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            raise ValueError(f"PORT: {port_text!r} is not a port number from 1 to 65535")
        return cls(
            agent_image=env.get("OMNIA_AGENT_IMAGE") or default_agent_image(),
            agent_image_pull_policy=policy,
            cluster_domain=(env.get("OMNIA_CLUSTER_DOMAIN") or DEFAULT_CLUSTER_DOMAIN).strip("."),
            port=int(port_text),
        )
