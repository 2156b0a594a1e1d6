# faceauth-shim: the service in a container (docs/operations.md, "Install").
#   docker build -t faceauth-shim .
#   docker run -p 8080:8080 -v faceauth-data:/data \
#     -e CALLBACK_URL=https://auth.example.com/incode/callback \
#     -e INBOUND_HEADER_NAME=X-Incode-Key -e INBOUND_HEADER_VALUE=... faceauth-shim

# Build: the compiler and dev dependencies stay in this stage.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc tsconfig.json tsconfig.build.json ./
COPY scripts/prepare.mjs scripts/prepare.mjs
COPY src src
RUN npm ci --no-audit --no-fund

# Run: production dependencies, the built service and the mapping tables; no compiler.
FROM node:24-slim
ENV NODE_ENV=production \
    PORT=8080 \
    DATABASE_URL=sqlite:/data/faceauth-shim.db
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY scripts/prepare.mjs scripts/prepare.mjs
COPY --from=build /app/dist dist
COPY mappings mappings
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force \
    && mkdir -p /data && chown node:node /data
# The SQLite file (and its -wal and -shm files) live here: keep it on a volume.
VOLUME ["/data"]
USER node
EXPOSE 8080
# Ready means a webhook would be stored now (GET /readyz); node:24-slim has no curl.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM stops it cleanly within SHUTDOWN_GRACE (10 s): give `docker stop` longer (-t 20).
STOPSIGNAL SIGTERM
CMD ["node", "--max-semi-space-size=2", "--heap-growing-percent=50", "dist/cli.js", "serve"]
