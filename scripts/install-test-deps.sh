#!/usr/bin/env bash
# Installs the system packages some tests need; each block does nothing when its tools are there.
set -euo pipefail

apt_install() {
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    # Another apt run (a neighbouring job) may hold the lock: wait for it instead of failing.
    $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq "$@"
}

# --- openssh: the remote build verifier's tests start their own sshd on loopback ---
if ! command -v ssh >/dev/null 2>&1 || ! command -v ssh-keygen >/dev/null 2>&1 || [ ! -x /usr/sbin/sshd ]; then
    apt_install openssh-server openssh-client
fi
# --- end openssh ---
