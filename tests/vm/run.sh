#!/bin/bash
# tests/vm/run.sh - run one command in a throw-away QEMU (TCG) guest with a pure cgroup v2 hierarchy,
# stream its output and exit with its status. Needs tests/vm/prepare.sh once.
#
# usage: run.sh [-C DIR] [-v VENV] [-k PATH]... [-w PATH]... [-m MODULE]... [-e VAR=VALUE]...
#               [-t SECONDS] [-M MEMORY_MB] [-S CPUS] CMD [ARG...]
#   -C DIR     working directory of CMD (default: the current directory)
#   -v VENV    put VENV/bin first on PATH (VIRTUAL_ENV=VENV)
#   -k PATH    keep a host path under /tmp visible in the guest (its /tmp is a fresh tmpfs); read-only
#   -w PATH    share host directory PATH read-write at the same path
#   -m MODULE  also insmod this kernel module and its dependencies (overlay is always loaded)
#   -e VAR=VAL set an environment variable for CMD
#   -t SECONDS wall-clock limit (default 900): the VM is killed and run.sh exits 124
#   -M MB      guest memory (default 1024)     -S CPUS  guest CPUs (default: host CPUs, at most 4)
#
# In the guest: the host's / read-only over 9p; tmpfs on /tmp, /run, /dev/shm; cgroup2 on /sys/fs/cgroup with
# every controller in the root's cgroup.controllers and none in its subtree_control; CMD runs as root in the
# root cgroup with LIBCONTAINER_VM=1, HOME=/tmp/home; no network but lo.
# Exit status: CMD's; 124 on timeout; 125 if the VM stopped without a status.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"
usage() { sed -n '5,16p' "${BASH_SOURCE[0]}" | sed 's/^# //'; }

WD=$PWD VENV='' TIMEOUT=900 MEM=1024 CPUS=$(( $(nproc) < 4 ? $(nproc) : 4 ))
KEEP=() RW=() MODS=(overlay) ENVS=()
while getopts 'C:v:k:w:m:e:t:M:S:h' o; do
  case $o in
    C) WD=$OPTARG;; v) VENV=$OPTARG;; k) KEEP+=("$OPTARG");; w) RW+=("$OPTARG");; m) MODS+=("$OPTARG");;
    e) [[ $OPTARG == [A-Za-z_]*=* ]] || vm_die "-e $OPTARG: expected VAR=VALUE"; ENVS+=("$OPTARG");;
    t) TIMEOUT=$OPTARG;; M) MEM=$OPTARG;; S) CPUS=$OPTARG;;
    h) usage; exit 0;; *) usage >&2; exit 2;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { usage >&2; exit 2; }
[ "$(id -u)" = 0 ] || vm_die "must run as root"
K=$VM_CACHE/current
[ -s "$K/vmlinuz" ] && [ -s "$K/initrd.gz" ] || vm_die "no prepared kernel in $K: run $HERE/prepare.sh first"
KVER=$(readlink "$K")
command -v qemu-system-x86_64 >/dev/null || vm_die "qemu-system-x86_64 missing: run $HERE/prepare.sh"
WD=$(realpath -e "$WD") || vm_die "-C: no such directory"
if [ -n "$VENV" ]; then VENV=$(realpath -e "$VENV") && [ -x "$VENV/bin/python" ] || vm_die "-v: not a venv"; fi
for p in "$WD" ${VENV:+"$VENV"}; do case $p in /tmp/*) KEEP+=("$p");; esac; done
for p in "${KEEP[@]}"; do case $p in /tmp/*) [ -e "$p" ] || vm_die "-k $p: no such path";; *) vm_die "-k $p: only paths under /tmp need -k";; esac; done
for p in "${RW[@]}"; do [ -d "$p" ] || vm_die "-w $p: not a directory"; done
[ ${#RW[@]} -le 8 ] || vm_die "at most 8 -w shares"

JOB=$(mktemp -d /tmp/libcontainer-vm.XXXXXX)
QPID=
cleanup() {
  local st=$?
  set +e
  if [ -n "$QPID" ]; then   # interrupted: kill qemu by the pid it wrote, then its timeout wrapper
    exec 2>/dev/null
    [ -s "$JOB/qemu.pid" ] && kill -KILL "$(cat "$JOB/qemu.pid")"
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$QPID" || break; sleep 0.2; done
    kill -KILL "$QPID"; wait "$QPID"
  fi
  rm -rf --one-file-system "$JOB"
  exit "$st"
}
trap cleanup EXIT
trap 'exit 130' INT; trap 'exit 143' TERM

sq() { printf "'%s'" "$(printf %s "$1" | sed "s/'/'\\\\''/g")"; }   # quote for /bin/sh
cp "$HERE/guest-init.sh" "$JOB/guest-init.sh"
printf '%s\n' "${KEEP[@]}" | sort -u | grep . > "$JOB/keep" || true
: > "$JOB/rw"; VIRTFS=()
for i in "${!RW[@]}"; do
  p=$(realpath -e "${RW[$i]}"); echo "rw$i $p" >> "$JOB/rw"
  VIRTFS+=(-virtfs "local,path=$p,mount_tag=rw$i,security_model=none,multidevs=remap")
done
vm_modules "$K/lib/modules/$KVER" "${MODS[@]}" | sed "s#^#$K/lib/modules/$KVER/#" > "$JOB/modules"
GPATH=${VENV:+$VENV/bin:}$PATH
{
  echo 'mkdir -p /tmp/home'
  echo "export PATH=$(sq "$GPATH") HOME=/tmp/home LANG=C.UTF-8 TERM=dumb LIBCONTAINER_VM=1 PYTHONDONTWRITEBYTECODE=1"
  [ -z "$VENV" ] || echo "export VIRTUAL_ENV=$(sq "$VENV")"
  for e in "${ENVS[@]}"; do echo "export ${e%%=*}=$(sq "${e#*=}")"; done
  echo "cd $(sq "$WD") || exit 125"
  printf 'exec'; for a in "$@"; do printf ' %s' "$(sq "$a")"; done; echo
} > "$JOB/job.sh"

T0=$(date +%s.%N)
timeout --foreground -k 5 "$TIMEOUT" qemu-system-x86_64 -accel tcg,thread=multi -cpu max -m "$MEM" -smp "$CPUS" \
  -nodefaults -no-user-config -nic none -display none -monitor none -serial stdio -no-reboot \
  -pidfile "$JOB/qemu.pid" -kernel "$K/vmlinuz" -initrd "$K/initrd.gz" \
  -append "console=ttyS0 panic=-1 quiet loglevel=3 cgroup_no_v1=all rdinit=/init mitigations=off tsc=reliable no_timer_check ${LIBCONTAINER_VM_APPEND:-}" \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
  -virtfs "local,path=$JOB,mount_tag=vmjob,security_model=none,multidevs=remap" \
  "${VIRTFS[@]}" < /dev/null > >(sed -u -e 's/\r$//' -e '/] reboot: Power down$/d') 2>&1 &
QPID=$!
QRC=0; wait "$QPID" || QRC=$?
QPID=
wait 2>/dev/null || true     # let the output filter drain
SECS=$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
if [ -s "$JOB/rc" ]; then
  RC=$(cat "$JOB/rc")
  vm_log "exit status $RC; boot+run+poweroff took ${SECS}s (kernel $KVER, TCG)"
  exit "$RC"
fi
if [ "$QRC" = 124 ] || [ "$QRC" = 137 ]; then vm_log "timed out after ${TIMEOUT}s"; exit 124; fi
vm_log "the VM stopped without an exit status (qemu status $QRC) after ${SECS}s"
exit 125
