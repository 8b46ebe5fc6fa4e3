"""Segments: lists of contacts built by criteria, logged as interactions."""
