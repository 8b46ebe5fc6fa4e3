"""The scheduler: APScheduler wiring, the jobs, and the lock that elects one leader."""
