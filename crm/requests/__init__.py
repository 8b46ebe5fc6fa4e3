"""Requests already handled: the memory that makes retried and double-sent requests harmless."""
