"""Accounts: sign-up, sign-in, confirmation, password reset, roles."""
