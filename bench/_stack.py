"""A local stack process for the benchmarks: on a free loopback port, watched until it serves,
stopped with Ctrl-C like a person would (not a benchmark itself: `make bench` skips _ files)."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tools.local_http import free_port

REPO = Path(__file__).resolve().parents[1]


class StackProcess:
    """``command`` (serving on ``port``) run from the repository root, its console kept for when it fails."""

    def __init__(self, command: list[str], port: int) -> None:
        self.port = port
        env = {k: v for k, v in os.environ.items() if k != "DYNAMODB_ENDPOINT_URL"}
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def console(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def wait_until_serving(self, timeout: float = 180, poll: float = 0.005) -> float:
        """Seconds from launch to the first 200 from GET /v1/questionnaire."""
        deadline = self.started + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the local stack exited:\n{self.console()}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", "/v1/questionnaire")
                ok = connection.getresponse().status == 200
                connection.close()
                if ok:
                    return time.perf_counter() - self.started
            except OSError:
                pass
            time.sleep(poll)
        raise SystemExit(f"the local stack did not answer within {timeout:.0f} s:\n{self.console()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)  # Ctrl-C reaches the whole process group
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def percentile(values: list[float], share: float) -> float:
    """Nearest rank: the value below which ``share`` of the values lie."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(share * (len(ordered) - 1))))
    return ordered[rank]


__all__ = ["REPO", "StackProcess", "free_port", "percentile"]
