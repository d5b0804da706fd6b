"""Reading deploy/compose.yaml as Docker Compose would, without Docker: its `${…}` variables
filled in from a mapping (Compose's interpolation rules), and the replicas' environment, so
a test can start the service with the very settings the deployment gives it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
COMPOSE_FILE = DEPLOY / "compose.yaml"
ENV_EXAMPLE = DEPLOY / ".env.example"
# The two services that run the web service behind the proxy.
REPLICAS = ("qa-1", "qa-2")

# $$, ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error},
# ${NAME:+other}, ${NAME+other}, $NAME (the Compose Specification's interpolation).
_VARIABLE = re.compile(
    r"\$(?:(?P<dollar>\$)"
    r"|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


def load_compose(path: Path = COMPOSE_FILE) -> dict[str, Any]:
    """The compose file as YAML gives it (anchors and `<<` merges resolved, `${…}` kept)."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def variables_used(text: str) -> set[str]:
    """The names of the variables a compose file's text interpolates."""
    return {m["braced"] or m["bare"] for m in _VARIABLE.finditer(text) if not m["dollar"]}


def interpolate(value: str, variables: Mapping[str, str]) -> str:
    """One string with its variables filled in; a required one that is missing raises
    ValueError with the file's own message, as `docker compose` stops with it."""

    def fill(m: re.Match) -> str:
        if m["dollar"]:
            return "$"
        name = m["braced"] or m["bare"]
        op, arg = m["op"], m["arg"] or ""
        present = name in variables
        value = variables.get(name, "")
        has_value = present and value != ""
        if op in (":-", "-"):
            return value if (has_value if op == ":-" else present) else arg
        if op in (":?", "?"):
            if not (has_value if op == ":?" else present):
                raise ValueError(f"required variable {name} is missing a value: {arg}")
            return value
        if op in (":+", "+"):
            return arg if (has_value if op == ":+" else present) else ""
        return value

    return _VARIABLE.sub(fill, value)


def interpolated(node: Any, variables: Mapping[str, str]) -> Any:
    """A loaded compose document with every string value interpolated (keys are not)."""
    if isinstance(node, str):
        return interpolate(node, variables)
    if isinstance(node, dict):
        return {key: interpolated(value, variables) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolated(item, variables) for item in node]
    return node


def env_example() -> dict[str, str]:
    """deploy/.env.example's names and values (secrets are empty there)."""
    pairs = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


def example_variables() -> dict[str, str]:
    """deploy/.env.example filled in: each empty secret gets a made-up value long and varied
    enough for every check (the admin token's 16 characters, MinIO's 8)."""
    return {
        name: value or f"test-{name.lower().replace('_', '-')}-0123456789"
        for name, value in env_example().items()
    }


def service_environment(
    service: str, variables: Mapping[str, str], compose: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """A service's environment as its container gets it: interpolated, every value a string
    (a bare `NAME` takes the variable of that name, as Compose does)."""
    document = interpolated(compose if compose is not None else load_compose(), variables)
    environment = document["services"][service].get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.partition("=")[::2] for item in environment)
    result = {}
    for name, value in environment.items():
        if value is None:
            if name not in variables:
                continue
            value = variables[name]
        elif isinstance(value, bool):
            value = "true" if value else "false"
        result[name] = str(value)
    return result


def replica_environment(
    variables: Mapping[str, str] | None = None, *, replica: str = REPLICAS[0]
) -> dict[str, str]:
    """The XUHUI_* settings a replica runs with (by default deploy/.env.example filled in
    with made-up secrets): what to start the service with to test it as deployed."""
    variables = example_variables() if variables is None else variables
    environment = service_environment(replica, variables)
    return {name: value for name, value in environment.items() if name.startswith("XUHUI_")}
