/// @title Many read calls of one contract function in a single `eth_call`, with nothing deployed
///
/// Sent as the data of an `eth_call` without `to`: the node runs this creation code and answers with the
/// "code" it returns, which is never deployed. Every node serves such calls (they are how contract
/// creations are simulated), so no Multicall contract has to exist on the chain. The chain adapter sends it
/// (`butler.adapters.chain.aggregate_calls`). Written in Yul rather than Solidity to stay small: it travels
/// with every aggregated call, and a Solidity constructor's argument decoding would make it seven times
/// larger.
///
/// Its arguments follow it in the call's data, packed:
///   target         one word: the contract called (an address, left-padded)
///   resultSize     one word: the size of every answer, in bytes
///   prefixLength   one word
///   prefix         prefixLength bytes: the function selector, then any arguments before the last one
///   items          the rest, one word each: the last argument of each call
///
/// It calls `target` once per item with `prefix || item` through STATICCALL and returns a zero byte
/// followed by every answer, in order. The leading zero keeps the returned "code" from starting with 0xEF
/// (EIP-3541); what a creation returns is limited to 24,576 bytes (EIP-170), which bounds the items per
/// call. A call that reverts makes the whole `eth_call` revert with the same revert data; an answer of
/// another size (none when `target` holds no code) reverts with `UnexpectedResultSize(index, size)`.
object "AggregateCalls" {
    code {
        let argumentsAt := datasize("AggregateCalls")
        codecopy(0, argumentsAt, 96)
        let target := mload(0)
        let resultSize := mload(32)
        let prefixLength := mload(64)
        let itemsAt := add(add(argumentsAt, 96), prefixLength)
        let count := div(sub(codesize(), itemsAt), 32)

        // Memory: the input of one call (the prefix, then the current item), then the zero byte and the
        // answers. Memory starts zeroed: the zero byte is there already.
        let inputLength := add(prefixLength, 32)
        codecopy(0, add(argumentsAt, 96), prefixLength)
        let returned := inputLength
        let answersAt := add(returned, 1)

        for { let index := 0 } lt(index, count) { index := add(index, 1) } {
            codecopy(prefixLength, add(itemsAt, mul(index, 32)), 32)
            if iszero(staticcall(gas(), target, 0, inputLength, 0, 0)) {
                returndatacopy(0, 0, returndatasize())
                revert(0, returndatasize())
            }
            if iszero(eq(returndatasize(), resultSize)) {
                // the selector of UnexpectedResultSize(uint256,uint256)
                mstore(0, shl(224, 0xe730cc08))
                mstore(4, index)
                mstore(36, returndatasize())
                revert(0, 68)
            }
            returndatacopy(add(answersAt, mul(index, resultSize)), 0, resultSize)
        }
        return(returned, add(1, mul(count, resultSize)))
    }
}
