# Production image: the compiled `remise` binary on a slim Debian base.
# Written from the Deno and Docker documentation; no Docker engine runs in the environment
# where Remise is developed, so this file has not been built there (see README).
FROM denoland/deno:2.9.6 AS build
WORKDIR /src
COPY deno.json deno.lock ./
COPY server ./server
COPY shared ./shared
COPY console ./console
RUN deno task compile

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
  && rm -rf /var/lib/apt/lists/* \
  && useradd --system --home /var/lib/remise remise \
  && mkdir -p /var/lib/remise && chown remise /var/lib/remise
COPY --from=build /src/dist/remise /usr/local/bin/remise
USER remise
VOLUME /var/lib/remise
# S3 API, peer RPC, websites, admin API + console
EXPOSE 3900 3901 3902 3903
ENTRYPOINT ["/usr/local/bin/remise", "-c", "/etc/remise.toml"]
CMD ["server"]
