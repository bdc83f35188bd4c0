// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {IERC20} from "./interfaces/IERC20.sol";
import {IRegistry, IStaking} from "./interfaces/IStaking.sol";
import {IStakingRegistry} from "./interfaces/IStakingRegistry.sol";
import {KeyStoreQueue, KeyStoreQueueLib} from "./libraries/KeyStoreQueue.sol";
import {PullSplitFactory, SplitV2Lib} from "./PullSplitFactory.sol";

/// Devnet stand-in for the Aztec StakingRegistry (not published as a deployable artifact): ABI-identical
/// for everything the product uses, built like the real one from the staking asset, a split factory and
/// the real Aztec Registry. `stake` does what the real one does: finds the rollup of the version in the
/// Registry, pulls that rollup's activation threshold from the staker, deposits into the real rollup's
/// entry queue and creates a split contract, the attester's coinbase. The split factory is ours (see
/// PullSplitFactory.sol), not 0xSplits'.
contract StakingRegistry is IStakingRegistry {
  using KeyStoreQueueLib for KeyStoreQueue;

  /// Take rates are in basis points.
  uint256 internal constant BIPS = 10_000;

  PullSplitFactory public immutable PULL_SPLIT_FACTORY;
  IERC20 public immutable STAKING_ASSET;
  IRegistry public immutable ROLLUP_REGISTRY;

  mapping(uint256 providerIdentifier => ProviderConfiguration providerConfiguration) public providerConfigurations;
  mapping(uint256 providerIdentifier => KeyStoreQueue attesterKeys) public providerQueues;
  mapping(uint256 providerIdentifier => address providerAdmin) public pendingProviderAdmins;

  /// Provider identifiers start at 1, so that 0 never names a provider.
  uint256 public nextProviderIdentifier = 1;

  error SafeERC20FailedOperation(address token);

  constructor(IERC20 _stakingAsset, address _pullSplitFactory, IRegistry _rollupRegistry) {
    STAKING_ASSET = _stakingAsset;
    PULL_SPLIT_FACTORY = PullSplitFactory(_pullSplitFactory);
    ROLLUP_REGISTRY = _rollupRegistry;
  }

  modifier onlyProviderAdmin(uint256 _providerIdentifier) {
    if (msg.sender != providerConfigurations[_providerIdentifier].providerAdmin) {
      revert StakingRegistry__NotProviderAdmin();
    }
    _;
  }

  /// The staker (msg.sender, who approved the activation threshold) stakes the provider's next queued key.
  function stake(
    uint256 _providerIdentifier,
    uint256 _rollupVersion,
    address _withdrawalAddress,
    uint16 _expectedProviderTakeRate,
    address _userRewardsRecipient,
    bool _moveWithLatestRollup
  ) external override(IStakingRegistry) {
    ProviderConfiguration memory provider = providerConfigurations[_providerIdentifier];
    if (provider.providerAdmin == address(0)) {
      revert StakingRegistry__InvalidProviderIdentifier(_providerIdentifier);
    }
    if (_withdrawalAddress == address(0) || _userRewardsRecipient == address(0)) {
      revert StakingRegistry__ZeroAddress();
    }
    if (_expectedProviderTakeRate != provider.providerTakeRate) {
      revert StakingRegistry__UnexpectedTakeRate(_expectedProviderTakeRate, provider.providerTakeRate);
    }
    address rollup = ROLLUP_REGISTRY.getRollup(_rollupVersion);
    if (rollup == address(0)) {
      revert StakingRegistry__ZeroAddress();
    }

    KeyStore memory keyStore = providerQueues[_providerIdentifier].dequeue();

    uint256 activationThreshold = IStaking(rollup).getActivationThreshold();
    _pullStake(activationThreshold);
    STAKING_ASSET.approve(rollup, activationThreshold);
    IStaking(rollup).deposit(
      keyStore.attester,
      _withdrawalAddress,
      keyStore.publicKeyG1,
      keyStore.publicKeyG2,
      keyStore.proofOfPossession,
      _moveWithLatestRollup
    );

    address split = PULL_SPLIT_FACTORY.createSplit(
      _rewardsSplit(provider, _userRewardsRecipient),
      address(0), // no owner: the split cannot be changed
      address(this)
    );

    emit StakedWithProvider(_providerIdentifier, rollup, keyStore.attester, split, msg.sender);
  }

  function _pullStake(uint256 _amount) internal {
    (bool ok, bytes memory returned) = address(STAKING_ASSET).call(
      abi.encodeCall(IERC20.transferFrom, (msg.sender, address(this), _amount))
    );
    if (!ok || (returned.length > 0 && !abi.decode(returned, (bool)))) {
      revert SafeERC20FailedOperation(address(STAKING_ASSET));
    }
  }

  /// The provider's take rate to its rewards recipient, the rest to the staker's.
  function _rewardsSplit(ProviderConfiguration memory _provider, address _userRewardsRecipient)
    internal
    pure
    returns (SplitV2Lib.Split memory split)
  {
    split.recipients = new address[](2);
    split.recipients[0] = _provider.providerRewardsRecipient;
    split.recipients[1] = _userRewardsRecipient;
    split.allocations = new uint256[](2);
    split.allocations[0] = _provider.providerTakeRate;
    split.allocations[1] = BIPS - _provider.providerTakeRate;
    split.totalAllocation = BIPS;
  }

  function registerProvider(address _providerAdmin, uint16 _providerTakeRate, address _providerRewardsRecipient)
    external
    override(IStakingRegistry)
    returns (uint256)
  {
    if (_providerAdmin == address(0) || _providerRewardsRecipient == address(0)) {
      revert StakingRegistry__ZeroAddress();
    }
    if (_providerTakeRate > BIPS) {
      revert StakingRegistry__InvalidTakeRate(_providerTakeRate);
    }

    uint256 providerIdentifier = nextProviderIdentifier;
    nextProviderIdentifier = providerIdentifier + 1;

    providerConfigurations[providerIdentifier] = ProviderConfiguration({
      providerAdmin: _providerAdmin,
      providerTakeRate: _providerTakeRate,
      providerRewardsRecipient: _providerRewardsRecipient
    });
    providerQueues[providerIdentifier].init();

    emit ProviderRegistered(providerIdentifier, _providerAdmin, _providerTakeRate);
    return providerIdentifier;
  }

  /// Appends to the provider's queue in order. Like the real registry, it does not look for duplicates.
  function addKeysToProvider(uint256 _providerIdentifier, KeyStore[] calldata _keyStores)
    external
    override(IStakingRegistry)
    onlyProviderAdmin(_providerIdentifier)
  {
    KeyStoreQueue storage queue = providerQueues[_providerIdentifier];
    address[] memory attesters = new address[](_keyStores.length);
    for (uint256 i; i < _keyStores.length; ++i) {
      queue.enqueue(_keyStores[i]);
      attesters[i] = _keyStores[i].attester;
    }
    emit AttestersAddedToProvider(_providerIdentifier, attesters);
  }

  function updateProviderAdmin(uint256 _providerIdentifier, address _newAdmin)
    external
    override(IStakingRegistry)
    onlyProviderAdmin(_providerIdentifier)
  {
    if (_newAdmin == address(0)) {
      revert StakingRegistry__ZeroAddress();
    }
    if (_newAdmin == msg.sender) {
      revert StakingRegistry__UpdatedProviderAdminToSameAddress();
    }
    pendingProviderAdmins[_providerIdentifier] = _newAdmin;
    emit ProviderAdminUpdateInitiated(_providerIdentifier, _newAdmin);
  }

  function acceptProviderAdmin(uint256 _providerIdentifier) external override(IStakingRegistry) {
    if (msg.sender != pendingProviderAdmins[_providerIdentifier]) {
      revert StakingRegistry__NotPendingProviderAdmin();
    }
    providerConfigurations[_providerIdentifier].providerAdmin = msg.sender;
    delete pendingProviderAdmins[_providerIdentifier];
    emit ProviderAdminUpdated(_providerIdentifier, msg.sender);
  }

  function updateProviderRewardsRecipient(uint256 _providerIdentifier, address _newRewardsRecipient)
    external
    override(IStakingRegistry)
    onlyProviderAdmin(_providerIdentifier)
  {
    if (_newRewardsRecipient == address(0)) {
      revert StakingRegistry__ZeroAddress();
    }
    providerConfigurations[_providerIdentifier].providerRewardsRecipient = _newRewardsRecipient;
    emit ProviderRewardsRecipientUpdated(_providerIdentifier, _newRewardsRecipient);
  }

  function updateProviderTakeRate(uint256 _providerIdentifier, uint16 _newTakeRate)
    external
    override(IStakingRegistry)
    onlyProviderAdmin(_providerIdentifier)
  {
    if (_newTakeRate == providerConfigurations[_providerIdentifier].providerTakeRate) {
      revert StakingRegistry__UpdatedProviderTakeRateToSameValue();
    }
    if (_newTakeRate > BIPS) {
      revert StakingRegistry__InvalidTakeRate(_newTakeRate);
    }
    providerConfigurations[_providerIdentifier].providerTakeRate = _newTakeRate;
    emit ProviderTakeRateUpdated(_providerIdentifier, _newTakeRate);
  }

  /// Drops keys from the head of the provider's queue (e.g. a bad key that blocks it).
  function dripProviderQueue(uint256 _providerIdentifier, uint256 _numberOfKeysToDrip)
    external
    override(IStakingRegistry)
    onlyProviderAdmin(_providerIdentifier)
  {
    KeyStoreQueue storage queue = providerQueues[_providerIdentifier];
    for (uint256 i; i < _numberOfKeysToDrip; ++i) {
      KeyStore memory keyStore = queue.dequeue();
      emit ProviderQueueDripped(_providerIdentifier, keyStore.attester);
    }
  }

  function getProviderQueueLength(uint256 _providerIdentifier)
    external
    view
    override(IStakingRegistry)
    returns (uint256)
  {
    return providerQueues[_providerIdentifier].length();
  }

  function getFirstIndexInQueue(uint256 _providerIdentifier)
    external
    view
    override(IStakingRegistry)
    returns (uint128)
  {
    return providerQueues[_providerIdentifier].first;
  }

  function getLastIndexInQueue(uint256 _providerIdentifier)
    external
    view
    override(IStakingRegistry)
    returns (uint128)
  {
    return providerQueues[_providerIdentifier].last;
  }

  function getValueAtIndexInQueue(uint256 _providerIdentifier, uint128 _index)
    external
    view
    override(IStakingRegistry)
    returns (KeyStore memory)
  {
    return providerQueues[_providerIdentifier].at(_index);
  }

  function getActivationThreshold(uint256 _rollupVersion)
    external
    view
    override(IStakingRegistry)
    returns (uint256)
  {
    return IStaking(ROLLUP_REGISTRY.getRollup(_rollupVersion)).getActivationThreshold();
  }
}
