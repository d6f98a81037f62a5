# Team Push: the production install of README.md ("Production install") in an image. The steps are the
# ones test/productionInstall.test.ts runs: `npm ci && npm run build` with the sources and dev tools, then
# package.json, package-lock.json, scripts/start.mjs and dist/ with `npm ci --omit=dev`, started by what
# `npm start` runs. (Not built or run on the development machine, which has no container runtime.)

ARG NODE_VERSION=20

# 1. Build: sources, dev dependencies, and the C++ toolchain better-sqlite3 compiles with (in the full image).
FROM node:${NODE_VERSION}-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# 2. Production dependencies only (better-sqlite3 compiled here, for the same Node and Debian as the runtime).
FROM node:${NODE_VERSION}-bookworm AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# 3. Runtime: no sources, no dev dependencies, no compiler; runs as the unprivileged `node` user.
FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/app/data \
    DATABASE_URL=sqlite:/app/data/app.sqlite
WORKDIR /app
COPY --chown=root:root package.json package-lock.json ./
COPY --chown=root:root scripts/start.mjs scripts/start.mjs
COPY --from=dependencies --chown=root:root /app/node_modules node_modules
COPY --from=build --chown=root:root /src/dist dist
# The embedded SQLite default keeps its database and generated key here (mount a volume on it).
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# What `npm start` runs, without npm in between: the signals (SIGTERM on stop) reach the server itself.
CMD ["node", "scripts/start.mjs"]
