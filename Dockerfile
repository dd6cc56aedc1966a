# syntax=docker/dockerfile:1
#
# The App as one image, the same for every replica (docs/scale.md). From the repository root:
#   docker build -t repositori .
#   docker run -p 3000:3000 -v "$PWD/.env:/app/.env:ro" -v repositori-data:/app/data repositori
# With the defaults it keeps SQLite and the blobs in /app/data (mount a volume there); replicas set
# DATABASE_URL=postgres://… and BLOB_URL=s3://… instead, and need no volume.
#
# Give a container its GitHub App credentials (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET) as environment
# variables or as a mounted /app/.env, which the App reads at start (`docker run --env-file` does not
# unquote values, so it cannot carry the .env the one-click registration writes). Registering from
# inside a container writes /app/.env, which a new container loses. Only the App reads /app/.env: the
# HEALTHCHECK below takes PORT from the container's environment, so set PORT with `docker run -e PORT=…`
# (or your orchestrator's environment), not in .env, or the check asks the wrong port.

# Node 20 is the release line the App is tested on; package.json's engines asks for 20.19 or newer,
# and this tag follows the newest 20.x.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force \
 && mkdir -p /app/data && chown node:node /app /app/data
COPY --from=build /app/dist ./dist
COPY app.yml ./
USER node
EXPOSE 3000
# The load balancer's check too: 200 while the store answers, 503 otherwise. PORT comes from the
# container's environment (not from /app/.env), default 3000.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 3000}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
