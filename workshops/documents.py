"""The fixed ids of a project's documents, and copies of stored documents for pure functions
that return a changed document."""

from __future__ import annotations

import pickle
from typing import Mapping

# One of each per project, in the project's partition (sessions and outcomes: workshops/agenda.py, outcomes.py).
PROJECT, ROSTER, PLAN = "project", "roster", "plan"


def copy_document(doc: Mapping) -> dict:
    """A deep copy of a document of plain JSON data (dicts, lists, strings, numbers, booleans).

    An in-memory pickle round trip of our own data copies it about five times faster than
    copy.deepcopy, which walks every value in Python: on an agenda with many answers that walk
    was the largest cost of an RSVP."""
    return pickle.loads(pickle.dumps(dict(doc), pickle.HIGHEST_PROTOCOL))
