#!/bin/bash
# tests/vm/vm-test.sh VENV ROOTFS - `make vm-test`: prepare the guest if missing, run the pure cgroup v2
# suite (tests/vm/test_*.py) in ONE boot, print how many tests ran. When qemu or the kernel cannot be
# prepared (not root, not x86_64, no Debian archive), print why and exit 0: a skip, not a failure.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
VENV=$(realpath "${1:-$REPO/.venv}") ROOTFS=$(realpath "${2:-$REPO/build/rootfs}")
skip() { echo "vm-test: SKIPPED: $*"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root (qemu's 9p export of / and apt-get)"
[ "$(uname -m)" = x86_64 ] || skip "the guest kernel is Debian's amd64 one; this host is $(uname -m)"
[ -x "$ROOTFS/bin/busybox" ] || skip "no busybox rootfs at $ROOTFS (make rootfs)"
if ! "$HERE/prepare.sh" > /tmp/vm-test-prepare.$$.log 2>&1; then
  reason=$(grep -m1 'error:' /tmp/vm-test-prepare.$$.log || tail -1 /tmp/vm-test-prepare.$$.log)
  rm -f /tmp/vm-test-prepare.$$.log
  skip "cannot prepare the guest: ${reason:-unknown}"
fi
rm -f /tmp/vm-test-prepare.$$.log
LOG=$(mktemp /tmp/vm-test.XXXXXX)
trap 'rm -f "$LOG"' EXIT
"$HERE/run.sh" -t 600 -C "$REPO" -v "$VENV" -e LIBCONTAINER_TEST_ROOTFS="$ROOTFS" \
  python -m pytest tests/vm -q -p no:cacheprovider 2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}
summary=$(grep -E '^[0-9]+ (passed|failed)|^=+ .*(passed|failed)' "$LOG" | tail -1)
echo "vm-test: pure cgroup v2 guest: ${summary:-no pytest summary} (exit status $rc)"
exit "$rc"
