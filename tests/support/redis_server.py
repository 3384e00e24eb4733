"""Real Redis servers for the remote cache tests: Debian's `redis-server`, installed here when it
is missing (apt-get, as root or through sudo, as CI must), each started on 127.0.0.1 with its
own port and temp directory (no persistence), and stopped by its pid at the end.

`RedisServer` is one standalone server (optionally with a password, or a unix socket);
`RedisCluster` is three masters in cluster mode joined with `redis-cli --cluster create`.
Faults are real: `pause()` is SIGSTOP (requests hang), `kill()` is SIGKILL.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

START_TIMEOUT_S = 20.0


def ensure_redis_installed() -> tuple[str, str]:
    """Paths of `redis-server` and `redis-cli`, installing Debian's packages when missing."""
    server, cli = shutil.which("redis-server"), shutil.which("redis-cli")
    if server and cli:
        return server, cli
    _apt_install("redis-server")
    server, cli = shutil.which("redis-server"), shutil.which("redis-cli")
    if not (server and cli):
        raise RuntimeError("apt-get installed redis-server but it is not on PATH")
    return server, cli


def _apt_install(package: str) -> None:
    """Debian's package, as root or through sudo (CI starts from a clean machine)."""
    prefix: list[str] = []
    if os.geteuid() != 0:
        sudo = shutil.which("sudo")
        if sudo is None:
            raise RuntimeError(f"{package} is missing and neither root nor sudo can install it")
        prefix = [sudo, "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*prefix, "apt-get", "update", "-qq"], check=True, env=env, timeout=600)
    subprocess.run(
        [*prefix, "apt-get", "install", "-y", "-qq", "--no-install-recommends", package],
        check=True,
        env=env,
        timeout=600,
        stdout=subprocess.DEVNULL,
    )


def free_port(*, cluster: bool = False) -> int:
    """A free loopback port; for a cluster node one below 55536 whose bus port (+10000) is
    free too."""
    if not cluster:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return int(sock.getsockname()[1])
    for _ in range(200):
        port = random.randint(20000, 45000)
        if _free(port) and _free(port + 10000):
            return port
    raise RuntimeError("no free port pair for a cluster node")


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class RedisServer:
    """One redis-server on loopback. `url` has the password in it when one is set."""

    def __init__(
        self,
        directory: Path,
        *,
        password: str | None = None,
        cluster: bool = False,
        unix_socket: bool = False,
        tls: bool = False,
        extra: tuple[str, ...] = (),
    ) -> None:
        self.server_bin, self.cli_bin = ensure_redis_installed()
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port(cluster=cluster)
        self.password = password
        self.cluster = cluster
        self.socket_path = directory / "redis.sock" if unix_socket else None
        self._extra = extra
        self.tls = tls
        self.ca_cert = directory / "ca.crt"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        if self.tls:
            return f"rediss://{auth}127.0.0.1:{self.port}/0?ssl_ca_certs={self.ca_cert}"
        if self.socket_path is not None:
            query = f"?password={self.password}" if self.password else ""
            return f"unix://{self.socket_path}{query}"
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        args = [
            self.server_bin,
            *self._listen(),
            "--bind",
            "127.0.0.1",
            "--protected-mode",
            "yes",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.directory),
            "--logfile",
            str(self.directory / "redis.log"),
            "--daemonize",
            "no",
        ]
        if self.password:
            args += ["--requirepass", self.password]
        if self.socket_path is not None:
            args += ["--unixsocket", str(self.socket_path), "--unixsocketperm", "700"]
        if self.cluster:
            args += [
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                str(self.directory / "nodes.conf"),
                "--cluster-node-timeout",
                "2000",
            ]
        args += list(self._extra)
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited: {self.log_tail()}")
            if self.cli("PING", check=False).strip() == "PONG":
                return self
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer PING: {self.log_tail()}")

    def _listen(self) -> list[str]:
        if not self.tls:
            return ["--port", str(self.port)]
        make_certificates(self.directory)
        return [
            "--port",
            "0",
            "--tls-port",
            str(self.port),
            "--tls-cert-file",
            str(self.directory / "server.crt"),
            "--tls-key-file",
            str(self.directory / "server.key"),
            "--tls-ca-cert-file",
            str(self.ca_cert),
            "--tls-auth-clients",
            "no",
        ]

    def cli(self, *command: str, check: bool = True) -> str:
        args = [self.cli_bin, "-h", "127.0.0.1", "-p", str(self.port)]
        if self.tls:
            args += ["--tls", "--cacert", str(self.ca_cert)]
        if self.password:
            args += ["--no-auth-warning", "-a", self.password]
        result = subprocess.run(
            [*args, *command], capture_output=True, text=True, timeout=10, check=False
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"redis-cli {command}: {result.stderr}")
        return result.stdout

    def client(self) -> Any:
        import redis

        return redis.Redis.from_url(self.url, socket_timeout=5)

    def used_memory(self) -> int:
        for line in self.cli("INFO", "memory").splitlines():
            if line.startswith("used_memory:"):
                return int(line.split(":", 1)[1])
        raise RuntimeError("no used_memory in INFO")

    def pause(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)
            self.process.kill()
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)  # a paused server cannot handle SIGTERM
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if self.process.stderr is not None:
            self.process.stderr.close()

    def log_tail(self) -> str:
        log = self.directory / "redis.log"
        return log.read_text(errors="replace")[-2000:] if log.exists() else ""

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def make_certificates(directory: Path) -> None:
    """A throw-away CA and a server certificate for 127.0.0.1 (openssl, installed if missing)."""
    if shutil.which("openssl") is None:
        _apt_install("openssl")

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
        "-days", "2", "-subj", "/CN=arama-test-ca")  # fmt: skip
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=127.0.0.1")  # fmt: skip
    (directory / "san.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "san.cnf")  # fmt: skip


class RedisCluster:
    """Three masters in cluster mode on loopback (no replicas), slots spread by redis-cli."""

    def __init__(self, directory: Path, *, masters: int = 3) -> None:
        self.nodes = [RedisServer(directory / f"node{i}", cluster=True) for i in range(masters)]

    @property
    def url(self) -> str:
        return self.nodes[0].url

    def start(self) -> RedisCluster:
        try:
            for node in self.nodes:
                node.start()
            addresses = [f"127.0.0.1:{node.port}" for node in self.nodes]
            self.nodes[0].cli("--cluster", "create", *addresses, "--cluster-yes")
            deadline = time.monotonic() + START_TIMEOUT_S
            while time.monotonic() < deadline:
                if all("cluster_state:ok" in n.cli("CLUSTER", "INFO") for n in self.nodes):
                    return self
                time.sleep(0.1)
            raise RuntimeError("the cluster did not reach cluster_state:ok")
        except BaseException:
            self.stop()
            raise

    def keys_per_node(self) -> list[int]:
        return [int(node.cli("DBSIZE").strip()) for node in self.nodes]

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def __enter__(self) -> RedisCluster:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
