// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {BN254Lib} from "../libraries/BN254Lib.sol";

/// The real StakingRegistry's types, events and errors, with their exact signatures.
interface IStakingRegistry {
  struct ProviderConfiguration {
    address providerAdmin;
    uint16 providerTakeRate;
    address providerRewardsRecipient;
  }

  struct KeyStore {
    address attester;
    BN254Lib.G1Point publicKeyG1;
    BN254Lib.G2Point publicKeyG2;
    BN254Lib.G1Point proofOfPossession;
  }

  event ProviderRegistered(
    uint256 indexed providerIdentifier, address indexed providerAdmin, uint16 indexed providerTakeRate
  );
  event ProviderAdminUpdateInitiated(uint256 indexed providerIdentifier, address indexed newAdmin);
  event ProviderAdminUpdated(uint256 indexed providerIdentifier, address indexed newAdmin);
  event ProviderTakeRateUpdated(uint256 indexed providerIdentifier, uint16 newTakeRate);
  event ProviderRewardsRecipientUpdated(uint256 indexed providerIdentifier, address indexed newRewardsRecipient);
  event ProviderQueueDripped(uint256 indexed providerIdentifier, address indexed attester);
  event AttestersAddedToProvider(uint256 indexed providerIdentifier, address[] attesters);
  event StakedWithProvider(
    uint256 indexed providerIdentifier,
    address indexed rollupAddress,
    address indexed attester,
    address coinbaseSplitContractAddress,
    address stakerImplementation
  );

  error StakingRegistry__ZeroAddress();
  error StakingRegistry__InvalidProviderIdentifier(uint256 _providerIdentifier);
  error StakingRegistry__NotProviderAdmin();
  error StakingRegistry__UpdatedProviderAdminToSameAddress();
  error StakingRegistry__UpdatedProviderTakeRateToSameValue();
  error StakingRegistry__NotPendingProviderAdmin();
  error StakingRegistry__InvalidTakeRate(uint256 _takeRate);
  error StakingRegistry__UnexpectedTakeRate(uint256 _expectedTakeRate, uint256 _gotTakeRate);

  function stake(
    uint256 _providerIdentifier,
    uint256 _rollupVersion,
    address _withdrawalAddress,
    uint16 _expectedProviderTakeRate,
    address _userRewardsRecipient,
    bool _moveWithLatestRollup
  ) external;

  function registerProvider(address _providerAdmin, uint16 _providerTakeRate, address _providerRewardsRecipient)
    external
    returns (uint256);
  function addKeysToProvider(uint256 _providerIdentifier, KeyStore[] calldata _keyStores) external;
  function updateProviderAdmin(uint256 _providerIdentifier, address _newAdmin) external;
  function acceptProviderAdmin(uint256 _providerIdentifier) external;
  function updateProviderRewardsRecipient(uint256 _providerIdentifier, address _newRewardsRecipient) external;
  function updateProviderTakeRate(uint256 _providerIdentifier, uint16 _newTakeRate) external;
  function dripProviderQueue(uint256 _providerIdentifier, uint256 _numberOfKeysToDrip) external;

  function getProviderQueueLength(uint256 _providerIdentifier) external view returns (uint256);
  function getFirstIndexInQueue(uint256 _providerIdentifier) external view returns (uint128);
  function getLastIndexInQueue(uint256 _providerIdentifier) external view returns (uint128);
  function getValueAtIndexInQueue(uint256 _providerIdentifier, uint128 _index)
    external
    view
    returns (KeyStore memory);

  function getActivationThreshold(uint256 _rollupVersion) external view returns (uint256);
}
