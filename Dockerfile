# syntax=docker/dockerfile:1
# One multi-stage image for every mrag service (ingest, worker, bot: same image, different
# command). Node 26 is the Active LTS line since October 2026; Node 20 reached end of life on
# 2026-04-30.
ARG NODE_IMAGE=node:26-bookworm-slim

# --- build: install all dependencies and compile TypeScript ---
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# onnxruntime-node's install script would download CUDA files; the CPU binding ships in the package.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# --- runtime: compiled code + production dependencies, non-root ---
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    DATA_DIR=/app/data \
    KB_DIR=/kb
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY --chown=node:node data ./data
# Fonts: SVG figures and PDF pages are rasterised at ingest, and OCR reads the rendered text;
# without a font their labels would render as nothing.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /kb && chown node:node /app/data
USER node
# Models downloaded at run time go to the data volume, so they are fetched once.
ENV HF_HOME=/app/data/cache
ENTRYPOINT ["node", "bin/mrag.js"]
CMD ["start"]
