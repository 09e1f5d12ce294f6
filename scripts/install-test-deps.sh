#!/usr/bin/env bash
# Installs the system packages the tests need beyond a Swift toolchain, each in its own
# section. Idempotent: a section does nothing when its tools are already there.
set -euo pipefail

apt_install() {
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
            echo "install-test-deps: need root to install $* (Debian: apt-get install $*)" >&2
            return 1
        fi
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "install-test-deps: no apt-get here; install $* by hand" >&2
        return 1
    fi
    echo "install-test-deps: installing $*" >&2
    # Another apt run (a neighbouring job) may hold the lock: wait for it instead of failing.
    $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- MinGW-w64 + wine: the Windows (--target mingw) verifier ------------------------------
# Cross compilers ~660 MB, wine64 ~700 MB installed; about a minute on a fast mirror.
want=()
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || want+=(gcc-mingw-w64-x86-64)
command -v x86_64-w64-mingw32-g++ >/dev/null 2>&1 || want+=(g++-mingw-w64-x86-64)
if ! command -v wine64 >/dev/null 2>&1 && [ ! -x /usr/lib/wine/wine64 ]; then want+=(wine wine64); fi

# --- openssh: the remote build verifier's tests start their own sshd on loopback ----------
if ! command -v ssh >/dev/null 2>&1 || ! command -v ssh-keygen >/dev/null 2>&1 || [ ! -x /usr/sbin/sshd ]; then
    want+=(openssh-server openssh-client)
fi

# --- chromium: the dashboard's tests drive a real headless browser ------------------------
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then want+=(chromium); fi

# --- strace: the trackers' test checks that nothing they do connects off the machine -------
command -v strace >/dev/null 2>&1 || want+=(strace)

if [ ${#want[@]} -gt 0 ]; then apt_install "${want[@]}"; fi

# --- the rootless jail's tests: an unprivileged user (useradd, runuser, setpriv), uidmap, venvs --
# RootlessJailTests makes venvs from the system Python (python3 -m venv needs ensurepip).
want=()
command -v useradd >/dev/null 2>&1 || [ -x /usr/sbin/useradd ] || want+=(passwd)
{ command -v runuser >/dev/null 2>&1 || [ -x /usr/sbin/runuser ]; } && command -v setpriv >/dev/null 2>&1 || want+=(util-linux)
if [ -x /usr/bin/python3 ] && ! /usr/bin/python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then want+=(python3-venv); fi
# newuidmap/newgidmap: each run of an ordinary user with an /etc/subuid range gets its own uid.
{ command -v newuidmap >/dev/null 2>&1 && command -v newgidmap >/dev/null 2>&1; } || want+=(uidmap)
if [ ${#want[@]} -gt 0 ]; then apt_install "${want[@]}"; fi

# --- ruff: the Python linter of scripts/lint.sh (one static binary from PyPI, ~12 MB) ------
# Installed beside halo-forge's caches, not into the system Python or the worker's venv.
ruff_home="${XDG_CACHE_HOME:-$HOME/.cache}/halo-forge/ruff"
if ! command -v ruff >/dev/null 2>&1 && [ ! -x "$ruff_home/bin/ruff" ]; then
    echo "install-test-deps: installing ruff into $ruff_home" >&2
    python3 -m pip install --quiet --disable-pip-version-check --target "$ruff_home" "ruff>=0.6" \
        || echo "install-test-deps: could not install ruff (no network?); scripts/lint.sh says so" >&2
fi
