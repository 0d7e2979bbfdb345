"""The load driver and the processes it measures.

Each process under test (the bot on one store, or one baseline) runs alone as a child of the driver,
started in its own session so it and only it can be stopped. The driver sends C conversations x T
turns with one pooled aiohttp client: the conversations run concurrently, each one's turns one after
another (a person waits for the answer before the next message). Latency is from sending a request
to having read its answer; the turn is complete by then (botbuilder and the Agents SDK both await
the whole turn, replies included, before answering the request). CPU time and peak RSS are read from
/proc for the process under test only.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import aiohttp

from .scenarios import Conversation, TurnType, conversation_id, dumps

ROOT = Path(__file__).resolve().parents[1]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
READY_TIMEOUT = 60.0
PHASE_TIMEOUT = 300.0  # no phase may run longer, whatever C x T is


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# /proc readings ---------------------------------------------------------------------------------

def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def machine_busy_seconds() -> float:
    """CPU time the whole machine spent busy (all cores; /proc/stat's first line, idle and iowait excluded)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / CLOCK_TICKS


def memory_kb(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            name, value = line.split(":", 1)
            out[name] = int(value.split()[0])
    return out


def reset_peak_rss(pid: int) -> bool:
    """Start a new peak-RSS window (Linux: writing 5 to clear_refs resets VmHWM)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


# Processes --------------------------------------------------------------------------------------

@dataclass
class Process:
    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    log: Path
    port: int = 0
    ready_path: str = "/"
    popen: Optional[subprocess.Popen] = None
    ready_seconds: float = 0.0

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> "Process":
        """Start and wait until it answers HTTP on ready_path (any answer below 500 for baselines without a
        health route; /healthz must say 200). ready_seconds: from process start to that answer."""
        self.port = self.port or free_port()
        env = {**self.env, "PORT": str(self.port)}
        log = open(self.log, "ab")
        started = time.perf_counter()
        self.popen = subprocess.Popen(self.argv, cwd=self.cwd, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = started + READY_TIMEOUT
        async with aiohttp.ClientSession() as session:
            while time.perf_counter() < deadline:
                if self.popen.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {self.popen.returncode}; see {self.log}")
                try:
                    async with session.get(self.url + self.ready_path,
                                           timeout=aiohttp.ClientTimeout(total=2)) as response:
                        ok = response.status == 200 if self.ready_path == "/healthz" else response.status < 500
                        if ok:
                            self.ready_seconds = time.perf_counter() - started
                            return self
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    pass
                await asyncio.sleep(0.01)
        self.stop()
        raise RuntimeError(f"{self.name} was not ready within {READY_TIMEOUT:.0f} s; see {self.log}")

    def stop(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
            self.popen.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)


def python_process(name: str, module_or_script: list[str], env: dict[str, str], workdir: Path,
                   ready_path: str = "/") -> Process:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("Microsoft", "COSMOS_", "CONNECTIONS__"))}
    base.update({"PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", "HOST": "127.0.0.1", "MicrosoftAppId": "",
                 "MicrosoftAppPassword": ""})
    base.update(env)
    return Process(name, [sys.executable, *module_or_script], base, workdir, workdir / f"{name}.log",
                   ready_path=ready_path)


# The driver -------------------------------------------------------------------------------------

@dataclass
class PhaseResult:
    target: str
    turn_type: str
    conversations: int
    turns: int
    seconds: float
    latencies_ms: list[float]
    errors: dict[str, int] = field(default_factory=dict)
    cpu_ms_per_turn: float = 0.0
    peak_rss_mb: float = 0.0
    rss_mb: float = 0.0
    store_ops: dict[str, float] = field(default_factory=dict)  # per turn
    cross_partition: int = 0
    background_ops: dict[str, int] = field(default_factory=dict)
    connector_calls: dict[str, int] = field(default_factory=dict)
    other_load: float = 0.0  # cores kept busy by processes outside the benchmark during the phase

    @property
    def throughput(self) -> float:
        return self.turns / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        rank = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
        return ordered[rank]

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


class Driver:
    def __init__(self, connector_url: str, own_pids: Optional[list[int]] = None):
        self.connector_url = connector_url.rstrip("/") + "/"
        self.session: Optional[aiohttp.ClientSession] = None
        self.own_pids = own_pids if own_pids is not None else []  # the stand-ins: their CPU is not "other load"

    def _own_cpu(self, target: Process) -> float:
        total = 0.0
        for pid in {os.getpid(), target.pid, *self.own_pids}:
            try:
                total += cpu_seconds(pid)
            except (OSError, IndexError):
                pass
        return total

    async def __aenter__(self) -> "Driver":
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, force_close=False),
                                             timeout=aiohttp.ClientTimeout(total=60))
        return self

    async def __aexit__(self, *exc) -> None:
        await self.session.close()

    def sender(self, target: Process):
        url = target.url + "/api/messages"
        headers = {"Content-Type": "application/json"}

        async def send(body: dict) -> tuple[int, Any]:
            async with self.session.post(url, data=dumps(body), headers=headers) as response:
                raw = await response.read()
                status = response.status
            if raw and raw[:1] in (b"{", b"["):
                return status, json.loads(raw)
            return status, None

        return send

    async def last_posted(self, conversation: str) -> dict:
        async with self.session.get(self.connector_url + "bench/last", params={"conversation": conversation}) as r:
            if r.status != 200:
                raise RuntimeError(f"the connector has nothing posted to {conversation}")
            return await r.json(content_type=None)

    async def connector_stats(self) -> dict[str, int]:
        async with self.session.get(self.connector_url + "bench/stats") as response:
            return await response.json()

    async def bot_stats(self, target: Process, reset: bool = False) -> Optional[dict]:
        """The counting bot's counters and CPU clock (bench/serve_bot.py), zeroed first with `reset`;
        None from a process without them."""
        try:
            async with self.session.request("POST" if reset else "GET",
                                            target.url + ("/bench/reset" if reset else "/bench/stats")) as response:
                return await response.json() if response.status == 200 else None
        except aiohttp.ClientError:
            return None

    async def run(self, target: Process, turn_type: TurnType, conversations: int, turns: int,
                  label: str = "", counts: bool = False) -> PhaseResult:
        """Warm every conversation up (untimed), then time conversations x turns."""
        send = self.sender(target)
        label = label or f"{target.name}-{turn_type.name}"
        convs = [Conversation(conversation_id(label, n), self.connector_url) for n in range(conversations)]
        if turn_type.warm_up:
            semaphore = asyncio.Semaphore(conversations)

            async def warm(conv: Conversation) -> None:
                async with semaphore:
                    await turn_type.warm_up(conv, send, self.last_posted)

            await asyncio.wait_for(asyncio.gather(*(warm(c) for c in convs)), PHASE_TIMEOUT)

        latencies: list[float] = []
        errors: dict[str, int] = {}

        async def talk(conv: Conversation) -> None:
            for t in range(turns):
                body = turn_type.turn(conv, t)
                began = time.perf_counter()
                try:
                    status, answer = await send(body)
                except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                    errors[type(error).__name__] = errors.get(type(error).__name__, 0) + 1
                    continue
                latencies.append((time.perf_counter() - began) * 1000)
                if turn_type.expect_invoke:
                    ok = status == 200 and isinstance(answer, dict) and \
                        answer.get("type") == "application/vnd.microsoft.card.adaptive"
                else:
                    ok = status in (200, 201, 202)
                if not ok:
                    key = f"HTTP {status}"
                    errors[key] = errors.get(key, 0) + 1

        stats_before = await self.bot_stats(target, reset=True) if counts else None
        before_connector = await self.connector_stats()
        reset_peak_rss(target.pid)
        cpu_before, own_before, busy_before = cpu_seconds(target.pid), self._own_cpu(target), machine_busy_seconds()
        began = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(talk(c) for c in convs)), PHASE_TIMEOUT)
        seconds = time.perf_counter() - began
        cpu = cpu_seconds(target.pid) - cpu_before
        other = (machine_busy_seconds() - busy_before) - (self._own_cpu(target) - own_before)
        memory = memory_kb(target.pid)
        stats = await self.bot_stats(target) if counts else None
        if stats_before and stats and "cpu_seconds" in stats:
            cpu = stats["cpu_seconds"] - stats_before["cpu_seconds"]  # the bot's own clock: ns, not 10 ms ticks
        after_connector = await self.connector_stats()
        total = conversations * turns
        result = PhaseResult(target.name, turn_type.name, conversations, total, seconds, latencies, errors,
                             cpu_ms_per_turn=cpu * 1000 / total, peak_rss_mb=memory.get("VmHWM", 0) / 1024,
                             rss_mb=memory.get("VmRSS", 0) / 1024, other_load=max(0.0, other / seconds),
                             connector_calls={k: after_connector[k] - before_connector.get(k, 0)
                                              for k in after_connector})
        if counts:
            if stats is not None:
                result.store_ops = {k: v / total for k, v in sorted(stats["turn"].items())}
                result.cross_partition = stats["cross_partition"]
                result.background_ops = stats["background"]
        return result
