"""Campaigns: their segments, entries, targets, statistics, content and audience."""
