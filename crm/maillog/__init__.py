"""Mail logging: which messages were processed, senders awaiting review, and the rules."""
