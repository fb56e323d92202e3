FROM node:20-slim AS ui
WORKDIR /ui
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend ./
RUN npm run build

FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY api api
COPY store store
COPY heuristics heuristics
COPY workers workers
COPY client client
COPY --from=ui /ui/dist frontend/dist
RUN pip install --no-cache-dir .
ENV HEURIST_DATA_DIR=/data HEURIST_HOST=0.0.0.0
EXPOSE 8000
CMD ["heurist-server"]
