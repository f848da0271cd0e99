#!/usr/bin/env bash
# Runs every fenced block whose info string is `sh offline` in the given
# pages (default: README.md and docs/*.md), as written and in order, each in
# a fresh bash from the repository root: the docs' offline commands must work
# verbatim on a fresh clone.
#
# A block may be followed directly by a fenced block whose info string is
# `text output`: its sample of what the block prints. Every line of the
# sample must appear in the block's output (stdout and stderr), in order;
# `...` alone on a line stands for lines left out, and inside a line for any
# text; runs of spaces count as one. So a count the docs show (a plan's
# "Plan: N to add") is the one a real run prints.
# Usage: test/readme-offline.sh [PAGE.md ...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if (($# == 0)); then
  set -- README.md docs/*.md
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# fold: drop terminal colours, trim and squeeze spaces (table columns may
# widen).
fold() { sed -e $'s/\x1b\\[[0-9;]*m//g' -e 's/[[:space:]]\+/ /g' -e 's/^ //' -e 's/ $//'; }

# pattern turns a sample line into a glob: `...` matches any text, the rest
# is literal.
pattern() {
  local line=$1 out="" part
  while [[ $line == *...* ]]; do
    part=${line%%...*}
    [[ -n $part ]] && out+=$(printf '%q' "$part")
    out+='*'
    line=${line#*...}
  done
  [[ -n $line ]] && out+=$(printf '%q' "$line")
  printf '%s' "$out"
}

# check_sample SAMPLE OUTPUT: every sample line in the output, in order.
check_sample() {
  local want got i=0 pat
  mapfile -t want < <(fold <"$1")
  mapfile -t got < <(fold <"$2")
  for w in "${want[@]}"; do
    [[ -z $w || $w == "..." ]] && continue
    pat=$(pattern "$w")
    # shellcheck disable=SC2053 # $pat is a glob on purpose
    while ((i < ${#got[@]})) && [[ ${got[i]} != $pat ]]; do
      i=$((i + 1))
    done
    if ((i == ${#got[@]})); then
      printf '    the sample line\n      %s\n    is not in the output (in order)\n' "$w" >&2
      return 1
    fi
    i=$((i + 1))
  done
}

total=0
failed=0
for page in "$@"; do
  dir="$tmp/$(echo "$page" | tr / _)"
  mkdir -p "$dir"
  # One file per block, named by its first line on the page; its sample, if
  # one follows at once, beside it.
  awk -v dir="$dir" '
    /^```sh offline[[:space:]]*$/ { n++; f = sprintf("%s/%03d-%d.sh", dir, n, NR + 1); inb = 1; last = ""; next }
    inb && /^```/ { inb = 0; close(f); last = f; next }
    inb { print > f; next }
    last != "" && /^```text output[[:space:]]*$/ { s = last; sub(/\.sh$/, ".sample", s); ins = 1; last = ""; next }
    ins && /^```/ { ins = 0; close(s); next }
    ins { print > s; next }
    /[^[:space:]]/ { last = "" }
  ' "$page"
  shopt -s nullglob
  blocks=("$dir"/*.sh)
  shopt -u nullglob
  if ((${#blocks[@]} == 0)); then
    echo "$page: no \`sh offline\` block"
    continue
  fi
  for b in "${blocks[@]}"; do
    total=$((total + 1))
    line=${b##*-}
    line=${line%.sh}
    printf '\n==> %s:%s\n' "$page" "$line"
    sed 's/^/    /' "$b"
    start=$SECONDS
    out="${b%.sh}.out"
    set +e
    bash -eo pipefail "$b" 2>&1 | tee "$out"
    rc=${PIPESTATUS[0]}
    set -e
    sample="${b%.sh}.sample"
    if ((rc != 0)); then
      printf '==> %s:%s FAILED: the block above does not run as written\n' "$page" "$line" >&2
      failed=$((failed + 1))
    elif [[ -f $sample ]] && ! check_sample "$sample" "$out"; then
      printf '==> %s:%s FAILED: its output is not what the sample after it shows\n' "$page" "$line" >&2
      failed=$((failed + 1))
    else
      printf '==> %s:%s ok (%ds)\n' "$page" "$line" $((SECONDS - start))
    fi
  done
done
((total > 0)) || {
  echo "no \`sh offline\` block in $*" >&2
  exit 1
}
echo "readme-offline: $((total - failed)) passed, $failed failed"
((failed == 0))
