# The bot as one image: the same one runs in Azure Container Apps, App Service (custom container) or on a
# developer's machine (docker run -p 127.0.0.1:3978:8000 workshops; anonymous mode without MicrosoftAppId).
# Only the runtime requirements; no compilers, no test tools; runs as a user without privileges.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOST=0.0.0.0 \
    PORT=8000 \
    LOG_FORMAT=json \
    SQLITE_PATH=/app/data/workshops.sqlite3

WORKDIR /app
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin workshops \
    && mkdir -p /app/data && chown workshops /app/data

COPY requirements.txt ./
RUN pip install --no-compile -r requirements.txt

COPY app.py ./
COPY bot/ bot/
COPY cards/ cards/
COPY catalog/ catalog/
COPY dialogs/ dialogs/
COPY graph/ graph/
COPY runtime/ runtime/
COPY store/ store/
COPY tabs/ tabs/
COPY texts/ texts/
COPY workshops/ workshops/

USER workshops
EXPOSE 8000
# The process is up (/livez); readiness (/readyz, the store answers) is the orchestrator's probe.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/livez' % os.environ.get('PORT', '8000'), timeout=4)"]
# SIGTERM: the bot stops listening, finishes the turns in flight, then exits (SHUTDOWN_TIMEOUT_SECONDS).
STOPSIGNAL SIGTERM
CMD ["python", "app.py"]
