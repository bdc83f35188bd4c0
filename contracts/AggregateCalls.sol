// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

/// @title Many read calls of one contract function in a single `eth_call`, with nothing deployed
/// @notice Sent as the data of an `eth_call` without `to`: the node runs this creation code with its
/// constructor arguments and answers with the "code" the constructor returns, which is never deployed.
/// Every node serves such calls (they are how contract creations are simulated), so no Multicall
/// contract has to exist on the chain. The chain adapter sends it (`butler.adapters.chain.aggregate_calls`).
///
/// It calls `target` once per item with `prefix || item` through STATICCALL and returns a zero byte
/// followed by every answer, in order. The leading zero keeps the returned "code" from starting with
/// 0xEF (EIP-3541); what a creation returns is limited to 24,576 bytes (EIP-170), which bounds the items
/// per call.
contract AggregateCalls {
    /// @notice The answer to item `index` had `size` bytes, not the size asked for (none when `target`
    /// holds no code).
    error UnexpectedResultSize(uint256 index, uint256 size);

    /// @param target the contract called
    /// @param resultSize the size of every answer, in bytes
    /// @param prefix the function selector, then any arguments before the last one
    /// @param items the last argument of each call, one word each
    constructor(address target, uint256 resultSize, bytes memory prefix, bytes32[] memory items) {
        bytes memory input = bytes.concat(prefix, bytes32(0));
        bytes memory answers = new bytes(1 + items.length * resultSize);
        for (uint256 index = 0; index < items.length; index++) {
            bytes32 item = items[index];
            uint256 itemAt = prefix.length;
            assembly {
                mstore(add(add(input, 32), itemAt), item)
            }
            (bool success, bytes memory answer) = target.staticcall(input);
            if (!success) {
                // The node's verdict on the first failing item reaches the caller as it is.
                assembly {
                    revert(add(answer, 32), mload(answer))
                }
            }
            if (answer.length != resultSize) {
                revert UnexpectedResultSize(index, answer.length);
            }
            uint256 answerAt = 1 + index * resultSize;
            assembly {
                mcopy(add(add(answers, 32), answerAt), add(answer, 32), resultSize)
            }
        }
        assembly {
            return(add(answers, 32), mload(answers))
        }
    }
}
