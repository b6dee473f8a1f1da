#!/usr/bin/env bash
# Ensure the virtual environment NAME (rasa | svc) exists and matches its lock file.
#
# Environments live in a cache directory keyed on the lock's hash, and .venv/NAME is a
# symlink to the current one: a second `make test`, or a fresh clone on the same
# machine, reuses the environment instead of reinstalling ~3 GB. Locks are installed
# with --no-deps (no resolution), as docs/architecture.md and the Rasa-on-3.11 notes say.
set -euo pipefail

name="$1"
root="$(cd "$(dirname "$0")/.." && pwd)"
case "$name" in
  rasa) lock="$root/requirements/rasa.lock" ;;
  svc)  lock="$root/requirements/services.lock" ;;
  *) echo "usage: $0 rasa|svc" >&2; exit 2 ;;
esac
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null || python=python3
pyver="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
tools=("pip==24.2" "setuptools==69.5.1" "wheel==0.44.0")
hash="$( (cat "$lock"; echo "$pyver ${tools[*]}") | sha256sum | cut -c1-16)"
cache="${CLAIMS_VENV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/claim-assistant/venvs}"
target="$cache/$name-$hash"
link="$root/.venv/$name"

if [ ! -f "$target/.complete" ]; then
  echo ">> installing the $name environment into $target (lock changed or first run)"
  rm -rf "$target"
  mkdir -p "$cache"
  "$python" -m venv "$target"
  "$target/bin/python" -m pip install -q --upgrade "${tools[@]}" 2>&1 \
    | { grep -v "^WARNING: Location .file:" || true; }
  extra=()
  [ "$name" = rasa ] && extra=(--ignore-requires-python)
  "$target/bin/python" -m pip install -q --no-deps "${extra[@]}" -r "$lock" 2>&1 \
    | { grep -v "^WARNING: Location .file:" || true; }
  touch "$target/.complete"
fi
mkdir -p "$root/.venv"
if [ "$(readlink "$link" 2>/dev/null)" != "$target" ]; then
  rm -rf "$link"
  ln -s "$target" "$link"
fi
