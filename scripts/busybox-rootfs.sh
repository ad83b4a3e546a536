#!/bin/bash
# busybox-rootfs.sh DEST: a minimal root filesystem (Debian's static busybox, its applet
# symlinks, /etc/passwd and /etc/group) used by `make demo`, the tests and the benchmark.
# Idempotent: re-running refreshes DEST.
set -euo pipefail
DEST=${1:?usage: busybox-rootfs.sh DEST}
BB=/bin/busybox
is_static() { [ -x "$BB" ] && case $(ldd "$BB" 2>&1 || true) in *'not a dynamic executable'*|*'statically linked'*) true;; *) false;; esac; }
if ! is_static; then
  echo "busybox-rootfs: installing busybox-static" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q busybox-static >/dev/null
  is_static || { echo "busybox-rootfs: $BB is not a static busybox" >&2; exit 1; }
fi
mkdir -p "$DEST"
cd "$DEST"
mkdir -p bin etc proc sys dev tmp root run var/tmp home
chmod 1777 tmp var/tmp
cp -f "$BB" bin/busybox
for a in $(bin/busybox --list); do [ "$a" = busybox ] || ln -sfn busybox "bin/$a"; done
mkdir -p usr/bin sbin usr/sbin
ln -sfn /bin/busybox usr/bin/env
cat > etc/passwd <<'P'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
P
cat > etc/group <<'G'
root:x:0:
daemon:x:1:
tty:x:5:
nogroup:x:65534:
G
: > etc/hostname; : > etc/hosts; : > etc/resolv.conf
echo "busybox-rootfs: $DEST ready ($(ls bin | wc -l) entries in /bin)"
