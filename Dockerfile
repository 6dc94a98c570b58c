# addrmig as a service: the web app on port 8501, state in the database named by
# ADDRMIG_DATABASE_URL (see compose.yaml and the README's "Deploying for a team").
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A user of its own: the app never runs as root.
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin addrmig

WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt
COPY --chown=addrmig:addrmig . .

USER addrmig
# Caches (downloaded location lists) and, without ADDRMIG_DATABASE_URL, the sqlite database.
ENV ADDRMIG_DATA_DIR=/home/addrmig/data
EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).status != 200)"

CMD ["streamlit", "run", "app.py", "--server.address", "0.0.0.0", "--server.port", "8501", "--server.headless", "true"]
