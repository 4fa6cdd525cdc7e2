"""POA Ledger command line."""
