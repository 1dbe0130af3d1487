"""deploy/: what can be checked without Docker or a cluster — files parse and agree with the app."""

from __future__ import annotations

import configparser
import json
import re
import shlex
import shutil
import subprocess
import tomllib
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
APP_ENV = {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "STORE_URL"}
CONFIGMAP_LIMIT = 1024 * 1024


def yaml_documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def k8s_documents() -> list[dict[str, Any]]:
    """What `kubectl apply -k deploy/k8s` applies: the kustomization's resources, in order.

    kubectl is not installed here, so this renders the one thing kustomize would do to the
    set of objects (which files it takes); labels and the image tag do not change which
    objects are applied."""
    kustomization = yaml.safe_load((DEPLOY / "k8s" / "kustomization.yaml").read_text())
    assert set(kustomization) <= {"apiVersion", "kind", "labels", "resources", "images"}, (
        "a new kustomize feature: teach k8s_documents() to render it"
    )
    docs: list[dict[str, Any]] = []
    for resource in kustomization["resources"]:
        docs.extend(yaml_documents(DEPLOY / "k8s" / resource))
    return docs


def k8s(kind: str, name: str, docs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    docs = k8s_documents() if docs is None else docs
    [doc] = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    return doc


def k8s_example_secrets() -> list[dict[str, Any]]:
    """The Secrets the operator creates, as deploy/k8s/secret.example.yaml shows them."""
    return yaml_documents(DEPLOY / "k8s" / "secret.example.yaml")


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    last_from = max(i for i, (word, _) in enumerate(instructions) if word == "FROM")
    return instructions[last_from:]


def assert_is_serve_command(argv: list[str], *, http: bool) -> None:
    """The command is our console script and our CLI accepts exactly these arguments."""
    from bot.cli import _parser  # imported here: the CLI pulls in the whole app

    assert argv[:2] == ["referral-bot", "serve"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["referral-bot"] == "bot.cli:main"
    args = _parser().parse_args(argv[1:])
    assert args.command == "serve"
    assert args.http is http


# ------------------------------------------------------------------------ Dockerfile


def test_dockerfile_runs_slim_python_as_a_non_root_user() -> None:
    stage = final_stage()
    assert stage[0] == ("FROM", "python:3.11-slim")
    [user] = [rest for word, rest in stage if word == "USER"]
    assert user.split(":")[0] not in {"root", "0"}


def image_user() -> tuple[int, int]:
    """USER uid:gid of the final stage, numeric, as created by its groupadd/useradd."""
    stage = final_stage()
    [user] = [rest for word, rest in stage if word == "USER"]
    assert re.fullmatch(r"\d+:\d+", user), f"USER {user}: runAsNonRoot cannot verify a name"
    uid, gid = map(int, user.split(":"))
    runs = " ".join(rest for word, rest in stage if word == "RUN")
    assert re.search(rf"groupadd [^&]*--gid {gid}\b", runs)
    assert re.search(rf"useradd [^&]*--uid {uid}\b", runs)
    return uid, gid


def test_dockerfile_user_is_numeric_so_kubernetes_can_check_it_is_not_root() -> None:
    uid, gid = image_user()
    assert uid != 0 and gid != 0
    pod = k8s("Deployment", "referral-bot")["spec"]["template"]["spec"]["securityContext"]
    assert pod["runAsNonRoot"] is True
    assert (pod["runAsUser"], pod["runAsGroup"]) == (uid, gid)
    container = bot_container()["securityContext"]
    assert container["readOnlyRootFilesystem"] is True
    assert container["allowPrivilegeEscalation"] is False


def lock_pins() -> dict[str, str]:
    """requirements.lock as {normalised name: version}; every line must be `name==version`."""
    pins: dict[str, str] = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][A-Za-z0-9.+!-]*)", line)
            assert match, f"requirements.lock: not pinned with ==: {line!r}"
            pins[canonical(match[1])] = match[2]
    return pins


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version.split("+")[0])[:4])


def test_image_installs_exactly_the_locked_dependencies() -> None:
    runs = [rest for word, rest in final_stage() if word == "RUN"]
    installs = [r for r in runs if "pip install" in r]
    assert any("pip install --no-deps -r /tmp/requirements.lock" in r for r in installs)
    assert all("--no-deps" in r for r in installs), "pip would resolve (newest) versions itself"
    assert ("COPY", "requirements.lock /tmp/requirements.lock") in final_stage()


def test_lock_pins_every_runtime_dependency_at_a_version_pyproject_allows() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = lock_pins()
    assert canonical(project["name"]) not in pins  # the image installs the bot from its wheel
    dev = {
        canonical(re.split(r"[<>=!~\[; ]", d, maxsplit=1)[0])
        for d in project["optional-dependencies"]["dev"]
    }
    assert not dev & pins.keys(), f"dev tools in the lock: {sorted(dev & pins.keys())}"
    for requirement in project["dependencies"]:
        name, version = pinned_version(requirement, pins)
        assert satisfies(version, requirement), f"{name}=={version} does not meet {requirement}"


def pinned_version(requirement: str, pins: dict[str, str]) -> tuple[str, str]:
    name = canonical(re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0])
    assert name in pins, f"{name} (pyproject.toml) is not pinned in requirements.lock"
    return name, pins[name]


def satisfies(version: str, requirement: str) -> bool:
    """With packaging: the full specifier. Without: the '>=' lower bound, as tuples."""
    try:
        from packaging.requirements import Requirement
        from packaging.version import Version
    except ImportError:  # pragma: no cover - packaging is normally installed beside pip
        bounds = re.findall(r">=\s*([0-9][^,;\s]*)", requirement)
        return all(version_tuple(version) >= version_tuple(bound) for bound in bounds)
    return Version(version) in Requirement(requirement).specifier


def test_lock_version_check_rejects_a_pin_below_the_lower_bound() -> None:
    assert satisfies("3.14.5", "aiohttp>=3.10")
    assert not satisfies("3.9.5", "aiohttp>=3.10")
    with pytest.raises(AssertionError, match="not pinned"):
        pinned_version("aiohttp>=3.10", {"yarl": "1.25.1"})


def test_dockerfile_entry_command_is_referral_bot_serve_over_http() -> None:
    [cmd] = [rest for word, rest in final_stage() if word == "CMD"]
    argv = json.loads(cmd)
    assert_is_serve_command(argv, http=True)
    assert argv[argv.index("--port") + 1] == "3000"
    assert not [rest for word, rest in final_stage() if word == "ENTRYPOINT"]


def test_dockerfile_health_check_hits_healthz_and_ships_the_configuration() -> None:
    stage = final_stage()
    env = " ".join(rest for word, rest in stage if word == "ENV")
    assert "HEALTHCHECK_URL=http://127.0.0.1:3000/healthz" in env
    [check] = [rest for word, rest in stage if word == "HEALTHCHECK"]
    assert "HEALTHCHECK_URL" in check
    copies = [rest for word, rest in stage if word == "COPY"]
    assert "rules/ rules/" in copies
    assert "directory/ directory/" in copies


def test_build_context_holds_what_the_dockerfile_copies_and_nothing_else() -> None:
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    kept = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    assert "*" in ignore  # everything else, .env and .venv included, stays out
    sources = {
        src.rstrip("/")
        for word, rest in dockerfile_instructions()
        if word == "COPY" and "--from" not in rest
        for src in rest.split()[:-1]
    }
    assert sources == kept


def test_every_data_file_in_the_package_is_installed() -> None:
    """The image installs a wheel, not the source tree: bot/locales must be package data."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"].get("package-data", {}).get("bot", [])
    data = [
        p.relative_to(ROOT / "bot").as_posix()
        for p in (ROOT / "bot").rglob("*")
        if p.is_file()
        and p.suffix not in {".py", ".pyc", ".typed"}
        and "__pycache__" not in p.parts
    ]
    missing = [f for f in data if not any(fnmatch(f, pattern) for pattern in patterns)]
    assert not missing, f"not in [tool.setuptools.package-data] bot = ...: {missing}"


# ------------------------------------------------------------------------ compose


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    return data


def bot_services() -> dict[str, dict[str, Any]]:
    return {n: s for n, s in compose()["services"].items() if "command" in s and "redis" not in n}


def test_compose_runs_two_http_replicas_with_the_app_settings() -> None:
    bots = bot_services()
    assert len(bots) == 2
    for service in bots.values():
        assert_is_serve_command(service["command"], http=True)
        assert set(service["environment"]) >= APP_ENV
        password = "${REDIS_PASSWORD:?set REDIS_PASSWORD in deploy/.env}"
        assert service["environment"]["STORE_URL"] == f"redis://:{password}@redis:6379/0"
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
        assert (DEPLOY / service["build"]["context"] / "deploy" / "Dockerfile").exists()


def duration_seconds(text: str) -> float:
    """Compose's duration ('25s', '1m30s', '500ms') in seconds."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "us": 1e-6}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|us|h|m|s)", str(text))
    assert parts and "".join(n + u for n, u in parts) == str(text), text
    return sum(float(n) * units[u] for n, u in parts)


class _Recording(dict[str, str]):
    """An empty environment that remembers which variables were looked up."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)


def test_compose_every_variable_it_sets_is_one_the_app_reads() -> None:
    env = _Recording()
    Settings.from_env(env)
    read = env.asked
    assert {"SLACK_BOT_TOKEN", "STORE_URL", "ADMIN_USERGROUP"} <= read
    for service in bot_services().values():
        assert set(service["environment"]) <= read


def test_compose_redis_needs_a_password_and_only_the_bots_can_reach_it() -> None:
    data = compose()
    redis = data["services"]["redis"]
    command = redis["command"]
    assert (
        command[command.index("--requirepass") + 1]
        == "${REDIS_PASSWORD:?set REDIS_PASSWORD in deploy/.env}"
    )
    assert redis["environment"]["REDISCLI_AUTH"] == command[command.index("--requirepass") + 1]
    assert "redis-cli ping" in " ".join(redis["healthcheck"]["test"])
    assert "ports" not in redis and "expose" not in redis  # nothing published on the host
    assert redis["networks"], "on the default network every service reaches Redis"
    for network in redis["networks"]:
        assert data["networks"][network]["internal"] is True
        on_it = {n for n, s in data["services"].items() if network in s.get("networks", [])}
        assert on_it == {"redis", *bot_services()}


def test_compose_every_service_has_limits_and_a_stop_grace_period() -> None:
    for name, service in compose()["services"].items():
        limits = service["deploy"]["resources"]["limits"]
        assert float(limits["cpus"]) > 0, name
        assert re.fullmatch(r"\d+[MG]", limits["memory"]), name
        assert duration_seconds(service["stop_grace_period"]) > 0, name
    for service in bot_services().values():  # the same memory budget as the k8s Deployment
        limit = bot_container()["resources"]["limits"]["memory"]
        assert service["deploy"]["resources"]["limits"]["memory"] == limit.removesuffix("i")


def test_compose_proxy_spreads_over_both_replicas() -> None:
    services = compose()["services"]
    assert services["redis"]["image"].startswith("redis:")
    caddyfile = (DEPLOY / "Caddyfile").read_text()
    proxy = services["proxy"]
    assert any(v.startswith("./Caddyfile:") for v in proxy["volumes"])
    [upstreams] = re.findall(r"reverse_proxy ([^{]+)\{", caddyfile)
    assert sorted(upstreams.split()) == sorted(f"{name}:3000" for name in bot_services())
    assert "health_uri /readyz" in caddyfile
    assert "handle /slack/events" in caddyfile


# ------------------------------------------------------------------------ Kubernetes


def bot_container() -> dict[str, Any]:
    deployment = k8s("Deployment", "referral-bot")
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    return container


def test_k8s_bot_runs_two_replicas_with_probes() -> None:
    deployment = k8s("Deployment", "referral-bot")
    assert deployment["spec"]["replicas"] == 2
    container = bot_container()
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert_is_serve_command(container["command"], http=True)
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert container["readinessProbe"]["httpGet"]["port"] in ports
    assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True


def test_k8s_apply_never_replaces_a_secret_with_placeholders() -> None:
    """`kubectl apply -k` would overwrite the operator's real tokens with these."""
    rendered = [d for d in k8s_documents() if d["kind"] == "Secret"]
    for secret in rendered:
        values = {**secret.get("stringData", {}), **secret.get("data", {})}
        placeholders = [k for k, v in values.items() if "REPLACE" in str(v).upper() or not v]
        assert not placeholders, f"Secret {secret['metadata']['name']}: {placeholders}"
    assert not rendered  # the Secrets are the operator's: kubectl create secret, not apply -k
    kustomization = yaml.safe_load((DEPLOY / "k8s" / "kustomization.yaml").read_text())
    assert "secret.example.yaml" not in kustomization["resources"]


def test_k8s_bot_gets_the_app_settings_from_the_secret_and_configmap() -> None:
    sources = bot_container()["envFrom"]
    examples = k8s_example_secrets()
    names: set[str] = set()
    for source in sources:
        if "secretRef" in source:
            names |= set(k8s("Secret", source["secretRef"]["name"], examples)["stringData"])
        else:
            names |= set(k8s("ConfigMap", source["configMapRef"]["name"])["data"])
    assert names >= APP_ENV
    for secret in examples:
        assert all("REPLACE-ME" in value for value in secret["stringData"].values())
    # the README tells the operator to create exactly these Secrets with exactly these keys
    readme = (DEPLOY / "README.md").read_text()
    for secret in examples:
        assert f"kubectl create secret generic {secret['metadata']['name']}" in readme
        for key in secret["stringData"]:
            assert f"--from-literal={key}=" in readme


def test_k8s_store_url_names_the_redis_service_with_its_password() -> None:
    """STORE_URL carries the password, so it is in the Secret and never in the ConfigMap."""
    assert "STORE_URL" not in k8s("ConfigMap", "referral-bot-settings")["data"]
    url = k8s("Secret", "referral-bot-slack", k8s_example_secrets())["stringData"]["STORE_URL"]
    service = k8s("Service", "referral-bot-redis")
    host, port = service["metadata"]["name"], service["spec"]["ports"][0]["port"]
    assert url == f"redis://:REPLACE-ME@{host}:{port}/0"
    assert k8s("Deployment", "referral-bot-redis")["spec"]["replicas"] == 1


def test_k8s_redis_requires_the_password_from_the_operators_secret() -> None:
    [redis] = k8s("Deployment", "referral-bot-redis")["spec"]["template"]["spec"]["containers"]
    args = redis["args"]
    assert args[args.index("--requirepass") + 1] == "$(REDIS_PASSWORD)"
    env = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in redis["env"]}
    example = k8s("Secret", "referral-bot-redis", k8s_example_secrets())
    for name in ("REDIS_PASSWORD", "REDISCLI_AUTH"):  # the server, and its probe's redis-cli
        assert env[name]["name"] == example["metadata"]["name"]
        assert env[name]["key"] in example["stringData"]
    assert "redis-cli ping" in " ".join(redis["readinessProbe"]["exec"]["command"])


def test_k8s_only_the_bot_reaches_redis() -> None:
    redis_labels = k8s("Deployment", "referral-bot-redis")["spec"]["template"]["metadata"]
    bot_labels = k8s("Deployment", "referral-bot")["spec"]["template"]["metadata"]["labels"]
    policies = [d for d in k8s_documents() if d["kind"] == "NetworkPolicy"]
    [policy] = [
        p
        for p in policies
        if p["spec"]["podSelector"]["matchLabels"].items() <= redis_labels["labels"].items()
    ]
    assert "Ingress" in policy["spec"]["policyTypes"]
    [rule] = policy["spec"]["ingress"]
    [peer] = rule["from"]
    assert set(peer) == {"podSelector"}  # no namespaceSelector or ipBlock: only these pods
    assert peer["podSelector"]["matchLabels"].items() <= bot_labels.items()
    assert rule["ports"] == [{"protocol": "TCP", "port": 6379}]


def test_k8s_configuration_is_mounted_where_the_app_looks() -> None:
    mounts = {m["name"]: m["mountPath"] for m in bot_container()["volumeMounts"]}
    volumes = k8s("Deployment", "referral-bot")["spec"]["template"]["spec"]["volumes"]
    configmaps = {v["name"]: v["configMap"]["name"] for v in volumes if "configMap" in v}
    assert mounts["rules"] == "/app/rules" and configmaps["rules"] == "referral-bot-rules"
    assert mounts["directory"] == "/app/directory"
    assert configmaps["directory"] == "referral-bot-directory"
    defaults = Settings.from_env({})
    assert [str(defaults.rules), str(defaults.directory)] == ["rules", "directory"]
    workdirs = [rest for word, rest in final_stage() if word == "WORKDIR"]
    assert workdirs[-1] == "/app"


def test_k8s_shipped_configuration_fits_in_a_configmap() -> None:
    for folder in ("rules", "directory"):
        files = [p for p in (ROOT / folder).iterdir() if p.is_file()]
        assert files, folder
        assert all(p.is_file() for p in (ROOT / folder).iterdir()), "ConfigMaps are flat"
        assert sum(p.stat().st_size for p in files) < CONFIGMAP_LIMIT


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_k8s_kustomization_renders() -> None:
    result = subprocess.run(
        ["kubectl", "kustomize", str(DEPLOY / "k8s")], capture_output=True, text=True, check=True
    )
    kinds = sorted(d["kind"] for d in yaml.safe_load_all(result.stdout))
    assert kinds.count("Deployment") == 2
    assert "Secret" not in kinds and "ConfigMap" in kinds and kinds.count("Service") == 2
    assert "NetworkPolicy" in kinds


# ------------------------------------------------------------------------ systemd


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / "systemd" / "referral-bot.service").read_text())
    return parser


def test_systemd_unit_runs_socket_mode_with_sqlite_and_secrets_from_a_file() -> None:
    service = unit()["Service"]
    assert service["EnvironmentFile"] == "/etc/referral-bot/env"
    env = dict(pair.split("=", 1) for pair in shlex.split(service["Environment"]))
    assert env["STORE_URL"] == "sqlite:////var/lib/referral-bot/state.db"
    argv = shlex.split(service["ExecStart"])
    assert Path(argv[0]).name == "referral-bot"
    assert_is_serve_command(["referral-bot", *argv[1:]], http=False)
    assert service["User"] not in {"root", "0"}
    assert service["StateDirectory"] == "referral-bot"
    for option in ("NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp"):
        assert service[option] in {"yes", "strict"}


def test_systemd_unit_cannot_restart_in_a_loop() -> None:
    """Exit 1 (a setting an admin must fix) is never restarted, nothing else forever."""
    parsed = unit()
    service = parsed["Service"]
    # a start step that can fail (no '-' prefix) made systemd retry every RestartSec, forever
    for step in ("ExecStartPre", "ExecCondition", "ExecStartPost"):
        assert step not in service or service[step].startswith("-"), step
    assert service["Restart"] == "on-failure"
    assert "1" in service["RestartPreventExitStatus"].split()
    assert int(parsed["Unit"]["StartLimitBurst"]) >= 1
    interval = int(parsed["Unit"]["StartLimitIntervalSec"])
    # the limit only bites if the burst of restarts fits in the interval
    assert int(parsed["Unit"]["StartLimitBurst"]) * int(service["RestartSec"]) < interval


def test_systemd_env_example_names_the_socket_mode_tokens() -> None:
    example = (DEPLOY / "systemd" / "referral-bot.env.example").read_text()
    names = set(re.findall(r"^([A-Z_]+)=", example, re.MULTILINE))
    assert {"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"} <= names


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_analyze_accepts_the_unit(tmp_path: Path) -> None:
    """Verified with the venv's console script in place of /opt/referral-bot/venv."""
    venv = Path(
        shutil.which("referral-bot") or ROOT / ".venv" / "bin" / "referral-bot"
    ).parent.parent
    text = (DEPLOY / "systemd" / "referral-bot.service").read_text()
    copy = tmp_path / "referral-bot.service"
    copy.write_text(text.replace("/opt/referral-bot/venv", str(venv)))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


# ------------------------------------------------------------------------ all three recipes

# Every setting an operator of a deployment may want: each recipe passes it, so no one has
# to discover that e.g. ADMIN_USERGROUP was silently dropped between .env and the bot.
OPERATOR_SETTINGS = {
    "ADMIN_USERS",
    "ADMIN_CHANNEL",
    "ADMIN_USERGROUP",
    "ADMIN_COMMAND",
    "CONTACT_COMMAND",
    "CHECKLIST_COMMAND",
    "SESSION_TTL_SECONDS",
    "SHUTDOWN_GRACE_SECONDS",
    "DATA_DIR",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "STORE_URL",
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
}
# What the app reads that a recipe need not pass, and why.
NOT_FOR_OPERATORS = {
    "SLACK_API_URL": "points the bot at the tests' stand-in for Slack",
    "TELEGRAM_BOT_TOKEN": "the Telegram transport; these recipes run Slack",
    "REFERRAL_DIRECTORY": "fixed by the recipe's mounts (or --directory)",
    "REFERRAL_RULES": "fixed by the recipe's mounts (or --rules)",
    "SLACK_APP_TOKEN": "Socket Mode: only the systemd recipe, where it is required",
    "HEALTH_PORT": "Socket Mode's side port: only the systemd recipe",
    "SLACK_EVENT_LEASE_SECONDS": "the tests of lost answers shorten it; the default is right",
    "HANDOFF_LEASE_SECONDS": "the tests of killed replicas shorten it; the default is right",
    "HANDOFF_KEEP_DAYS": "how long the audit of consultation requests lasts: 90 days unless set",
    # the admin page is optional: docs/slack.md (5.) says to add all four, or none
    "SLACK_CLIENT_ID": "the admin page's sign-in, optional",
    "SLACK_CLIENT_SECRET": "the admin page's sign-in, optional",
    "ADMIN_SESSION_SECRET": "the admin page's cookies, optional",
    "ADMIN_BASE_URL": "the admin page's address, optional",
}


def app_reads() -> set[str]:
    env = _Recording()
    Settings.from_env(env)
    return env.asked


def test_the_operator_settings_are_exactly_what_the_app_reads() -> None:
    """A new setting in bot/settings.py fails here until it is sorted into one of the two."""
    assert app_reads() == OPERATOR_SETTINGS | set(NOT_FOR_OPERATORS)
    assert not OPERATOR_SETTINGS & set(NOT_FOR_OPERATORS)


def recipe_variables() -> dict[str, set[str]]:
    """The variables each recipe passes (or, for secrets, tells the operator to set)."""
    compose_env = [set(s["environment"]) for s in bot_services().values()]
    k8s_env = set(k8s("ConfigMap", "referral-bot-settings")["data"])
    k8s_env |= {e["name"] for e in bot_container().get("env", [])}
    for secret in k8s_example_secrets():
        if secret["metadata"]["name"] in {
            s["secretRef"]["name"] for s in bot_container()["envFrom"] if "secretRef" in s
        }:
            k8s_env |= set(secret["stringData"])
    example = (DEPLOY / "systemd" / "referral-bot.env.example").read_text()
    systemd_env = set(re.findall(r"^#? ?([A-Z_]+)=", example, re.MULTILINE))
    service = unit()["Service"]
    systemd_env |= {pair.split("=", 1)[0] for pair in shlex.split(service["Environment"])}
    return {
        "compose bot-a": compose_env[0],
        "compose bot-b": compose_env[1],
        "k8s": k8s_env,
        "systemd": systemd_env,
    }


def test_every_recipe_passes_every_operator_setting() -> None:
    read = app_reads()
    for recipe, names in recipe_variables().items():
        missing = sorted(OPERATOR_SETTINGS - names)
        assert not missing, f"{recipe} does not pass {missing}"
        assert names <= read, f"{recipe} sets what the app never reads: {sorted(names - read)}"


def test_every_admin_setting_is_in_every_recipe_and_the_readme() -> None:
    admin = {"ADMIN_USERS", "ADMIN_CHANNEL", "ADMIN_USERGROUP", "SHUTDOWN_GRACE_SECONDS"}
    assert admin <= app_reads()
    for recipe, names in recipe_variables().items():
        assert admin <= names, f"{recipe}: {sorted(admin - names)}"
    readme = (DEPLOY / "README.md").read_text()
    for name in admin:
        assert f"| `{name}` |" in readme, f"deploy/README.md's settings table lacks {name}"


def test_every_recipe_waits_longer_than_the_bot_may_take_to_stop() -> None:
    """SIGKILL must not come before the bot's SHUTDOWN_GRACE_SECONDS (+ k8s' preStop) end."""
    # compose: SIGTERM, then stop_grace_period
    for name, service in bot_services().items():
        grace = int(service["environment"]["SHUTDOWN_GRACE_SECONDS"])
        assert duration_seconds(service["stop_grace_period"]) > grace, name
    # Kubernetes: preStop runs first, and terminationGracePeriodSeconds counts from its start
    pod = k8s("Deployment", "referral-bot")["spec"]["template"]["spec"]
    env = {e["name"]: e["value"] for e in bot_container()["env"]}
    grace = int(env["SHUTDOWN_GRACE_SECONDS"])
    pre_stop = bot_container()["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    assert pod["terminationGracePeriodSeconds"] > grace + int(pre_stop[1])
    assert "SHUTDOWN_GRACE_SECONDS" not in k8s("ConfigMap", "referral-bot-settings")["data"]
    # systemd: SIGTERM, then TimeoutStopSec
    service = unit()["Service"]
    env = dict(pair.split("=", 1) for pair in shlex.split(service["Environment"]))
    assert int(service["TimeoutStopSec"]) > int(env["SHUTDOWN_GRACE_SECONDS"])
