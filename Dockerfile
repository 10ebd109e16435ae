# eventsvc: one image for the web servers, the task workers, the scheduler and the migrations.
#   docker build -t eventsvc .
#   docker run --rm eventsvc flask --app eventsvc db upgrade        # migrations: a separate command
#   docker run eventsvc                                             # a web server on :8000
#   docker run eventsvc celery -A eventsvc.worker worker            # a task worker
# compose.yaml wires them together; docs/deploy.md explains the process model.

# --- build: every dependency as a wheel, the translation catalogs compiled ---------------------------
FROM python:3.11-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY eventsvc/ eventsvc/
RUN pip wheel --no-cache-dir --wheel-dir /wheels . && rm /wheels/eventsvc-*.whl
RUN pip install --no-cache-dir --no-index --find-links /wheels /wheels/*.whl
COPY scripts/i18n.py scripts/i18n.py
COPY babel.cfg ./
RUN python scripts/i18n.py compile

# --- runtime: the wheels installed, the project's folders, a user without privileges -------------------
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    FLASK_APP=eventsvc \
    EVENTSVC_ENV=production \
    EVENTSVC_STORAGE_DIR=/data/storage \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus
# lp, for print stations that print from the server to a CUPS queue (docs/door.md)
RUN apt-get update && apt-get install -y --no-install-recommends cups-client \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/eventsvc eventsvc \
    && mkdir -p /data/storage /app/instance \
    && chown eventsvc:eventsvc /data/storage /app/instance
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels /wheels/*.whl && rm -rf /wheels
WORKDIR /app
COPY --from=build /src/eventsvc/ eventsvc/
COPY config/ config/
COPY templates/ templates/
COPY static/ static/
COPY migrations/ migrations/
COPY deploy/gunicorn.conf.py deploy/gunicorn.conf.py
USER eventsvc
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "eventsvc.wsgi:app"]
