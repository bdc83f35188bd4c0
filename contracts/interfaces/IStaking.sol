// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {BN254Lib} from "../libraries/BN254Lib.sol";

/// What the StakingRegistry calls on the real Aztec Rollup (its IStaking). The selectors equal the
/// real Rollup's: the BN254Lib points encode exactly like the Rollup's file-level points.
interface IStaking {
  function deposit(
    address _attester,
    address _withdrawer,
    BN254Lib.G1Point memory _publicKeyInG1,
    BN254Lib.G2Point memory _publicKeyInG2,
    BN254Lib.G1Point memory _proofOfPossession,
    bool _moveWithLatestRollup
  ) external;

  function getActivationThreshold() external view returns (uint256);
}

/// The real Aztec Registry: rollups by version.
interface IRegistry {
  function getRollup(uint256 _version) external view returns (address);
}
