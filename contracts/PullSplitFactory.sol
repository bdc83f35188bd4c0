// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

/// The split parameters as 0xSplits' SplitV2Lib declares them.
library SplitV2Lib {
  struct Split {
    address[] recipients;
    uint256[] allocations;
    uint256 totalAllocation;
    uint16 distributionIncentive;
  }
}

/// Stands in for a 0xSplits PullSplit: a contract that receives the rewards and records how they split.
/// Distribution is not implemented; the devnet only needs its address (the attester's coinbase).
contract PullSplit {
  address[] public recipients;
  uint256[] public allocations;
  uint256 public immutable TOTAL_ALLOCATION;

  constructor(SplitV2Lib.Split memory _split) {
    recipients = _split.recipients;
    allocations = _split.allocations;
    TOTAL_ALLOCATION = _split.totalAllocation;
  }

  receive() external payable {}
}

/// Stands in for the 0xSplits PullSplitFactory the real StakingRegistry is built with: same
/// `createSplit` signature, one fresh PullSplit per call.
contract PullSplitFactory {
  event SplitCreated(address indexed split, address owner, address creator);

  function createSplit(SplitV2Lib.Split calldata _splitParams, address _owner, address _creator)
    external
    returns (address split)
  {
    split = address(new PullSplit(_splitParams));
    emit SplitCreated(split, _owner, _creator);
  }
}
