# syntax=docker/dockerfile:1
#
# duckdb-spawn for users who have Docker. Without a Docker engine, `duckdb-spawn image build`
# makes the same image from the binary itself (docs/cli/image-build.md). The two stay in
# step: same paths (/usr/local/bin/duckdb-spawn, /usr/local/lib/duckdb-spawn/libduckdb.so),
# same user (10001:10001), same environment, same entrypoint and health check;
# tests/meta/dockerfile.sh checks this file against the project's setup and the image config.

# --- builder: the project's own setup and build ---------------------------------------------
FROM debian:12-slim AS builder
WORKDIR /src
RUN apt-get update \
 && apt-get install -y --no-install-recommends make ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY . .
RUN scripts/setup-deps.sh --build-only \
 && cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DDS_WERROR=OFF -DCMAKE_INSTALL_PREFIX=/usr/local \
 && cmake --build /build --target duckdb-spawn -j"$(nproc)" \
 && DESTDIR=/out cmake --install /build

# --- runtime: only the libraries the binary links ------------------------------------------
FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        libmicrohttpd12 libcurl4 libjansson4 libssl3 zlib1g libstdc++6 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 duckdb \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin duckdb \
 && mkdir -p /data && chown 10001:10001 /data && chmod 0750 /data
COPY --from=builder /out/usr/local/ /usr/local/
ENV DATABASE_URL=/data/duckdb_spawn.db HOME=/data
USER 10001:10001
WORKDIR /data
VOLUME /data
EXPOSE 8000
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 \
    CMD ["/usr/local/bin/duckdb-spawn", "health"]
ENTRYPOINT ["/usr/local/bin/duckdb-spawn", "serve"]
