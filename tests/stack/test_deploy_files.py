"""The deployment files (deploy/, docs/deployment.md) agree with the code.

- every service of deploy/docker-compose.yml built from our Dockerfiles runs a module or
  file that exists, and the processes of stack/topology.py are all there, started the same
  way;
- every environment variable the compose file sets for such a service is read by the code
  that service runs (its modules and what they import, found with `ast`), or by the Rasa
  YAML files its command names (`${VAR}` substitution);
- the health checks use the URLs of stack/topology.py (path and port);
- every COPY source of the Dockerfiles exists, the targets the compose file builds exist,
  and the locks are installed as scripts/ensure_venv.sh installs them;
- nginx.conf balances the compose services on their ports, with socket.io's upgrade
  headers;
- `docker compose config` accepts the file, where a compose CLI is installed.

Each check returns a list of problems; the last tests feed broken copies to the checks to
show they fail.
"""
from __future__ import annotations

import ast
import copy
import os
import re
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set
from urllib.parse import urlparse

import pytest
import yaml

from stack.settings import StackSettings
from stack.topology import services as topology_services

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE_FILE = DEPLOY / "docker-compose.yml"
ENV_EXAMPLE = DEPLOY / ".env.example"
NGINX_CONF = DEPLOY / "nginx.conf"
FIRST_PARTY = ("actions", "bot", "channels", "claims_api", "webapp", "stack", "scripts",
               "rasa_sdk_plugins")
RASA_YAML = ("config.yml", "endpoints.yml", "credentials.yml")
# Flags of the topology's commands whose values differ in containers by design.
DEPLOYMENT_SPECIFIC_FLAGS = {"--port", "--model", "--interface"}
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]{2,}$")
YAML_VAR = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")


# --- the code: modules, imports, environment variables -----------------------------------

def module_file(name: str) -> Optional[Path]:
    path = ROOT.joinpath(*name.split("."))
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py")
    if (path / "__init__.py").is_file():
        return path / "__init__.py"
    return None


def resolve_module(dotted: str) -> Optional[str]:
    """The longest first-party module that `dotted` (a module, class or `mod:attr`) names."""
    parts = dotted.split(":")[0].split(".")
    if parts[0] not in FIRST_PARTY:
        return None
    for end in range(len(parts), 0, -1):
        name = ".".join(parts[:end])
        if module_file(name) is not None:
            return name
    return None


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _parse(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def referenced_modules(path: Path) -> Set[str]:
    """First-party modules a file imports (anywhere, also inside functions) or names in a
    string such as uvicorn's "claims_api.main:app"."""
    tree = _parse(path)
    own = _module_name(path)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    found: Set[str] = set()
    for node in ast.walk(tree):
        candidates: List[str] = []
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            candidates = [base] + [f"{base}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if re.fullmatch(r"[a-z_]\w*(\.\w+)+(:\w+)?", node.value):
                candidates = [node.value]
        for candidate in candidates:
            name = resolve_module(candidate) if candidate else None
            if name:
                found.add(name)
    return found


def reachable_files(entry_modules: Iterable[str]) -> Set[Path]:
    """Files of the entry modules and of every first-party module they reach."""
    seen: Set[Path] = set()
    queue = [m for m in entry_modules]
    while queue:
        name = queue.pop()
        parts = name.split(".")
        for end in range(1, len(parts) + 1):  # parent packages run their __init__ too
            file = module_file(".".join(parts[:end]))
            if file is not None and file not in seen:
                seen.add(file)
                queue.extend(referenced_modules(file))
    return seen


def _called_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def env_reads(path: Path) -> Set[str]:
    """Environment variable names a file reads: os.environ.get/[...], os.getenv, the
    settings helpers (_env, _port, env_float, WeChat's value()), pydantic BaseSettings."""
    tree = _parse(path)
    names: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str) \
                    and ENV_NAME.match(first.value):
                called = _called_name(node.func)
                receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
                if called == "get" and receiver is not None and _called_name(receiver) == "environ":
                    names.add(first.value)
                elif called in {"getenv", "_env", "_port", "env_float", "value"}:
                    names.add(first.value)
        elif isinstance(node, ast.Subscript) and _called_name(node.value) == "environ":
            key = node.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                names.add(key.value)
        elif isinstance(node, ast.ClassDef) and any(
                _called_name(base) == "BaseSettings" for base in node.bases):
            for item in node.body:
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name) \
                        and ENV_NAME.match(item.target.id):
                    names.add(item.target.id)
        # WeChat's table of variables read through os.environ.get(env_name)
        elif isinstance(node, ast.Dict):
            for key in node.keys:
                if isinstance(key, ast.Constant) and isinstance(key.value, str) \
                        and key.value.startswith("WECHAT_"):
                    names.add(key.value)
    return names


def yaml_strings(value: object) -> Iterable[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from yaml_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from yaml_strings(item)
    elif isinstance(value, str):
        yield value


def rasa_yaml_modules(files: Iterable[str]) -> Set[str]:
    """First-party classes named in Rasa's YAML files (pipeline components, channels, the
    event broker)."""
    found = set()
    for name in files:
        for text in yaml_strings(yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))):
            module = resolve_module(text)
            if module:
                found.add(module)
    return found


def yaml_vars(files: Iterable[str]) -> Set[str]:
    """`${VAR}` in the values of YAML files (Rasa substitutes values, not comments)."""
    names: Set[str] = set()
    for name in files:
        for text in yaml_strings(yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))):
            names |= set(YAML_VAR.findall(text))
    return names


# --- the compose file ----------------------------------------------------------------------

def load_compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def our_services(compose: dict) -> Dict[str, dict]:
    """Services built from this repository's Dockerfiles."""
    return {name: spec for name, spec in compose["services"].items() if "build" in spec}


def command_of(spec: dict) -> List[str]:
    command = spec.get("command")
    assert isinstance(command, list), "commands are lists (exec form), not shell strings"
    return [str(part) for part in command]


def flag_value(command: List[str], flag: str) -> Optional[str]:
    if flag in command:
        index = command.index(flag)
        return command[index + 1] if index + 1 < len(command) else None
    return None


def environment_of(spec: dict) -> Dict[str, str]:
    env = spec.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): str(v) for k, v in env.items()}


def mount_targets(spec: dict) -> Set[str]:
    targets = set()
    for volume in spec.get("volumes") or []:
        parts = str(volume).split(":")
        if len(parts) >= 2:
            targets.add(parts[1])
    return targets


def entry_of(command: List[str]) -> dict:
    """What a command runs: entry modules, whether it loads the Rasa YAML files."""
    program = Path(command[0]).name
    if program == "rasa" and command[1:3] == ["run", "actions"]:
        package = flag_value(command, "--actions") or "actions"
        files = sorted((ROOT / package.replace(".", "/")).rglob("*.py"))
        return {"modules": {_module_name(f) for f in files}, "yaml": []}
    if program == "rasa":
        yml = [flag_value(command, "--endpoints") or "endpoints.yml",
               flag_value(command, "--credentials") or "credentials.yml", "config.yml"]
        return {"modules": rasa_yaml_modules(yml), "yaml": yml}
    if program.startswith("python"):
        if "-m" in command:
            module = flag_value(command, "-m") or ""
            main = f"{module}.__main__" if (ROOT / module.replace(".", "/") / "__main__.py").is_file() \
                else module
            return {"modules": {main}, "yaml": []}
        script = Path(command[1])
        modules = {_module_name(ROOT / script)} if (ROOT / script).is_file() else set()
        if script.as_posix() == "scripts/train_if_needed.py":  # `rasa train` loads config.yml
            return {"modules": modules | rasa_yaml_modules(["config.yml"]), "yaml": []}
        return {"modules": modules, "yaml": []}
    return {"modules": set(), "yaml": []}


@lru_cache(maxsize=None)
def _reads_of(modules: frozenset) -> frozenset:
    names: Set[str] = set()
    for file in reachable_files(modules):
        names |= env_reads(file)
    return frozenset(names)


def check_commands(compose: dict) -> List[str]:
    problems = []
    for name, spec in our_services(compose).items():
        command = command_of(spec)
        program = Path(command[0]).name
        if program.startswith("python"):
            if "-m" in command:
                module = flag_value(command, "-m") or ""
                path = ROOT.joinpath(*module.split("."))
                if not (path.with_suffix(".py").is_file() or (path / "__main__.py").is_file()):
                    problems.append(f"{name}: `python -m {module}`: no such module in the repository")
            elif not (ROOT / command[1]).is_file():
                problems.append(f"{name}: `python {command[1]}`: no such file in the repository")
        elif program == "rasa":
            for flag in ("--endpoints", "--credentials", "--config", "--domain"):
                value = flag_value(command, flag)
                if value and not (ROOT / value).exists():
                    problems.append(f"{name}: {flag} {value}: no such file in the repository")
            actions = flag_value(command, "--actions")
            if actions and module_file(actions) is None:
                problems.append(f"{name}: --actions {actions}: no such package")
            model = flag_value(command, "--model")
            if model and model not in mount_targets(spec):
                problems.append(f"{name}: --model {model} is not a volume of the service")
        else:
            problems.append(f"{name}: unknown program {command[0]!r}")
    return problems


def positional(command: List[str]) -> List[str]:
    """The subcommand words before the first flag (`rasa run actions --port …` → run actions)."""
    words = []
    for part in command[1:]:
        if part.startswith("-"):
            break
        words.append(part)
    return words


def check_topology(compose: dict) -> List[str]:
    """Every process of stack/topology.py runs in compose, started the same way."""
    problems = []
    ours = our_services(compose)
    for service in topology_services(StackSettings(), Path("model.tar.gz")):
        spec = ours.get(service.name)
        if spec is None:
            problems.append(f"{service.name} (stack/topology.py) is not a service of the compose file")
            continue
        wanted, got = [str(p) for p in service.command], command_of(spec)
        if Path(wanted[0]).name != Path(got[0]).name:
            problems.append(f"{service.name}: runs {got[0]}, the topology {Path(wanted[0]).name}")
            continue
        if "-m" in wanted and flag_value(wanted, "-m") != flag_value(got, "-m"):
            problems.append(f"{service.name}: `-m {flag_value(got, '-m')}`, the topology "
                            f"`-m {flag_value(wanted, '-m')}`")
        if Path(wanted[0]).name == "rasa" and positional(wanted) != positional(got):
            problems.append(f"{service.name}: rasa {' '.join(positional(got))}, the topology "
                            f"rasa {' '.join(positional(wanted))}")
        for index, part in enumerate(wanted):
            if part.startswith("--") and part not in DEPLOYMENT_SPECIFIC_FLAGS:
                value = wanted[index + 1] if index + 1 < len(wanted) and not wanted[index + 1].startswith("--") else None
                if part not in got:
                    problems.append(f"{service.name}: {part} of the topology's command is missing")
                elif value is not None and flag_value(got, part) != value:
                    problems.append(f"{service.name}: {part} {flag_value(got, part)}, the topology {value}")
    return problems


def check_environment(compose: dict) -> List[str]:
    problems = []
    for name, spec in our_services(compose).items():
        entry = entry_of(command_of(spec))
        read = set(_reads_of(frozenset(entry["modules"]))) | yaml_vars(entry["yaml"])
        for variable in environment_of(spec):
            if variable not in read:
                problems.append(f"{name}: sets {variable}, which the code it runs never reads")
        missing = yaml_vars(entry["yaml"]) - set(environment_of(spec))
        for variable in sorted(missing):  # Rasa refuses to start on an unset ${VAR}
            problems.append(f"{name}: ${{{variable}}} of {', '.join(entry['yaml'])} is not set")
    return problems


def _health_url(spec: dict) -> Optional[str]:
    test = (spec.get("healthcheck") or {}).get("test") or []
    text = " ".join(test) if isinstance(test, list) else str(test)
    match = re.search(r"https?://[^\s'\"]+", text)
    return match.group(0) if match else None


def _listening_port(spec: dict) -> Optional[int]:
    command = command_of(spec)
    if flag_value(command, "--port"):
        return int(flag_value(command, "--port"))
    for key, value in environment_of(spec).items():
        if key.endswith("_PORT") and key not in {"REDIS_PORT"} and value.isdigit():
            return int(value)
    return None


def check_health(compose: dict) -> List[str]:
    problems = []
    settings = StackSettings(rasa_port=5005, action_port=5055, claims_api_port=8000,
                             webapp_port=8001, host="127.0.0.1")
    ours = our_services(compose)
    for service in topology_services(settings, Path("model.tar.gz")):
        if not service.health_url or service.name not in ours:
            continue
        spec = ours[service.name]
        url = _health_url(spec)
        if url is None:
            problems.append(f"{service.name}: no HTTP health check (topology: {service.health_url})")
            continue
        wanted, got = urlparse(service.health_url), urlparse(url)
        if got.path != wanted.path:
            problems.append(f"{service.name}: health check path {got.path}, topology {wanted.path}")
        if got.port != wanted.port:
            problems.append(f"{service.name}: health check port {got.port}, topology {wanted.port}")
        port = _listening_port(spec)
        if port is not None and port != got.port:
            problems.append(f"{service.name}: listens on {port}, health check asks {got.port}")
    return problems


def check_mounts(compose: dict) -> List[str]:
    problems = []
    for name, spec in compose["services"].items():
        for volume in spec.get("volumes") or []:
            source = str(volume).split(":")[0]
            if source.startswith((".", "/")) and not (DEPLOY / source).resolve().exists():
                problems.append(f"{name}: bind mount {source} does not exist")
    return problems


# --- Dockerfiles -----------------------------------------------------------------------------

def dockerfile_instructions(text: str) -> List[str]:
    joined = re.sub(r"\\\n", " ", text)
    return [line.strip() for line in joined.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def check_dockerfile(text: str, context: Path, name: str) -> List[str]:
    problems = []
    instructions = dockerfile_instructions(text)
    for line in instructions:
        if not line.upper().startswith(("COPY ", "ADD ")):
            continue
        parts = [p for p in line.split()[1:] if not p.startswith("--")]
        if any(p.startswith("--from") for p in line.split()):
            continue
        for source in parts[:-1]:
            if not list(context.glob(source.rstrip("/"))):
                problems.append(f"{name}: COPY source {source} does not exist")
    return problems


def check_builds(compose: dict) -> List[str]:
    problems = []
    for name, spec in our_services(compose).items():
        build = spec["build"]
        context = (DEPLOY / build["context"]).resolve()
        if context != ROOT:
            problems.append(f"{name}: build context {context} is not the repository root")
        dockerfile = context / build["dockerfile"]
        if not dockerfile.is_file():
            problems.append(f"{name}: {build['dockerfile']} does not exist")
            continue
        text = dockerfile.read_text(encoding="utf-8")
        target = build.get("target")
        if target and not re.search(rf"(?im)^FROM\s+\S+\s+AS\s+{re.escape(target)}\s*$", text):
            problems.append(f"{name}: target {target} is not a stage of {build['dockerfile']}")
    return problems


def ensure_venv_tools() -> List[str]:
    script = (ROOT / "scripts" / "ensure_venv.sh").read_text(encoding="utf-8")
    return re.findall(r'"([\w.-]+==[\w.]+)"', re.search(r"tools=\(([^)]*)\)", script).group(1))


# --- the tests -------------------------------------------------------------------------------

def test_services_run_modules_and_files_that_exist():
    assert check_commands(load_compose()) == []


def test_every_process_of_the_topology_runs_the_same_way():
    assert check_topology(load_compose()) == []


def test_environment_variables_are_ones_the_code_reads():
    assert check_environment(load_compose()) == []


def test_health_checks_use_the_topology_urls():
    assert check_health(load_compose()) == []


def test_two_rasa_servers_and_two_action_servers():
    services = load_compose()["services"]
    for name in ("rasa", "actions"):
        assert (services[name].get("deploy") or {}).get("replicas", 1) >= 2, name


def test_bind_mounts_exist():
    assert check_mounts(load_compose()) == []


def test_dockerfiles_copy_what_exists_and_builds_name_real_stages():
    compose = load_compose()
    assert check_builds(compose) == []
    for dockerfile in ("Dockerfile.rasa", "Dockerfile.services"):
        text = (DEPLOY / dockerfile).read_text(encoding="utf-8")
        assert check_dockerfile(text, ROOT, dockerfile) == []


def test_dockerfiles_install_the_locks_like_ensure_venv():
    rasa = " ".join(dockerfile_instructions((DEPLOY / "Dockerfile.rasa").read_text(encoding="utf-8")))
    services = " ".join(dockerfile_instructions((DEPLOY / "Dockerfile.services").read_text(encoding="utf-8")))
    assert rasa.startswith("FROM python:3.11-slim") and services.startswith("FROM python:3.11-slim")
    for tool in ensure_venv_tools():
        assert tool in rasa and tool in services, tool
    assert re.search(r"pip install --no-deps --ignore-requires-python -r \S*rasa\.lock", rasa)
    assert re.search(r"pip install --no-deps -r \S*services\.lock", services)


def test_nginx_balances_the_compose_services():
    conf = NGINX_CONF.read_text(encoding="utf-8")
    compose = load_compose()
    ports = {"rasa": 5005, "actions": 5055}
    servers = re.findall(r"^\s*server\s+([\w-]+):(\d+)", conf, flags=re.M)
    assert {name for name, _ in servers} == set(ports)
    for name, port in servers:
        assert name in compose["services"], name
        assert int(port) == ports[name] == _listening_port(compose["services"][name])
    assert set(re.findall(r"listen\s+(\d+);", conf)) == {"5005", "5055"}
    socketio = re.search(r"location /socket\.io/ \{(.*?)\}", conf, flags=re.S).group(1)
    assert "proxy_set_header Upgrade $http_upgrade;" in socketio
    assert "proxy_set_header Connection $connection_upgrade;" in socketio
    sticky = re.search(r"upstream rasa_socketio \{(.*?)\}", conf, flags=re.S).group(1)
    assert "ip_hash" in sticky
    assert "location /webhooks/" in conf
    # the Rasa servers reach the action servers through this balancer
    assert environment_of(compose["services"]["rasa"])["ACTION_SERVER_URL"] == "http://nginx:5055"


def test_readme_links_the_deployment_guide():
    assert (ROOT / "docs" / "deployment.md").is_file()
    assert "docs/deployment.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def _compose_cli() -> Optional[List[str]]:
    if shutil.which("docker") is None:
        return None
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True)
    if probe.returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return []


def test_docker_compose_accepts_the_file():
    cli = _compose_cli()
    if cli is None:
        pytest.skip("docker is not installed")
    if not cli:
        pytest.skip("docker is installed without a compose CLI (`docker compose` plugin or docker-compose)")
    env = {k: v for k, v in os.environ.items() if k not in yaml_vars(["endpoints.yml"])}
    result = subprocess.run([*cli, "--env-file", str(ENV_EXAMPLE), "-f", str(COMPOSE_FILE),
                             "config", "-q"], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr


# --- the checks can fail ------------------------------------------------------------------------

def test_the_checks_find_broken_files():
    broken = copy.deepcopy(load_compose())
    services = broken["services"]
    services["notifier"]["command"] = ["python", "-m", "bot.no_such_worker"]
    services["outbound"]["environment"]["STAFF_API_TOKEN"] = "x"   # read by webapp, not here
    services["webapp"]["environment"]["NOT_READ_ANYWHERE"] = "x"
    services["claims-api"]["healthcheck"]["test"] = ["CMD", "curl", "-f", "http://127.0.0.1:8000/health"]
    services["actions"]["command"] = ["rasa", "run", "actions", "--port", "5056", "--actions", "no_actions"]
    del services["rasa"]["environment"]["REDIS_DB"]
    del services["outbox-worker"]

    assert any("bot.no_such_worker" in p for p in check_commands(broken))
    assert any("no_actions" in p for p in check_commands(broken))
    environment = check_environment(broken)
    assert any("outbound: sets STAFF_API_TOKEN" in p for p in environment)
    assert any("webapp: sets NOT_READ_ANYWHERE" in p for p in environment)
    assert any("${REDIS_DB}" in p for p in environment)
    health = check_health(broken)
    assert any("claims-api: health check path /health" in p for p in health)
    assert any("actions: listens on 5056" in p for p in health)
    topology = check_topology(broken)
    assert any("outbox-worker" in p for p in topology)
    assert any("notifier" in p for p in topology)
    assert any("--actions" in p for p in topology)
    assert check_dockerfile("FROM python:3.11-slim\nCOPY no_such_dir/ no_such_dir/\n", ROOT, "x") \
        == ["x: COPY source no_such_dir/ does not exist"]
