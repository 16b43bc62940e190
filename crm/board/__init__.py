"""The board: the pipeline's columns under a filter, and its page, moves and quick add."""
