#!/usr/bin/env python3
"""Object-by-object agreement of kubeward with kube-linter, kube-score, polaris and checkov on
the real corpora (../shared/corpus/real, peers' outputs in ../shared/peers).

For every mapped check (a peer check and the kubeward rules that cover it), per corpus: the
objects either side flags, compared by (kind, name). The universe of a mapping is every object
of the kinds the check applies to that any tool mentions in that corpus (kube-score lists
every object it read, passing or not). Agreement = objects where both flag or neither does.

    python3 bench/peers.py --kubeward target/release/kubeward [--kubeward OLD ...]
"""
import argparse
import collections
import gzip
import json
import os
import subprocess
import sys

WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod", "ReplicaSet",
             "ReplicationController", "DeploymentConfig"}
RBAC_ROLES = {"Role", "ClusterRole"}
BINDINGS = {"RoleBinding", "ClusterRoleBinding"}

# (tool, check) -> (kubeward rules, kinds). Left out, different semantics: kube-linter
# privilege-escalation-container (explicit `true` only) and drop-net-raw-capability (NET_RAW
# only, kubeward asks for ALL); kube-score container-seccomp-profile (annotation era).
MAP = {
    ("kube-linter", "non-isolated-pod"): ({"missing-network-policy"}, WORKLOADS),
    ("kube-linter", "latest-tag"): ({"image-latest-tag"}, WORKLOADS),
    ("kube-linter", "default-service-account"): ({"default-service-account"}, WORKLOADS),
    ("kube-linter", "privileged-container"): ({"privileged-container"}, WORKLOADS),
    ("kube-linter", "run-as-non-root"): ({"run-as-root", "non-root-not-required"}, WORKLOADS),
    ("kube-linter", "no-read-only-root-fs"): ({"writable-root-filesystem"}, WORKLOADS),
    ("kube-linter", "host-network"): ({"host-network"}, WORKLOADS),
    ("kube-linter", "host-pid"): ({"host-pid"}, WORKLOADS),
    ("kube-linter", "host-ipc"): ({"host-ipc"}, WORKLOADS),
    ("kube-linter", "env-var-secret"): ({"env-literal-secret"}, WORKLOADS),
    ("kube-linter", "sensitive-host-mounts"): ({"host-path-volume"}, WORKLOADS),
    ("kube-linter", "docker-sock"): (
        {"container-runtime-socket", "runtime-socket-unreachable-mount"}, WORKLOADS),
    ("kube-linter", "unsafe-sysctls"): ({"unsafe-sysctls"}, WORKLOADS),
    ("kube-linter", "unsafe-proc-mount"): ({"unsafe-proc-mount"}, WORKLOADS),
    ("kube-linter", "exposed-services"): ({"node-port-service", "exposed-load-balancer"}, {"Service"}),
    ("kube-linter", "access-to-secrets"): ({"rbac-secrets-access"}, RBAC_ROLES | BINDINGS),
    ("kube-linter", "wildcard-in-rules"): ({"rbac-wildcard"}, RBAC_ROLES),
    ("kube-linter", "cluster-admin-role-binding"): ({"cluster-admin-binding"}, BINDINGS),
    ("kube-linter", "access-to-create-pods"): ({"rbac-workload-create"}, RBAC_ROLES | BINDINGS),
    ("kube-linter", "unset-memory-requirements"): ({"missing-resource-limits"}, WORKLOADS),
    ("kube-score", "pod-networkpolicy"): ({"missing-network-policy"}, WORKLOADS),
    ("kube-score", "container-image-tag"): ({"image-latest-tag"}, WORKLOADS),
    ("kube-score", "container-image-pull-policy"): ({"image-pull-policy"}, WORKLOADS),
    ("polaris", "privilegeEscalationAllowed"): (
        {"privilege-escalation", "allow-privilege-escalation-unset"}, WORKLOADS),
    ("polaris", "runAsRootAllowed"): ({"run-as-root", "non-root-not-required"}, WORKLOADS),
    ("polaris", "notReadOnlyRootFilesystem"): ({"writable-root-filesystem"}, WORKLOADS),
    ("polaris", "runAsPrivileged"): ({"privileged-container"}, WORKLOADS),
    ("polaris", "hostNetworkSet"): ({"host-network"}, WORKLOADS),
    ("polaris", "hostPIDSet"): ({"host-pid"}, WORKLOADS),
    ("polaris", "hostIPCSet"): ({"host-ipc"}, WORKLOADS),
    ("polaris", "tagNotSpecified"): ({"image-latest-tag"}, WORKLOADS),
    ("polaris", "missingNetworkPolicy"): ({"missing-network-policy"}, WORKLOADS),
    ("polaris", "automountServiceAccountToken"): ({"automount-service-account-token"}, WORKLOADS),
    ("polaris", "dangerousCapabilities"): (
        {"dangerous-capabilities", "misspelt-capability"}, WORKLOADS),
    ("polaris", "insecureCapabilities"): ({"capabilities-not-dropped"}, WORKLOADS),
    ("polaris", "hostPathSet"): ({"host-path-volume"}, WORKLOADS),
    ("polaris", "hostPortSet"): ({"host-port"}, WORKLOADS),
    ("checkov", "CKV_K8S_16"): ({"privileged-container"}, WORKLOADS),
    ("checkov", "CKV_K8S_20"): (
        {"privilege-escalation", "allow-privilege-escalation-unset"}, WORKLOADS),
    ("checkov", "CKV_K8S_17"): ({"host-pid"}, WORKLOADS),
    ("checkov", "CKV_K8S_18"): ({"host-ipc"}, WORKLOADS),
    ("checkov", "CKV_K8S_19"): ({"host-network"}, WORKLOADS),
    ("checkov", "CKV_K8S_22"): ({"writable-root-filesystem"}, WORKLOADS),
    ("checkov", "CKV_K8S_23"): ({"run-as-root", "non-root-not-required"}, WORKLOADS),
    ("checkov", "CKV_K8S_28"): ({"capabilities-not-dropped"}, WORKLOADS),
    ("checkov", "CKV_K8S_14"): ({"image-latest-tag"}, WORKLOADS),
    ("checkov", "CKV_K8S_43"): ({"image-not-pinned"}, WORKLOADS),
    ("checkov", "CKV_K8S_31"): ({"seccomp-profile", "seccomp-profile-unset"}, WORKLOADS),
    ("checkov", "CKV_K8S_38"): ({"automount-service-account-token"}, WORKLOADS),
    ("checkov", "CKV_K8S_27"): (
        {"container-runtime-socket", "runtime-socket-unreachable-mount"}, WORKLOADS),
    ("checkov", "CKV_K8S_49"): ({"rbac-wildcard"}, RBAC_ROLES),
    ("checkov", "CKV_K8S_42"): ({"rbac-shared-service-account"}, BINDINGS),
    ("checkov", "CKV_K8S_153"): ({"ingress-nginx-snippet"}, {"Ingress"}),
    ("checkov", "CKV_K8S_155"): (
        {"rbac-security-policy-write", "rbac-named-signer-approval"}, RBAC_ROLES),
    ("checkov", "CKV_K8S_156"): ({"rbac-privilege-escalation"}, RBAC_ROLES),
    ("checkov", "CKV_K8S_157"): ({"rbac-privilege-escalation"}, RBAC_ROLES),
    ("checkov", "CKV_K8S_158"): ({"rbac-privilege-escalation"}, RBAC_ROLES),
    ("checkov", "CKV_K8S_26"): ({"host-port"}, WORKLOADS),
    ("checkov", "CKV_K8S_25"): (
        {"dangerous-capabilities", "misspelt-capability"}, WORKLOADS),
}


def norm(key):
    """RBAC findings sit on the role (kubeward) or on the binding (kube-linter): compare RBAC
    objects by name."""
    kind, name = key
    return ("RBAC", name) if kind in RBAC_ROLES | BINDINGS else key


def load(path):
    if not os.path.exists(path):
        return None
    with gzip.open(path, "rt") as f:
        return json.load(f)


def peer_hits(tool, corpus, peers):
    """{check: set((kind, name))}, and every (kind, name) the tool mentions."""
    hits = collections.defaultdict(set)
    seen = set()
    d = load(os.path.join(peers, f"{tool}-{corpus}.json.gz"))
    if d is None:
        return None, seen
    if tool == "kube-linter":
        for r in d.get("Reports") or []:
            o = r["Object"]["K8sObject"]
            key = (o["GroupVersionKind"]["Kind"], o["Name"])
            hits[r["Check"]].add(key)
            seen.add(key)
    elif tool == "kube-score":
        for o in d:
            key = (o["type_meta"]["kind"], o["object_meta"].get("name") or o.get("object_name", ""))
            seen.add(key)
            for c in o["checks"]:
                if not c.get("skipped") and c["grade"] < 10:
                    hits[c["check"]["id"]].add(key)
    elif tool == "polaris":
        for o in d.get("Results") or []:
            key = (o["Kind"], o["Name"])
            seen.add(key)
            results = dict(o.get("Results") or {})
            pod = o.get("PodResult") or {}
            results.update(pod.get("Results") or {})
            for c in pod.get("ContainerResults") or []:
                results.update(c.get("Results") or {})
            for cid, r in results.items():
                if not r.get("Success", True):
                    hits[cid].add(key)
    elif tool == "checkov":
        runs = d if isinstance(d, list) else [d]
        for run in runs:
            for r in run.get("results", {}).get("failed_checks", []):
                kind, _, rest = r["resource"].partition(".")
                name = rest.split(".", 1)[1] if "." in rest else rest
                key = (kind, name)
                hits[r["check_id"]].add(key)
                seen.add(key)
    return hits, seen


def kubeward_hits(binary, corpus, real):
    out = subprocess.run([binary, "lint", "--format", "json", "--fail-on", "never", "--no-progress", corpus],
                         cwd=real, capture_output=True, text=True, check=True).stdout
    hits = collections.defaultdict(set)
    seen = set()
    for f in json.loads(out)["findings"]:
        o = f.get("object") or {}
        if not o.get("kind"):
            continue
        key = (o["kind"], o.get("name") or "")
        hits[f["rule"]].add(key)
        seen.add(key)
    return hits, seen


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kubeward", action="append", required=True, help="binary (repeat to compare builds)")
    ap.add_argument("--shared", default=os.path.join(here, "..", "..", "shared"))
    ap.add_argument("--detail", action="store_true", help="list the disagreeing objects")
    a = ap.parse_args()
    real = os.path.join(a.shared, "corpus", "real")
    peers = os.path.join(a.shared, "peers")
    corpora = sorted(c for c in os.listdir(real) if os.path.isdir(os.path.join(real, c)))
    kw = {b: {c: kubeward_hits(os.path.abspath(b), c, real) for c in corpora} for b in a.kubeward}
    pe = {(t, c): peer_hits(t, c, peers) for t in ("kube-linter", "kube-score", "polaris", "checkov") for c in corpora}
    header = ["tool", "check", "kubeward rules", "objects"] + [f"agree[{os.path.basename(b)}]" for b in a.kubeward]
    print("\t".join(header))
    totals = collections.defaultdict(lambda: [0, 0])
    for (tool, check), (rules, kinds) in sorted(MAP.items()):
        n_objects = 0
        agree = {b: 0 for b in a.kubeward}
        details = []
        for c in corpora:
            ph, pseen = pe[(tool, c)]
            if ph is None:
                continue
            universe = {norm(k) for k in pseen if k[0] in kinds}
            for b in a.kubeward:
                universe |= {norm(k) for k in kw[b][c][1] if k[0] in kinds}
            p = {norm(k) for k in ph.get(check, set())} & universe
            n_objects += len(universe)
            for b in a.kubeward:
                k = {norm(x) for r in rules for x in kw[b][c][0].get(r, set())} & universe
                diff = p ^ k
                agree[b] += len(universe) - len(diff)
                if a.detail and diff:
                    details.append(f"    {os.path.basename(b)} {c}: peer only {sorted(p - k)[:5]} kubeward only {sorted(k - p)[:5]}")
        if n_objects == 0:
            continue
        row = [tool, check, ",".join(sorted(rules)), str(n_objects)]
        for b in a.kubeward:
            row.append(f"{100.0 * agree[b] / n_objects:.1f}%")
            totals[b][0] += agree[b]
            totals[b][1] += n_objects
        print("\t".join(row))
        for d in details:
            print(d)
    print("\t".join(["all", "", "", str(next(iter(totals.values()))[1])] +
                    [f"{100.0 * totals[b][0] / totals[b][1]:.2f}%" for b in a.kubeward]))


if __name__ == "__main__":
    sys.exit(main())
