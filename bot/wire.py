"""Activities to and from their JSON, without msrest's generic walk on the common path.

msrest (under botbuilder) turns an Activity into JSON and back by interpreting each model's attribute
map for every value, and on the way out first walks the whole activity once more in case a field holds
a dict instead of a model: about 0.25 ms for each activity sent and 0.2 ms for each one received, a
quarter of a help turn. Here each model's map is read once; strings, booleans, nested models, lists and
plain JSON objects are handled directly, every other value goes to msrest's own code for that value,
and anything msrest would have to repair (a dict where a model belongs) goes to msrest whole. The JSON
and the models are the same either way: tests/test_wire.py checks that over generated activities.
"""

from __future__ import annotations

import json
from typing import Any, Optional

import orjson
from botbuilder.schema import Activity
from msrest.serialization import Deserializer, Model, Serializer

_PLAIN_SCALARS = frozenset({str, int, float, bool, type(None)})


def json_bytes(value: object) -> bytes:
    """Plain JSON as compact UTF-8 bytes, for what the bot sends (invoke answers, posted and updated
    activities): orjson writes a 12 KB card about fifteen times faster than the json module, byte for byte
    the same. The json module writes what orjson refuses (an integer beyond 64 bits)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class _OffPath(Exception):
    """A value the direct path does not take: msrest does the whole activity."""


def is_plain_json(value: object, dict_types: tuple = (dict,), plain_types: tuple = ()) -> bool:
    """True when value is made only of dicts (str keys), lists, str, int, float, bool and None: msrest
    would copy such a value unchanged, so it can be used as it is. Values of `plain_types` are plain JSON
    by construction (the bot's own cards) and are not looked into."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind in plain_types:
            continue
        if kind in dict_types:
            if any(type(key) is not str for key in item):
                return False
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
        elif kind not in _PLAIN_SCALARS:
            return False
    return True


class _Schema:
    """Each model's fields, read once from its msrest attribute map."""

    def __init__(self, models: dict, dict_types: tuple):
        self.dict_types = dict_types
        self.models = {name: cls for name, cls in models.items() if _simple_model(cls)}
        self._fields: dict[type, tuple] = {}
        self._known_keys: dict[type, Optional[frozenset]] = {}

    def fields(self, cls: type) -> tuple:
        """(attribute, JSON key, msrest type) for each field; additional_properties is handled apart."""
        fields = self._fields.get(cls)
        if fields is None:
            fields = self._fields[cls] = tuple(
                (attr, desc["key"], desc["type"]) for attr, desc in cls._attribute_map.items()
                if not (attr == "additional_properties" and desc["key"] == ""))
        return fields

    def known_keys(self, cls: type) -> Optional[frozenset]:
        """The JSON keys the model maps, or None when it keeps no unknown keys (msrest's rule)."""
        if cls not in self._known_keys:
            extra = cls._attribute_map.get("additional_properties")
            self._known_keys[cls] = None if extra is not None and extra["key"] != "" else frozenset(
                desc["key"] for desc in cls._attribute_map.values() if desc["key"] != "")
        return self._known_keys[cls]


def _simple_model(cls: object) -> bool:
    """A model without polymorphism, read-only or constant fields, or dotted (flattened) keys."""
    return (isinstance(cls, type) and issubclass(cls, Model) and not getattr(cls, "_subtype_map", None)
            and not getattr(cls, "_validation", None)
            and all("." not in desc["key"] for desc in cls._attribute_map.values()))


class ActivityReader(_Schema):
    """JSON -> Activity, as Activity().deserialize(body) builds it."""

    def __init__(self):
        models = Activity._infer_class_models()
        super().__init__(models, (dict,))
        self.msrest = Deserializer(models)

    def __call__(self, body: dict) -> Activity:
        return self.model(Activity, body)

    def model(self, cls: type, data: dict) -> Any:
        kwargs = {}
        for attr, key, kind in self.fields(cls):
            raw = data.get(key)
            kwargs[attr] = None if raw is None else self.value(raw, kind)
        result = cls(**kwargs)
        known = self.known_keys(cls)
        if known is not None and not known.issuperset(data):
            result.additional_properties = {key: data[key] for key in data.keys() - known}
        return result

    def value(self, value: Any, kind: str) -> Any:
        type_ = type(value)
        if kind == "str" and type_ is str or kind == "bool" and type_ is bool:
            return value
        if kind == "object" and is_plain_json(value):
            return value
        model = self.models.get(kind)
        if model is not None and type_ is dict:
            return self.model(model, value)
        if kind[0] == "[" and kind[-1] == "]" and type_ is list:
            inner = kind[1:-1]
            return [None if item is None else self.value(item, inner) for item in value]
        return self.msrest.deserialize_data(value, kind)


class ActivityWriter(_Schema):
    """Activity -> JSON, as msrest's Serializer.body(activity, "Activity") writes it."""

    def __init__(self, serializer: Serializer, dict_types: tuple = (dict,), plain_types: tuple = ()):
        super().__init__(serializer.dependencies, dict_types)
        self.plain_types = plain_types
        self.msrest = serializer

    def __call__(self, activity: Activity) -> Optional[dict]:
        """The activity's JSON, or None when only msrest can write it."""
        try:
            return self.model(activity)
        except _OffPath:
            return None

    def model(self, obj: Model) -> dict:
        out = {}
        for attr, key, kind in self.fields(type(obj)):
            value = getattr(obj, attr)
            if value is not None:
                out[key] = self.value(value, kind)
        known = self.known_keys(type(obj))
        if known is not None and "additional_properties" in obj._attribute_map and obj.additional_properties:
            out.update(obj.additional_properties)
        return out

    def value(self, value: Any, kind: str) -> Any:
        type_ = type(value)
        if kind == "str" and type_ is str or kind == "bool" and type_ is bool:
            return value
        if kind == "object" and is_plain_json(value, self.dict_types, self.plain_types):
            return value
        model = self.models.get(kind.strip("[]{}"))
        if model is not None:
            if kind == model.__name__ and type_ is model:
                return self.model(value)
            if kind == f"[{model.__name__}]" and type_ is list and all(type(item) is model for item in value):
                return [self.model(item) for item in value]
            raise _OffPath  # msrest would first turn dicts into models here
        return self.msrest.serialize_data(value, kind)
