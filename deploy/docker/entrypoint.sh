#!/bin/sh
# barrage image entrypoint: `barrage controller|agent|sample-target ARGS...`.
# `exec` replaces this shell with node, so signals (docker stop's SIGTERM) reach node directly.
set -e
case "${1:-}" in
  controller)
    shift
    exec node /app/packages/controller/src/cli/main.ts "$@" ;;
  agent|sample-target)
    bin="$1"; shift
    exec node "/app/packages/$bin/src/cli.ts" "$@" ;;
  node|sh|bash|npm)
    exec "$@" ;;
  ""|-h|--help|help)
    echo "usage: barrage controller|agent|sample-target [ARGS...]" >&2; exit 0 ;;
  *)
    echo "barrage: unknown command '$1' (controller, agent, sample-target)" >&2; exit 64 ;;
esac
