"""Small helpers for the words the bot says."""

from __future__ import annotations


def plural(n: int, word: str, words: str = "") -> str:
    """"1 risk", "2 risks", "0 risks": the number with its noun, singular only for one; `words` when the
    plural is not `word` + s."""
    return f"{n} {word if n == 1 else words or word + 's'}"
