"""POA Ledger adapters: the event store, batch files and report renderers."""
