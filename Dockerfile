# Miroir in a container: the bot (python -m bot run) as an unprivileged user, its SQLite
# database in the /data volume, its settings from an env file:
#   docker build -t miroir .
#   docker run -d --name miroir --restart unless-stopped \
#     --env-file miroir.env -v miroir-data:/data miroir
# (miroir.env holds BOT_TOKEN=... and the other settings of .env.example.)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /opt/miroir
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY scheduler ./scheduler
RUN pip install ".[postgres]" \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin miroir \
    && mkdir -p /data && chown miroir:miroir /data && chmod 0700 /data

USER miroir
WORKDIR /data
ENV DATABASE_URL=sqlite+aiosqlite:////data/miroir.db \
    MPLCONFIGDIR=/tmp/matplotlib
VOLUME ["/data"]
# Only used when set: WEBHOOK_PORT (webhook mode) and HEALTH_PORT (/healthz, /metrics;
# set HEALTH_LISTEN=0.0.0.0 to reach it from outside the container).
EXPOSE 8443

# Healthy when HEALTH_PORT is unset (nothing to ask) or /healthz answers 200.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('HEALTH_PORT'); sys.exit(0 if not port else urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=5).status != 200)"]

# SIGTERM (docker stop): the bot finishes what is in flight, then exits; give it the time.
STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot", "run"]
