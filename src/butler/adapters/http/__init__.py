"""What every HTTP client of the product shares: deadlines, retries and what an error may say."""
