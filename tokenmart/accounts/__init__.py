"""People: registration, sign-in, API tokens, roles and bans."""
