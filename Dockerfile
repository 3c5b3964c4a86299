# syntax=docker/dockerfile:1

# ---- build: install everything, compile TypeScript, then drop the dev dependencies ----
FROM node:24-bookworm-slim AS build
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
# The service and the tower-auth library package it uses (an npm workspace).
COPY package.json package-lock.json ./
COPY packages/tower-auth/package.json ./packages/tower-auth/package.json
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY packages/tower-auth/tsconfig.build.json ./packages/tower-auth/tsconfig.build.json
COPY packages/tower-auth/src ./packages/tower-auth/src
COPY src ./src
RUN npm run build && npm prune --omit=dev

# ---- runtime: compiled code and production dependencies only, as the unprivileged node user ----
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=8000
WORKDIR /app
# Code stays root-owned (read-only for the service); only the data folder (TOWER_DATA_DIR,
# default ./.data: generated development secret, embedded database) is writable.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# node_modules/tower-auth links to the workspace package: its manifest and build come along.
COPY --from=build /app/packages/tower-auth/package.json ./packages/tower-auth/package.json
COPY --from=build /app/packages/tower-auth/dist ./packages/tower-auth/dist
# The OpenAPI document's description and tags (dist/app/openapi reads ../../../docs/api.md).
COPY docs/api.md ./docs/api.md
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 8000
# Slim images have no curl: ask Node itself. /health also checks the database (503 when down).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/health', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
