"""The composition root: settings, logging, the CLI and the runners of every front."""
