#!/usr/bin/env bash
# Builds halo-forge in release mode and installs it under a prefix (default ~/.local):
#   PREFIX/share/halo-forge/   the binary, its resource bundles, the model worker (python/),
#                              the shipped datasets, example configs and the LICENSE
#   PREFIX/bin/halo-forge      a link to the binary, which finds everything else from there
# The worker's Python environment and downloaded models live in ~/.cache/halo-forge (made on
# first use). `scripts/install.sh --uninstall [--prefix DIR]` removes what this script put there.
set -euo pipefail

usage() { echo "usage: scripts/install.sh [--prefix DIR] [--uninstall]"; }
prefix="$HOME/.local"
uninstall=0
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) [ $# -ge 2 ] || { usage >&2; exit 2; }; prefix="$2"; shift 2 ;;
        --prefix=*) prefix="${1#--prefix=}"; shift ;;
        --uninstall) uninstall=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "install.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
done
case "$prefix" in /*) ;; *) prefix="$PWD/$prefix" ;; esac
share="$prefix/share/halo-forge"
link="$prefix/bin/halo-forge"

if [ "$uninstall" -eq 1 ]; then
    # Only what install.sh made: the link (when it points into our share folder) and that folder.
    if [ -L "$link" ] && [ "$(readlink "$link")" = "../share/halo-forge/halo-forge" ]; then rm -f "$link"; fi
    rm -rf "$share"
    echo "removed $share and $link (the worker's environment and models stay in ${HALO_FORGE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/halo-forge})"
    exit 0
fi

cd "$(dirname "$0")/.."
swift build -c release --product halo-forge
bin="$(swift build -c release --show-bin-path)"

# Staged beside the old install and swapped in at the end, so a failed copy leaves the old one working.
staging="$share.new-$$"
rm -rf "$staging"
mkdir -p "$staging" "$prefix/bin"
trap 'rm -rf "$staging"' EXIT
cp "$bin/halo-forge" "$staging/halo-forge"
for bundle in "$bin"/*.resources; do cp -R "$bundle" "$staging/"; done
mkdir -p "$staging/python"
cp -R python/halo_forge_worker python/requirements.txt python/requirements-trackers.txt python/PROTOCOL.md "$staging/python/"
find "$staging/python" -name __pycache__ -type d -prune -exec rm -rf {} +
cp -R datasets configs LICENSE README.md "$staging/"
rm -rf "$share"
mv "$staging" "$share"
trap - EXIT
ln -sfn ../share/halo-forge/halo-forge "$link"

echo "installed halo-forge $("$link" --version) into $share"
echo "  $link -> ../share/halo-forge/halo-forge"
case ":$PATH:" in
    *":$prefix/bin:"*) ;;
    *) echo "  $prefix/bin is not on PATH: add  export PATH=\"$prefix/bin:\$PATH\"  to your shell's profile" ;;
esac
echo "  next: halo-forge test --level smoke; halo-forge model setup (the worker's Python environment)"
echo "  uninstall: scripts/install.sh --uninstall$( [ "$prefix" = "$HOME/.local" ] || echo " --prefix $prefix")"
