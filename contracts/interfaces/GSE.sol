// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {AttesterConfig, G1Point, G2Point} from "../types/RollupTypes.sol";

/// The part of the real Aztec GSE (Governance Staking Escrow) that the Rollup stand-in calls.
/// Named `GSE` rather than `IGSE` because the real Rollup's `getGSE()` returns `contract GSE`.
interface GSE {
  function ACTIVATION_THRESHOLD() external view returns (uint256);

  /// Only a registered rollup may call this; it pulls ACTIVATION_THRESHOLD of the staking asset from the
  /// caller and verifies the proof of possession.
  function deposit(
    address _attester,
    address _withdrawer,
    G1Point memory _publicKeyInG1,
    G2Point memory _publicKeyInG2,
    G1Point memory _proofOfPossession,
    bool _moveWithLatestRollup
  ) external;

  /// Balance on `_instance`, or on the bonus instance when `_instance` is the latest rollup.
  function effectiveBalanceOf(address _instance, address _attester) external view returns (uint256);

  function getConfig(address _attester) external view returns (AttesterConfig memory);

  function isRollupRegistered(address _instance) external view returns (bool);

  /// The real one returns `Governance`; an address encodes the same.
  function getGovernance() external view returns (address);
}
