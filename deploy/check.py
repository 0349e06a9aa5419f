#!/usr/bin/env python3
"""Checks the deployment files against the project, without Docker or Kubernetes (neither runs where Zhiku is
built): the YAML parses, the Kubernetes objects are the expected ones and wired to each other, every ZHIKU_*
variable they set is one Zhiku documents, the probes hit Zhiku's health routes, and the image's build stage
installs what scripts/setup.sh installs for a build. Prints one line per problem; exit 1 when there is any.

    python3 deploy/check.py [ROOT]      (ROOT: the repository, default: this file's parent folder's parent)
"""
import os
import re
import sys

import yaml

root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
problems = []


def read(path):
    with open(os.path.join(root, path), encoding="utf-8") as f:
        return f.read()


documented = set(re.findall(r"`(ZHIKU_[A-Z_]+)`", read("README.md")))
if not documented:
    problems.append("README.md documents no ZHIKU_ variables")


def check_vars(where, names):
    for name in names:
        if name.startswith("ZHIKU_") and name not in documented:
            problems.append(f"{where}: {name} is not a documented Zhiku variable")


# Kubernetes
docs = [d for d in yaml.safe_load_all(read("deploy/kubernetes/zhiku.yaml")) if d]
kinds = {d["kind"]: d for d in docs}
for kind in ["ConfigMap", "Secret", "PersistentVolumeClaim", "Deployment", "Service"]:
    if kind not in kinds:
        problems.append(f"kubernetes: no {kind}")
if "Deployment" in kinds:
    dep = kinds["Deployment"]
    spec = dep["spec"]
    if spec.get("replicas") != 1:
        problems.append("kubernetes: SQLite mode needs exactly one replica")
    if spec["selector"]["matchLabels"] != spec["template"]["metadata"]["labels"]:
        problems.append("kubernetes: the Deployment's selector does not match its pods")
    container = spec["template"]["spec"]["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
    if ports.get("http") != 8080:
        problems.append("kubernetes: the container does not expose http on 8080 (Zhiku's port in the image)")
    for probe, path in [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")]:
        got = container.get(probe, {}).get("httpGet", {}).get("path")
        if got != path:
            problems.append(f"kubernetes: {probe} should GET {path}, not {got}")
    limits = container.get("resources", {}).get("limits", {})
    if "memory" not in limits or "cpu" not in limits:
        problems.append("kubernetes: the container has no cpu and memory limits")
    mounts = {m["name"]: m["mountPath"] for m in container.get("volumeMounts", [])}
    if mounts.get("data") != "/data":
        problems.append("kubernetes: the data volume is not mounted at /data (ZHIKU_DATA in the image)")
    claims = [v.get("persistentVolumeClaim", {}).get("claimName") for v in spec["template"]["spec"].get("volumes", [])]
    if "PersistentVolumeClaim" in kinds and kinds["PersistentVolumeClaim"]["metadata"]["name"] not in claims:
        problems.append("kubernetes: the Deployment does not use the PersistentVolumeClaim")
    refs = [e.get("configMapRef", e.get("secretRef", {})).get("name") for e in container.get("envFrom", [])]
    for kind in ["ConfigMap", "Secret"]:
        if kind in kinds and kinds[kind]["metadata"]["name"] not in refs:
            problems.append(f"kubernetes: the container does not read the {kind}")
if "Service" in kinds:
    svc = kinds["Service"]["spec"]
    if "Deployment" in kinds and svc["selector"] != kinds["Deployment"]["spec"]["template"]["metadata"]["labels"]:
        problems.append("kubernetes: the Service selects no Zhiku pod")
    if svc["ports"][0].get("targetPort") not in ("http", 8080):
        problems.append("kubernetes: the Service does not target the http port")
check_vars("kubernetes ConfigMap", kinds.get("ConfigMap", {}).get("data", {}).keys())
check_vars("kubernetes Secret", kinds.get("Secret", {}).get("stringData", {}).keys())

# Compose
compose = yaml.safe_load(read("deploy/compose.yaml"))
zhiku = compose.get("services", {}).get("zhiku")
if not zhiku:
    problems.append("compose: no zhiku service")
else:
    check_vars("compose", (zhiku.get("environment") or {}).keys())
    if not any(v.endswith(":/data") for v in zhiku.get("volumes", [])):
        problems.append("compose: the zhiku service keeps no volume at /data")
    if zhiku.get("build", {}).get("dockerfile") != "deploy/Dockerfile":
        problems.append("compose: zhiku is not built from deploy/Dockerfile")

# Dockerfile
dockerfile = read("deploy/Dockerfile")
stages = re.findall(r"^FROM\s+\S+(?:\s+AS\s+(\w+))?", dockerfile, re.M)
if len(stages) < 2 or stages[0] != "build":
    problems.append("Dockerfile: expected a build stage named 'build' and a run stage")
for source in re.findall(r"COPY --from=(\w+)", dockerfile):
    if source not in stages:
        problems.append(f"Dockerfile: COPY --from={source} names no stage")
env_block = re.findall(r"^ENV\s+((?:.*\\\n)*.*)$", dockerfile, re.M)
check_vars("Dockerfile", re.findall(r"(ZHIKU_[A-Z_]+)=", " ".join(env_block)))
setup = read("scripts/setup.sh")
build_packages = set(re.search(r"packages=\(([^)]*)\)", setup).group(1).split())
build_stage = dockerfile.split("FROM debian")[0]
for package in sorted(build_packages - {"tesseract-ocr", "tesseract-ocr-chi-sim", "tesseract-ocr-eng"}):
    if not re.search(rf"\b{re.escape(package)}\b", build_stage):
        problems.append(f"Dockerfile: the build stage does not install {package} (scripts/setup.sh does)")
if "EXPOSE 8080" not in dockerfile or "ZHIKU_PORT=8080" not in dockerfile:
    problems.append("Dockerfile: the image should listen on and expose 8080")

for p in problems:
    print(p)
sys.exit(1 if problems else 0)
