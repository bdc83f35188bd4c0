"""The local devnet: anvil with the real Aztec GSE and Safe contracts, our stand-ins, and a Safe
Transaction Service stand-in. A tool beside the product; the product never imports it."""
