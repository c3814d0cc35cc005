# The portal's image: gunicorn (web), the Celery worker and Celery beat run from it; see docs/operations.md.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=otaportal.settings.base \
    OTA_VAR_DIR=/app/var \
    DJANGO_STATIC_ROOT=/app/static-root

WORKDIR /app
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home ota

# Dependencies first, pinned by the same constraints as development, so that code
# changes do not reinstall them. The editable install keeps templates/ and static/
# beside the code, where the settings look for them.
COPY pyproject.toml README.md ./
COPY requirements/constraints.txt requirements/constraints.txt
COPY otaportal otaportal
COPY catalog catalog
COPY devices devices
COPY rollouts rollouts
COPY webhooks webhooks
COPY approvals approvals
COPY audit audit
RUN pip install -c requirements/constraints.txt -e .

COPY templates templates
COPY static static
COPY manage.py ./
RUN mkdir -p /app/var /app/static-root && chown ota:ota /app/var /app/static-root

USER ota
EXPOSE 8000
# Persistent database connections (DATABASE_CONN_MAX_AGE, 60 s by default) are kept per worker.
CMD ["gunicorn", "otaportal.wsgi:application", "--bind", "0.0.0.0:8000", "--timeout", "300", \
     "--access-logfile", "-"]
