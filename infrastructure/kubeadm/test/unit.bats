#!/usr/bin/env bats
# Expected remote commands are matched literally:
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR
# Pure functions of lib/common.sh: inventory and cluster.env parsing (bad lines included),
# version pinning, config rendering (checked against the v1beta4 schema), secret redaction.

setup() {
  KD=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
  source "$BATS_TEST_DIRNAME/../lib/common.sh"
  T=$BATS_TEST_TMPDIR
  KEY=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
  TOKEN=abcdef.0123456789abcdef
  HASH=sha256:$(printf 'c%.0s' {1..64})
}

inv() { printf '%s\n' "$@" >"$T/inv"; }

# refute CMD...: fails when CMD succeeds (a bare "! CMD" does not fail a bats test).
refute() {
  if "$@"; then
    echo "unexpectedly succeeded: $*"
    return 1
  fi
}

@test "inventory: the example parses into host, address, role, user, port, key, fastpath_nic" {
  run parse_inventory "$KD/inventory.example"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 5 ]
  [ "${lines[0]}" = "cp1	10.0.0.11	control-plane	root	22	~/.ssh/zcproxy_ed25519	" ]
  [ "${lines[3]}" = "wk1	10.0.0.21	worker	root	22	~/.ssh/zcproxy_ed25519	ens2f0" ]
  [ "${lines[4]}" = "wk2	10.0.0.22	worker	admin	2222	~/.ssh/zcproxy_ed25519	" ]
}

@test "inventory: comments, blank lines and defaults; the first control-plane line runs init" {
  inv '# nodes' '' 'w1 fd00::21 worker' 'c1 169.254.1.11 control-plane   # first' 'c2 169.254.1.12 control-plane port=2200'
  load_inventory "$T/inv"
  [ "${NODES[*]}" = "w1 c1 c2" ]
  [ "$FIRST_CP" = c1 ]
  [ "${CPS[*]}" = "c1 c2" ]
  [ "${WORKERS[*]}" = w1 ]
  [ "${NODE_USER[w1]}" = root ]
  [ "${NODE_PORT[c2]}" = 2200 ]
  [ "${NODE_ADDR[w1]}" = fd00::21 ]
}

@test "inventory: each bad line is refused with file, line and reason" {
  local -a cases=(
    'c1 10.0.0.1|want "host address role'
    'c1 10.0.0.1 master|role master is neither control-plane nor worker'
    'c1 10.0.0.300 control-plane|address 10.0.0.300 is not an IP address'
    'C1 10.0.0.1 control-plane|is not a lowercase DNS name'
    'c1 10.0.0.1 control-plane colour=blue|unknown field colour'
    'c1 10.0.0.1 control-plane user|field user is not key=value'
    'c1 10.0.0.1 control-plane port=70000|bad port 70000'
    'c1 10.0.0.1 control-plane port=22x|bad port 22x'
    'c1 10.0.0.1 control-plane fastpath_nic=a/b|bad fastpath_nic'
  )
  local c
  for c in "${cases[@]}"; do
    inv '# header' "${c%%|*}"
    run parse_inventory "$T/inv"
    [ "$status" -eq 1 ] || { echo "accepted: ${c%%|*}"; return 1; }
    [[ $output == "error: $T/inv:2: "*"${c#*|}"* ]] || { echo "case ${c%%|*} said: $output"; return 1; }
  done
}

@test "inventory: duplicate hosts or addresses, no control plane, no nodes" {
  inv 'a 10.0.0.1 control-plane' 'a 10.0.0.2 worker'
  run parse_inventory "$T/inv"
  [ "$status" -eq 1 ]
  [[ $output == *":2: host a already on line 1"* ]]
  inv 'a 10.0.0.1 control-plane' 'b 10.0.0.1 worker'
  run parse_inventory "$T/inv"
  [ "$status" -eq 1 ]
  [[ $output == *":2: address 10.0.0.1 already on line 1"* ]]
  inv 'a 10.0.0.1 worker'
  run parse_inventory "$T/inv"
  [ "$status" -eq 1 ]
  [[ $output == *"no control-plane node"* ]]
  inv '# empty'
  run parse_inventory "$T/inv"
  [ "$status" -eq 1 ]
  [[ $output == *"no nodes"* ]]
}

@test "cluster.env: the example loads; KEY=VALUE lines are parsed, never sourced" {
  load_env "$KD/cluster.env.example"
  [ "$ZK_KUBERNETES_VERSION" = v1.33.4 ]
  [ "$ZK_POD_CIDR" = 10.244.0.0/16 ]
  [ "$ZK_VIP" = 10.0.0.10 ]
  printf 'KUBERNETES_VERSION="v1.33.4"  # quoted, commented\nPOD_CIDR=$(touch %s/pwned)\n' "$T" >"$T/env"
  run parse_env_file "$T/env"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = KUBERNETES_VERSION=v1.33.4 ]
  [ ! -e "$T/pwned" ]
}

@test "cluster.env: unknown keys, malformed lines and bad values are refused by name" {
  printf 'KUBERNETS_VERSION=v1.33.4\n' >"$T/env"
  run parse_env_file "$T/env"
  [ "$status" -eq 1 ]
  [[ $output == *":1: unknown setting KUBERNETS_VERSION"* ]]
  printf '# x\nexport VIP=1.2.3.4\n' >"$T/env"
  run parse_env_file "$T/env"
  [ "$status" -eq 1 ]
  [[ $output == *":2: expected KEY=VALUE"* ]]
  local k v
  for kv in POD_CIDR=10.244.0.0 SERVICE_CIDR=10.96.0.0/99 VIP=cp.example VIP_INTERFACE='eth0;rm' \
    CALICO_ENCAPSULATION=Geneve WAIT_TIMEOUT=0 SSH_STRICT_HOST_KEYS=no; do
    k=${kv%%=*} v=${kv#*=}
    grep -v "^$k=" "$KD/cluster.env.example" >"$T/env"
    printf '%s=%s\n' "$k" "$v" >>"$T/env"
    run load_env "$T/env"
    [ "$status" -eq 1 ] || { echo "accepted $kv"; return 1; }
    [[ $output == *"$k"* ]] || { echo "$kv: $output"; return 1; }
  done
}

@test "version pinning: only vX.Y.Z release tags; pkgs.k8s.io repo and package version follow the minor" {
  for v in v1.33.4 v3.30.3 v0.9.2 v10.0.0; do is_pinned_version "$v"; done
  for v in latest stable master v1.33 1.33.4 v1.33.x v1.33.4-rc.1 '>=v1.33.0' v01.2.3 ''; do
    refute is_pinned_version "$v" || { echo "accepted $v"; return 1; }
  done
  [ "$(k8s_minor v1.33.4)" = v1.33 ]
  [ "$(k8s_package_version v1.33.4 1.1)" = 1.33.4-1.1 ]
  [ "$(k8s_repo_url v1.33.4)" = https://pkgs.k8s.io/core:/stable:/v1.33/deb/ ]
  [ "$(render_apt_source v1.34.1)" = 'deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.asc] https://pkgs.k8s.io/core:/stable:/v1.34/deb/ /' ]
  run k8s_package_version latest 1.1
  [ "$status" -ne 0 ]
  for v in KUBERNETES_VERSION=v1.33 KUBE_VIP_VERSION=latest CALICO_VERSION=master MULTUS_VERSION=v4.2 HELM_VERSION=3.19.0; do
    grep -v "^${v%%=*}=" "$KD/cluster.env.example" >"$T/env"
    echo "$v" >>"$T/env"
    run load_env "$T/env"
    [ "$status" -eq 1 ] && [[ $output == *"${v%%=*}=${v#*=} is not a pinned release tag"* ]] || { echo "$v: $output"; return 1; }
  done
}

@test "version_at_least compares dotted versions" {
  version_at_least v1.29 v1.29
  version_at_least v1.33.4 v1.29
  version_at_least 6.18.44-fc-v1272 5.4
  refute version_at_least v1.28.9 v1.29
  refute version_at_least 4.19.0 5.4
  version_at_least v1.100 v1.29
}

@test "rendered kubeadm configs match the v1beta4 schema (init, control-plane join, worker join, plan placeholders)" {
  render_init_config cp1 10.0.0.11 10.0.0.10 6443 v1.33.4 10.244.0.0/16 10.96.0.0/12 cluster.local zcproxy "$KEY" >"$T/init.yaml"
  run "$BATS_TEST_DIRNAME/schema/check-kubeadm-config.py" <"$T/init.yaml"
  [ "$status" -eq 0 ] || { echo "$output"; return 1; }
  render_join_config cp2 10.0.0.12 10.0.0.10:6443 "$TOKEN" "$HASH" "$KEY" 6443 >"$T/join-cp.yaml"
  run "$BATS_TEST_DIRNAME/schema/check-kubeadm-config.py" <"$T/join-cp.yaml"
  [ "$status" -eq 0 ] || { echo "$output"; return 1; }
  render_join_config wk1 fd00::21 '[fd00::10]:6443' "$TOKEN" "$HASH" >"$T/join-wk.yaml"
  run "$BATS_TEST_DIRNAME/schema/check-kubeadm-config.py" <"$T/join-wk.yaml"
  [ "$status" -eq 0 ] || { echo "$output"; return 1; }
  render_join_config cp2 10.0.0.12 10.0.0.10:6443 '<redacted>' 'sha256:<ca-cert-hash>' '<redacted>' |
    "$BATS_TEST_DIRNAME/schema/check-kubeadm-config.py"
}

@test "the schema check refuses v1beta3, unknown fields, wrong types, bad keys and addresses" {
  local good
  good=$(render_init_config cp1 10.0.0.11 10.0.0.10 6443 v1.33.4 10.244.0.0/16 10.96.0.0/12 cluster.local zcproxy "$KEY")
  local -a mutations=('s#kubeadm.k8s.io/v1beta4#kubeadm.k8s.io/v1beta3#'
    's#^  podSubnet:#  podSubnetz:#'
    's#bindPort: 6443#bindPort: "6443"#'
    "s#certificateKey: \"$KEY\"#certificateKey: \"short\"#"
    's#advertiseAddress: "10.0.0.11"#advertiseAddress: "10.0.0.311"#'
    's#cgroupDriver: systemd#cgroupDriver: system#'
    's#    - name: node-ip#    node-ip:#')
  local m
  for m in "${mutations[@]}"; do
    run "$BATS_TEST_DIRNAME/schema/check-kubeadm-config.py" <<<"$(sed "$m" <<<"$good")"
    [ "$status" -eq 1 ] || { echo "schema accepted mutation $m"; return 1; }
  done
}

@test "init config: v1beta4, controlPlaneEndpoint on the VIP, certificateKey in the file, pod CIDR" {
  render_init_config cp1 10.0.0.11 10.0.0.10 6443 v1.33.4 10.244.0.0/16 10.96.0.0/12 cluster.local zcproxy "$KEY" >"$T/c"
  grep -qx 'controlPlaneEndpoint: "10.0.0.10:6443"' "$T/c"
  grep -qx "certificateKey: \"$KEY\"" "$T/c"
  grep -qx '  podSubnet: "10.244.0.0/16"' "$T/c"
  [ "$(grep -c '^apiVersion: kubeadm.k8s.io/v1beta4$' "$T/c")" -eq 2 ]
  [ "$(endpoint fd00::10 6443)" = '[fd00::10]:6443' ]
}

@test "join config: workers carry no certificate key, control-plane joins do" {
  render_join_config wk1 10.0.0.21 10.0.0.10:6443 "$TOKEN" "$HASH" >"$T/w"
  refute grep -q certificateKey "$T/w"
  refute grep -q controlPlane "$T/w"
  render_join_config cp2 10.0.0.12 10.0.0.10:6443 "$TOKEN" "$HASH" "$KEY" >"$T/c"
  grep -q "  certificateKey: \"$KEY\"" "$T/c"
  grep -q "    token: \"$TOKEN\"" "$T/c"
}

@test "kube-vip: super-admin.conf only on the first node, before init, from v1.29 on" {
  [ "$(kube_vip_kubeconfig v1.33 yes no)" = /etc/kubernetes/super-admin.conf ]
  [ "$(kube_vip_kubeconfig v1.29 yes no)" = /etc/kubernetes/super-admin.conf ]
  [ "$(kube_vip_kubeconfig v1.33 yes yes)" = /etc/kubernetes/admin.conf ]
  [ "$(kube_vip_kubeconfig v1.33 no no)" = /etc/kubernetes/admin.conf ]
  [ "$(kube_vip_kubeconfig v1.28 yes no)" = /etc/kubernetes/admin.conf ]
  render_kube_vip 10.0.0.10 eth0 6443 v0.9.2 /etc/kubernetes/super-admin.conf >"$T/p"
  grep -q 'image: ghcr.io/kube-vip/kube-vip:v0.9.2$' "$T/p"
  grep -q 'path: /etc/kubernetes/super-admin.conf$' "$T/p"
  grep -q '{name: address, value: "10.0.0.10"}' "$T/p"
}

@test "Calico Installation: the IPPool is the pod CIDR; manifests come from pinned tags" {
  render_calico_installation 10.244.0.0/16 VXLANCrossSubnet >"$T/i"
  grep -qx '        cidr: 10.244.0.0/16' "$T/i"
  [ "$(calico_url v3.30.3 tigera-operator.yaml)" = https://raw.githubusercontent.com/projectcalico/calico/v3.30.3/manifests/tigera-operator.yaml ]
  [ "$(multus_url v4.2.2)" = https://raw.githubusercontent.com/k8snetworkplumbingwg/multus-cni/v4.2.2/deployments/multus-daemonset-thick.yml ]
  render_containerd_config registry.k8s.io/pause:3.10 | grep -qx '  SystemdCgroup = true'
}

@test "redaction: remembered secrets, token shapes, flags, config fields and the printed certificate key" {
  remember_secret "s3cr3t-value"
  out=$(printf '%s\n' "a s3cr3t-value b" \
    "kubeadm join 10.0.0.10:6443 --token $TOKEN --discovery-token-ca-cert-hash $HASH --control-plane --certificate-key $KEY" \
    '[upload-certs] Using certificate key:' "$KEY" '  certificateKey: "x9"' '    token: "t0k"' "--token=$TOKEN" | redact)
  [[ $out != *s3cr3t-value* && $out != *"$TOKEN"* && $out != *"$KEY"* && $out != *x9* && $out != *t0k* ]]
  [[ $out == *"a <redacted> b"* ]]
  [[ $out == *"--token <redacted> --discovery-token-ca-cert-hash $HASH"* ]]
  [[ $out == *"--certificate-key <redacted>"* ]]
  [ "$(printf '[upload-certs] Using certificate key:\n%s\n' "$KEY" | redact | tail -1)" = '<redacted>' ]
  # What is not a secret stays readable: file digests and the CA hash.
  [ "$(printf 'sha256 %s\n' "$KEY" | redact)" = "sha256 $KEY" ]
}

@test "redaction: the secrets reach the filter through its environment, not its argv" {
  remember_secret "argv-canary-123"
  grep -q 'ENVIRON\["ZK_REDACT_LIST"\]' "$KD/lib/common.sh"
  declare -f redact | grep -q 'ZK_REDACT_LIST="${ZK_SECRETS\[\*\]}" LC_ALL=C awk'
  [ "$(echo argv-canary-123 | redact)" = '<redacted>' ]
}

@test "join command and certificate key parsing" {
  IFS=$'\t' read -r ep tok h < <(echo "kubeadm join 10.0.0.10:6443 --token $TOKEN --discovery-token-ca-cert-hash $HASH " | parse_join_command)
  [ "$ep" = 10.0.0.10:6443 ]
  [ "$tok" = "$TOKEN" ]
  [ "$h" = "$HASH" ]
  run parse_join_command <<<"kubeadm join 10.0.0.10:6443 --token nope --discovery-token-ca-cert-hash $HASH"
  [ "$status" -ne 0 ]
  [ "$(printf 'x\n[upload-certs] Using certificate key:\n%s\n' "$KEY" | parse_certificate_key)" = "$KEY" ]
  run parse_certificate_key <<<"$KEY"
  [ "$status" -ne 0 ]
  [[ $(new_certificate_key) =~ ^[0-9a-f]{64}$ ]]
}

@test "remote quoting and the 0600 secret file that is gone afterwards" {
  [ "$(sh -c "printf %s $(sq "it's \$HOME; rm -rf /")")" = "it's \$HOME; rm -rf /" ]
  out=$(printf 'the-secret' | TMPDIR=$T sh -c "$(with_secret_file 'stat -c %a "$f"; cat "$f"; echo; echo "$f"')")
  [ "$(sed -n 1p <<<"$out")" = 600 ]
  [ "$(sed -n 2p <<<"$out")" = the-secret ]
  [ ! -e "$(sed -n 3p <<<"$out")" ]
}

@test "duplicate detection names every node sharing a value" {
  out=$(printf 'a\tm1\nb\tm2\nc\tm1\n' | find_duplicates)
  [ "$out" = "m1	a c" ]
  [ -z "$(printf 'a\tm1\nb\tm2\n' | find_duplicates)" ]
}

@test "make plan prints every phase's remote commands per node with secrets as <redacted>, and connects nowhere" {
  mkdir -p "$T/bin"
  printf '#!/bin/sh\necho "ssh was run: $*" >>%s/ssh-calls\nexit 255\n' "$T" >"$T/bin/ssh"
  chmod +x "$T/bin/ssh"
  PATH=$T/bin:$PATH run make -C "$KD" --no-print-directory plan INVENTORY=inventory.example CLUSTER_ENV=cluster.env.example
  [ "$status" -eq 0 ] || { echo "$output"; return 1; }
  [ ! -e "$T/ssh-calls" ]
  for p in preflight runtime packages vip init join-control-plane join-workers cni multus app verify; do
    [[ $output == *"== plan $p (nothing is run)"* ]] || { echo "no $p"; return 1; }
  done
  [[ $output == *'[cp1] act: umask 077; f=$(mktemp)'*'kubeadm init --config "$f" --upload-certs'* ]]
  [[ $output == *'certificateKey: "<redacted>"'* && $output == *'token: "<redacted>"'* ]]
  [[ $output == *'[wk2] act: umask 077; f=$(mktemp)'*'kubeadm join --config "$f"'* ]]
}

@test "no phase script or library turns on xtrace, and every script is set -Eeuo pipefail" {
  refute grep -nE '^[^#]*set -[a-zA-Z]*x|set -o xtrace|bash -x' "$KD"/phases/*.sh "$KD"/lib/*.sh "$KD"/Makefile
  for f in "$KD"/phases/*.sh; do grep -qx 'set -Eeuo pipefail' "$f" || { echo "$f"; return 1; }; done
}
