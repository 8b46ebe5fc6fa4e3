"""Mailboxes, reading and classifying mail, and the logging pipeline."""
