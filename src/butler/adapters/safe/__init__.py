"""The provider's Safe multisig, through the Safe Transaction Service."""
