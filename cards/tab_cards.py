"""Cards about agenda tabs: pinned, how to pin one by hand, and pinning failed (with Retry)."""

from __future__ import annotations

from texts import t

from .common import card, command_button, escape, heading, link_button, numbered, text


def pinned_card(workshop_title: str, web_url: str) -> dict:
    return card(
        heading(t("cards.tab.pinned"), escape(workshop_title)) +
        [text(t("cards.tab.pinned_text", title=escape(workshop_title)))],
        [link_button(t("cards.tab.open_tab"), web_url)])


def pin_by_hand_card(workshop_title: str, page_url: str, note: str = "") -> dict:
    """How to add the page as a tab without Graph: the Workshops tab's configuration page takes the
    link below (it carries the key to this project's pages) and offers the series' workshops."""
    steps = numbered([t("cards.tab.step_add"), t("cards.tab.step_pick"), t("cards.tab.step_paste"),
                      t("cards.tab.step_choose", title=escape(workshop_title))])
    body = heading(t("cards.tab.by_hand"), escape(workshop_title))
    if note:
        body.append(text(escape(note), color="Warning"))
    body += [steps, text(escape(page_url), fontType="Monospace", size="Small"),
             text(t("cards.tab.share_warning"), isSubtle=True, size="Small")]
    return card(body, [link_button(t("cards.tab.open_page"), page_url)])


def pin_failed_card(workshop_title: str, reason: str, workshop_id: str = "") -> dict:
    """Fail soft: what went wrong, and a Retry button that sends `pin <workshop>` again."""
    return card(
        heading(t("cards.tab.pin_failed"), escape(workshop_title)) +
        [text(escape(reason), color="Attention"), text(t("cards.tab.try_again"), isSubtle=True)],
        [command_button(t("cards.tab.retry"), f"pin {workshop_id or workshop_title}")])
