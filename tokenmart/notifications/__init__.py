"""In-app notifications: one per balance change, shown in the reader's language."""
