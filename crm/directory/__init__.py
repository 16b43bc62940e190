"""The organization's directory: companies, contacts and members a deal refers to, and their API."""
