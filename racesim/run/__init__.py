"""MANY REPLICATIONS: random streams, executors (serial, pool, Dask), tallies."""
