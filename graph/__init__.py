"""Microsoft Graph: one small client (graph/client.py) for everything the bot asks of Graph."""
