// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

interface IERC20 {
  function approve(address spender, uint256 value) external returns (bool);

  function balanceOf(address account) external view returns (uint256);
}
