"""The catalogue of what users read (texts/): every language has every key, with the same
placeholders, and the language follows the turn's locale."""

import string
from datetime import date, datetime

import pytest

import texts
from texts import catalogue, day, language, speaking, t, t_count, weekday_day


def placeholders(template: str) -> set[str]:
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("lang", [lang for lang in texts.LANGUAGES if lang != texts.DEFAULT])
def test_every_language_has_every_key_with_the_same_placeholders(lang):
    english, other = catalogue(texts.DEFAULT), catalogue(lang)
    assert sorted(set(english) - set(other)) == [], f"missing in {lang}"
    assert sorted(set(other) - set(english)) == [], f"only in {lang}"
    wrong = {key for key in english if placeholders(english[key]) != placeholders(other[key])}
    assert not wrong, sorted(wrong)


def test_counted_texts_have_both_forms():
    english = catalogue(texts.DEFAULT)
    counted = {key.rsplit(".", 1)[0] for key in english if key.endswith((".one", ".other"))}
    assert all(f"{key}.one" in english and f"{key}.other" in english for key in counted)


@pytest.mark.parametrize("locale,expected", [("de-DE", "de"), ("de-AT", "de"), ("de", "de"), ("en-GB", "en"),
                                             ("fr-FR", "en"), ("", "en"), (None, "en"), ("DE_de", "de")])
def test_a_teams_locale_picks_its_language(locale, expected):
    assert language(locale) == expected


def test_dates_are_written_for_the_language_and_the_language_is_the_blocks():
    moment = date(2026, 12, 2)
    assert day(moment) == "02 Dec 2026" and weekday_day(moment) == "Wed 02 Dec 2026"
    with speaking("de-DE"):
        assert day(moment) == "2. Dez. 2026" and weekday_day(moment, year=False) == "Mi., 2. Dez."
        with speaking("en-US"):
            assert day(moment) == "02 Dec 2026"
        assert texts.current() == "de"
    assert texts.current() == "en"
    assert texts.clock(datetime(2026, 12, 2, 9, 5)) == "09:05"


def test_a_key_missing_in_english_is_a_programming_error():
    with pytest.raises(KeyError):
        t("no.such.key")
    with speaking("de"), pytest.raises(KeyError):
        t_count("no.such.key", 2)
