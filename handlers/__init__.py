"""The command grammar and its views, shared by the console and Slack."""
