"""The tab pages in the viewer's language: Teams' `{locale}` in the query (or the browser's
Accept-Language) makes a page German, `<html lang="de">` and German headings, with none of the English
of tabs.json left; without either, the pages stay English. Through the real app, in chromium and over
HTTP."""

from __future__ import annotations

import re
from urllib.parse import quote

from tests.test_agenda import DATA_MIGRATION
from tests.test_cards_german import any_of, english_phrases, not_ours
from tests.test_tabs import assert_clean, browser, close, get, open_page, world  # noqa: F401 (the fixtures)


def english_left(shown: str) -> list[str]:
    """The English tabs.json phrases in `shown`, once the catalog's and workshops' words are cut out."""
    phrases = english_phrases("tabs")
    shown = any_of(tuple(not_ours())).sub(" ", shown)
    return [f"{found!r} ({phrases[found]})" for found in any_of(tuple(phrases)).findall(shown)]


async def test_the_workshop_and_series_pages_in_german(world, browser):  # noqa: F811
    watched = await open_page(browser, world.page(world.good, DATA_MIGRATION, locale="de-DE"))
    page = watched.page
    assert await page.get_attribute("html", "lang") == "de"
    headings = await page.locator("h2").all_inner_texts()
    assert headings == ["Agenda", "Teilnehmende", "Anwesenheit", "Ergebnisse", "Offene Aufgaben"]
    shown = await page.inner_text("body")
    assert "200 von 180 Minuten verplant (20 zu viel)" in shown and "An der Teams-Besprechung teilnehmen" in shown
    assert "Archive scope and Sons (hinzugefügt) — Grace Hopper, 20 Min." in shown
    assert english_left(shown) == []
    await assert_clean(watched)

    await page.click("text=Die ganze Reihe")  # the link to the series keeps the language
    await page.wait_for_load_state("load")
    assert await page.get_attribute("html", "lang") == "de"
    shown = await page.inner_text("body")
    assert "Workshopreihe" in shown and "Bereitschaft: Nicht bereit" in shown and "Zeitplan" in shown
    assert re.search(r"Go-live: \d{1,2}\. \w+\.? \d{4}", shown), shown[:400]
    assert english_left(shown) == []
    await assert_clean(watched)
    await close(watched)


async def test_without_a_locale_the_browser_language_decides_and_english_stays_english(world):  # noqa: F811
    series = world.page(world.good)
    response, body = await get(world, series)
    assert response.status == 200 and '<html lang="en"' in body and "<h1>Workshop series</h1>" in body
    unfilled = world.page(world.good, locale="{locale}")  # a browser opening the contentUrl as it is
    response = await world.client.get(unfilled[len(world.url("/")) - 1:],
                                      headers={"Accept-Language": "fr-FR, de;q=0.8, en;q=0.5"})
    body = await response.text()
    assert '<html lang="de"' in body and "<h1>Workshopreihe</h1>" in body
    response = await world.client.get(series[len(world.url("/")) - 1:], headers={"Accept-Language": "fr-FR"})
    assert '<html lang="en"' in await response.text()


async def test_the_pages_that_say_no_speak_german_too(world):  # noqa: F811
    german = {"Accept-Language": "de-DE"}
    response = await world.client.get(f"/tabs/series?project={quote(world.good, safe='')}&locale=de-AT")
    body = await response.text()
    assert response.status == 403 and '<html lang="de"' in body and "Dieser Link ist ungültig" in body
    assert "<strong>pin</strong>" in body and english_left(body.split("<main>")[1]) == []
    response = await world.client.get("/tabs/config", params={"project": world.good, "locale": "de-DE"})
    body = await response.text()
    assert "Workshopseite hinzufügen" in body and 'name="locale" value="de-DE"' in body
    response = await world.client.get("/tabs/config", params={"project": world.good, "code": "nonsense"},
                                      headers=german)
    assert "Dieser Link ist ungültig oder abgelaufen" in await response.text()
    for path, heading in (("/privacy", "Datenschutz"), ("/terms", "Nutzungsbedingungen")):
        response = await world.client.get(path, headers=german)
        assert f"<h1>{heading}</h1>" in await response.text()
    response = await world.client.get(f"/export/{quote(world.good, safe='')}/findings.csv?token=x", headers=german)
    assert response.status == 403
    assert (await response.json())["error"]["message"].startswith("Dieser Exportlink ist ungültig")


async def test_the_configuration_page_hands_teams_a_content_url_with_its_locale(world):  # noqa: F811
    link = world.page(world.good)
    response = await world.client.get("/tabs/config", params={"project": world.good, "code": link, "locale": "de-DE"})
    body = await response.text()
    assert "Wähle, was diese Registerkarte zeigt" in body and 'data-name="Workshopreihe"' in body
    urls = re.findall(r'data-content-url="([^"]+)"', body)
    assert urls and all(u.endswith("&amp;locale={locale}&amp;theme={theme}") for u in urls)
    assert "{locale}" not in "".join(re.findall(r'data-website-url="([^"]+)"', body))
