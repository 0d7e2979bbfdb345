"""After start-up, its objects are out of the collector's reach, and garbage is still collected."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Run apart: freezing the test process would keep every test's objects for the rest of the run.
CHECK = """
import asyncio, gc, weakref
from runtime.memory import freeze_startup_objects

class Node:
    pass

def cycle():
    node = Node()
    node.me = node
    return weakref.ref(node)

before = cycle()  # start-up garbage: collected, not frozen
asyncio.run(freeze_startup_objects(None))
assert before() is None, "start-up garbage was frozen"
assert gc.get_freeze_count() > 1000, gc.get_freeze_count()
after = cycle()
gc.collect()
assert after() is None, "garbage made after start-up was not collected"
print("ok")
"""


def test_start_up_objects_are_frozen_and_later_garbage_is_collected():
    result = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "ok", result.stderr
