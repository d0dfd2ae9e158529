#!/usr/bin/env bash
# Tests of infrastructure/kubeadm: shellcheck (-S style) on every script, then the bats unit
# tests and the SSH lab (root: it makes network namespaces). Prints the lab's figures and one
# plain line "N passed, N failed"; exits non-zero when anything failed.
set -Eeuo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kd=$(cd "$here/.." && pwd)
start=$SECONDS
passed=0 failed=0

mapfile -t scripts < <(find "$kd" -name '*.sh' -o -name '*.bats' | sort)
if (cd "$kd" && shellcheck -S style -x "${scripts[@]}"); then
  passed=$((passed + 1))
  echo "ok - shellcheck -S style on ${#scripts[@]} scripts"
else
  failed=$((failed + 1))
  echo "not ok - shellcheck -S style"
fi

figures=$(mktemp)
trap 'rm -f "$figures"' EXIT
for suite in unit lab; do
  tap=$(ZCP8_FIGURES=$figures bats --tap "$here/$suite.bats" 2>&1) || true
  printf '%s\n' "$tap"
  p=$(grep -c '^ok ' <<<"$tap" || true)
  f=$(grep -c '^not ok ' <<<"$tap" || true)
  planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' <<<"$tap" | head -1)
  # A suite that stops early (or never starts) counts its missing tests as failed.
  if [[ -z $planned ]]; then f=$((f + 1)); elif ((p + f < planned)); then f=$((planned - p)); fi
  passed=$((passed + p)) failed=$((failed + f))
done

if [[ -s $figures ]]; then
  echo "SSH lab figures (remote commands = SSH sessions per node; changing = calls of the recording doubles that change state):"
  sed 's/^/  /' "$figures"
fi
echo "infrastructure/kubeadm tests took $((SECONDS - start)) s"
echo "$passed passed, $failed failed"
((failed == 0))
