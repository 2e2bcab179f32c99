# shellcheck shell=bash
# Sourced (not executed) by the other compose/ scripts and by developers:
#   . compose/env.sh
# Sets ROOT (repository root) and DEPS (project-private dependencies, ignored by git),
# and puts the private librdkafka build and private tools first on the search paths.
# Safe under `set -u`; sourcing it twice does not add the same entries twice.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
DEPS="$ROOT/.deps"
export ROOT DEPS

# _giamngheo_prepend VAR DIR: put DIR first in the colon-separated VAR, once.
_giamngheo_prepend() {
    local var="$1" dir="$2" cur
    cur="${!var:-}"
    case ":$cur:" in
        *":$dir:"*) ;;                       # already there
        *) if [ -n "$cur" ]; then printf -v "$var" '%s:%s' "$dir" "$cur"; else printf -v "$var" '%s' "$dir"; fi ;;
    esac
    export "${var?}"
}

if [ -f "$DEPS/librdkafka/lib/pkgconfig/rdkafka.pc" ]; then
    _giamngheo_prepend PKG_CONFIG_PATH "$DEPS/librdkafka/lib/pkgconfig"
    _giamngheo_prepend LD_LIBRARY_PATH "$DEPS/librdkafka/lib"
fi
_giamngheo_prepend PATH "$DEPS/bin"
unset -f _giamngheo_prepend
