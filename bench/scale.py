"""The scale phase of `python -m bench`: the same turns with 10, 1,000 and 10,000 projects in the store.

Each project is what a team has part-way through its engagement: the project, its roster and its plan
(copied from one made by real turns), a session for each of the twelve workshops (one scheduled, with
its reminder), outcomes with findings and action items for four of them (their digest registered),
and an audit entry per outcome. They are written straight through the store (store/, the same classes
the bot uses), in concurrent batches, into one store per size. The bot is then started afresh on each
store in turn (bench/serve_bot.py, counting store operations), in interleaved rounds, and measured on
the turns that read and write project data. In the first round at each size, one round of the
background loops (reminders and digests, outbox) runs inside the bot on a fresh counter
(POST /bench/background): its reads show whether a round follows what is due or the number of projects.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Optional

from . import scenarios
from .driver import Driver, PhaseResult, Process, memory_kb

SIZES = (10, 1_000, 10_000)
TURN_TYPES = ("dialog", "rsvp", "refresh")
HELD = ("data-model", "integration", "data-migration", "security-model")  # workshops with outcomes
DUE_NOW = 5  # seeded projects whose digest is due when the round runs (nothing overdue: it moves on)
DUE_IN = timedelta(days=7)  # when those are due: after the bot's own round at start-up, before anything else
BATCH = 64  # documents written at once while seeding
RUNS = 5  # rounds over the sizes; of each turn type's runs at a size, the one with the least CPU per turn is kept


def _template_ids() -> tuple[str, ...]:
    from workshops.documents import PLAN, PROJECT, ROSTER
    return PROJECT, ROSTER, PLAN


async def read_template(store, project_id: str) -> list[dict]:
    """The project, roster and plan of a project made by real turns, to copy."""
    docs = [await store.get("projects", project_id, doc_id) for doc_id in _template_ids()]
    return [{k: v for k, v in doc.items() if not k.startswith("_")} for doc in docs]


def project_documents(template: list[dict], project_id: str, due_now: bool, now: datetime) -> list[dict]:
    """Every document of one seeded project, index records included."""
    from catalog import default_catalog
    from dialogs import digest
    from dialogs.reminders import reminder_record
    from store.due import due_at, shard
    from workshops import agenda

    catalog = default_catalog()
    docs = [{**doc, "projectId": project_id, "conversationReference": None} for doc in template]
    start = (now + timedelta(days=20)).replace(hour=10, minute=0, second=0, microsecond=0)
    for n, workshop in enumerate(catalog.workshops):
        session = agenda.new_session(project_id, workshop, 2)
        if workshop.id in HELD:
            session.update(status=agenda.HELD, start=due_at(now - timedelta(days=30 - n)))
        elif n == len(catalog.workshops) - 1:
            session["start"] = due_at(start)
            docs.append(reminder_record(project_id, session, due_at(start - timedelta(hours=24))))
        docs.append(session)
    action_due = (now + timedelta(days=14)).date()
    for workshop_id in HELD:
        actions = [{"id": f"a{n}", "title": f"Follow-up {n} of {workshop_id}", "owner": "", "due": action_due.isoformat(),
                    "done": n == 0} for n in range(3)]
        findings = [{"id": f"f{n}", "kind": ("risk", "issue", "assertion")[n], "priority": "medium",
                     "text": f"Finding {n}", "open": True} for n in range(3)]
        docs.append({"id": f"outcome:{workshop_id}", "projectId": project_id, "type": "outcome",
                     "workshopId": workshop_id, "version": 1, "summary": "What was agreed. " * 20,
                     "decisions": ["A decision"] * 3, "findings": findings, "recommendations": ["Do this"] * 2,
                     "actions": actions, "updatedAt": now.isoformat()})
        docs.append({"id": f"audit:{now.isoformat()}:{workshop_id}", "projectId": project_id, "type": "audit",
                     "record": f"outcome:{workshop_id}", "at": now.isoformat(), "by": {}, "changes": ["recorded"]})
    first = digest.first_overdue_day([a for a in actions if not a["done"]])
    docs.append({"id": f"digest|{project_id}", "projectId": shard(digest.DIGESTS, project_id), "type": "digest",
                 "project": project_id, "lastSentOn": None,
                 "dueAt": due_at(now + DUE_IN) if due_now else
                 due_at(datetime.combine(first, datetime.min.time(), tzinfo=timezone.utc))})
    return docs


async def seed(store, template: list[dict], count: int) -> float:
    """Write `count` projects (the first DUE_NOW of them with a digest due now); returns the seconds."""
    began, now = time.perf_counter(), datetime.now(timezone.utc)
    gate = asyncio.Semaphore(BATCH)

    async def write(doc: dict) -> None:
        async with gate:
            await store.upsert("projects", doc)

    for first in range(0, count, 100):
        docs = [doc for n in range(first, min(count, first + 100))
                for doc in project_documents(template, f"19:seeded-{n}@thread.tacv2", n < DUE_NOW, now)]
        await asyncio.gather(*(write(doc) for doc in docs))
    return time.perf_counter() - began


async def background_round(driver: Driver, target: Process, at: datetime) -> dict:
    """One round of the loops in the bot at `at`; a round that fails says so instead of ending the run."""
    async with driver.session.post(target.url + "/bench/background", params={"at": at.isoformat()}) as response:
        if response.status != 200:
            return {"operations": {}, "error": f"HTTP {response.status} (see the bot's log)"}
        return await response.json()


async def measure_scale(driver: Driver, store: str, make_env: Callable[[], dict], sizes: tuple[int, ...],
                        conversations: int, turns: int, make_process: Callable[[str, dict], Process], log) -> dict:
    """Seed one store per size (`make_env()`: a fresh SQLITE_PATH or COSMOS_* settings at each call), then
    measure the sizes in interleaved rounds; returns {"sizes": [...], "seed_seconds": {...}}.

    Each round visits every size, in alternating order (10, 1,000, 10,000, then back), so a machine that
    speeds up or slows down during the phase weighs on every size alike rather than on the last one grown."""
    from runtime.settings import Settings
    from store import open_store

    envs = {size: {**make_env(), "REMINDER_INTERVAL_SECONDS": "3600"} for size in sizes}  # loops out of the way
    bot = make_process(f"scale-{store}-template", envs[sizes[0]])
    await bot.start()
    try:
        conv = scenarios.Conversation(scenarios.conversation_id(f"scale-{store}-template", 0), driver.connector_url)
        await scenarios.RSVP.warm_up(conv, driver.sender(bot), driver.last_posted)
    finally:
        bot.stop()
    results: dict = {"sizes": [], "seed_seconds": {}}
    template: list[dict] = []
    for size in sizes:
        db = await open_store(Settings.from_env(envs[size], dotenv_path="/nonexistent/.env"))
        try:
            template = template or await read_template(db, conv.id.split(";", 1)[0])
            results["seed_seconds"][size] = await seed(db, template, size)
        finally:
            await db.close()
        log(f"  {store:22s} {size:>6,} projects seeded in {results['seed_seconds'][size]:.0f} s")
    runs: dict[int, dict[str, list[PhaseResult]]] = {size: {} for size in sizes}
    rounds: dict[int, list[dict]] = {}
    rss: dict[int, float] = {}
    for n in range(RUNS):
        for size in sizes if n % 2 == 0 else sizes[::-1]:
            bot = make_process(f"scale-{store}-{size}-{n}", envs[size])
            await bot.start()
            try:
                for turn_type in scenarios.BOT_TURNS:
                    if turn_type.name in TURN_TYPES:
                        await driver.run(bot, turn_type, min(conversations, 10), 2, label=f"scale-warm-{store}-{size}")
                        runs[size].setdefault(turn_type.name, []).append(await driver.run(
                            bot, turn_type, conversations, turns, counts=True,
                            label=f"scale-{store}-{size}-{turn_type.name}-{n}"))
                if n == 0:
                    at = datetime.now(timezone.utc) + DUE_IN + timedelta(hours=1)
                    rounds[size] = [await background_round(driver, bot, at) for _ in range(2)]
                    log(f"  {store:22s} {size:>6,} background reads: first round {rounds[size][0]['operations']}, "
                        f"then {rounds[size][1]['operations']}")
                rss[size] = memory_kb(bot.pid).get("VmRSS", 0) / 1024
            finally:
                bot.stop()
    for size in sizes:
        phases = []
        for name, measured in runs[size].items():
            phase = min(measured, key=lambda run: run.cpu_ms_per_turn)  # the least disturbed, as the main phases
            phase.target = f"{store} {size}"
            phases.append(phase)
            log(f"  {store:22s} {size:>6,} {name:8s} cpu {phase.cpu_ms_per_turn:5.2f} ms/turn"
                f" (runs: {', '.join(f'{run.cpu_ms_per_turn:.2f}' for run in measured)})"
                f"  p99 {phase.percentile(99):6.1f} ms  ops {sum(phase.store_ops.values()):.1f}/turn")
        results["sizes"].append({"size": size, "phases": phases, "rounds": rounds[size], "rss_mb": rss[size]})
    return results


def _reads(counts: dict) -> int:
    return sum(v for k, v in counts.items() if k.endswith((".get", ".query")))


def _shown(round_: dict) -> str:
    return round_.get("error") or str(_reads(round_["operations"]))


def verdicts(scale: dict) -> list[tuple[str, str, bool]]:
    """Issue 17's targets: per-turn cost flat (within 10%) from the smallest size to the largest, and the
    background reads of a round the same at every size (they follow what is due)."""
    out = []
    for store, data in scale.items():
        smallest, largest = data["sizes"][0], data["sizes"][-1]
        for small, large in zip(smallest["phases"], largest["phases"]):
            ratio = large.cpu_ms_per_turn / small.cpu_ms_per_turn if small.cpu_ms_per_turn else float("inf")
            out.append((f"{small.turn_type} on {store}: CPU per turn at {largest['size']:,} projects within 10% of "
                        f"{smallest['size']:,}", f"{large.cpu_ms_per_turn:.2f} vs {small.cpu_ms_per_turn:.2f} ms "
                        f"({ratio:.2f}x)", abs(ratio - 1) <= 0.1))
        reads = {entry["size"]: [_shown(r) for r in entry["rounds"]] for entry in data["sizes"]}
        flat = len({tuple(v) for v in reads.values()}) == 1 and not any(
            r.get("error") for entry in data["sizes"] for r in entry["rounds"])
        out.append((f"background reads per round on {store} do not grow with the projects",
                    "; ".join(f"{size:,}: {v[0]} then {v[1]}" for size, v in reads.items()), flat))
    return out


def report(scale: dict) -> list[str]:
    """The scale section of RESULTS.md."""
    lines = ["## Scale: the same turns with more projects in the store", "",
             "Each seeded project: project, roster and plan, twelve sessions (four held, one scheduled), outcomes "
             f"with findings and three action items for four workshops, an audit entry each, and its reminder and "
             f"digest in the due-time index (bench/scale.py); one store per size, {DUE_NOW} of its projects with a "
             "digest due when the first background round runs (nothing overdue: it is moved on). The sizes are "
             f"measured in {RUNS} interleaved rounds (10, 1,000, 10,000, then back), so that a change in the "
             "machine's speed during the phase falls on every size alike; of each turn type's runs at a size, the "
             "one with the least CPU per turn is shown. Per-turn figures are the bot process's, per turn type; "
             "background: the store reads of one round of the reminder, digest and outbox loops in the first "
             "round at that size (first round, then the next one).", ""]
    for store, data in scale.items():
        lines += [f"### {store}", "", "| projects | turn type | turns/s | p50 ms | p99 ms | CPU ms/turn | store ops/turn "
                  "| RSS MB |", "|---|---|---|---|---|---|---|---|"]
        for entry in data["sizes"]:
            for phase in entry["phases"]:
                lines.append(f"| {entry['size']:,} | {phase.turn_type} | {phase.throughput:.0f} | "
                             f"{phase.percentile(50):.1f} | {phase.percentile(99):.1f} | {phase.cpu_ms_per_turn:.2f} | "
                             f"{sum(phase.store_ops.values()):.1f} | {entry['rss_mb']:.0f} |")
        lines += ["", "| projects | seeded in s | background reads, first round (due: "
                  f"{DUE_NOW} digests) | next round (nothing due) |", "|---|---|---|---|"]
        for entry in data["sizes"]:
            first, then = entry["rounds"]
            lines.append(f"| {entry['size']:,} | {data['seed_seconds'][entry['size']]:.0f} | "
                         f"{_shown(first)} | {_shown(then)} |")
        lines.append("")
    return lines


def plot(scale: dict, path: Path) -> Optional[Path]:
    """CPU per turn and background reads against the number of projects (log scale), one PNG."""
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, (cost, background) = pyplot.subplots(1, 2, figsize=(11, 4.2))
    colours = {name: f"C{n}" for n, name in enumerate(TURN_TYPES)}
    for store, data in scale.items():
        sizes = [entry["size"] for entry in data["sizes"]]
        style = "-" if store == "sqlite" else "--"  # one line style per store, one colour per turn type
        for name in TURN_TYPES:
            cpu = [next((p.cpu_ms_per_turn for p in entry["phases"] if p.turn_type == name), float("nan"))
                   for entry in data["sizes"]]
            cost.plot(sizes, cpu, style, marker="o", color=colours[name], label=f"{name} ({store})")
        for n, label in enumerate(("first round", "next round")):
            background.plot(sizes, [_reads(entry["rounds"][n]["operations"]) for entry in data["sizes"]], style,
                            marker="os"[n], color=f"C{n + 3}", label=f"{label} ({store})")
    for axes, title, unit in ((cost, "Per-turn cost", "bot CPU ms per turn"),
                              (background, "Background loops", "store reads per round")):
        axes.set_xscale("log")
        axes.set_xlabel("projects in the store")
        axes.set_ylabel(unit)
        axes.set_title(title)
        axes.set_ylim(0, axes.get_ylim()[1] * 1.15)  # room above the highest line
        axes.grid(True, alpha=0.3)
        axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)
    return path
