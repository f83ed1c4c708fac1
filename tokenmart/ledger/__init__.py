"""The double-entry ledger: the only place where value moves."""
