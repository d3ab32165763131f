# A stand-in for the public redis:7 image: Debian's redis-server 7.0, run the way the official image runs it (user
# redis in /data, no config file, every address, protected mode off). Built by base-images.sh.
ARG BASE_IMAGE=local/debian:bookworm
FROM ${BASE_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data \
 && chown redis:redis /data
COPY redis-entrypoint.sh /usr/local/bin/redis-entrypoint.sh
WORKDIR /data
USER redis
EXPOSE 6379
ENTRYPOINT ["bash", "/usr/local/bin/redis-entrypoint.sh"]
CMD ["redis-server"]
