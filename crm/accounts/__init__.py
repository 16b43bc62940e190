"""Accounts: users and their organizations, sessions and API tokens, how a request presents its
credentials, the sign-in limits, and the sign-in routes of the API and the pages."""
