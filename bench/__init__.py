"""The benchmark company (issue 9): a generator straight into PostgreSQL and a benchmark runner."""
