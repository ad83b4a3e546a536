# Everything needed on a fresh Debian 12 machine, as root:
#   make demo   -- run a real container from a busybox rootfs built here
#   make test   -- lint and the whole test suite
SHELL := /bin/bash
# Debian's own interpreter when there is one: it is built with PGO and LTO and links libpython
# statically, so it starts ~4 ms sooner and runs the runtime's code ~20% faster than a
# --enable-shared build such as pyenv's, which may come first on PATH (docs/performance.md).
PYTHON ?= $(firstword $(wildcard /usr/bin/python3) python3)
VENV ?= .venv
PY := $(VENV)/bin/python
ROOTFS ?= build/rootfs
APT_PACKAGES := gcc python3-dev python3-venv busybox-static iproute2 libseccomp2 util-linux
PLUGINS := cgroupfs fs2 systemd intelrdt criu
# the engines tests/engines drives pyrunc through; their tests skip (saying so) when absent
ENGINE_PACKAGES := podman conmon containerd runc

.PHONY: all deps engines venv rootfs demo lint test unit integration vm-test bench clean

all: venv

# Debian packages, installed only when missing (apt-get update at most once).
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# deps order-only: a phony prerequisite would make every `make` (and vm-test's own) reinstall
$(VENV)/.installed: setup.cfg setup.py pyproject.toml $(wildcard native/*.c native/*.h) $(wildcard plugins/*/setup.cfg) tests/example_plugin/setup.cfg | deps
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip setuptools wheel
	$(PY) -m pip install -q -e '.[seccomp,test]'
	# compat: a plain sys.path .pth per plugin; the default (lenient) mode installs an import
	# finder for these flat layouts that costs every pyrunc process ~20 ms of start-up
	$(PY) -m pip install -q $(foreach p,$(PLUGINS),-e plugins/$(p)) -e tests/example_plugin \
	  --config-settings editable_mode=compat
	# the runtime's modules in one file, served by one finder (core/libcontainer/codecache.py)
	$(PY) -c 'from libcontainer import codecache; codecache.build()'
	touch $@

# best effort: without them (no network...) the engine tests are skipped with the reason
engines:
	@missing=""; for p in $(ENGINE_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) \
	    || echo "engines:$$missing not installed: tests/engines will be skipped"; \
	fi

venv: $(VENV)/.installed

rootfs: $(ROOTFS)/bin/busybox

$(ROOTFS)/bin/busybox: scripts/busybox-rootfs.sh | deps
	scripts/busybox-rootfs.sh $(ROOTFS)

demo: venv rootfs
	$(PY) scripts/demo.py --rootfs $(ROOTFS)

lint: venv
	$(VENV)/bin/ruff check core plugins tests scripts bench

unit: venv
	$(PY) -m pytest tests/unit -q

integration: venv rootfs
	LIBCONTAINER_TEST_ROOTFS=$(abspath $(ROOTFS)) $(PY) -m pytest tests/integration -q

test: venv rootfs lint engines
	LIBCONTAINER_TEST_ROOTFS=$(abspath $(ROOTFS)) $(PY) -m pytest tests -q -p no:cacheprovider
	$(MAKE) vm-test

# The fs2 (cgroup v2) suite in a QEMU guest with a pure v2 kernel, in one boot; skips (exit 0) with the
# reason when qemu or the kernel cannot be prepared. See docs/cgroup-v2.md.
vm-test: venv rootfs
	tests/vm/vm-test.sh $(abspath $(VENV)) $(abspath $(ROOTFS))

# pyrunc vs runc vs crun, interleaved; e.g. make bench BENCH_ARGS='-n 4 --density 20'. See bench/run.py.
bench: venv rootfs
	$(PY) bench/run.py --rootfs $(ROOTFS) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build core/*.egg-info core/libcontainer/*.so core/libcontainer/_finish
