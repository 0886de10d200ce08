# One image for every role: web (gunicorn), ws (daphne), migrate and worker.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 network
WORKDIR /app

COPY pyproject.toml README.md constraints.txt ./
# Every package of pyproject.toml (tests/network/test_deploy.py checks the list).
COPY common ./common
COPY notifications ./notifications
COPY members ./members
COPY forum ./forum
COPY lessons ./lessons
COPY events ./events
COPY library ./library
COPY network ./network
# The versions tested together (constraints.txt), not whatever is newest today.
RUN pip install -c constraints.txt .

COPY manage.py ./
COPY templates ./templates
COPY locale ./locale
# Compile translations and collect static files at build time. The key only
# satisfies the settings check during the build; it is never used at run time.
RUN pybabel compile --domain=django --directory=locale \
    && DEBUG=false ALLOWED_HOSTS=build SECRET_KEY=build-only-key-never-used-at-runtime-0123456789 \
       python manage.py collectstatic --noinput

# Library files live in a volume mounted here (docker-compose.yml, MEDIA_ROOT).
RUN mkdir -p /srv/media/library && chown -R network /srv/media

USER network
EXPOSE 8000 8001
CMD ["gunicorn", "network.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", \
     "--access-logfile", "-", "--forwarded-allow-ips", "*"]
