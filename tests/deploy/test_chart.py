"""The Helm chart: renders for every values file, k8s/ does not drift, and the rendered objects
keep the promises of the deployment (security, probes, secrets by reference, bounds, policies)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from app.core.config import Settings
from tests.deploy.support import (
    CHART,
    K8S_RENDER,
    VALUES_FILES,
    Manifest,
    by_kind,
    helm_template,
    load_values,
    named,
    pod_specs,
    render,
    render_text,
)

SECRET_ENV = {"DATABASE_URL", "REDIS_URL", "API_KEY_PEPPER", "LLM_API_KEY", "KAFKA_SASL_PASSWORD"}


@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_every_values_file_renders(values_file: str) -> None:
    kinds = {doc["kind"] for doc in render(values_file)}
    assert {
        "Deployment", "Job", "Service", "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget",
        "NetworkPolicy", "ServiceAccount", "ServiceMonitor", "PrometheusRule", "ConfigMap",
    } <= kinds  # fmt: skip
    assert "Secret" not in kinds, "the chart must never create or inline a Secret"


def test_committed_manifests_match_the_chart() -> None:
    committed = K8S_RENDER.read_text()
    body = committed[committed.index("---") :]
    assert body == render_text("values-prod.yaml"), "k8s/ is stale: run `make k8s`"


def test_consumer_replicas_are_bounded_by_partitions() -> None:
    result = helm_template("values-prod.yaml", "--set", "consumers.items.snippets.replicas=7")
    assert result.returncode != 0
    assert "exceeds kafka.partitions=6" in result.stderr


def test_env_names_are_settings_fields() -> None:
    fields = {name.upper() for name in Settings.model_fields}
    for values_file in VALUES_FILES:
        values = load_values(values_file)
        names = set(values.get("env", {})) | set(values.get("secretEnv", {}).get("keys", {}))
        names |= set(values.get("secretEnv", {}).get("optionalKeys", {}))
        unknown = sorted(names - fields)
        assert not unknown, f"{values_file}: not fields of app.core.config.Settings: {unknown}"


@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_secrets_are_referenced_never_inlined(values_file: str) -> None:
    for where, spec in pod_specs(render(values_file)).items():
        for container in spec.get("initContainers", []) + spec["containers"]:
            for env in container.get("env", []):
                if env["name"] in SECRET_ENV:
                    assert "value" not in env, f"{where}: {env['name']} inlined"
                    assert env["valueFrom"]["secretKeyRef"]["name"] == "leadpoet-app"
    for config_map in by_kind(render(values_file), "ConfigMap"):
        assert not SECRET_ENV & set(config_map.get("data", {})), config_map["metadata"]["name"]


def test_every_pod_is_non_root_with_a_read_only_root_filesystem() -> None:
    specs = pod_specs(render("values-prod.yaml"))
    assert len(specs) == 6  # api, two consumers, job worker, migration job, index snapshot builder
    for where, spec in specs.items():
        assert spec["securityContext"]["runAsNonRoot"] is True, where
        assert spec["securityContext"]["runAsUser"] != 0, where
        assert spec["automountServiceAccountToken"] is False, where
        for container in spec.get("initContainers", []) + spec["containers"]:
            ctx = container["securityContext"]
            assert ctx["readOnlyRootFilesystem"] is True, where
            assert ctx["allowPrivilegeEscalation"] is False, where
            assert ctx["capabilities"]["drop"] == ["ALL"], where
            assert {"mountPath": "/tmp", "name": "tmp"} in container["volumeMounts"], where
            assert container["resources"]["requests"], where
            assert container["resources"]["limits"], where
        assert {"name": "tmp", "emptyDir": {"sizeLimit": "512Mi"}} in spec["volumes"], where


def test_api_probes_and_command() -> None:
    docs = render("values-prod.yaml")
    api = named(docs, "Deployment", "leadpoet-api")["spec"]["template"]["spec"]["containers"][0]
    assert api["args"] == ["api"]
    assert api["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert api["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"
    config = named(docs, "ConfigMap", "leadpoet-env")["data"]
    assert config["WEB_CONCURRENCY"] == "2"
    assert config["MODEL_DIR"] == "/app/models"


def test_consumers_run_one_deployment_per_topic() -> None:
    docs = render("values-prod.yaml")
    for topic, replicas in (("snippets", 3), ("outcomes", 2)):
        deploy = named(docs, "Deployment", f"leadpoet-ingest-{topic}")
        assert deploy["spec"]["replicas"] == replicas <= 6
        assert deploy["spec"]["strategy"]["rollingUpdate"]["maxSurge"] == 0
        container = deploy["spec"]["template"]["spec"]["containers"][0]
        assert container["args"] == ["ingest", "--topic", topic]


def test_job_workers_run_app_jobs_and_reach_only_public_https() -> None:
    docs = render("values-prod.yaml")
    deploy = named(docs, "Deployment", "leadpoet-jobs")
    assert deploy["spec"]["replicas"] == 2
    assert deploy["spec"]["template"]["spec"]["containers"][0]["args"] == ["jobs"]
    assert named(docs, "ConfigMap", "leadpoet-env")["data"]["JOBS_WORKER_ENABLED"] == "false"
    container = deploy["spec"]["template"]["spec"]["containers"][0]
    assert container["ports"] == [{"name": "metrics", "containerPort": 9102, "protocol": "TCP"}]
    monitor = named(docs, "ServiceMonitor", "leadpoet-jobs")
    assert monitor["spec"]["endpoints"][0]["port"] == "metrics"
    assert named(docs, "Service", "leadpoet-jobs")["spec"]["ports"][0]["targetPort"] == "metrics"
    policy = named(docs, "NetworkPolicy", "leadpoet-jobs")["spec"]
    assert policy["ingress"][0]["ports"] == [{"protocol": "TCP", "port": 9102}]
    egress = policy["egress"]
    (rule,) = egress
    assert rule["ports"] == [{"protocol": "TCP", "port": 443}]
    block = rule["to"][0]["ipBlock"]
    assert block["cidr"] == "0.0.0.0/0"
    assert {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"} <= set(block["except"])


def test_migration_job_is_a_pre_install_hook_that_waits_for_the_database() -> None:
    docs = render("values-prod.yaml")
    job = named(docs, "Job", "leadpoet-migrate")
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    spec = job["spec"]["template"]["spec"]
    assert spec["initContainers"][0]["args"][0] == "wait-db"
    assert spec["containers"][0]["args"] == ["migrate"]
    # Hooks run before the chart's other objects exist: its own hook ServiceAccount, inline env.
    account = named(docs, "ServiceAccount", spec["serviceAccountName"])
    assert account["metadata"]["annotations"]["helm.sh/hook-weight"] == "-10"
    assert "envFrom" not in spec["containers"][0]


def test_only_the_migration_job_connects_as_the_schema_owner() -> None:
    """The app's pods run as `leadpoet_app` (DATABASE_URL); only the migration job gets the owner's
    connection and the password it gives that role (from the Secret, never inlined)."""
    owner = {"MIGRATION_DATABASE_URL", "DATABASE_APP_PASSWORD"}
    for where, spec in pod_specs(render("values-prod.yaml")).items():
        for container in spec.get("initContainers", []) + spec["containers"]:
            names = {env["name"] for env in container.get("env", [])}
            if where == "Job/leadpoet-migrate":
                assert owner <= names, where
                for env in container["env"]:
                    if env["name"] in owner:
                        assert env["valueFrom"]["secretKeyRef"]["name"] == "leadpoet-app"
            else:
                assert not owner & names, (where, container["name"])


def test_index_snapshot_is_built_by_a_cronjob_and_mounted_read_only_by_the_api() -> None:
    docs = render("values-prod.yaml")
    values = load_values("values.yaml")["snapshot"]
    cron = named(docs, "CronJob", "leadpoet-index-snapshot")["spec"]
    assert cron["concurrencyPolicy"] == "Forbid"
    spec = cron["jobTemplate"]["spec"]["template"]["spec"]
    build = spec["containers"][0]
    assert build["args"][:5] == ["cli", "index", "build", "--out", values["mountPath"]]
    claim = named(docs, "PersistentVolumeClaim", "leadpoet-snapshots")
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    volume = {"name": "snapshots", "persistentVolumeClaim": {"claimName": "leadpoet-snapshots"}}
    assert volume in spec["volumes"]
    assert {"name": "snapshots", "mountPath": values["mountPath"], "readOnly": False} in build["volumeMounts"]
    api_spec = named(docs, "Deployment", "leadpoet-api")["spec"]["template"]["spec"]
    api = api_spec["containers"][0]
    assert volume in api_spec["volumes"]
    assert {"name": "snapshots", "mountPath": values["mountPath"], "readOnly": True} in api["volumeMounts"]
    assert {"name": "INDEX_SNAPSHOT_DIR", "value": values["mountPath"]} in api["env"]
    # Off by default: the base values render neither the CronJob nor the volume.
    assert not by_kind(render("values.yaml"), "CronJob")
    assert not by_kind(render("values.yaml"), "PersistentVolumeClaim")


def test_hpa_scales_on_cpu_and_p95_latency() -> None:
    hpa = named(render("values-prod.yaml"), "HorizontalPodAutoscaler", "leadpoet-api")["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (8, 24)
    types = {m["type"]: m for m in hpa["metrics"]}
    assert types["Resource"]["resource"]["name"] == "cpu"
    latency = types["Object"]["object"]
    assert latency["metric"]["name"] == "leadpoet_http_p95_seconds"
    assert latency["describedObject"] == {"apiVersion": "v1", "kind": "Service", "name": "leadpoet"}


def test_network_policies_only_allow_ingress_controller_and_data_services() -> None:
    docs = render("values-prod.yaml")
    default = named(docs, "NetworkPolicy", "leadpoet-default")["spec"]
    assert default["ingress"] == []
    ports = {(p["protocol"], p["port"]) for rule in default["egress"] for p in rule["ports"]}
    assert ports == {("UDP", 53), ("TCP", 53), ("TCP", 5432), ("TCP", 6379), ("TCP", 9096)}
    cidrs = {
        peer["ipBlock"]["cidr"] for rule in default["egress"] for peer in rule["to"] if "ipBlock" in peer
    }
    assert cidrs == {"10.20.100.0/22"}
    api = named(docs, "NetworkPolicy", "leadpoet-api-ingress")["spec"]
    sources = {
        peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
        for rule in api["ingress"]
        for peer in rule["from"]
    }
    assert sources == {"ingress-nginx", "monitoring"}


def test_ingress_tls_and_irsa_service_account() -> None:
    docs = render("values-prod.yaml")
    ingress = named(docs, "Ingress", "leadpoet")["spec"]
    assert ingress["tls"] == [{"hosts": ["api.leadpoet.example.com"], "secretName": "leadpoet-prod-tls"}]
    account = named(docs, "ServiceAccount", "leadpoet")
    assert account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].endswith(
        ":role/leadpoet-prod-app"
    )


def test_monitoring_assets_are_packaged_verbatim() -> None:
    docs = render("values-prod.yaml")
    rules = named(docs, "PrometheusRule", "leadpoet")
    alerts = yaml.safe_load((CHART / "files/prometheus/alerts.yml").read_text())
    assert rules["spec"]["groups"] == alerts["groups"]
    dashboards: Manifest = named(docs, "ConfigMap", "leadpoet-dashboards")
    assert dashboards["metadata"]["labels"]["grafana_dashboard"] == "1"
    files = sorted((CHART / "files/grafana").glob("*.json"))
    assert files
    assert sorted(dashboards["data"]) == [f.name for f in files]
    for f in files:
        assert json.loads(dashboards["data"][f.name]) == json.loads(Path(f).read_text())


def test_canary_overlay_is_a_side_release_that_consumes_nothing() -> None:
    result = helm_template(
        "values-prod.yaml", "-f", str(CHART / "values-canary.yaml"),
        "--set-string", "ingress.annotations.nginx\\.ingress\\.kubernetes\\.io/canary-weight=10",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    docs = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    annotations = named(docs, "Ingress", "leadpoet")["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/canary"] == "true"
    assert annotations["nginx.ingress.kubernetes.io/canary-weight"] == "10"
    assert "cert-manager.io/cluster-issuer" not in annotations
    consumers = [d for d in by_kind(docs, "Deployment") if "ingest" in d["metadata"]["name"]]
    assert [d["spec"]["replicas"] for d in consumers] == [0, 0]
    assert named(docs, "Deployment", "leadpoet-jobs")["spec"]["replicas"] == 0
    assert not by_kind(docs, "PrometheusRule")
    assert [d["metadata"]["name"] for d in by_kind(docs, "ServiceAccount")] == ["leadpoet-migrate"]
    api = named(docs, "Deployment", "leadpoet-api")["spec"]["template"]["spec"]
    assert api["serviceAccountName"] == "leadpoet"
