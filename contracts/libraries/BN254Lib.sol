// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

/// The BN254 point types as the real StakingRegistry declares them (inside a library, which shows in
/// its ABI as `struct BN254Lib.G1Point`). ABI-wise they equal the Rollup's file-level points.
library BN254Lib {
  struct G1Point {
    uint256 x;
    uint256 y;
  }

  /// x0/y0 are the real parts, x1/y1 the imaginary parts.
  struct G2Point {
    uint256 x0;
    uint256 x1;
    uint256 y0;
    uint256 y1;
  }
}
