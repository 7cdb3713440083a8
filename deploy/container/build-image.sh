#!/usr/bin/env bash
# Builds the Wharf container image without any registry: a Debian root from Debian's package
# mirror (debootstrap), a Java runtime made by jlink from the JDK running this script, and the
# jars of deploy/target/lib (built here if missing). Needs root (debootstrap), debootstrap,
# jlink and podman (or buildah, or docker: WHARF_BUILDER).
#
#   deploy/container/build-image.sh [TAG]      # default localhost/wharf:dev
#
# The Debian root is cached in deploy/target/image/rootfs-debian; delete it to refresh it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
TAG="${1:-localhost/wharf:dev}"
WORK="$ROOT/deploy/target/image"
DEBIAN_ROOT="$WORK/rootfs-debian"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
BUILDER="${WHARF_BUILDER:-podman}"
# The JDK modules Wharf and its libraries use (jdeps over deploy/target/lib), plus DNS and TLS.
MODULES=java.base,java.compiler,java.desktop,java.logging,java.management,java.naming,java.net.http,java.security.jgss,java.sql,java.xml,jdk.crypto.ec,jdk.httpserver,jdk.management,jdk.naming.dns,jdk.unsupported

if [[ ! -d "$ROOT/deploy/target/lib" ]]; then
  (cd "$ROOT" && ./mvnw -q -DskipTests install)
fi

mkdir -p "$WORK"
if [[ ! -x "$DEBIAN_ROOT/bin/sh" ]]; then
  echo "build-image: debootstrap of Debian bookworm (minbase) from $MIRROR ..." >&2
  rm -rf "$DEBIAN_ROOT.partial"
  debootstrap --variant=minbase bookworm "$DEBIAN_ROOT.partial" "$MIRROR" >&2
  # Package caches and lists are not needed at run time.
  rm -rf "$DEBIAN_ROOT.partial"/var/cache/apt/archives/*.deb "$DEBIAN_ROOT.partial"/var/lib/apt/lists/*
  mv "$DEBIAN_ROOT.partial" "$DEBIAN_ROOT"
fi

STAGE="$WORK/stage"
rm -rf "$STAGE" "$WORK/context"
mkdir -p "$STAGE/opt/wharf/bin" "$STAGE/opt/wharf/config" "$STAGE/etc/wharf" "$STAGE/var/lib/wharf" "$WORK/context"
echo "build-image: jlink runtime ($MODULES) ..." >&2
JLINK="${JAVA_HOME:+$JAVA_HOME/bin/}jlink"
"$JLINK" --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files --compress=2 \
  --output "$STAGE/opt/wharf/jre"
cp -r "$ROOT/deploy/target/lib" "$STAGE/opt/wharf/lib"
cp "$ROOT/deploy/container/wharf-node" "$STAGE/opt/wharf/bin/wharf-node"
cp "$ROOT/deploy/compose/controller.properties" "$ROOT/deploy/compose/broker.properties" "$STAGE/etc/wharf/"
chmod 755 "$STAGE/opt/wharf/bin/wharf-node"

# One tar of the Debian root with Wharf laid over it; the node's user owns only its data directory.
tar -C "$DEBIAN_ROOT" -cf "$WORK/context/rootfs.tar" .
tar -C "$STAGE" --owner=0 --group=0 -rf "$WORK/context/rootfs.tar" opt/wharf etc/wharf
tar -C "$STAGE" --owner=10001 --group=10001 -rf "$WORK/context/rootfs.tar" var/lib/wharf
cp "$ROOT/deploy/container/Containerfile" "$WORK/context/Containerfile"

echo "build-image: $BUILDER build -t $TAG ..." >&2
"$BUILDER" build -t "$TAG" -f "$WORK/context/Containerfile" "$WORK/context" >&2
echo "$TAG"
