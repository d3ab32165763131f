#!/usr/bin/env bash
# The official image builds Redis with protected mode off, so other containers reach it without a password; Debian's
# build keeps it on. Turn it off for `redis-server …` commands, first, so options given after it still win.
set -euo pipefail
if [ "${1:-}" = redis-server ]; then
  shift
  set -- redis-server --protected-mode no "$@"
fi
exec "$@"
