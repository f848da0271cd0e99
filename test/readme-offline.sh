#!/usr/bin/env bash
# Runs every fenced block of README.md whose info string is `sh offline`, as
# written and in order, each in a fresh bash from the repository root: the
# README's offline commands must work verbatim on a fresh clone.
# Usage: test/readme-offline.sh [README.md]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
readme=${1:-README.md}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One file per block, named by its first line in the README.
awk -v dir="$tmp" '
  /^```sh offline[[:space:]]*$/ { n++; f = sprintf("%s/%03d-%d.sh", dir, n, NR + 1); inb = 1; next }
  inb && /^```/ { inb = 0; close(f); next }
  inb { print > f }
' "$readme"

shopt -s nullglob
blocks=("$tmp"/*.sh)
((${#blocks[@]})) || { echo "$readme: no \`sh offline\` block found" >&2; exit 1; }
failed=0
for b in "${blocks[@]}"; do
  line=${b##*-}; line=${line%.sh}
  printf '\n==> %s:%s\n' "$readme" "$line"
  sed 's/^/    /' "$b"
  start=$SECONDS
  if bash -eo pipefail "$b"; then
    printf '==> %s:%s ok (%ds)\n' "$readme" "$line" $((SECONDS - start))
  else
    printf '==> %s:%s FAILED: the block above does not run as written\n' "$readme" "$line" >&2
    failed=$((failed + 1))
  fi
done
passed=$((${#blocks[@]} - failed))
echo "readme-offline: $passed passed, $failed failed"
((failed == 0))
