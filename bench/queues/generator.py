"""Load generator for bench/queues/run-baselines: the queues people would pick instead.

One process, asyncio (uvloop when it is installed), N clients, each doing one
durable write at a time as fast as it can: a warm-up that is not counted, then a
measured window. Counted are the writes that *complete* inside the window (as wrk
counts), with the latency of each; a write that fails counts as an error.

Subcommands (run-baselines calls them; they can be run by hand from its venv):

  pgqueuer-setup     install PgQueuer's schema with its own API unless present;
                     prints "installed" or "present"
  pgqueuer-teardown  --mode uninstall|clear: drop PgQueuer's objects again, or
                     only delete the jobs this benchmark enqueued
  pgqueuer           N clients, one asyncpg connection each; each call is
                     Queries.enqueue(entrypoint, payload) of ONE job
  wait-amqp          connect to RabbitMQ until it answers (or --timeout, or
                     --pid has died)
  rabbitmq           N clients, one AMQP connection and one channel with
                     publisher confirms each; a durable quorum queue; each
                     publish is persistent and waits for its confirm

The benchmark subcommands print ONE line on stdout, KEY=value fields separated
by single spaces, no spaces inside values:

  PGQUEUER clients=8 seconds=10.00 jobs=N rate=R p50_ms=A p99_ms=B errors=E
    version=V bytes=S generator_cores=G server_cores=C host_cores=H ...

Everything else goes to stderr.

CPU figures are cores (CPU-seconds per second) over the measured window, read
from /proc: generator_cores is this process; server_cores is the process tree
under --server-pid (PostgreSQL's postmaster and its backends, or RabbitMQ's
start script and beam.smp); host_cores is the whole machine (everyone's load),
from /proc/stat. A field is left out when it cannot be read.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
import time
from importlib import metadata

ENTRYPOINT = "mash_bench_intake"
QUEUE_NAME = "mash-bench-intake"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(message: str) -> None:
    print(f"generator: {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# CPU accounting from /proc
# ---------------------------------------------------------------------------


def _stat_fields(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read().decode("ascii", "replace")
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    return raw[raw.rindex(")") + 2 :].split()


def tree_cpu_seconds(root: int) -> float | None:
    """utime+stime+cutime+cstime of *root* and every process below it.

    A child that exits inside the window moves its time into its parent's
    cutime/cstime, so the sum over the tree stays continuous.
    """
    children: dict[int, list[int]] = {}
    ticks: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat_fields(int(entry))
        if fields is None:
            continue
        pid = int(entry)
        # after ')': [0]=state [1]=ppid ... [11]=utime [12]=stime [13]=cutime [14]=cstime
        children.setdefault(int(fields[1]), []).append(pid)
        ticks[pid] = sum(int(x) for x in fields[11:15])
    if root not in ticks:
        return None
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += ticks.get(pid, 0)
        todo.extend(children.get(pid, ()))
    return total / CLK_TCK


def host_busy_seconds() -> float | None:
    try:
        with open("/proc/stat") as f:
            first = f.readline().split()
    except OSError:
        return None
    values = [int(x) for x in first[1:]]
    # user nice system idle iowait irq softirq steal [guest guest_nice: already in user/nice]
    busy = sum(values[:8]) - values[3] - values[4]
    return busy / CLK_TCK


class CpuSample:
    def __init__(self, server_pid: int | None) -> None:
        t = os.times()
        self.generator = t.user + t.system + t.children_user + t.children_system
        self.server = tree_cpu_seconds(server_pid) if server_pid else None
        self.host = host_busy_seconds()


def cpu_fields(start: CpuSample, end: CpuSample, seconds: float) -> list[str]:
    fields = [f"generator_cores={(end.generator - start.generator) / seconds:.2f}"]
    if start.server is not None and end.server is not None:
        fields.append(f"server_cores={(end.server - start.server) / seconds:.2f}")
    if start.host is not None and end.host is not None:
        fields.append(f"host_cores={(end.host - start.host) / seconds:.2f}")
    return fields


# ---------------------------------------------------------------------------
# The document: the same bytes for every write, except a reference of its own
# (same width every time) where the document holds @REFERENCE@.
# ---------------------------------------------------------------------------


class Bodies:
    def __init__(self, path: str, tag: str) -> None:
        with open(path, "rb") as f:
            document = f.read()
        self.template = document
        marker = b"@REFERENCE@"
        if marker in document:
            self.prefix, self.suffix = document.split(marker, 1)
            self.tag = tag
        else:
            self.prefix = None
        self.size = len(self.make(0, 0))

    def make(self, client: int, counter: int) -> bytes:
        if self.prefix is None:
            return self.template
        reference = f"{self.tag}/c{client:03d}/{counter:010d}".encode()
        return self.prefix + reference + self.suffix


# ---------------------------------------------------------------------------
# The closed loop shared by both baselines
# ---------------------------------------------------------------------------


class Window:
    def __init__(self) -> None:
        self.start: float | None = None
        self.end: float | None = None
        self.stop = False
        self.latencies_ms: list[float] = []
        self.errors = 0
        self.error_messages = 0

    def record(self, began: float, finished: float, ok: bool, error: BaseException | None) -> None:
        if not ok:
            self.errors += 1
            if self.error_messages < 5:
                self.error_messages += 1
                log(f"write failed: {type(error).__name__}: {error}")
            return
        if self.start is not None and finished >= self.start and self.end is None:
            self.latencies_ms.append((finished - began) * 1000.0)


async def client_loop(index: int, write, bodies: Bodies, window: Window) -> None:
    counter = 0
    perf = time.perf_counter
    while not window.stop:
        body = bodies.make(index, counter)
        counter += 1
        began = perf()
        try:
            await write(body)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - every failure is an error count
            window.record(began, perf(), False, error)
            await asyncio.sleep(0.1)
            continue
        window.record(began, perf(), True, None)


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


async def drive(
    name: str,
    writers: list,
    bodies: Bodies,
    warmup: float,
    duration: float,
    server_pid: int | None,
) -> tuple[Window, float, list[str]]:
    window = Window()
    tasks = [
        asyncio.create_task(client_loop(i, w, bodies, window)) for i, w in enumerate(writers)
    ]
    log(f"{name}: {len(writers)} clients, warm-up {warmup:g} s")
    await asyncio.sleep(warmup)
    start_cpu = CpuSample(server_pid)
    window.start = time.perf_counter()
    log(f"{name}: measuring {duration:g} s")
    await asyncio.sleep(duration)
    window.end = time.perf_counter()
    end_cpu = CpuSample(server_pid)
    window.stop = True
    seconds = window.end - window.start
    # Each client finishes the write it has in flight (not counted).
    done, pending = await asyncio.wait(tasks, timeout=30)
    for task in pending:
        task.cancel()
    for task in done:
        if task.exception() is not None:
            log(f"{name}: a client died: {task.exception()!r}")
            window.errors += 1
    if pending:
        log(f"{name}: {len(pending)} clients did not finish their last write within 30 s")
    return window, seconds, cpu_fields(start_cpu, end_cpu, seconds)


def result_line(
    label: str, clients: int, window: Window, seconds: float, extra: list[str]
) -> str:
    latencies = sorted(window.latencies_ms)
    jobs = len(latencies)
    fields = [
        label,
        f"clients={clients}",
        f"seconds={seconds:.2f}",
        f"jobs={jobs}",
        f"rate={jobs / seconds:.1f}",
        f"p50_ms={percentile(latencies, 0.50):.2f}",
        f"p99_ms={percentile(latencies, 0.99):.2f}",
        f"errors={window.errors}",
    ]
    return " ".join(fields + extra)


def warn_if_generator_bound(fields: list[str], label: str) -> None:
    for field in fields:
        if field.startswith("generator_cores="):
            cores = float(field.split("=", 1)[1])
            if cores >= 0.85:
                log(
                    f"{label}: the generator used {cores:.2f} cores, close to one: "
                    "the figure may be the generator's limit, not the server's"
                )


# ---------------------------------------------------------------------------
# PgQueuer
# ---------------------------------------------------------------------------


async def pg_connect(args):
    import asyncpg

    return await asyncpg.connect(
        host=args.pg_socket_dir, port=args.pg_port, user=args.pg_user, database=args.pg_database
    )


async def pgqueuer_setup(args) -> int:
    from pgqueuer.queries import Queries

    conn = await pg_connect(args)
    try:
        queries = Queries.from_asyncpg_connection(conn)
        if await queries.schema_is_installed():
            print("present")
        else:
            await queries.install()
            print("installed")
    finally:
        await conn.close()
    return 0


async def pgqueuer_teardown(args) -> int:
    from pgqueuer.queries import Queries

    conn = await pg_connect(args)
    try:
        queries = Queries.from_asyncpg_connection(conn)
        if args.mode == "uninstall":
            await queries.uninstall()
        else:
            await queries.clear_queue(ENTRYPOINT)
    finally:
        await conn.close()
    return 0


async def pgqueuer_bench(args) -> int:
    from pgqueuer.queries import Queries

    bodies = Bodies(args.document, args.tag)
    connections = [await pg_connect(args) for _ in range(args.clients)]
    try:
        writers = []
        for conn in connections:
            queries = Queries.from_asyncpg_connection(conn)

            async def write(body: bytes, queries=queries) -> None:
                ids = await queries.enqueue(ENTRYPOINT, body)
                if len(ids) != 1:
                    raise RuntimeError(f"enqueue returned {len(ids)} ids")

            writers.append(write)
        settings = {}
        for name in ("fsync", "synchronous_commit"):
            settings[name] = await connections[0].fetchval(f"SHOW {name}")
        server_version = (await connections[0].fetchval("SHOW server_version")).split()[0]
        window, seconds, cpu = await drive(
            "pgqueuer", writers, bodies, args.warmup, args.duration, args.server_pid
        )
    finally:
        for conn in connections:
            await conn.close(timeout=5)
    extra = [
        f"version={metadata.version('pgqueuer')}",
        f"bytes={bodies.size}",
        *cpu,
        f"postgresql={server_version}",
        f"fsync={settings['fsync']}",
        f"synchronous_commit={settings['synchronous_commit']}",
    ]
    print(result_line("PGQUEUER", args.clients, window, seconds, extra), flush=True)
    warn_if_generator_bound(cpu, "PGQUEUER")
    return 3 if window.errors else 0


# ---------------------------------------------------------------------------
# RabbitMQ
# ---------------------------------------------------------------------------


async def wait_amqp(args) -> int:
    import logging

    import aio_pika

    # aiormq logs every refused connection while the node boots; the outcome is ours to tell.
    logging.getLogger("aiormq").setLevel(logging.CRITICAL)
    logging.getLogger("aio_pika").setLevel(logging.CRITICAL)
    deadline = time.monotonic() + args.timeout
    last = None
    while time.monotonic() < deadline:
        if args.pid:
            try:
                os.kill(args.pid, 0)
            except ProcessLookupError:
                log(f"RabbitMQ (pid {args.pid}) has exited")
                return 1
        try:
            conn = await aio_pika.connect(args.url, timeout=2)
        except Exception as error:  # noqa: BLE001 - still starting
            last = error
            await asyncio.sleep(0.5)
            continue
        await conn.close()
        return 0
    log(f"RabbitMQ did not answer within {args.timeout:g} s: {last!r}")
    return 1


async def rabbitmq_bench(args) -> int:
    import aio_pika
    from pamqp.commands import Basic

    bodies = Bodies(args.document, args.tag)
    connections = [await aio_pika.connect(args.url) for _ in range(args.clients)]
    try:
        channels = [await c.channel(publisher_confirms=True) for c in connections]
        queue = await channels[0].declare_queue(
            QUEUE_NAME, durable=True, arguments={"x-queue-type": "quorum"}
        )
        await queue.purge()
        writers = []
        for channel in channels:
            exchange = channel.default_exchange

            async def write(body: bytes, exchange=exchange) -> None:
                confirm = await exchange.publish(
                    aio_pika.Message(
                        body,
                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                        content_type="application/json",
                    ),
                    routing_key=QUEUE_NAME,
                    mandatory=True,
                )
                if not isinstance(confirm, Basic.Ack):
                    raise RuntimeError(f"publish answered {confirm!r}, not Basic.Ack")

            writers.append(write)
        properties = connections[0].transport.connection.server_properties
        version = properties.get("version", "unknown")
        platform = str(properties.get("platform", ""))
        erlang = platform.split("/")[-1].strip() if "/" in platform else "unknown"
        window, seconds, cpu = await drive(
            "rabbitmq", writers, bodies, args.warmup, args.duration, args.server_pid
        )
        declared = await channels[0].declare_queue(
            QUEUE_NAME, durable=True, passive=True, arguments={"x-queue-type": "quorum"}
        )
        log(f"rabbitmq: the queue holds {declared.declaration_result.message_count} messages")
    finally:
        for conn in connections:
            await conn.close()
    extra = [
        f"version={version}",
        f"bytes={bodies.size}",
        *cpu,
        f"erlang={erlang.replace(' ', '_')}",
        "queue_type=quorum",
    ]
    print(result_line("RABBITMQ", args.clients, window, seconds, extra), flush=True)
    warn_if_generator_bound(cpu, "RABBITMQ")
    return 3 if window.errors else 0


# ---------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def pg_options(p):
        p.add_argument("--pg-socket-dir", required=True)
        p.add_argument("--pg-port", type=int, required=True)
        p.add_argument("--pg-user", required=True)
        p.add_argument("--pg-database", required=True)

    def bench_options(p, clients):
        p.add_argument("--clients", type=int, default=clients)
        p.add_argument("--document", required=True)
        p.add_argument("--warmup", type=float, required=True)
        p.add_argument("--duration", type=float, required=True)
        p.add_argument("--server-pid", type=int, default=None)
        p.add_argument("--tag", default=f"q{os.getpid()}")

    p = sub.add_parser("pgqueuer-setup")
    pg_options(p)
    p = sub.add_parser("pgqueuer-teardown")
    pg_options(p)
    p.add_argument("--mode", choices=("uninstall", "clear"), required=True)
    p = sub.add_parser("pgqueuer")
    pg_options(p)
    bench_options(p, 8)
    p = sub.add_parser("wait-amqp")
    p.add_argument("--url", required=True)
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("--pid", type=int, default=None)
    p = sub.add_parser("rabbitmq")
    p.add_argument("--url", required=True)
    bench_options(p, 32)

    args = parser.parse_args()
    handler = {
        "pgqueuer-setup": pgqueuer_setup,
        "pgqueuer-teardown": pgqueuer_teardown,
        "pgqueuer": pgqueuer_bench,
        "wait-amqp": wait_amqp,
        "rabbitmq": rabbitmq_bench,
    }[args.command]
    try:
        import uvloop
    except ImportError:
        return asyncio.run(handler(args))
    return uvloop.run(handler(args))


if __name__ == "__main__":
    sys.exit(main())
