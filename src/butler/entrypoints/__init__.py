"""Composition roots: the operator CLI, the devnet CLI and (later) the scraper."""
