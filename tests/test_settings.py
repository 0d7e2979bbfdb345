"""Reading the environment: the `.env` file, with real environment variables winning."""

from runtime.settings import Settings, read_environment


def test_real_environment_wins_over_dotenv(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("PORT=4000\nSQLITE_PATH=from-dotenv.sqlite3\nNO_VALUE\n")
    env = read_environment({"PORT": "5000"}, str(dotenv))
    assert env == {"PORT": "5000", "SQLITE_PATH": "from-dotenv.sqlite3"}
    settings = Settings.from_env({"PORT": "5000"}, str(dotenv))
    assert (settings.port, settings.sqlite_path) == (5000, "from-dotenv.sqlite3")


def test_no_dotenv_file(tmp_path):
    assert read_environment({"HOST": "::1"}, str(tmp_path / "missing.env")) == {"HOST": "::1"}
    assert read_environment({"HOST": "::1"}, "") == {"HOST": "::1"}


def test_the_cache_and_card_update_windows_may_be_turned_off_but_not_made_negative(tmp_path):
    import pytest
    from runtime.settings import SettingsError

    missing = str(tmp_path / "missing.env")
    defaults = Settings.from_env({}, missing)
    assert (defaults.store_cache_seconds, defaults.card_update_seconds) == (2.0, 1.0)
    off = Settings.from_env({"STORE_CACHE_SECONDS": "0", "CARD_UPDATE_SECONDS": "0"}, missing)
    assert (off.store_cache_seconds, off.card_update_seconds) == (0.0, 0.0)
    with pytest.raises(SettingsError, match="STORE_CACHE_SECONDS must be 0 or more"):
        Settings.from_env({"STORE_CACHE_SECONDS": "-1"}, missing)
    with pytest.raises(SettingsError, match="SHUTDOWN_TIMEOUT_SECONDS must be greater than 0"):
        Settings.from_env({"SHUTDOWN_TIMEOUT_SECONDS": "0"}, missing)
