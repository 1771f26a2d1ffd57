# syntax=docker/dockerfile:1
# imply-runbooks: one image for the worker, the web server and the CLI.
#   docker build -t imply-runbooks .
#   docker run --rm imply-runbooks worker        (or: web, run lifecycle …, clusters list, --help)
# See docs/production.md ("Run with Docker") and docker-compose.yml.

# ---- build: install every dependency, bundle the workflow code, then drop the dev dependencies ----
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
# The image talks to a real Temporal server: no Temporal CLI download on npm ci, nor the tests' tools.
ENV IMPLY_RUNBOOKS_SKIP_TEMPORAL_INSTALL=1 \
    IMPLY_RUNBOOKS_SKIP_TEST_TOOLS_INSTALL=1 \
    npm_config_update_notifier=false
# Compilers for native modules (better-sqlite3) when no prebuilt binary fits this platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY scripts/install-temporal.js scripts/install-compose.js scripts/install-chromium.js ./scripts/
COPY scripts/tools ./scripts/tools
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY scripts ./scripts
# Workers load this file (IMPLY_RUNBOOKS_WORKFLOW_BUNDLE) instead of running webpack at every start.
RUN npx tsx scripts/bundle-workflows.ts dist/workflow-bundle.js \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: the sources run through tsx, as in a checkout; files owned by root, process by node ----
FROM node:20.20.2-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    IMPLY_RUNBOOKS_SKIP_TEMPORAL_INSTALL=1 \
    IMPLY_RUNBOOKS_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js \
    IMPLY_RUNBOOKS_LOG_FORMAT=json \
    IMPLY_RUNBOOKS_LOG_LEVEL=INFO
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY scripts ./scripts
COPY prices ./prices
COPY examples ./examples
# /data: the emulator's SQLite file (the compose file mounts a volume there).
RUN mkdir -p /data && chown node:node /data
USER node
# 8787 web server, 8080 emulator, 8081 worker health, 9464 worker Prometheus metrics.
EXPOSE 8787 8080 8081 9464
# Each service names its own /healthz in IMPLY_RUNBOOKS_HEALTHCHECK_URL; unset (CLI): always healthy.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "scripts/healthcheck.js"]
ENTRYPOINT ["node", "bin/imply-runbooks.js"]
CMD ["--help"]
