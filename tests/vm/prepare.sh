#!/bin/bash
# tests/vm/prepare.sh [-f] - build once what run.sh boots: Debian's current amd64 kernel, booted with
# cgroup_no_v1=all (a pure cgroup v2 system, which this development host is not), and a busybox initramfs.
# Output, outside the repository: $VM_CACHE/<kernel version>/{vmlinuz,initrd.gz,lib/modules/...} and
# $VM_CACHE/current -> <kernel version>  (VM_CACHE: $LIBCONTAINER_VM_CACHE or /var/cache/libcontainer-vm).
#   -f  rebuild even if the current kernel version is prepared
# Needs root and the Debian archive (apt-get install qemu-system-x86 if missing, apt-get download the kernel).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"
FORCE=0
while getopts 'fh' o; do case $o in f) FORCE=1;; *) sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# //'; exit 2;; esac; done
[ "$(id -u)" = 0 ] || vm_die "must run as root"
[ "$(uname -m)" = x86_64 ] || vm_die "only x86_64 hosts are supported"
T0=$(date +%s)

if ! command -v qemu-system-x86_64 >/dev/null; then
  vm_log "installing qemu-system-x86"
  env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends \
    qemu-system-x86 >/dev/null || vm_die "apt-get install qemu-system-x86 failed"
fi
command -v dpkg-deb >/dev/null || vm_die "dpkg-deb missing"

# the versioned package the linux-image-amd64 meta package points at (e.g. linux-image-6.1.0-NN-amd64)
KPKG=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-amd64$/ {print $2; exit}')
[ -n "$KPKG" ] || vm_die "cannot resolve the kernel package of linux-image-amd64 (apt-get update?)"
KVER=${KPKG#linux-image-}
OUT=$VM_CACHE/$KVER
if [ "$FORCE" = 0 ] && [ -s "$OUT/vmlinuz" ] && [ -s "$OUT/initrd.gz" ] && [ -s "$OUT/lib/modules/$KVER/modules.dep" ]; then
  ln -sfn "$KVER" "$VM_CACHE/current"
  vm_log "kernel $KVER already prepared in $OUT"; exit 0
fi

mkdir -p "$VM_CACHE"
TMP=$(mktemp -d "$VM_CACHE/.prepare.XXXXXX")
trap 'rm -rf --one-file-system "$TMP"' EXIT
cd "$TMP"
vm_log "downloading $KPKG"
apt-get -q -o APT::Sandbox::User=root download "$KPKG" > apt.log 2>&1 || { cat apt.log >&2; vm_die "apt-get download $KPKG failed"; }
dpkg-deb -x "$KPKG"_*.deb pkg
mkdir -p out/lib/modules
cp pkg/boot/vmlinuz-"$KVER" out/vmlinuz
mv pkg/lib/modules/"$KVER" out/lib/modules/
MD=out/lib/modules/$KVER
# busybox insmod loads plain .ko files only
find "$MD" -name '*.ko.xz' -exec xz -d {} +
find "$MD" -name '*.ko.zst' -exec zstd -q -d --rm {} +

# the initramfs needs a static busybox: the host's when it is one, else busybox-static's
BB=/bin/busybox
case $(ldd "$BB" 2>&1 || true) in
  *'not a dynamic executable'*) ;;
  *) vm_log "downloading busybox-static"
     apt-get -q -o APT::Sandbox::User=root download busybox-static >> apt.log 2>&1 || vm_die "apt-get download busybox-static failed"
     dpkg-deb -x busybox-static_*.deb bb; BB=$TMP/bb/bin/busybox;;
esac
"$BB" depmod -b "$TMP/out" "$KVER" || vm_die "depmod failed"
[ -s "$MD/modules.dep" ] || vm_die "depmod wrote no modules.dep"

mkdir -p ird/bin ird/proc ird/sys ird/dev ird/newroot ird/modules
cp "$BB" ird/bin/busybox
cp "$HERE/initramfs-init" ird/init; chmod 755 ird/init
: > ird/modules/order
for m in $(vm_modules "$MD" virtio_pci 9pnet_virtio 9p); do
  cp "$MD/$m" ird/modules/; echo "/modules/${m##*/}" >> ird/modules/order
done
(cd ird && find . | "$BB" cpio -o -H newc 2>/dev/null) | gzip -9 > out/initrd.gz

rm -rf --one-file-system "$OUT"
mv out "$OUT"
ln -sfn "$KVER" "$VM_CACHE/current"
vm_log "prepared kernel $KVER in $OUT in $(( $(date +%s) - T0 ))s ($(du -sh "$OUT" | cut -f1))"
