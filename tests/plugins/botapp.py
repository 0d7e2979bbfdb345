"""The bot app under test, and a stand-in for the Bot Framework connector."""
