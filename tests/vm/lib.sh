# tests/vm/lib.sh - shared by prepare.sh and run.sh (sourced from bash).
# The guest kernel and initramfs are cached outside the repository.
# shellcheck disable=SC2034
VM_CACHE=${LIBCONTAINER_VM_CACHE:-/var/cache/libcontainer-vm}

vm_die() { echo "tests/vm: error: $*" >&2; exit 1; }
vm_log() { echo "tests/vm: $*" >&2; }

# vm_modules MODDIR NAME... : paths (relative to MODDIR, as in modules.dep) of the named modules and
# their dependencies, dependencies first; built-in modules are skipped; '-' and '_' are the same.
vm_modules() {
  local dir=$1; shift
  local -A done_=()
  _vm_one() {
    local name=$1 pat line mod dep
    pat=${name//[-_]/[-_]}
    line=$(grep -E "(^|/)${pat}\.ko(\.(xz|zst|gz))?:" "$dir/modules.dep" | head -1) || true
    if [ -z "$line" ]; then
      grep -qE "(^|/)${pat}\.ko$" "$dir/modules.builtin" 2>/dev/null && return 0
      echo "tests/vm: error: no module '$name' in $dir" >&2; return 1
    fi
    mod=${line%%:*}
    [ -z "${done_[$mod]:-}" ] || return 0
    done_[$mod]=1
    for dep in ${line#*:}; do dep=${dep##*/}; _vm_one "${dep%%.ko*}" || return 1; done
    echo "$mod"
  }
  local n
  for n in "$@"; do _vm_one "$n" || return 1; done
}
