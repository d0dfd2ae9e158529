#!/bin/sh
# Trains an AOT cache for the proxy during the image build: starts it on loopback with a deny-all
# policy, waits for its "zcproxy listening on" line, and stops it with SIGTERM; the JVM writes the
# cache as it exits. Usage: aot-training.sh <java> <jar> <cache>
set -eu
java=$1 jar=$2 cache=$3
work=$(mktemp -d)
printf 'listen: 127.0.0.1:0\nadmin: { listen: "127.0.0.1:0" }\npolicy: { file: policy.yaml }\n' >"$work/zcproxy.yaml"
printf 'anonymous: false\nrules: []\n' >"$work/policy.yaml"
"$java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
  -XX:AOTCacheOutput="$cache" -Djava.io.tmpdir="$work" \
  -jar "$jar" --config "$work/zcproxy.yaml" >"$work/log" 2>&1 &
pid=$!
tries=0
until grep -q 'zcproxy listening on' "$work/log"; do
  tries=$((tries + 1))
  if [ "$tries" -gt 600 ] || ! kill -0 "$pid" 2>/dev/null; then
    cat "$work/log" >&2
    kill -9 "$pid" 2>/dev/null || true
    exit 1
  fi
  sleep 0.1
done
kill -TERM "$pid"
wait "$pid" || true
if [ ! -s "$cache" ]; then
  cat "$work/log" >&2
  exit 1
fi
rm -rf "$work"
