"""Cards about agenda tabs: pinned, how to pin one by hand, and pinning failed (with Retry)."""

from __future__ import annotations

from .common import card, command_button, escape, heading, link_button, numbered, text


def pinned_card(workshop_title: str, web_url: str) -> dict:
    return card(
        heading("Tab pinned", escape(workshop_title)) +
        [text(f"The page of **{escape(workshop_title)}** is now a tab at the top of this channel: its agenda, "
              "attendees, attendance and outcomes, always up to date.")],
        [link_button("Open the tab", web_url)])


def pin_by_hand_card(workshop_title: str, page_url: str, note: str = "") -> dict:
    """How to add the page as a tab without Graph: the Workshops tab's configuration page takes the
    link below (it carries the key to this project's pages) and offers the series' workshops."""
    steps = numbered([
        "At the top of the channel (or chat), select **+** (Add a tab).",
        "Pick **Workshops**.",
        "Paste the link below into the box and select **Continue**.",
        f"Choose **{escape(workshop_title)}** and select **Save**.",
    ])
    body = heading("Add the tab by hand", escape(workshop_title))
    if note:
        body.append(text(escape(note), color="Warning"))
    body += [steps, text(escape(page_url), fontType="Monospace", size="Small"),
             text("Anyone with this link can read the project's workshop pages for 180 days: share it only with "
                  "the team.", isSubtle=True, size="Small")]
    return card(body, [link_button("Open the page", page_url)])


def pin_failed_card(workshop_title: str, reason: str, workshop_id: str = "") -> dict:
    """Fail soft: what went wrong, and a Retry button that sends `pin <workshop>` again."""
    return card(
        heading("Could not pin the tab", escape(workshop_title)) +
        [text(escape(reason), color="Attention"),
         text("Try again in a moment, or add the tab by hand: select **+** at the top of the channel and pick "
              "**Workshops**.", isSubtle=True)],
        [command_button("Retry", f"pin {workshop_id or workshop_title}")])
