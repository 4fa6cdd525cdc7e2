"""POA Ledger projections: pure folds of a plan's events into its state and evaluation."""
