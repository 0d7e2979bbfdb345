"""botbuilder `Storage` (dialog stacks, ConversationState, UserState) on a DocumentStore.

Semantics follow botbuilder's MemoryStorage: read returns only the keys found
(dicts come back as dicts, StoreItem and other objects as objects); write with
no e_tag or "*" overwrites, an empty e_tag is refused, and a stale e_tag is
refused with an exception (a Conflict that is also a KeyError, the type
MemoryStorage raises); delete ignores missing keys.

One deliberate difference, shared with botbuilder-azure's Cosmos DB storage:
every stored item has an ETag, and read always puts it in `e_tag`, so a state
write carries the ETag it was read with and a concurrent turn that saved first
wins; the other one is refused rather than silently overwritten. Like
MemoryStorage, write never changes the objects passed to it, so saving the same
state twice in one turn, with changes in between, needs a read in between.

Values are flattened with jsonpickle (as botbuilder's own storages do), so the
objects a dialog keeps in its state round-trip. Restoring can instantiate any
class named in the data; that is fine because only this bot writes the store.

WorkshopConversationState is botbuilder's ConversationState with a cheaper test
for "did this turn change the state" (see _CachedState).
"""

from __future__ import annotations

import collections
import pickle
from typing import Any, Dict, Iterable, Optional

from botbuilder.core import ConversationState, Storage, TurnContext
from botbuilder.core.bot_state import CachedBotState
from jsonpickle.pickler import Pickler
from jsonpickle.unpickler import Unpickler

from store import BOT_STATE, Conflict, DocumentStore, NotFound, storage_id

DOC_TYPE = "botState"
MAX_KNOWN_STATES = 2048  # conversations whose latest state is kept as pickle bytes


class StateConflict(Conflict, KeyError):
    """A state write carried a stale e_tag."""

    __str__ = Exception.__str__  # KeyError would quote the message




def _e_tag_of(item: Any) -> Optional[str]:
    if isinstance(item, dict):
        return item.get("e_tag")
    return getattr(item, "e_tag", None)


class BotStateStorage(Storage):
    def __init__(self, store: DocumentStore):
        super().__init__()
        self.store = store
        # (key, ETag) -> the state as pickle bytes: a state read or written here is restored by pickle
        # (C speed) rather than by jsonpickle's walk (~0.1 ms a dialog turn); what is stored is unchanged.
        self._known: collections.OrderedDict[tuple[str, str], bytes] = collections.OrderedDict()

    def _remember(self, key: str, e_tag: str, item: Any) -> None:
        try:
            self._known[(key, e_tag)] = pickle.dumps(item, protocol=5)
        except Exception:  # pylint: disable=broad-exception-caught
            return  # not picklable: restored by jsonpickle each time, as before
        while len(self._known) > MAX_KNOWN_STATES:
            self._known.popitem(last=False)

    def _restore(self, key: str, doc: dict) -> Any:
        known = self._known.get((key, doc["_etag"]))
        if known is not None:
            item = pickle.loads(known)
        else:
            flat = doc["document"]
            item = Unpickler().restore({**flat, "e_tag": doc["_etag"]} if isinstance(flat, dict) else flat)
            self._remember(key, doc["_etag"], item)
        if isinstance(item, dict):
            item["e_tag"] = doc["_etag"]
        elif isinstance(doc["document"], dict):  # an object (a StoreItem): jsonpickle sets it as an attribute
            setattr(item, "e_tag", doc["_etag"])
        return item

    async def read(self, keys: Optional[Iterable[str]]) -> Dict[str, Any]:
        items: Dict[str, Any] = {}
        if not keys:
            return items
        for key in keys:
            doc_id = storage_id(key)
            try:
                doc = await self.store.get(BOT_STATE, doc_id, doc_id)
            except NotFound:
                continue
            if doc.get("realId") != key:  # a hashed long key that collided: not ours
                continue
            items[key] = self._restore(key, doc)
        return items

    async def write(self, changes: Dict[str, Any]) -> None:
        if changes is None:
            raise Exception("Changes are required when writing")  # pylint: disable=broad-exception-raised
        if not changes:
            return
        for key, change in changes.items():
            e_tag = _e_tag_of(change)
            if e_tag == "":
                raise Exception("BotStateStorage.write(): etag missing")  # pylint: disable=broad-exception-raised
            flat = Pickler().flatten(change)
            if isinstance(flat, dict):
                flat.pop("e_tag", None)
            doc_id = storage_id(key)
            doc = {"id": doc_id, "projectId": doc_id, "type": DOC_TYPE, "realId": key, "document": flat}
            if e_tag is None or e_tag == "*":
                written = await self.store.upsert(BOT_STATE, doc)
            else:
                try:
                    try:
                        written = await self.store.replace(BOT_STATE, doc, e_tag)
                    except NotFound:  # as MemoryStorage: nothing stored, nothing to clash with
                        written = await self.store.create(BOT_STATE, doc)
                except Conflict:
                    raise StateConflict(f"Etag conflict for {key!r}: it was changed since e_tag {e_tag!r} was read"
                                        ) from None
            self._remember(key, written["_etag"], change)

    async def delete(self, keys: Iterable[str]) -> None:
        for key in keys:
            doc_id = storage_id(key)
            await self.store.delete(BOT_STATE, doc_id, doc_id)


class _CachedState(CachedBotState):
    """The turn's state, fingerprinted by pickle's bytes instead of jsonpickle's flattening (C speed rather
    than ~0.3 ms for a dialog stack, at load and at save). Pickling writes every value reachable from the
    state, as jsonpickle does, so a change always changes the bytes; an untouched state pickles the same.
    A state pickle cannot take falls back to botbuilder's own fingerprint (a str never equals bytes, so a
    switch between the two counts as a change: a write too many at worst)."""

    def compute_hash(self, obj: object) -> Any:
        try:
            return pickle.dumps(obj, protocol=5)
        except Exception:  # pickle refuses some objects jsonpickle takes (lambdas, local classes)
            return super().compute_hash(obj)


class WorkshopConversationState(ConversationState):
    """ConversationState whose load keeps the state in a _CachedState; reading, saving (only when
    changed) and clearing are botbuilder's."""

    async def load(self, turn_context: TurnContext, force: bool = False) -> None:
        cached = self.get_cached_state(turn_context)
        if force or not cached or not cached.state:
            key = self.get_storage_key(turn_context)
            items = await self._storage.read([key])
            turn_context.turn_state[self._context_service_key] = _CachedState(items.get(key))
