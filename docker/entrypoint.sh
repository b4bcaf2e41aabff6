#!/usr/bin/env bash
# Container entrypoint: one image, several roles (see Dockerfile and docs/DEPLOYMENT.md).
#   api                          uvicorn, workers = Settings.web_concurrency (env WEB_CONCURRENCY)
#   ingest --topic snippets|outcomes
#   jobs                         the job worker (campaigns, enrich/score jobs, webhooks)
#   migrate                      alembic upgrade head
#   wait-db [seconds]            wait until PostgreSQL accepts connections (default 120 s)
#   cli ...                      python -m app.cli ... (e.g. keys create --name ops --scopes search)
#   healthcheck                  Docker HEALTHCHECK: /healthz for the API, process alive otherwise
#   anything else                exec'd as is
set -euo pipefail
# LEADPOET_APP_DIR exists only to exercise the image layout outside a container (docs/DEPLOYMENT.md).
cd "${LEADPOET_APP_DIR:-/app}"
role_file=/tmp/leadpoet-role

cmd="${1:-api}"
[ $# -gt 0 ] && shift

case "$cmd" in
  api)
    echo api >"$role_file" 2>/dev/null || true
    if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
      # Multi-process metrics: the directory must be empty when the workers start.
      rm -rf "${PROMETHEUS_MULTIPROC_DIR:?}" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
    fi
    workers="$(python -c 'from app.core.config import get_settings; print(get_settings().web_concurrency)')"
    exec uvicorn --factory app.main:create_app \
      --host 0.0.0.0 --port 8000 --workers "$workers" \
      --proxy-headers --forwarded-allow-ips '*' \
      --no-server-header --timeout-graceful-shutdown 20 "$@"
    ;;
  ingest)
    echo ingest >"$role_file" 2>/dev/null || true
    exec python -m app.ingest "$@"
    ;;
  jobs)
    echo jobs >"$role_file" 2>/dev/null || true
    exec python -m app.jobs "$@"
    ;;
  migrate)
    exec alembic upgrade head
    ;;
  wait-db)
    PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" exec python docker/wait_for_db.py "${1:-120}"
    ;;
  cli)
    exec python -m app.cli "$@"
    ;;
  healthcheck)
    if [ "$(cat "$role_file" 2>/dev/null || true)" = "api" ]; then
      exec python -c 'import sys, urllib.request
try:
    urllib.request.urlopen("http://127.0.0.1:8000/healthz", timeout=2)
except Exception as exc:
    sys.exit(f"unhealthy: {exc}")'
    fi
    exit 0
    ;;
  *)
    exec "$cmd" "$@"
    ;;
esac
