"""deploy/compose.yaml, checked without a Docker engine: it follows the Compose
Specification (its JSON schema, vendored in deploy/), every service is pinned and watched,
the two replicas run with one environment that points at the services that are really
there, and every XUHUI_* name in it is a setting of app/settings.py."""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest

from app.models import assets
from app.settings import Settings
from tests.compose import (
    COMPOSE_FILE,
    DEPLOY,
    REPLICAS,
    REPO,
    env_example,
    example_variables,
    interpolate,
    interpolated,
    load_compose,
    replica_environment,
    service_environment,
    variables_used,
)

pytestmark = pytest.mark.unit

COMPOSE_TEXT = COMPOSE_FILE.read_text(encoding="utf-8")
NGINX_CONF = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
VARIABLES = example_variables()
COMPOSE = interpolated(load_compose(), VARIABLES)
SERVICES = COMPOSE["services"]
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


# Settings other engineers are adding with the Milvus index backend; `database` (which
# takes a PostgreSQL URL with the new store) is already a field.
def compose_schema() -> dict:
    return json.loads((DEPLOY / "compose-spec.json").read_text(encoding="utf-8"))


def schema_errors(document: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(compose_schema())
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(document)
    ]


def command_option(service: str, option: str) -> str:
    """The value after `option` in a service's command list."""
    command = SERVICES[service]["command"]
    return str(command[command.index(option) + 1])


def mounts(service: str) -> dict[str, str]:
    """A service's volume mounts, target → source (`source:target[:mode]` strings)."""
    return {v.split(":")[1]: v.split(":")[0] for v in SERVICES[service].get("volumes", [])}


def is_task(name: str) -> bool:
    """A one-shot task: it runs to its end (restart "no") and is waited for by its exit."""
    return str(SERVICES[name].get("restart")) == "no"


# --- the Compose Specification


def test_the_compose_file_follows_the_compose_specification():
    assert schema_errors(COMPOSE) == []


def test_the_schema_check_refuses_what_compose_would():
    broken = json.loads(json.dumps(COMPOSE))
    broken["services"]["qa-1"]["enviroment"] = {"XUHUI_TOP_K": "5"}  # a misspelt key
    broken["services"]["llama"]["depends_on"]["models"]["condition"] = "service_done"
    errors = schema_errors(broken)
    assert any("enviroment" in e for e in errors)
    assert any("service_done" in e for e in errors)


def test_the_vendored_schema_says_where_it_comes_from():
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    assert "compose-spec/compose-spec" in readme and "schema/compose-spec.json" in readme
    assert re.search(r"\b[0-9a-f]{40}\b", readme), "the commit the schema was taken at"
    assert compose_schema()["title"] == "Compose Specification"


# --- every service pinned and watched


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_image_is_pinned_to_a_tag(name):
    image = SERVICES[name]["image"]
    repository, _, tag = image.rpartition(":")
    assert repository and "/" not in tag, f"{name}: {image} has no tag"
    assert tag != "latest" and not tag.endswith("-latest")
    if "build" in SERVICES[name]:
        assert image == f"xuhui-qa:{VERSION}", "the service's own image carries its version"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_service_has_a_healthcheck_or_is_a_task_waited_for_by_its_exit(name):
    service = SERVICES[name]
    if is_task(name):
        waiting = [other for other, s in SERVICES.items() if name in (s.get("depends_on") or {})]
        assert waiting, f"{name} is a task nothing waits for"
        for other in waiting:
            condition = SERVICES[other]["depends_on"][name]["condition"]
            assert condition == "service_completed_successfully", (other, name)
        return
    health = service.get("healthcheck")
    assert health and health.get("test") and not health.get("disable"), name
    assert service.get("restart") == "unless-stopped", name


def test_every_healthy_dependency_has_a_healthcheck():
    for name, service in SERVICES.items():
        for target, dependency in (service.get("depends_on") or {}).items():
            assert target in SERVICES, (name, target)
            if dependency["condition"] == "service_healthy":
                health = SERVICES[target].get("healthcheck") or {}
                assert health.get("test") and not health.get("disable"), (name, target)


@pytest.mark.parametrize("replica", REPLICAS)
def test_the_replicas_start_after_milvus_postgres_the_model_server_and_the_index(replica):
    conditions = {t: d["condition"] for t, d in SERVICES[replica]["depends_on"].items()}
    assert conditions == {
        "milvus": "service_healthy",
        "postgres": "service_healthy",
        "llama": "service_healthy",
        "indexer": "service_completed_successfully",
    }
    assert "/readyz" in " ".join(SERVICES[replica]["healthcheck"]["test"])


# --- one environment, pointing at the services that are there


def test_both_replicas_and_the_indexer_run_with_one_environment():
    first = service_environment(REPLICAS[0], VARIABLES)
    for other in (*REPLICAS[1:], "indexer"):
        assert service_environment(other, VARIABLES) == first, other
    assert first == replica_environment()  # the helper later tests start the service with


def test_the_index_goes_to_the_milvus_service():
    env = replica_environment()
    assert env["XUHUI_INDEX_BACKEND"] == "milvus"
    uri = urlsplit(env["XUHUI_MILVUS_URI"])
    assert (uri.scheme, uri.port) == ("http", 19530)
    assert SERVICES[uri.hostname]["image"].startswith("milvusdb/milvus:")
    assert SERVICES[uri.hostname]["command"] == ["milvus", "run", "standalone"]
    milvus = service_environment(uri.hostname, VARIABLES)
    assert milvus["COMMON_SECURITY_AUTHORIZATIONENABLED"] == "true"
    assert env["XUHUI_MILVUS_TOKEN"] == "root:" + milvus["COMMON_SECURITY_DEFAULTROOTPASSWORD"]
    # Milvus logs in to MinIO with MinIO's own root account.
    minio = service_environment("minio", VARIABLES)
    assert milvus["MINIO_ACCESS_KEY_ID"] == minio["MINIO_ROOT_USER"]
    assert milvus["MINIO_SECRET_ACCESS_KEY"] == minio["MINIO_ROOT_PASSWORD"]
    assert milvus["MINIO_ADDRESS"] == "minio:9000" and milvus["ETCD_ENDPOINTS"] == "etcd:2379"


def test_the_conversations_go_to_the_postgres_service():
    url = urlsplit(replica_environment()["XUHUI_DATABASE"])
    assert (url.scheme, url.port) == ("postgresql", 5432)
    assert SERVICES[url.hostname]["image"].startswith("postgres:")
    postgres = service_environment(url.hostname, VARIABLES)
    assert url.username == postgres["POSTGRES_USER"]
    assert url.password == postgres["POSTGRES_PASSWORD"] == VARIABLES["POSTGRES_PASSWORD"]
    assert url.path == "/" + postgres["POSTGRES_DB"]


def test_the_model_calls_go_to_the_llama_server():
    env = replica_environment()
    assert env["XUHUI_LLM_BACKEND"] == "openai"
    url = urlsplit(env["XUHUI_OPENAI_BASE_URL"])
    assert (url.scheme, url.path) == ("http", "/v1")
    assert SERVICES[url.hostname]["image"].startswith("ghcr.io/ggml-org/llama.cpp:server-")
    assert str(url.port) == command_option(url.hostname, "--port")
    assert env["XUHUI_OPENAI_MODEL"] == command_option(url.hostname, "--alias")
    llama = service_environment(url.hostname, VARIABLES)
    assert env["XUHUI_OPENAI_API_KEY"] == llama["LLAMA_API_KEY"] == VARIABLES["LLAMA_API_KEY"]


def test_the_llama_server_serves_the_gguf_the_project_assembles():
    alias = command_option("llama", "--alias")
    model = Path(command_option("llama", "--model"))
    assert model.name == assets.LLM_SPECS[alias].filename
    assert mounts("llama")[str(model.parent)] == "models"
    # The task that fills that volume runs the image's own assembly into its models folder
    # (Settings' default models_dir, under the Dockerfile's WORKDIR).
    (workdir,) = re.findall(r"^WORKDIR (\S+)", (REPO / "Dockerfile").read_text(), re.MULTILINE)
    assert mounts("models")[f"{workdir}/.models"] == "models"
    assert SERVICES["models"]["command"][-2:] == ["models", "--assemble"]
    assert "--no-repack" in SERVICES["llama"]["command"]


@pytest.mark.parametrize("service", [*REPLICAS, "indexer"])
def test_the_replicas_share_the_index_and_corpus_volumes(service):
    env = service_environment(service, VARIABLES)
    volumes = mounts(service)
    assert volumes[env["XUHUI_INDEX_DIR"]] == "index"
    assert volumes[env["XUHUI_CORPUS_DIR"]] == "corpus"
    assert {"index", "corpus"} <= set(COMPOSE["volumes"])  # named volumes, not host folders


# --- the settings' names are the service's


def test_every_xuhui_name_in_the_compose_file_is_a_setting():
    names = set(re.findall(r"\bXUHUI_[A-Z0-9_]+", COMPOSE_TEXT))
    assert "XUHUI_INDEX_BACKEND" in names
    known = set(Settings.model_fields)
    unknown = sorted(n for n in names if n.removeprefix("XUHUI_").lower() not in known)
    assert unknown == [], "not fields of app.settings.Settings"


def test_the_settings_accept_the_replicas_environment(monkeypatch):
    for name in [n for n in os.environ if n.startswith("XUHUI_")]:
        monkeypatch.delenv(name)
    env = replica_environment()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.llm_backend == "openai"
    assert settings.openai_base_url == env["XUHUI_OPENAI_BASE_URL"]
    assert settings.index_dir == Path(env["XUHUI_INDEX_DIR"])
    assert settings.admin_token == VARIABLES["XUHUI_ADMIN_TOKEN"]
    assert settings.show_progress is False
    assert settings.index_backend == "milvus"
    assert settings.milvus_address == env["XUHUI_MILVUS_URI"] == "http://milvus:19530"


# --- secrets, comments, the proxy


def test_secrets_come_from_the_env_file_and_every_variable_is_in_the_example():
    assert variables_used(COMPOSE_TEXT) == set(env_example())
    raw = load_compose()
    for name in SERVICES:
        environment = raw["services"][name].get("environment") or {}
        for key, value in environment.items():
            if re.search(r"PASSWORD|TOKEN|SECRET|_KEY\b|API_KEY", key):
                assert "${" in str(value), f"{name}: {key} is written in the file"
    for secret in ("XUHUI_ADMIN_TOKEN", "POSTGRES_PASSWORD", "MILVUS_ROOT_PASSWORD"):
        assert env_example()[secret] == "", "the example holds no secret to forget to change"
        assert f"${{{secret}:?" in COMPOSE_TEXT, "compose stops while it is unset"
    for ignore in (".gitignore", ".dockerignore"):
        assert "deploy/.env" in (REPO / ignore).read_text().split(), ignore


def test_an_unset_secret_stops_interpolation_with_the_files_message():
    with pytest.raises(ValueError, match="set POSTGRES_PASSWORD in deploy/.env"):
        interpolated(load_compose(), {**VARIABLES, "POSTGRES_PASSWORD": ""})


def test_every_setting_in_the_compose_file_says_what_it_does():
    lines = COMPOSE_TEXT.splitlines()
    block_indent = None
    silent = []
    for i, line in enumerate(lines):
        indent = len(line) - len(line.lstrip())
        if re.match(r"\s*(environment|x-xuhui-environment):( &\S+)?\s*$", line):
            block_indent = indent
            continue
        if block_indent is not None and line.strip() and indent <= block_indent:
            block_indent = None
        entry = re.match(r"\s+[A-Za-z_][A-Za-z0-9_.]*: ", line)
        if block_indent is not None and entry:
            above = lines[i - 1].strip()
            if " # " not in line and not above.startswith("#"):
                silent.append(line.strip())
    # The model server's options: the option or its value carries the comment.
    command = re.search(r"  llama:\n(?:.*\n)*?    command:\n((?:      - .*\n)+)", COMPOSE_TEXT)
    options = command.group(1).splitlines()
    for i, line in enumerate(options):
        if line.strip().startswith("- --"):
            after = options[i + 1] if i + 1 < len(options) else ""
            if "#" not in line and ("#" not in after or after.strip().startswith("- --")):
                silent.append(line.strip())
    assert silent == []


def test_the_proxy_shares_requests_between_both_replicas():
    (upstream,) = re.findall(r"upstream\s+(\w+)\s*\{([^}]*)\}", NGINX_CONF)
    servers = re.findall(r"^\s*server\s+([\w.-]+):(\d+)", upstream[1], re.MULTILINE)
    assert sorted(host for host, _ in servers) == sorted(REPLICAS)
    port = str(Settings.model_fields["port"].default)
    assert {p for _, p in servers} == {port}
    assert f"http://{upstream[0]};" in NGINX_CONF
    # The published port reaches the port nginx listens on.
    (listen,) = re.findall(r"^\s*listen\s+(\d+);", NGINX_CONF, re.MULTILINE)
    (mapping,) = SERVICES["proxy"]["ports"]
    assert str(mapping).rsplit(":", 1)[1] == listen
    assert mounts("proxy")["/etc/nginx/nginx.conf"] == "./nginx.conf"


def test_the_proxy_passes_streams_and_uploads_through():
    assert re.search(r"proxy_buffering\s+off;", NGINX_CONF), "answers stream as they come"
    (body,) = re.findall(r"client_max_body_size\s+(\d+)m;", NGINX_CONF)
    assert int(body) > Settings.model_fields["max_upload_mb"].default
    (read,) = re.findall(r"proxy_read_timeout\s+(\d+)s;", NGINX_CONF)
    assert int(read) > Settings.model_fields["generation_timeout_s"].default


# --- the helper's reading of Compose's interpolation


@pytest.mark.parametrize(
    ("text", "variables", "expected"),
    [
        ("${A}", {"A": "x"}, "x"),
        ("$A/b", {"A": "x"}, "x/b"),
        ("${A}", {}, ""),
        ("${A:-d}", {"A": ""}, "d"),
        ("${A-d}", {"A": ""}, ""),
        ("${A-d}", {}, "d"),
        ("${A:+y}", {"A": "x"}, "y"),
        ("${A:+y}", {"A": ""}, ""),
        ("$${A}", {"A": "x"}, "${A}"),
        ("u:${A:?need A}@h", {"A": "p"}, "u:p@h"),
    ],
)
def test_interpolation_follows_compose(text, variables, expected):
    assert interpolate(text, variables) == expected


@pytest.mark.parametrize(("text", "variables"), [("${A:?need A}", {"A": ""}), ("${A?x}", {})])
def test_a_required_variable_that_is_missing_raises(text, variables):
    with pytest.raises(ValueError, match="required variable A"):
        interpolate(text, variables)
