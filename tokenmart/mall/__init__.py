"""Points mall: rewards users spend flowers or coins on, and the redemption hot path."""
