"""Campaign sends: the audience frozen into an outbox, one row per recipient."""
