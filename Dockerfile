# faceauth-shim: the service in a container (docs/operations.md, "Install").
#   docker build -t faceauth-shim .
#   cp deploy/faceauth-shim.env.example faceauth-shim.env && chmod 600 faceauth-shim.env
#     (then replace every CHANGE-ME in it: it holds the settings and their secrets)
#   docker run -d -p 8080:8080 -v faceauth-data:/data --env-file faceauth-shim.env faceauth-shim

# The Node release of .nvmrc, exactly (test/deploy/deploy-files.test.ts checks that they
# agree): the image runs what the project is developed and tested on. Pinned by version, not
# by digest: no image registry is reachable from where this file is written and tested, so no
# digest could be checked here. To pin the digest too, write the one your registry gives
# (`docker buildx imagetools inspect node:24.22.3-slim`) as node:24.22.3-slim@sha256:...

# Build: the compiler and dev dependencies stay in this stage.
FROM node:24.22.3-slim AS build
WORKDIR /app
# The dependencies first, in a layer of their own: a change in src/ does not reinstall them.
# --ignore-scripts: the build is the step below (npm's prepare would need src/ now), and no
# dependency needs an install script (better-sqlite3 ships its binaries, see package.json
# "allowScripts").
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src src
RUN npm run build

# Run: production dependencies, the built service and the mapping tables; no compiler.
FROM node:24.22.3-slim
ENV NODE_ENV=production \
    PORT=8080 \
    DATABASE_URL=sqlite:/data/faceauth-shim.db
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# /data is the service's own (raw webhook bodies, Incode's tokens included): 0700.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force \
    && mkdir -p /data && chown node:node /data && chmod 0700 /data
COPY --from=build /app/dist dist
COPY mappings mappings
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
