"""Deals: their rules, queries, operations and history, the kept stage totals, name search, the
HTML forms, and the deal routes of the API and the pages."""
