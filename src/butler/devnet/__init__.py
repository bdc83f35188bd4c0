"""The local devnet: anvil with the real Aztec L1 contracts and Safe contracts, our StakingRegistry
stand-in, and a Safe Transaction Service stand-in. A tool beside the product; the product never imports
it."""
