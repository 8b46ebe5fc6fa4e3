"""A salesperson's own overview: open opportunities, tasks, interactions and the pipeline."""
