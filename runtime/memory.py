"""The garbage collector once the app has started.

Start-up leaves about 130,000 objects that live as long as the process (modules, the SDKs' classes, the
catalog, the services), and every full collection walks them all again to find nothing: about 40 ms each,
every few hundred turns, so about 5% of the bot's CPU in the benchmark's dialog and RSVP phases (0.1 ms a
turn, measured with gc.callbacks) and a 40 ms pause for every turn in flight. gc.freeze leaves them out of
every later collection; what turns make is collected as before.
"""

from __future__ import annotations

import gc


async def freeze_startup_objects(_app: object = None) -> None:
    """An aiohttp on_startup hook, added after the others: collect start-up's garbage, freeze the rest."""
    gc.collect()
    gc.freeze()
