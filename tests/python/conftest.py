"""Starts Conifer's worker (node worker/dev.mjs: workerd through miniflare)
on a free loopback port with a throwaway state directory, for the Python
SDK tests."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "py-admin-key"
KEYS = {"tenant1": "py-key-tenant1", "tenant2": "py-key-tenant2"}


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def worker():
    port = _free_port()
    state = tempfile.mkdtemp(prefix="conifer-py-")
    env = dict(os.environ)
    env.update(
        PORT=str(port),
        CONIFER_STATE_DIR=state,
        CONIFER_ADMIN_KEY=ADMIN,
        CONIFER_API_KEYS=",".join(f"{k}={t}" for t, k in KEYS.items()),
        CONIFER_PROJECT_NAME="py-tests",
    )
    proc = subprocess.Popen(
        ["node", str(ROOT / "worker" / "dev.mjs")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.time() + 60
    lines = []
    while True:
        line = proc.stdout.readline()
        if line:
            lines.append(line)
        if "listening on" in line:
            break
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            raise RuntimeError("worker did not start:\n" + "".join(lines))
    try:
        yield {"url": f"http://127.0.0.1:{port}", "admin": ADMIN, "keys": KEYS}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(state, ignore_errors=True)
