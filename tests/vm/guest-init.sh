#!/run/vm/bin/busybox sh
# PID 1 of the test guest (run.sh copies it into the job directory; the initramfs execs it).
# The root is the host's / over 9p, read-only. This makes a pure cgroup v2 system: /proc, /sys, cgroup2 on
# /sys/fs/cgroup (the kernel runs with cgroup_no_v1=all), tmpfs on /tmp and /dev/shm, devpts, lo up.
# Host paths listed in job/keep stay visible under the fresh /tmp; job/rw lists read-write 9p shares
# ("TAG PATH"); job/modules lists modules to insmod. Runs job/job.sh, stores its status in job/rc, powers off.
J=/run/vm/job
B=/run/vm/bin/busybox
export PATH=/run/vm/bin:/usr/sbin:/usr/bin:/sbin:/bin
$B mount -t proc proc /proc
$B mount -t sysfs sysfs /sys
$B mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
$B mkdir -p /dev/pts /dev/shm /dev/mqueue
$B mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts /dev/pts
$B mount -t tmpfs -o mode=1777,nosuid,nodev shm /dev/shm
$B mount -t mqueue mqueue /dev/mqueue
[ -e /dev/fd ] || $B ln -s /proc/self/fd /dev/fd
[ -e /dev/stdin ] || $B ln -s fd/0 /dev/stdin
[ -e /dev/stdout ] || $B ln -s fd/1 /dev/stdout
[ -e /dev/stderr ] || $B ln -s fd/2 /dev/stderr
# host paths under /tmp to keep: bind them aside, mount the tmpfs, move them back
n=0
while read -r p; do
  [ -n "$p" ] || continue
  $B mkdir -p /run/vm/keep/$n && $B mount --bind "$p" /run/vm/keep/$n && n=$((n + 1))
done < $J/keep
# no nodev: tests mknod device nodes into container rootfs copies under /tmp
$B mount -t tmpfs -o mode=1777,nosuid tmpfs /tmp
n=0
while read -r p; do
  [ -n "$p" ] || continue
  $B mkdir -p "$p" && $B mount --move /run/vm/keep/$n "$p"; n=$((n + 1))
done < $J/keep
while read -r tag p; do
  [ -n "$tag" ] || continue
  $B mkdir -p "$p" 2>/dev/null
  $B mount -t 9p -o trans=virtio,version=9p2000.L,msize=524288 "$tag" "$p" || echo "tests/vm: cannot mount $p"
done < $J/rw
left=$(cat $J/modules); pass=0
while [ -n "$left" ] && [ $pass -lt 10 ]; do
  next=""; for m in $left; do $B insmod "$m" 2>/dev/null || next="$next $m"; done
  left=$next; pass=$((pass + 1))
done
[ -z "$left" ] || echo "tests/vm: could not load modules:$left"
$B hostname libcontainer-vm
$B ip link set lo up
$B stty -F /dev/console -onlcr 2>/dev/null
/bin/sh $J/job.sh < /dev/null
echo $? > $J/rc
$B sync
$B poweroff -f
