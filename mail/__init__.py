"""Mail: mailboxes, the logging pipeline, composing and sending mail."""
