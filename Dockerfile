# syntax=docker/dockerfile:1
# Multi-stage image for the bot and the worker (same image, different command).

# --- build: install all dependencies and compile TypeScript ---
FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# --- runtime: compiled code + production dependencies, non-root ---
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    DATA_DIR=/app/data
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY --chown=node:node data ./data
USER node
# The CLIP model is downloaded to the transformers.js cache on first use; keep it in the volume.
ENV HF_HOME=/app/data/cache
ENTRYPOINT ["node", "bin/mrag.js"]
CMD ["start"]
