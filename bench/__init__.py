"""The benchmark company: a generator straight into PostgreSQL and a benchmark runner."""
