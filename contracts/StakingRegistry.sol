// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {IRollupDevnet} from "./interfaces/IRollupDevnet.sol";
import {IStakingRegistry} from "./interfaces/IStakingRegistry.sol";
import {KeyStoreQueue, KeyStoreQueueLib} from "./libraries/KeyStoreQueue.sol";

/// Stands in for the rewards-splitting contract the real registry creates per stake: only its fresh
/// address matters, as the attester's coinbase.
contract Coinbase {
  receive() external payable {}
}

/// Devnet stand-in for the Aztec StakingRegistry: ABI-identical for everything the product uses.
/// Differences from the real one: a single rollup (the version argument of `stake` is ignored), the
/// staker pays no tokens (the devnet funds the rollup), and the coinbase is a bare `Coinbase` contract.
contract StakingRegistry is IStakingRegistry {
  using KeyStoreQueueLib for KeyStoreQueue;

  /// Take rates are in basis points.
  uint256 internal constant BIPS = 10_000;

  IRollupDevnet public immutable ROLLUP;

  mapping(uint256 providerIdentifier => ProviderConfiguration providerConfiguration) public providerConfigurations;
  mapping(uint256 providerIdentifier => KeyStoreQueue attesterKeys) public providerQueues;
  mapping(uint256 providerIdentifier => address providerAdmin) public pendingProviderAdmins;

  /// Provider identifiers start at 1, so that 0 never names a provider.
  uint256 public nextProviderIdentifier = 1;

  constructor(IRollupDevnet _rollup) {
    if (address(_rollup) == address(0)) {
      revert StakingRegistry__ZeroAddress();
    }
    ROLLUP = _rollup;
  }

  modifier onlyProviderAdmin(uint256 _providerIdentifier) {
    if (msg.sender != providerConfigurations[_providerIdentifier].providerAdmin) {
      revert StakingRegistry__NotProviderAdmin();
    }
    _;
  }

  /// Anyone (the delegator) stakes the provider's next queued key into the rollup's entry queue.
  function stake(
    uint256 _providerIdentifier,
    uint256 _rollupVersion,
    address _withdrawalAddress,
    uint16 _expectedProviderTakeRate,
    address _userRewardsRecipient,
    bool _moveWithLatestRollup
  ) external override(IStakingRegistry) {
    _rollupVersion; // the devnet has a single rollup
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

    KeyStore memory keyStore = providerQueues[_providerIdentifier].dequeue();
    ROLLUP.deposit(
      keyStore.attester,
      _withdrawalAddress,
      keyStore.publicKeyG1,
      keyStore.publicKeyG2,
      keyStore.proofOfPossession,
      _moveWithLatestRollup
    );
    address coinbase = address(new Coinbase());

    // The real registry names the caller's staker here; the stand-in names itself, a fixed address.
    emit StakedWithProvider(_providerIdentifier, address(ROLLUP), keyStore.attester, coinbase, address(this));
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
    _rollupVersion; // the devnet has a single rollup
    return ROLLUP.getActivationThreshold();
  }
}
