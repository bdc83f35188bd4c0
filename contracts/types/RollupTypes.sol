// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

// The Rollup's value types, declared at file level under the real names so that the stand-in's ABI
// (including `internalType`) matches the real Rollup's.

type Timestamp is uint256;
type Epoch is uint256;

/// The entry queue's flush limits, as the real Rollup takes them in `updateStakingQueueConfig`.
struct StakingQueueConfig {
  uint256 bootstrapValidatorSetSize;
  uint256 bootstrapFlushSize;
  uint256 normalFlushSizeMin;
  uint256 normalFlushSizeQuotient;
  uint256 maxQueueFlushSize;
}

struct G1Point {
  uint256 x;
  uint256 y;
}

// x0/y0 are the real parts, x1/y1 the imaginary parts, as the GSE takes them.
struct G2Point {
  uint256 x0;
  uint256 x1;
  uint256 y0;
  uint256 y1;
}

struct AttesterConfig {
  G1Point publicKey;
  address withdrawer;
}

struct DepositArgs {
  address attester;
  address withdrawer;
  G1Point publicKeyInG1;
  G2Point publicKeyInG2;
  G1Point proofOfPossession;
  bool moveWithLatestRollup;
}

enum Status {
  NONE,
  VALIDATING,
  ZOMBIE,
  EXITING
}

struct Exit {
  uint256 withdrawalId;
  uint256 amount;
  Timestamp exitableAt;
  address recipientOrWithdrawer;
  bool isRecipient;
  bool exists;
}

struct AttesterView {
  Status status;
  uint256 effectiveBalance;
  Exit exit;
  AttesterConfig config;
}
