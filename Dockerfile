# Build stage: install the hub and the exact versions of requirements.lock (the ones the
# suite last passed with) into a virtual environment.
FROM python:3.11-slim AS build
WORKDIR /src
RUN python -m venv /opt/hub
COPY pyproject.toml README.md requirements.lock ./
COPY hub ./hub
COPY sql ./sql
RUN /opt/hub/bin/pip install --no-cache-dir -c requirements.lock .

# Run stage: the environment only, as an unprivileged user.
FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /var/lib/hub --create-home hub
COPY --from=build /opt/hub /opt/hub
ENV PATH=/opt/hub/bin:$PATH \
    HUB_ENV=production \
    HUB_DATA_DIR=/var/lib/hub \
    PYTHONUNBUFFERED=1
USER hub
WORKDIR /var/lib/hub
EXPOSE 8000
# HUB_DATABASE_URL must point at the PostgreSQL server; migrations run on start.
CMD ["hub", "serve", "--host", "0.0.0.0", "--port", "8000"]
