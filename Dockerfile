# One small image for both roles: `omnia hooks` (the default) and `omnia agent`.
# Build: docker build -t ghcr.io/altairalabs/omnia:0.1.0 .
# Base pinned by version; pin by digest in your registry mirror for reproducible builds.
ARG PYTHON_IMAGE=python:3.11.7-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 LITELLM_LOCAL_MODEL_COST_MAP=True
WORKDIR /src
COPY pyproject.toml README.md ./
COPY hooks ./hooks
COPY agent ./agent
RUN python -m venv /opt/omnia \
 && /opt/omnia/bin/pip install --upgrade pip \
 && /opt/omnia/bin/pip install . \
 # Import litellm once and byte-compile everything now: the root filesystem is read-only at
 # run time, and an agent must not spend its first seconds compiling.
 && /opt/omnia/bin/python -c "import litellm, agent.server, hooks.app" \
 && /opt/omnia/bin/python -m compileall -q /opt/omnia

FROM ${PYTHON_IMAGE}
ENV PATH=/opt/omnia/bin:$PATH \
    LITELLM_LOCAL_MODEL_COST_MAP=True \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
COPY --from=build /opt/omnia /opt/omnia
# 65532: the conventional "nonroot" uid; the charts and the hooks' pod specs run as it.
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["omnia"]
CMD ["hooks"]
