"""POA Ledger domain: the plan, its facts and rules. Pure Python, no I/O."""
