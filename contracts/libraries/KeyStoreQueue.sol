// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {IStakingRegistry} from "../interfaces/IStakingRegistry.sol";

error QueueIsEmpty();
error QueueIndexOutOfBounds();

/// A provider's FIFO of keystores: the live entries are the indexes [first, last).
/// Fields in this order so that the registry's `providerQueues` getter returns (first, last).
struct KeyStoreQueue {
  uint128 first;
  uint128 last;
  mapping(uint128 index => IStakingRegistry.KeyStore keyStore) values;
}

library KeyStoreQueueLib {
  /// Queues start at 1, not 0, like the real registry's: readers must use getFirstIndexInQueue.
  function init(KeyStoreQueue storage self) internal {
    self.first = 1;
    self.last = 1;
  }

  function enqueue(KeyStoreQueue storage self, IStakingRegistry.KeyStore calldata _keyStore) internal {
    uint128 slot = self.last;
    self.values[slot] = _keyStore;
    self.last = slot + 1;
  }

  function dequeue(KeyStoreQueue storage self) internal returns (IStakingRegistry.KeyStore memory keyStore) {
    uint128 head = self.first;
    if (self.last <= head) {
      revert QueueIsEmpty();
    }
    keyStore = self.values[head];
    delete self.values[head];
    self.first = head + 1;
  }

  function length(KeyStoreQueue storage self) internal view returns (uint256) {
    return self.last - self.first;
  }

  function at(KeyStoreQueue storage self, uint128 _index)
    internal
    view
    returns (IStakingRegistry.KeyStore memory)
  {
    if (_index < self.first || _index >= self.last) {
      revert QueueIndexOutOfBounds();
    }
    return self.values[_index];
  }
}
