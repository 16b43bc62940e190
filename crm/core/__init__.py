"""Shared infrastructure every feature builds on, free of Flask requests, sessions and templates:
the database, ids, types, text folding, currencies, input parsers, list windows and the domain's errors."""
