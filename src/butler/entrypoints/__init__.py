"""The entry points: the operator CLI (`cli`), the scraper (`scraper.main`) and the devnet tool
(`devnet_cli`). The product's two read their process's environment and working folder once, into the
`Settings` of `bootstrap`, build the `Services` their commands run over and run the command named; the
devnet tool reads no environment (its files are named by its arguments)."""
