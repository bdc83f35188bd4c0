"""The chain over Ethereum JSON-RPC: the transport, ABI encoding and decoding, batched reads, log scans."""
