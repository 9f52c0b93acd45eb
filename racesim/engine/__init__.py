"""ONE REPLICATION: the compiled plan, money, missions, story events (SimPy)."""
