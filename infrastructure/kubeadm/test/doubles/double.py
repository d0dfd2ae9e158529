#!/usr/bin/python3
"""RECORDING TEST DOUBLES for the SSH lab of infrastructure/kubeadm. Test code, never product code.

One program, installed under the names of the tools the phase scripts call on a node (kubeadm,
kubectl, helm, apt-get, apt-mark, dpkg-query, systemctl, modprobe, sysctl, swapon, swapoff,
curl): the lab bind-mounts this directory over the node's /usr/local/bin. Each call appends
one JSON line to the node's journal (tool, argv, whether the call changes anything, the sha256
of what it read on stdin or from --config) and answers the way the real tool would, from a
small state kept per node (packages, services, modules, sysctls) and per lab "cluster" (tokens,
certificate key, nodes, objects, helm releases). Files a real kubeadm writes under
/etc/kubernetes are written for real: the lab gives every node its own overlay over /etc.

Environment (set by the lab's session wrapper): ZCP8_NODE, ZCP8_NODE_DIR, ZCP8_CLUSTER_DIR.
"""
import fcntl
import hashlib
import json
import os
import re
import secrets
import stat
import sys
import time


class _LazyYaml:
    """PyYAML, imported on first use: most calls never parse YAML and the lab is latency-bound."""

    def __getattr__(self, name):
        import yaml as real
        return getattr(real, name)


yaml = _LazyYaml()

TOOL = os.path.basename(sys.argv[0])
ARGS = sys.argv[1:]
NODE = os.environ.get("ZCP8_NODE", "?")
NODE_DIR = os.environ["ZCP8_NODE_DIR"]
CLUSTER_DIR = os.environ["ZCP8_CLUSTER_DIR"]
KUBE = "/etc/kubernetes"
ADMIN_CONF = KUBE + "/admin.conf"

_journal = {"tool": TOOL, "argv": ARGS, "mutating": False, "stdin_sha256": None, "config_sha256": None}


class Exit(Exception):
    def __init__(self, code, err=""):
        super().__init__(code)
        self.code, self.err = code, err


def fail(code, msg):
    raise Exit(code, msg)


# ----------------------------------------------------------------------------------- state

class Store:
    """A JSON document in a file, locked for the duration of the call."""

    def __init__(self, path, default):
        self.path = path
        self.lock = open(path + ".lock", "a")
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        try:
            with open(path) as f:
                self.data = json.load(f)
        except FileNotFoundError:
            self.data = default

    def save(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.data, f, indent=1, sort_keys=True)
        os.replace(tmp, self.path)


node = Store(os.path.join(NODE_DIR, "state.json"),
             {"packages": {}, "held": [], "services": {}, "modules": [], "sysctl": {}})
cluster = Store(os.path.join(CLUSTER_DIR, "cluster.json"),
                {"initialized": False, "endpoint": "", "ca_hash": "", "tokens": [], "cert_key": "",
                 "nodes": {}, "objects": {}, "releases": {}, "version": ""})


def handed_out(value, what):
    """Every secret a double hands out (or receives) is listed for the lab's leak checks."""
    with open(os.path.join(CLUSTER_DIR, "secrets.txt"), "a") as f:
        f.write("%s\t%s\n" % (what, value))


def installed(pkg):
    return pkg in node.data["packages"]


def require_installed(pkg, cmd):
    if not installed(pkg):
        fail(127, "bash: %s: command not found" % cmd)


def read_stdin():
    data = sys.stdin.buffer.read()
    _journal["stdin_sha256"] = hashlib.sha256(data).hexdigest()
    return data


def changing():
    _journal["mutating"] = True


def write_file(path, text, mode=0o600):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def opt(name, args=None, default=None):
    """Value of --name=V, --name V or -n V in args."""
    args = ARGS if args is None else args
    for i, a in enumerate(args):
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
        if a == name and i + 1 < len(args):
            return args[i + 1]
    return default


def positional(args, with_value=()):
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
            continue
        if a in with_value:
            skip = True
            continue
        if a.startswith("-"):
            continue
        out.append(a)
    return out


# ----------------------------------------------------------------------------------- host tools

def apt_get():
    args = [a for a in ARGS if not a.startswith("-")]
    if not args:
        fail(100, "E: no command")
    if args[0] == "update":
        changing()
        print("Reading package lists... Done")
        return
    if args[0] != "install":
        fail(100, "E: Invalid operation %s" % args[0])
    changing()
    allow_held = "--allow-change-held-packages" in ARGS
    for spec in args[1:]:
        if spec.endswith(".deb"):
            node.data["packages"][os.path.basename(spec).split("_")[0].split(".")[0]] = "1.0"
            continue
        name, _, version = spec.partition("=")
        if name in ("kubelet", "kubeadm", "kubectl"):
            minor = ".".join(version.split(".")[:2]) if version else ""
            try:
                with open("/etc/apt/sources.list.d/kubernetes.list") as f:
                    source = f.read()
            except FileNotFoundError:
                source = ""
            if not version or "/core:/stable:/v%s/deb/" % minor not in source \
                    or not os.path.exists("/etc/apt/keyrings/kubernetes-apt-keyring.asc"):
                fail(100, "E: Version '%s' for '%s' was not found" % (version, name))
            if name in node.data["held"] and node.data["packages"].get(name) not in (None, version) and not allow_held:
                fail(100, "E: Held packages were changed and -y was used without --allow-change-held-packages.")
        node.data["packages"][name] = version or {"containerd": "1.6.20~ds1-1+deb12u1"}.get(name, "1.0")
        if name in ("containerd", "kubelet"):
            node.data["services"].setdefault(name, {"enabled": False, "active": False})
    print("Setting up packages... done")


def apt_mark():
    args = [a for a in ARGS if not a.startswith("-")]
    if args[:1] == ["showhold"]:
        for p in sorted(node.data["held"]):
            print(p)
        return
    if args[:1] == ["hold"]:
        changing()
        for p in args[1:]:
            if not installed(p):
                fail(100, "E: Unable to locate package %s" % p)
            if p not in node.data["held"]:
                node.data["held"].append(p)
            print("%s set on hold." % p)
        return
    fail(100, "E: unsupported apt-mark call (test double)")


def dpkg_query():
    fmt = opt("-f", default=opt("--showformat", default="${Package}\t${Version}\n"))
    pkgs = positional(ARGS, with_value=("-f", "--showformat"))
    rc = 0
    for p in pkgs:
        if not installed(p):
            sys.stderr.write("dpkg-query: no packages found matching %s\n" % p)
            rc = 1
            continue
        out = fmt.replace("${Status}", "install ok installed").replace("${Version}", node.data["packages"][p]) \
            .replace("${Package}", p).replace("\\n", "\n").replace("\\t", "\t")
        sys.stdout.write(out)
    if rc:
        raise Exit(rc)


def systemctl():
    verb = positional(ARGS)[0]
    units = [u.removesuffix(".service") for u in positional(ARGS)[1:]]
    quiet = "--quiet" in ARGS or "-q" in ARGS
    for u in units:
        if u not in node.data["services"]:
            fail(5 if verb not in ("is-active", "is-enabled") else 4, "Unit %s.service could not be found." % u)
    svc = node.data["services"]
    if verb in ("is-active", "is-enabled"):
        key = "active" if verb == "is-active" else "enabled"
        ok = all(svc[u][key] for u in units)
        if not quiet:
            print(("active" if ok else "inactive") if key == "active" else ("enabled" if ok else "disabled"))
        raise Exit(0 if ok else (3 if key == "active" else 1))
    changing()
    for u in units:
        if verb == "enable":
            svc[u]["enabled"] = True
            if "--now" in ARGS:
                svc[u]["active"] = True
        elif verb in ("start", "restart"):
            svc[u]["active"] = True
        elif verb == "stop":
            svc[u]["active"] = False
        elif verb == "disable":
            svc[u]["enabled"] = False
        else:
            fail(1, "unsupported systemctl verb %s (test double)" % verb)


def modprobe():
    mods = positional(ARGS)
    loaded = node.data["modules"]
    if "--dry-run" in ARGS or "-n" in ARGS:
        for m in mods:
            if "--first-time" in ARGS and m in loaded:
                fail(1, "modprobe: ERROR: could not insert '%s': Module already in kernel" % m)
        return
    changing()
    for m in mods:
        if m not in loaded:
            loaded.append(m)


def sysctl_value(key):
    if key.startswith("net.bridge.") and "br_netfilter" not in node.data["modules"]:
        fail(255, "sysctl: cannot stat /proc/sys/%s: No such file or directory" % key.replace(".", "/"))
    return node.data["sysctl"].get(key, "0")


def sysctl():
    if "--system" in ARGS:
        changing()
        d = "/etc/sysctl.d"
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if not name.endswith(".conf"):
                continue
            print("* Applying %s/%s ..." % (d, name))
            with open(os.path.join(d, name)) as f:
                for line in f:
                    line = line.split("#", 1)[0].strip()
                    if "=" in line:
                        k, v = (s.strip() for s in line.split("=", 1))
                        node.data["sysctl"][k] = v
        return
    if "-w" in ARGS:
        changing()
        k, v = positional(ARGS)[0].split("=", 1)
        node.data["sysctl"][k] = v
        return
    for key in positional(ARGS):
        v = sysctl_value(key)
        print(v if "-n" in ARGS else "%s = %s" % (key, v))


def swapon():
    # The lab's nodes have no swap; real swapon would report the host's.
    return


def swapoff():
    changing()


def curl():
    url = positional(ARGS, with_value=("-o", "--output", "--retry"))
    out = opt("-o", default=opt("--output"))
    if not url or not re.fullmatch(r"https://pkgs\.k8s\.io/core:/stable:/v\d+\.\d+/deb/Release\.key", url[0]):
        fail(22, "curl: (22) The requested URL returned error: 404 (test double serves the pkgs.k8s.io key only)")
    key = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nbGFiIHRlc3QgZG91YmxlIGtleQ==\n-----END PGP PUBLIC KEY BLOCK-----\n"
    if out:
        changing()
        write_file(out, key, 0o644)
    else:
        sys.stdout.write(key)


# ----------------------------------------------------------------------------------- kubeadm

def load_config(path):
    st = os.stat(path)
    if stat.S_IMODE(st.st_mode) & 0o077:
        fail(1, "test double: %s holds secrets but has mode %o (want 0600)" % (path, stat.S_IMODE(st.st_mode)))
    with open(path, "rb") as f:
        data = f.read()
    _journal["config_sha256"] = hashlib.sha256(data).hexdigest()
    docs = [d for d in yaml.safe_load_all(data) if d]
    for d in docs:
        if d.get("apiVersion", "").startswith("kubeadm.k8s.io/") and d["apiVersion"] != "kubeadm.k8s.io/v1beta4":
            fail(1, "test double: want kubeadm.k8s.io/v1beta4, got %s" % d["apiVersion"])
    return {d["kind"]: d for d in docs}


def new_token():
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    t = "".join(secrets.choice(alphabet) for _ in range(6)) + "." + "".join(secrets.choice(alphabet) for _ in range(16))
    cluster.data["tokens"].append(t)
    handed_out(t, "token")
    handed_out(t.split(".")[1], "token-secret")
    return t


def new_cert_key():
    k = secrets.token_hex(32)
    cluster.data["cert_key"] = k
    handed_out(k, "certificate-key")
    return k


def node_prerequisites(ignored):
    errors = []
    if not (installed("kubelet") and installed("kubeadm")):
        errors.append("kubelet/kubeadm not installed")
    if not node.data["services"].get("containerd", {}).get("active"):
        errors.append("[ERROR CRI]: container runtime is not running")
    if node.data["sysctl"].get("net.ipv4.ip_forward") != "1":
        errors.append("[ERROR FileContent--proc-sys-net-ipv4-ip_forward]: /proc/sys/net/ipv4/ip_forward contents are not set to 1")
    if "br_netfilter" not in node.data["modules"]:
        errors.append("[ERROR FileExisting-bridge-nf-call-iptables]: br_netfilter not loaded")
    manifests = KUBE + "/manifests"
    if os.path.isdir(manifests) and os.listdir(manifests) and "DirAvailable--etc-kubernetes-manifests" not in ignored:
        errors.append("[ERROR DirAvailable--etc-kubernetes-manifests]: /etc/kubernetes/manifests is not empty")
    if errors:
        fail(1, "[preflight] Some fatal errors occurred:\n\t" + "\n\t".join(errors))


def kube_vip_ok_for_init():
    """kube-vip must hold the VIP during init; from v1.29 it can only with super-admin.conf."""
    try:
        with open(KUBE + "/manifests/kube-vip.yaml") as f:
            pod = yaml.safe_load(f)
    except FileNotFoundError:
        return "no kube-vip manifest: nothing answers on the controlPlaneEndpoint"
    path = pod["spec"]["volumes"][0]["hostPath"]["path"]
    if path != KUBE + "/super-admin.conf":
        return "kube-vip mounts %s, which has no rights before init finishes (v1.29+)" % path
    return None


def write_node_files(control_plane):
    write_file(KUBE + "/kubelet.conf", "# test double kubelet kubeconfig\n")
    write_file(KUBE + "/pki/ca.crt", "# test double CA\n", 0o644)
    if control_plane:
        write_file(ADMIN_CONF, "# test double admin kubeconfig\n")
        for c in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"):
            write_file(KUBE + "/manifests/%s.yaml" % c, "# test double static pod %s\n" % c)


def kubeadm():
    require_installed("kubeadm", "kubeadm")
    words = positional(ARGS, with_value=("--config", "--ttl", "-o", "--output", "--certificate-key"))
    if words[:1] == ["version"]:
        print("v" + node.data["packages"]["kubeadm"].split("-")[0])
        return
    if words[:3] == ["init", "phase", "upload-certs"]:
        if not os.path.exists(ADMIN_CONF) or "--upload-certs" not in ARGS:
            fail(1, "test double: upload-certs needs admin.conf and --upload-certs")
        changing()
        key = new_cert_key()
        print('[upload-certs] Storing the certificates in Secret "kubeadm-certs" in the "kube-system" Namespace')
        print("[upload-certs] Using certificate key:")
        print(key)
        return
    if words[:1] == ["init"]:
        changing()
        cfg = load_config(opt("--config"))
        init, cc = cfg["InitConfiguration"], cfg["ClusterConfiguration"]
        if os.path.exists(KUBE + "/manifests/kube-apiserver.yaml"):
            fail(1, "[ERROR FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml]: already exists")
        node_prerequisites(init.get("nodeRegistration", {}).get("ignorePreflightErrors", []))
        if "--upload-certs" not in ARGS or not re.fullmatch(r"[0-9a-f]{64}", init.get("certificateKey", "")):
            fail(1, "test double: init wants --upload-certs and a 64-hex certificateKey in the config")
        problem = kube_vip_ok_for_init()
        if problem:
            fail(1, "[wait-control-plane] timed out waiting for the API server at %s: %s"
                 % (cc["controlPlaneEndpoint"], problem))
        handed_out(init["certificateKey"], "certificate-key")
        cluster.data.update(initialized=True, endpoint=cc["controlPlaneEndpoint"], cert_key=init["certificateKey"],
                            ca_hash="sha256:" + secrets.token_hex(32), version=cc["kubernetesVersion"],
                            pod_cidr=cc["networking"]["podSubnet"])
        cluster.data["nodes"][init["nodeRegistration"]["name"]] = {"role": "control-plane", "labels": {}}
        write_node_files(True)
        write_file(KUBE + "/super-admin.conf", "# test double super-admin kubeconfig\n")
        token = new_token()
        ep, key, h = cc["controlPlaneEndpoint"], init["certificateKey"], cluster.data["ca_hash"]
        print("Your Kubernetes control-plane has initialized successfully!")
        print("You can now join any number of control-plane nodes running the following command on each as root:")
        print("  kubeadm join %s --token %s \\\n\t--discovery-token-ca-cert-hash %s \\\n\t--control-plane --certificate-key %s"
              % (ep, token, h, key))
        print("Then you can join any number of worker nodes by running the following on each as root:")
        print("kubeadm join %s --token %s \\\n\t--discovery-token-ca-cert-hash %s" % (ep, token, h))
        return
    if words[:2] == ["token", "create"]:
        if not os.path.exists(ADMIN_CONF):
            fail(1, "test double: no admin.conf")
        changing()
        t = new_token()
        if "--print-join-command" in ARGS:
            print("kubeadm join %s --token %s --discovery-token-ca-cert-hash %s "
                  % (cluster.data["endpoint"], t, cluster.data["ca_hash"]))
        else:
            print(t)
        return
    if words[:2] == ["token", "delete"]:
        changing()
        for ident in words[2:]:
            before = len(cluster.data["tokens"])
            cluster.data["tokens"] = [t for t in cluster.data["tokens"] if t.split(".")[0] != ident.split(".")[0]]
            if len(cluster.data["tokens"]) == before:
                fail(1, "bootstrap token \"%s\" not found" % ident)
            print('bootstrap token "%s" deleted' % ident)
        return
    if words[:1] == ["join"]:
        changing()
        cfg = load_config(opt("--config"))["JoinConfiguration"]
        bt = cfg["discovery"]["bootstrapToken"]
        if os.path.exists(KUBE + "/kubelet.conf"):
            fail(1, "[ERROR FileAvailable--etc-kubernetes-kubelet.conf]: /etc/kubernetes/kubelet.conf already exists")
        if not cluster.data["initialized"] or bt["apiServerEndpoint"] != cluster.data["endpoint"]:
            fail(1, "couldn't validate the identity of the API Server: %s does not answer" % bt["apiServerEndpoint"])
        if bt["token"] not in cluster.data["tokens"]:
            fail(1, "couldn't validate the identity of the API Server: token id not found")
        if bt["caCertHashes"] != [cluster.data["ca_hash"]]:
            fail(1, "cluster CA found in cluster-info ConfigMap is invalid: public key pin mismatch")
        node_prerequisites(cfg.get("nodeRegistration", {}).get("ignorePreflightErrors", []))
        cp = "controlPlane" in cfg
        if cp and cfg["controlPlane"].get("certificateKey") != cluster.data["cert_key"]:
            fail(1, "error downloading certs: error decoding certificate key / Secret kubeadm-certs not found")
        cluster.data["nodes"][cfg["nodeRegistration"]["name"]] = {"role": "control-plane" if cp else "worker", "labels": {}}
        write_node_files(cp)
        print("This node has joined the cluster%s." % (" and a new control plane instance was created" if cp else ""))
        return
    if words[:1] == ["reset"]:
        changing()
        for root, _, files in os.walk(KUBE, topdown=False):
            for f in files:
                if not f.startswith("kube-vip"):
                    os.remove(os.path.join(root, f))
        cluster.data["nodes"].pop(NODE, None)
        if not cluster.data["nodes"]:
            cluster.data.update(initialized=False, endpoint="", tokens=[], cert_key="", objects={}, releases={})
        print("[reset] done")
        return
    fail(1, "unsupported kubeadm call (test double): %s" % " ".join(ARGS))


# ----------------------------------------------------------------------------------- kubectl

FIXTURES = {
    "operator-crds.yaml": [("customresourcedefinition", "", "installations.operator.tigera.io"),
                           ("customresourcedefinition", "", "apiservers.operator.tigera.io")],
    "tigera-operator.yaml": [("namespace", "", "tigera-operator"), ("deployment", "tigera-operator", "tigera-operator")],
    "multus-daemonset-thick.yml": [("daemonset", "kube-system", "kube-multus-ds")],
}
NAMESPACED = {"deployment", "daemonset", "pod", "secret", "configmap", "service"}
KINDS = {"namespaces": "namespace", "ns": "namespace", "nodes": "node", "no": "node", "ds": "daemonset",
         "daemonsets": "daemonset", "deployments": "deployment", "deploy": "deployment",
         "installations": "installation", "installations.operator.tigera.io": "installation",
         "apiservers": "apiserver", "secrets": "secret"}


def kind_of(word):
    w = word.lower()
    return KINDS.get(w, w)


def obj_key(kind, ns, name):
    return "%s/%s/%s" % (kind, ns if kind in NAMESPACED else "", name)


def get_obj(kind, ns, name):
    if kind == "node":
        n = cluster.data["nodes"].get(name)
        if n is None:
            return None
        return {"metadata": {"name": name, "labels": n["labels"]}}
    return cluster.data["objects"].get(obj_key(kind, ns, name))


def put_obj(doc, ns):
    kind = kind_of(doc["kind"])
    name = doc["metadata"]["name"]
    if kind == "installation" and "customresourcedefinition//installations.operator.tigera.io" not in cluster.data["objects"]:
        fail(1, 'error: resource mapping not found for name: "default": no matches for kind "Installation" in version '
                '"operator.tigera.io/v1"; ensure CRDs are installed first')
    ns = doc["metadata"].get("namespace", ns)
    old = cluster.data["objects"].get(obj_key(kind, ns, name), {})
    doc.setdefault("metadata", {}).setdefault("annotations", {})
    doc["metadata"]["annotations"] = {**old.get("metadata", {}).get("annotations", {}), **doc["metadata"]["annotations"]}
    cluster.data["objects"][obj_key(kind, ns, name)] = doc
    print("%s/%s configured" % (kind, name))


def jsonpath(obj, expr):
    m = re.fullmatch(r"\{(.*)\}", expr)
    if not m:
        fail(1, "error: unsupported jsonpath (test double): %s" % expr)
    cur = obj
    for part in re.findall(r"(?:\\\.|[^.])+", m.group(1)):
        part = part.replace("\\.", ".")
        idx = re.fullmatch(r"(.*)\[(\d+)\]", part)
        name, i = (idx.group(1), int(idx.group(2))) if idx else (part, None)
        cur = cur.get(name) if isinstance(cur, dict) else None
        if i is not None:
            cur = cur[i] if isinstance(cur, list) and len(cur) > i else None
        if cur is None:
            return ""
    return cur if isinstance(cur, str) else json.dumps(cur)


def cni_ready():
    return "installation//default" in cluster.data["objects"]


def kubectl():
    require_installed("kubectl", "kubectl")
    if opt("--kubeconfig") != ADMIN_CONF or not os.path.exists(ADMIN_CONF):
        fail(1, "The connection to the server localhost:8080 was refused - did you specify the right host or port?")
    ns = opt("-n", default=opt("--namespace", default="default"))
    words = positional(ARGS, with_value=("-n", "--namespace", "-o", "--output", "-f", "--filename", "--for",
                                         "--timeout", "--kubeconfig"))
    verb = words[0]
    if verb == "get" and opt("--raw"):
        print("ok")
        return
    if verb == "get":
        kind, name = kind_of(words[1]), words[2]
        obj = get_obj(kind, ns, name)
        if obj is None:
            fail(1, 'Error from server (NotFound): %s "%s" not found' % (kind, name))
        out = opt("-o", default="")
        if out == "name":
            print("%s/%s" % (kind, name))
        elif out.startswith("jsonpath="):
            sys.stdout.write(jsonpath(obj, out.split("=", 1)[1]))
        else:
            print(name)
        return
    if verb == "apply":
        changing()
        src = opt("-f", default=opt("--filename"))
        if src == "-":
            for doc in yaml.safe_load_all(read_stdin()):
                if doc:
                    put_obj(doc, ns)
            return
        m = re.fullmatch(r"https://raw\.githubusercontent\.com/[\w.-]+/[\w.-]+/(v\d+\.\d+\.\d+)/(?:manifests|deployments)/([\w.-]+)", src or "")
        if not m or m.group(2) not in FIXTURES:
            fail(1, "error: unable to read URL %s (test double: not a pinned release manifest)" % src)
        for kind, ons, name in FIXTURES[m.group(2)]:
            put_obj({"kind": kind, "metadata": {"name": name, "namespace": ons}}, ons)
        return
    if verb in ("annotate", "label"):
        changing()
        kind, name = kind_of(words[1]), words[2]
        obj = get_obj(kind, ns, name)
        if obj is None:
            fail(1, 'Error from server (NotFound): %s "%s" not found' % (kind, name))
        field = "annotations" if verb == "annotate" else "labels"
        target = cluster.data["nodes"][name]["labels"] if kind == "node" else obj["metadata"].setdefault(field, {})
        for kv in words[3:]:
            k, v = kv.split("=", 1)
            target[k] = v
        print("%s/%s %s" % (kind, name, "annotated" if verb == "annotate" else "labeled"))
        return
    if verb == "delete":
        changing()
        kind, name = kind_of(words[1]), words[2]
        if kind == "secret" and name == "kubeadm-certs":
            cluster.data["cert_key"] = ""
        elif cluster.data["objects"].pop(obj_key(kind, ns, name), None) is None and "--ignore-not-found" not in ARGS:
            fail(1, 'Error from server (NotFound): %s "%s" not found' % (kind, name))
        return
    if verb == "wait":
        what = words[1]
        if what in ("nodes", "node"):
            if not cni_ready():
                fail(1, "error: timed out waiting for the condition on nodes (no CNI: NetworkReady=false)")
            for n in cluster.data["nodes"]:
                print("node/%s condition met" % n)
            return
        if ns == "calico-system":
            if not cni_ready():
                fail(1, "error: no matching resources found")
            print("pod/calico-node condition met")
            return
        rel = cluster.data["releases"].get(ns)
        if not rel:
            fail(1, "error: no matching resources found")
        print("pod/%s condition met" % rel["name"])
        return
    if verb == "rollout":
        target = words[2]
        kind, name = target.split("/", 1)
        ok = cni_ready() if name == "coredns" else get_obj(kind_of(kind), ns, name) is not None
        if not ok:
            fail(1, "error: timed out waiting for %s to roll out" % target)
        print('%s "%s" successfully rolled out' % (kind, name))
        return
    fail(1, "unsupported kubectl call (test double): %s" % " ".join(ARGS))


# ----------------------------------------------------------------------------------- helm

def helm():
    words = positional(ARGS, with_value=("-f", "--values", "--namespace", "-n", "--timeout", "--kubeconfig", "-o"))
    if words[:1] == ["version"]:
        print("v3.19.0+g3d8990f")
        return
    if opt("--kubeconfig") != ADMIN_CONF or not os.path.exists(ADMIN_CONF):
        fail(1, "Error: Kubernetes cluster unreachable")
    ns = opt("--namespace", default=opt("-n", default="default"))
    if words[:1] == ["status"]:
        rel = cluster.data["releases"].get(ns)
        if not rel or rel["name"] != words[1]:
            fail(1, "Error: release: not found")
        print("NAME: %s\nSTATUS: deployed\nREVISION: %d" % (rel["name"], rel["revision"]))
        return
    if words[:1] == ["upgrade"] and "--install" in ARGS:
        changing()
        name, chart = words[1], words[2]
        values = opt("-f", default=opt("--values"))
        with open(os.path.join(chart, "Chart.yaml")) as f:
            meta = yaml.safe_load(f)
        with open(values, "rb") as f:
            _journal["config_sha256"] = hashlib.sha256(f.read()).hexdigest()
        if ns not in [k.split("/")[2] for k in cluster.data["objects"] if k.startswith("namespace/")]:
            if "--create-namespace" not in ARGS:
                fail(1, 'Error: namespaces "%s" not found' % ns)
            put_obj({"kind": "Namespace", "metadata": {"name": ns}}, "")
        rev = cluster.data["releases"].get(ns, {}).get("revision", 0) + 1
        cluster.data["releases"][ns] = {"name": name, "chart": "%s-%s" % (meta["name"], meta["version"]), "revision": rev}
        print('Release "%s" has been upgraded. Happy Helming!\nREVISION: %d' % (name, rev))
        return
    fail(1, "unsupported helm call (test double): %s" % " ".join(ARGS))


TOOLS = {"apt-get": apt_get, "apt-mark": apt_mark, "dpkg-query": dpkg_query, "systemctl": systemctl,
         "modprobe": modprobe, "sysctl": sysctl, "swapon": swapon, "swapoff": swapoff, "curl": curl,
         "kubeadm": kubeadm, "kubectl": kubectl, "helm": helm}


def main():
    code = 0
    try:
        TOOLS[TOOL]()
    except Exit as e:
        code = e.code
        if e.err:
            sys.stderr.write(e.err + "\n")
    node.save()
    cluster.save()
    _journal.update(node=NODE, ns=time.time_ns(), rc=code)
    with open(os.path.join(NODE_DIR, "journal.jsonl"), "a") as f:
        f.write(json.dumps(_journal) + "\n")
    sys.exit(code)


if __name__ == "__main__":
    main()
