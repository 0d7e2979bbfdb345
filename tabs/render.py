"""The tab pages' Jinja2 templates (tabs/templates/), rendered with autoescape on and in the
request's language: the templates call `t`, `t_count`, `day`, `weekday_day`, `clock` and `strong`
(tabs/routes.py renders within texts.speaking), and `<html lang>` is that language."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from texts import clock, current, day, t, t_count, weekday_day

THEMES = {"default": "light", "light": "light", "dark": "dark", "contrast": "contrast"}

# None prints as nothing (not "None"), as a missing value always has on these pages.
_TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")), autoescape=True,
                         undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                         finalize=lambda value: "" if value is None else value)


def _strong(key: str, **words: str) -> Markup:
    """The text of `key` (escaped) with each {word} in bold: the only markup a catalogue text gets."""
    return Markup(escape(t(key))).format(**{k: Markup("<strong>%s</strong>") % w for k, w in words.items()})


_TEMPLATES.globals.update(t=t, t_count=t_count, day=day, weekday_day=weekday_day, clock=clock, strong=_strong)


def render(template: str, title: str, *, nonce: str = "", theme: str = "", teams_js: Optional[str] = None,
           autofill: bool = False, **view: object) -> str:
    """`template` with the values of the frame every page extends (base.html) and the page's own `view`."""
    return _TEMPLATES.get_template(template).render(title=title, nonce=nonce, theme=theme_of(theme), lang=current(),
                                                    teams_js=teams_js, autofill=autofill, **view)


def theme_of(value: object) -> str:
    """A Teams theme name (default, dark, contrast) or ours (light) as a page theme; "" when unknown."""
    return THEMES.get(str(value or "").strip().lower(), "")
