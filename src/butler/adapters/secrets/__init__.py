"""Where private keys go (the console, Google Cloud Secret Manager) and where the CLI finds its own."""
