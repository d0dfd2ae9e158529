#!/usr/bin/env bats
# Expected remote commands are matched literally:
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR
# The SSH lab: three nodes (cp1, cp2 control-plane; wk1 worker) in network namespaces, each
# with its own sshd; the real `make` runs the real phase scripts over real ssh, and on the
# nodes kubeadm, kubectl, helm, apt-get, apt-mark, dpkg-query, systemctl, modprobe, sysctl,
# swapon/swapoff and curl are the recording test doubles of test/doubles. Needs root (netns).
# The tests build on each other in file order; teardown_file removes the lab whatever happens.

setup_file() {
  local d kd
  kd=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
  d=$(mktemp -d /tmp/zcp8-lab.XXXXXX)
  source "$BATS_TEST_DIRNAME/lab/lab.sh"
  lab_up "$d" cp1:control-plane cp2:control-plane wk1:worker
  declare -p LAB_DIR LAB_ID LAB_NETNS LAB_NODES | sed 's/^declare /declare -g /' >"$BATS_FILE_TMPDIR/lab.vars"
  sed -e "s#@LAB@#$d#g" -e "s#@FIXTURES@#$BATS_TEST_DIRNAME/fixtures#g" \
    "$BATS_TEST_DIRNAME/fixtures/lab-cluster.env.in" >"$d/cluster.env"
  # lab_up's own reachability probes are not part of any run.
  for n in "${LAB_NODES[@]}"; do : >"$d/nodes/$n/remote.log"; done
  mkdir "$d/client-tmp"
  echo "$kd" >"$BATS_FILE_TMPDIR/kd"
}

teardown_file() {
  source "$BATS_TEST_DIRNAME/lab/lab.sh"
  if [[ -f $BATS_FILE_TMPDIR/lab.vars ]]; then
    # shellcheck source=/dev/null
    source "$BATS_FILE_TMPDIR/lab.vars"
    lab_down
  fi
}

setup() {
  source "$BATS_TEST_DIRNAME/lab/lab.sh"
  # shellcheck source=/dev/null
  source "$BATS_FILE_TMPDIR/lab.vars"
  KD=$(cat "$BATS_FILE_TMPDIR/kd")
  OUT=$BATS_FILE_TMPDIR
  [ "${#LAB_NODES[@]}" -eq 3 ]
  [ -d "$LAB_DIR/nodes" ]
}

# lab_make TARGET [VAR=VALUE...]: the real make, in the client namespace, against the lab.
lab_make() {
  lab_run env TMPDIR="$LAB_DIR/client-tmp" make -C "$KD" --no-print-directory "$@" INVENTORY="$LAB_DIR/inventory" \
    CLUSTER_ENV="$LAB_DIR/cluster.env" LOG_DIR="$LAB_DIR/logs"
}

# mutating NODE: how many calls to the doubles on NODE changed something.
mutating() { grep -c '"mutating": true' "$LAB_DIR/nodes/$1/journal.jsonl" || true; }

# first_line NODE PATTERN: line number of the first remote command on NODE matching PATTERN.
first_line() { grep -n -m1 -F -- "$2" "$LAB_DIR/nodes/$1/remote.log" | cut -d: -f1; }

# first_ns NODE TOOL WORD: journal timestamp (ns) of NODE's first TOOL call whose argv has WORD.
first_ns() {
  /usr/bin/python3 - "$LAB_DIR/nodes/$1/journal.jsonl" "$2" "$3" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    j = json.loads(line)
    if j["tool"] == sys.argv[2] and sys.argv[3] in j["argv"]:
        print(j["ns"]); break
PY
}

# etc_snapshot: every file the nodes' overlays hold, with mode and content digest.
etc_snapshot() {
  (cd "$LAB_DIR/nodes" && find . -path '*/etc-upper/*' -type f -printf '%p %m ' -exec sha256sum {} \; | sort)
}

@test "make plan runs nothing on any node and shows the secrets as <redacted>" {
  run lab_make plan
  [ "$status" -eq 0 ] || { echo "$output"; return 1; }
  printf '%s\n' "$output" >"$OUT/plan.out"
  for n in "${LAB_NODES[@]}"; do
    [ ! -s "$LAB_DIR/nodes/$n/remote.log" ] || { echo "$n got a session"; return 1; }
    [ ! -s "$LAB_DIR/nodes/$n/journal.jsonl" ] || { echo "$n ran a double"; return 1; }
  done
  [[ $output == *'certificateKey: "<redacted>"'* ]]
  [[ $output == *'[wk1] act: umask 077; f=$(mktemp)'* ]]
}

@test "make all builds the cluster over real SSH" {
  run lab_make all
  printf '%s\n' "$output" >"$OUT/run1.out"
  [ "$status" -eq 0 ] || { echo "$output" | tail -40; return 1; }
  for p in preflight runtime packages vip init join-control-plane join-workers cni multus app verify; do
    [[ $output == *"[$p] phase done"* ]] || { echo "phase $p did not finish"; return 1; }
  done
  for n in "${LAB_NODES[@]}"; do
    printf 'run1 %s remote_commands=%s double_calls=%s changing=%s\n' "$n" "$(wc -l <"$LAB_DIR/nodes/$n/remote.log")" \
      "$(wc -l <"$LAB_DIR/nodes/$n/journal.jsonl")" "$(mutating "$n")" >>"$OUT/figures"
    wc -l <"$LAB_DIR/nodes/$n/remote.log" >"$OUT/remote1.$n"
    mutating "$n" >"$OUT/mut1.$n"
  done
  cp "$OUT/figures" "${ZCP8_FIGURES:-/dev/null}" 2>/dev/null || true
}

@test "phases ran in order on every node" {
  local -a order=('modules-load.d/zcproxy-k8s.conf' 'containerd/config.toml' 'sources.list.d/kubernetes.list')
  for n in "${LAB_NODES[@]}"; do
    local prev=0 sig l
    local -a sigs=("${order[@]}")
    [[ $n == cp* ]] && sigs+=('manifests/kube-vip.yaml.zk-new')
    [[ $n == cp1 ]] && sigs+=('kubeadm init --config' 'tigera-operator.yaml' 'multus-daemonset-thick.yml' 'upgrade --install zcproxy')
    [[ $n != cp1 ]] && sigs+=('kubeadm join --config')
    for sig in "${sigs[@]}"; do
      l=$(first_line "$n" "$sig")
      [[ -n $l ]] || { echo "$n: no remote command with $sig"; return 1; }
      ((l > prev)) || { echo "$n: '$sig' (line $l) came before line $prev"; return 1; }
      prev=$l
    done
  done
}

@test "joins happen only after init: control-plane joins first, then workers" {
  init=$(first_ns cp1 kubeadm init)
  cpjoin=$(first_ns cp2 kubeadm join)
  wkjoin=$(first_ns wk1 kubeadm join)
  [[ -n $init && -n $cpjoin && -n $wkjoin ]]
  ((init < cpjoin))
  ((cpjoin < wkjoin))
  # The doubles accepted the joins only with the token, CA hash and certificate key the first
  # node handed out, from 0600 config files: the journals hold their digests, not their content.
  grep -q '"tool": "kubeadm", "argv": \["join", "--config"' "$LAB_DIR/nodes/cp2/journal.jsonl"
  grep '"argv": \["join"' "$LAB_DIR/nodes/cp2/journal.jsonl" | grep -q '"rc": 0'
  grep '"argv": \["join"' "$LAB_DIR/nodes/wk1/journal.jsonl" | grep -q '"rc": 0'
}

@test "kube-vip used super-admin.conf for init on cp1 and was switched back to admin.conf" {
  grep -q 'path: /etc/kubernetes/admin.conf$' "$LAB_DIR/nodes/cp1/etc-upper/kubernetes/manifests/kube-vip.yaml"
  grep -q 'path: /etc/kubernetes/admin.conf$' "$LAB_DIR/nodes/cp2/etc-upper/kubernetes/manifests/kube-vip.yaml"
  [ ! -e "$LAB_DIR/nodes/wk1/etc-upper/kubernetes/manifests/kube-vip.yaml" ]
  # Two writes of the manifest on cp1: super-admin.conf before init, admin.conf after it.
  [ "$(grep -c 'manifests/kube-vip.yaml.zk-new' "$LAB_DIR/nodes/cp1/remote.log")" -eq 2 ]
  (($(first_line cp1 'kubeadm init --config') > $(first_line cp1 'manifests/kube-vip.yaml.zk-new')))
}

@test "a second make all issues no changing command" {
  etc_snapshot >"$OUT/etc.before"
  run lab_make all
  printf '%s\n' "$output" >"$OUT/run2.out"
  [ "$status" -eq 0 ] || { echo "$output" | tail -40; return 1; }
  [ "$(grep -c 'phase done, 0 change(s)' <<<"$output")" -eq 11 ]
  [[ $output != *"] change "* ]]
  for n in "${LAB_NODES[@]}"; do
    [ "$(mutating "$n")" -eq "$(cat "$OUT/mut1.$n")" ] || { echo "$n: changing calls on the second run"; return 1; }
    printf 'run2 %s remote_commands=%s changing=%s\n' "$n" \
      "$(($(wc -l <"$LAB_DIR/nodes/$n/remote.log") - $(cat "$OUT/remote1.$n")))" \
      "$(($(mutating "$n") - $(cat "$OUT/mut1.$n")))" >>"$OUT/figures"
  done
  etc_snapshot >"$OUT/etc.after"
  diff "$OUT/etc.before" "$OUT/etc.after"
  # Every phase closed its SSH connections and removed its temp dirs on the client.
  [ -z "$(ls -A "$LAB_DIR/client-tmp")" ] || { ls -la "$LAB_DIR/client-tmp"; return 1; }
  cp "$OUT/figures" "${ZCP8_FIGURES:-/dev/null}" 2>/dev/null || true
}

@test "no secret appears in any output, log, remote argv or journal; secret temp files are gone" {
  local secrets=$LAB_DIR/cluster/secrets.txt
  [ "$(grep -c '^token	' "$secrets")" -ge 3 ]
  [ "$(grep -c '^certificate-key	' "$secrets")" -ge 2 ]
  local -a places=("$OUT/plan.out" "$OUT/run1.out" "$OUT/run2.out")
  local f s
  while IFS= read -r f; do places+=("$f"); done < <(find "$LAB_DIR/logs" "$LAB_DIR/nodes" -type f \
    \( -name '*.log' -o -name 'journal.jsonl' -o -name 'state.json' \))
  [ "${#places[@]}" -ge 12 ]
  while IFS=$'\t' read -r _ s; do
    for f in "${places[@]}"; do
      if grep -qF -- "$s" "$f"; then echo "secret leaked into $f"; return 1; fi
    done
  done <"$secrets"
  grep -q '<redacted>' "$LAB_DIR/logs/kubeadm.log"
  for n in "${LAB_NODES[@]}"; do
    [ -z "$(ls -A "$LAB_DIR/nodes/$n/tmp")" ] || { echo "$n left temp files"; ls -la "$LAB_DIR/nodes/$n/tmp"; return 1; }
    while IFS=$'\t' read -r _ s; do
      if grep -rqF -- "$s" "$LAB_DIR/nodes/$n/etc-upper"; then echo "secret stored on $n"; return 1; fi
    done <"$secrets"
  done
  # The bootstrap tokens were revoked and the uploaded certificates deleted after the joins.
  /usr/bin/python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); assert c["cert_key"] == "", c; assert len(c["tokens"]) == 1, c["tokens"]' \
    "$LAB_DIR/cluster/cluster.json"
}

@test "make reset tears down the workers first and the first control-plane node last; again, it changes nothing" {
  run lab_make reset
  [ "$status" -eq 0 ] || { echo "$output" | tail -20; return 1; }
  wk=$(first_ns wk1 kubeadm reset)
  cp2=$(first_ns cp2 kubeadm reset)
  cp1=$(first_ns cp1 kubeadm reset)
  [[ -n $wk && -n $cp2 && -n $cp1 ]]
  ((wk < cp2))
  ((cp2 < cp1))
  lab_ssh cp1 '[ ! -e /etc/kubernetes/admin.conf ] && [ ! -e /etc/kubernetes/manifests/kube-vip.yaml ]'
  lab_ssh wk1 '[ ! -e /etc/kubernetes/kubelet.conf ]'
  local before
  before=$(cat "$LAB_DIR"/nodes/*/journal.jsonl | grep -c '"mutating": true')
  run lab_make reset
  [ "$status" -eq 0 ]
  [[ $output == *"[reset] phase done, 0 change(s)"* ]]
  [ "$(cat "$LAB_DIR"/nodes/*/journal.jsonl | grep -c '"mutating": true')" -eq "$before" ]
}

@test "a node whose sshd is stopped fails preflight with a message naming it" {
  lab_stop_sshd wk1
  before=$(wc -l <"$LAB_DIR/nodes/cp1/remote.log")
  run lab_make all
  [ "$status" -ne 0 ]
  [[ $output == *"waiting for SSH on node wk1 (169.254.8.13 port 22)"* ]] || { echo "$output"; return 1; }
  [[ $output != *"phase start"*"[runtime]"* ]]
  [[ $output != *"[preflight] phase done"* ]]
  # Nothing but preflight's reachability probe reached the healthy nodes.
  [ "$(($(wc -l <"$LAB_DIR/nodes/cp1/remote.log") - before))" -le 1 ]
}
