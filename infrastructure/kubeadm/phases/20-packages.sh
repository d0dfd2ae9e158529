#!/usr/bin/env bash
# packages: kubelet, kubeadm and kubectl from pkgs.k8s.io (the pinned minor's repository), at
# the pinned version, held; helm on the first control-plane node for the app phase.
# Remote commands are single-quoted on purpose: they expand on the node, not here.
# shellcheck disable=SC2016
set -Eeuo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
phase_begin packages

ver=$(k8s_package_version "$ZK_KUBERNETES_VERSION" "$ZK_KUBERNETES_PACKAGE_REVISION")
key=/etc/apt/keyrings/kubernetes-apt-keyring.asc
for node in "${NODES[@]}"; do
  step "$node" "curl present" 'command -v curl >/dev/null' \
    'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q curl ca-certificates'
  step "$node" "pkgs.k8s.io signing key" "[ -s $key ]" \
    "mkdir -p -m 755 /etc/apt/keyrings && curl -fsSL --retry 3 $(k8s_repo_url "$ZK_KUBERNETES_VERSION")Release.key -o $key.zk-new && chmod 644 $key.zk-new && mv -f $key.zk-new $key"
  ensure_file "$node" /etc/apt/sources.list.d/kubernetes.list 644 "$(render_apt_source "$ZK_KUBERNETES_VERSION")"
  check="for p in kubelet kubeadm kubectl; do [ \"\$(dpkg-query -W -f='\${Version}' \$p 2>/dev/null)\" = $ver ] || exit 1; done"
  step "$node" "kubelet, kubeadm, kubectl $ver" "$check" \
    "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --allow-change-held-packages kubelet=$ver kubeadm=$ver kubectl=$ver"
  step "$node" "kubelet, kubeadm, kubectl held" '[ "$(apt-mark showhold | grep -cxE "kubelet|kubeadm|kubectl")" = 3 ]' \
    'apt-mark hold kubelet kubeadm kubectl'
  step "$node" "kubelet enabled" 'systemctl is-enabled --quiet kubelet' 'systemctl enable kubelet'
done

tarball="helm-$ZK_HELM_VERSION-linux-amd64.tar.gz"
step "$FIRST_CP" "helm $ZK_HELM_VERSION" "helm version --short 2>/dev/null | grep -q '^$ZK_HELM_VERSION+'" \
  "d=\$(mktemp -d) && cd \"\$d\" && curl -fsSLO --retry 3 https://get.helm.sh/$tarball && curl -fsSL --retry 3 https://get.helm.sh/$tarball.sha256sum | sha256sum --check --status && tar -xzf $tarball linux-amd64/helm && install -m 0755 linux-amd64/helm /usr/local/bin/helm && cd / && rm -rf \"\$d\""

verify_packages
phase_end
