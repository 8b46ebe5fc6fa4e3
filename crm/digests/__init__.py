"""Segment digests: what changed for a segment or saved criteria, posted on a schedule."""
