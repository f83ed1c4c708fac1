"""The admin back office: users, economy dashboard, fraud signals, RFM segments, audit log."""
