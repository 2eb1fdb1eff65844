"""The ASGI app, settings, authentication and the `burnrate` command."""
