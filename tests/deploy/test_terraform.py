"""Static checks of terraform/ with python-hcl2: what `terraform validate` would catch about wiring
(it cannot run here: the AWS, random and Mongey/kafka providers are not obtainable offline).
`terraform fmt -check` runs in scripts/check_deploy.sh."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

import pytest

from app.core.config import Settings
from tests.deploy.support import (
    TERRAFORM,
    blocks,
    dir_blocks,
    load_hcl,
    load_values,
    references,
    unquote,
)

ENVS = ("staging", "prod")
ROOTS = [TERRAFORM / "envs" / env for env in ENVS] + [TERRAFORM / "bootstrap"]
MODULES = sorted(p for p in (TERRAFORM / "modules").iterdir() if p.is_dir())
META_ARGS = {"source", "version", "count", "for_each", "depends_on", "providers", "__is_block__"}
# On-demand Linux list prices, us-east-1 ($/hour), of the node types used by the envs.
NODE_PRICES = {"c7i.large": (0.08925, 2), "c7i.xlarge": (0.1785, 4)}


def _module_calls(root: Path) -> dict[str, dict[str, object]]:
    return dir_blocks(root, "module")


def _required(variables: dict[str, dict[str, object]]) -> set[str]:
    return {name for name, body in variables.items() if "default" not in body}


@pytest.mark.parametrize("directory", ROOTS + MODULES, ids=lambda p: str(p.relative_to(TERRAFORM)))
def test_every_var_reference_is_declared(directory: Path) -> None:
    declared = set(dir_blocks(directory, "variable"))
    used = references(directory, "var")
    assert used <= declared, f"undeclared variables: {sorted(used - declared)}"
    if directory.parent.name == "modules":
        assert declared <= used, f"unused variables: {sorted(declared - used)}"


@pytest.mark.parametrize("directory", ROOTS + MODULES, ids=lambda p: str(p.relative_to(TERRAFORM)))
def test_every_variable_and_output_is_described(directory: Path) -> None:
    for kind in ("variable", "output"):
        for name, body in dir_blocks(directory, kind).items():
            assert unquote(body.get("description", "")), f"{kind} {name} has no description"


@pytest.mark.parametrize(
    "root", [*ROOTS, TERRAFORM / "modules/platform"], ids=lambda p: str(p.relative_to(TERRAFORM))
)
def test_module_calls_match_module_interfaces(root: Path) -> None:
    calls = _module_calls(root)
    assert calls
    for name, call in calls.items():
        source = (root / str(unquote(call["source"]))).resolve()
        assert source.is_dir(), f"module {name}: {source} missing"
        variables = dir_blocks(source, "variable")
        args = set(call) - META_ARGS
        assert args <= set(variables), f"module {name}: unknown arguments {sorted(args - set(variables))}"
        missing = _required(variables) - args
        assert not missing, f"module {name}: required arguments missing {sorted(missing)}"
    outputs = {
        name: set(dir_blocks((root / str(unquote(c["source"]))).resolve(), "output"))
        for name, c in calls.items()
    }
    pattern = re.compile(r"\bmodule\.([a-z_0-9]+)\.([a-z_0-9]+)")
    for path in root.glob("*.tf"):
        code = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("#"))
        for module, output in pattern.findall(code):
            assert module in outputs, f"{path.name}: module.{module} is not called"
            assert output in outputs[module], f"{path.name}: module.{module} has no output {output}"


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.name)
def test_modules_pin_their_providers(module: Path) -> None:
    versions = load_hcl(module / "versions.tf")
    (terraform,) = versions["terraform"]
    assert unquote(terraform["required_version"]) == ">= 1.5.0"
    assert terraform["required_providers"]


PLATFORM = TERRAFORM / "modules/platform"
# Outputs of the platform that only the root's kafka provider reads (not passed through).
PROVIDER_OUTPUTS = {"kafka_username", "kafka_password"}


@pytest.mark.parametrize("env", ENVS)
def test_env_roots_are_thin(env: str) -> None:
    """An env keeps its tfvars, backend config, variables (a link to the platform's) and a short root
    calling the platform module once with every variable, its outputs passed through."""
    root = TERRAFORM / "envs" / env
    assert sorted(p.name for p in root.iterdir()) == [
        "backend.hcl",
        "main.tf",
        "outputs.tf",
        "terraform.tfvars",
        "variables.tf",
    ]
    assert (root / "variables.tf").is_symlink()
    assert (root / "variables.tf").resolve() == PLATFORM / "variables.tf"
    calls = _module_calls(root)
    assert list(calls) == ["platform"]
    (call,) = calls.values()
    assert (root / str(unquote(call["source"]))).resolve() == PLATFORM
    assert set(call) - META_ARGS == set(dir_blocks(PLATFORM, "variable"))
    outputs = dir_blocks(root, "output")
    assert set(outputs) == set(dir_blocks(PLATFORM, "output")) - PROVIDER_OUTPUTS
    for name, body in outputs.items():
        assert unquote(body["value"]) == f"${{module.platform.{name}}}", name


def test_env_roots_are_identical_but_for_their_tfvars() -> None:
    for name in ("main.tf", "outputs.tf"):
        staging = (TERRAFORM / "envs/staging" / name).read_text()
        assert staging == (TERRAFORM / "envs/prod" / name).read_text(), name


@pytest.mark.parametrize("env", ENVS)
def test_tfvars_set_every_required_variable_and_nothing_else(env: str) -> None:
    root = TERRAFORM / "envs" / env
    variables = dir_blocks(root, "variable")
    tfvars = {k for k in load_hcl(root / "terraform.tfvars") if not k.startswith("__")}
    assert tfvars <= set(variables), sorted(tfvars - set(variables))
    assert _required(variables) <= tfvars, sorted(_required(variables) - tfvars)


@pytest.mark.parametrize("env", ENVS)
def test_chart_values_agree_with_terraform(env: str) -> None:
    tfvars = load_hcl(TERRAFORM / "envs" / env / "terraform.tfvars")
    values = load_values(f"values-{env}.yaml")
    # NetworkPolicy egress CIDR == the data subnets of the VPC module (x.x.100.0/22).
    data_cidr = list(ipaddress.ip_network(unquote(tfvars["vpc_cidr"])).subnets(new_prefix=22))[25]
    for service in ("postgres", "redis", "kafka"):
        assert values["networkPolicy"][service]["cidrs"] == [str(data_cidr)], service
    assert values["networkPolicy"]["kafka"]["ports"] == [9096]  # MSK SASL/SCRAM over TLS
    partitions = (values.get("kafka") or load_values("values.yaml")["kafka"])["partitions"]
    assert tfvars["kafka_partitions"] == partitions == 6
    # Cost meter: $/vCPU-second of the node instance type.
    price, vcpus = NODE_PRICES[unquote(tfvars["node_instance_type"])]
    assert float(values["env"]["PRICE_PER_VCPU_SECOND_USD"]) == pytest.approx(price / vcpus / 3600, rel=1e-4)


def test_settings_default_price_is_the_prod_api_node_price() -> None:
    tfvars = load_hcl(TERRAFORM / "envs/prod/terraform.tfvars")
    price, vcpus = NODE_PRICES[unquote(tfvars["node_instance_type"])]
    default = Settings.model_fields["price_per_vcpu_second_usd"].default
    assert default == pytest.approx(price / vcpus / 3600, rel=1e-4)


def test_data_services_match_the_product_requirements() -> None:
    rds = dir_blocks(TERRAFORM / "modules/rds", "variable")
    assert int(rds["engine_major_version"]["default"]) >= 16
    for env in ENVS:
        assert load_hcl(TERRAFORM / "envs" / env / "terraform.tfvars")["postgres_major_version"] >= 16
    cache = load_hcl(TERRAFORM / "modules/elasticache/main.tf")
    groups = blocks({"r": [r for r in cache["resource"] if '"aws_elasticache_parameter_group"' in r]}, "r")
    (group,) = groups["aws_elasticache_parameter_group"].values()
    assert unquote(group["family"]) == "redis7"
    assert [unquote(p["value"]) for p in group["parameter"] if unquote(p["name"]) == "maxmemory-policy"] == [
        "allkeys-lru"
    ]
    topics = dir_blocks(TERRAFORM / "modules/kafka_topics", "variable")
    settings = Settings.model_fields
    for name in ("topic_snippets", "topic_outcomes", "topic_snippets_dlq", "topic_outcomes_dlq"):
        assert unquote(topics[name]["default"]) == settings[name].default, name
