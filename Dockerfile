FROM node:20-slim AS ui
WORKDIR /ui
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend ./
RUN npm run build

FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap \
    && rm -rf /var/lib/apt/lists/*
# The API runs as this unprivileged user; the worker service runs as root (see
# docker-compose.yml: bubblewrap starts as root and drops user code to nobody).
RUN useradd --system --create-home --uid 10001 heurist \
    && mkdir /data && chown heurist:heurist /data
WORKDIR /app
# CPU-only torch from PyTorch's CPU index, before the project: the default wheel pulls in
# gigabytes of CUDA libraries the workers never use ("2.13.0+cpu" satisfies the pin).
RUN pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
COPY pyproject.toml README.md ./
COPY api api
COPY config.py config.py
COPY formats formats
COPY store store
COPY services services
COPY heuristics heuristics
COPY workers workers
COPY client client
COPY --from=ui /ui/dist frontend/dist
RUN pip install --no-cache-dir .
ENV HEURIST_DATA_DIR=/data HEURIST_HOST=0.0.0.0
USER heurist
EXPOSE 8000
CMD ["heurist-server"]
