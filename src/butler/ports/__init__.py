"""Interfaces the core needs from the outside world, in domain types. Fakes live beside them."""
