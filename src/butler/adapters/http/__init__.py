"""What every HTTP client of the product shares: a total deadline per exchange, bounded retries with
Retry-After, what an error may say about the server, and a POST stored once."""
