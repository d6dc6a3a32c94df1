# Production image: Node 22 with the project's dependencies; settings come from the environment.
FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# glibc keeps one malloc arena per thread that allocates (libuv threads hashing passwords, V8 helper threads); two
# hold a campus-sso process 13-17 MB smaller at the same speed (README, Performance). npm start sets the same.
ENV MALLOC_ARENA_MAX=2
COPY package.json package-lock.json ./
# patch-package applies patches/ at install (exceljs: UTF-8 split across stream chunks).
COPY patches patches
RUN npm ci --omit=dev && npm cache clean --force
COPY bin bin
COPY config config
COPY migrations migrations
COPY public public
COPY src src
COPY views views
USER node
EXPOSE 3000
CMD ["node", "--disable-warning=ExperimentalWarning", "--experimental-async-context-frame", "--max-semi-space-size=8", "src/main.ts"]
