// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {GSE} from "./interfaces/GSE.sol";
import {IERC20} from "./interfaces/IERC20.sol";
import {
  AttesterConfig,
  AttesterView,
  DepositArgs,
  Epoch,
  Exit,
  G1Point,
  G2Point,
  StakingQueueConfig,
  Status,
  Timestamp
} from "./types/RollupTypes.sol";

/// Devnet stand-in for the Aztec Rollup's staking side, in front of the real GSE. ABI-identical to the
/// real Rollup for what the product reads (entry queue, attester views, GSE address). Deposits are
/// queued as in the real one; the devnet then moves them into the GSE with `flushEntryQueue`, and
/// drives exits with `exitAttester` and `markZombie`. No staking tokens move on `deposit`: the devnet
/// funds this contract, and the GSE pulls ACTIVATION_THRESHOLD from it per successful deposit.
///
/// Flushes follow the real Rollup's rules (Aztec 4.1.2 StakingLib): a fresh allowance per epoch from
/// the queue configuration, bootstrap floodgate included, kept in the real Rollup's storage layout at
/// its staking slot, where the product reads the configuration. The devnet's default configuration
/// lets any flush through; `updateStakingQueueConfig` sets real limits.
contract Rollup {
  /// keccak256("aztec.core.staking.storage"): the real Rollup's staking storage.
  bytes32 internal constant STAKING_SLOT = 0xbba4a4d3c3eeb229c4f06863ce3d3d8cddab9e4dee538d785fc67e2ed9d68cad;
  uint256 internal constant UNLIMITED = type(uint32).max;

  /// The real Rollup's `StakingStorage` as far as the flush fields: the slots before and between them
  /// hold fields the stand-in keeps elsewhere.
  struct FlushStorage {
    uint256[4] before;
    uint256 queueConfig; // StakingQueueConfig, five 32-bit fields, maxQueueFlushSize lowest
    uint256[2] entryQueue;
    uint32 nextFlushableEpoch;
    uint32 availableValidatorFlushes;
    bool isBootstrapped;
  }

  // Storage rather than constants so that their getters are `view`, as in the real rollup's ABI.
  uint256 internal slotDuration = 36;
  uint256 internal epochDuration = 32;
  uint256 internal exitDelay = 2 days;

  /// Gas that must be left before each GSE deposit. A deposit uses up to ~0.8M (the first one into a
  /// fresh GSE), and the GSE checks the proof of possession in a sub-call capped at 250k gas: if that
  /// sub-call ran out of gas the GSE would report a valid proof as invalid and the entry would be
  /// dropped. Refusing to start a deposit without this reserve also keeps gas estimates of a flush from
  /// settling on such an outcome.
  uint256 public constant DEPOSIT_GAS_RESERVE = 1_200_000;

  GSE internal immutable GSE_CONTRACT;
  IERC20 internal immutable STAKING_ASSET;
  Timestamp internal immutable GENESIS_TIME;

  /// The entry queue: live entries are [entryQueueFirst, entryQueueLast).
  mapping(uint256 index => DepositArgs deposit) internal entryQueue;
  uint256 internal entryQueueFirst = 1;
  uint256 internal entryQueueLast = 1;

  /// Attesters deposited into the GSE through this rollup and neither exiting nor zombie.
  address[] internal activeAttesters;
  mapping(address attester => uint256 indexPlusOne) internal activeAttesterSlot;

  mapping(address attester => Exit exit) internal exits;

  event ValidatorQueued(address indexed attester, address indexed withdrawer);
  event Deposit(address indexed attester, address indexed withdrawer);
  /// `reason` is the GSE's revert data, e.g. the selector of GSE__InvalidProofOfPossession().
  event FailedDeposit(address indexed attester, bytes reason);
  event WithdrawInitiated(address indexed attester, address indexed recipient, uint256 amount);
  event StakingQueueConfigUpdated(StakingQueueConfig config);

  error Rollup__ZeroAddress();
  error Rollup__QueueConfigOutOfRange();
  error Rollup__EntryQueueIndexOutOfBounds(uint256 index, uint256 length);
  error Rollup__NotEnoughGasForDeposit(uint256 gasLeft, uint256 reserve);
  error Rollup__NotValidating(address attester);
  error Rollup__NotRegisteredWithGSE();
  error Rollup__GSEHasNoGovernance();
  error Rollup__NotEnoughStakingAsset(uint256 balance, uint256 required);
  error Staking__InvalidDeposit(address attester, address proposer);
  error Staking__AlreadyExiting(address attester);
  error Staking__DepositOutOfGas();

  constructor(GSE _gse, IERC20 _stakingAsset) {
    if (address(_gse) == address(0) || address(_stakingAsset) == address(0)) {
      revert Rollup__ZeroAddress();
    }
    GSE_CONTRACT = _gse;
    STAKING_ASSET = _stakingAsset;
    GENESIS_TIME = Timestamp.wrap(block.timestamp);
    _stakingAsset.approve(address(_gse), type(uint256).max);
    _setQueueConfig(
      StakingQueueConfig({
        bootstrapValidatorSetSize: 0,
        bootstrapFlushSize: 0,
        normalFlushSizeMin: UNLIMITED,
        normalFlushSizeQuotient: 1,
        maxQueueFlushSize: UNLIMITED
      })
    );
  }

  /// Devnet control (the real one is owner-only): the flush limits from now on.
  function updateStakingQueueConfig(StakingQueueConfig memory _config) external {
    _setQueueConfig(_config);
    emit StakingQueueConfigUpdated(_config);
  }

  /// Queues a validator, as the StakingRegistry does on `stake`. Anyone may call it on the devnet.
  function deposit(
    address _attester,
    address _withdrawer,
    G1Point memory _publicKeyInG1,
    G2Point memory _publicKeyInG2,
    G1Point memory _proofOfPossession,
    bool _moveWithLatestRollup
  ) external {
    if (_attester == address(0) || _withdrawer == address(0)) {
      revert Staking__InvalidDeposit(_attester, _withdrawer);
    }
    if (exits[_attester].exists) {
      revert Staking__AlreadyExiting(_attester);
    }
    entryQueue[entryQueueLast] = DepositArgs({
      attester: _attester,
      withdrawer: _withdrawer,
      publicKeyInG1: _publicKeyInG1,
      publicKeyInG2: _publicKeyInG2,
      proofOfPossession: _proofOfPossession,
      moveWithLatestRollup: _moveWithLatestRollup
    });
    entryQueueLast += 1;
    emit ValidatorQueued(_attester, _withdrawer);
  }

  function flushEntryQueue() external {
    _flush(type(uint256).max);
  }

  /// Moves up to `_toAdd` head entries, as many as this epoch's allowance leaves, in order, into the
  /// real GSE, which verifies each proof of possession. An entry the GSE rejects is dropped with
  /// `FailedDeposit`. Budget DEPOSIT_GAS_RESERVE of gas per entry plus ~100k (or use
  /// eth_estimateGas): with less the whole call reverts and nothing leaves the queue.
  function flushEntryQueue(uint256 _toAdd) external {
    _flush(_toAdd);
  }

  function _flush(uint256 _toAdd) internal {
    // A devnet set up wrongly would otherwise drop every entry with FailedDeposit: fail loudly instead.
    if (!GSE_CONTRACT.isRollupRegistered(address(this))) {
      revert Rollup__NotRegisteredWithGSE();
    }
    // The GSE passes each stake on to its governance; without one every deposit fails.
    if (GSE_CONTRACT.getGovernance() == address(0)) {
      revert Rollup__GSEHasNoGovernance();
    }
    FlushStorage storage store = _flushStorage();
    (uint256 allowance, bool fresh) = _availableFlushes();
    if (fresh) {
      store.nextFlushableEpoch = uint32(Epoch.unwrap(getCurrentEpoch()) + 1);
      store.availableValidatorFlushes = uint32(allowance);
    }
    uint256 count = allowance < _toAdd ? allowance : _toAdd;
    uint256 processed = 0;
    uint256 deposited = 0;
    uint256 threshold = GSE_CONTRACT.ACTIVATION_THRESHOLD();
    while (processed < count && entryQueueFirst < entryQueueLast) {
      uint256 gasLeft = gasleft();
      if (gasLeft < DEPOSIT_GAS_RESERVE) {
        revert Rollup__NotEnoughGasForDeposit(gasLeft, DEPOSIT_GAS_RESERVE);
      }
      uint256 funds = STAKING_ASSET.balanceOf(address(this));
      if (funds < threshold) {
        revert Rollup__NotEnoughStakingAsset(funds, threshold);
      }
      DepositArgs memory args = entryQueue[entryQueueFirst];
      delete entryQueue[entryQueueFirst];
      entryQueueFirst += 1;
      processed += 1;

      try GSE_CONTRACT.deposit(
        args.attester,
        args.withdrawer,
        args.publicKeyInG1,
        args.publicKeyInG2,
        args.proofOfPossession,
        args.moveWithLatestRollup
      ) {
        _addActive(args.attester);
        deposited += 1;
        emit Deposit(args.attester, args.withdrawer);
      } catch (bytes memory reason) {
        // The GSE always reverts with an error; empty data means it ran out of gas, which says
        // nothing about the entry, so nothing is dropped (as in the real rollup).
        if (reason.length == 0) {
          revert Staking__DepositOutOfGas();
        }
        emit FailedDeposit(args.attester, reason);
      }
    }
    if (processed == 0) {
      return;
    }
    store.availableValidatorFlushes -= uint32(deposited);
    if (!store.isBootstrapped && activeAttesters.length >= _queueConfig().bootstrapValidatorSetSize) {
      store.isBootstrapped = true;
    }
  }

  /// Devnet control: starts a validating (or zombie) attester's exit; it then reads EXITING.
  function exitAttester(address _attester) external {
    Status status = getStatus(_attester);
    Exit storage record = exits[_attester];
    if (status == Status.VALIDATING) {
      record.amount = GSE_CONTRACT.effectiveBalanceOf(address(this), _attester);
      record.exists = true;
      _removeActive(_attester);
    } else if (status != Status.ZOMBIE) {
      revert Rollup__NotValidating(_attester);
    }
    address recipient = GSE_CONTRACT.getConfig(_attester).withdrawer;
    record.exitableAt = Timestamp.wrap(block.timestamp + exitDelay);
    record.recipientOrWithdrawer = recipient;
    record.isRecipient = true;
    emit WithdrawInitiated(_attester, recipient, record.amount);
  }

  /// Devnet control: turns a validating attester into a zombie (out of the set, stake still held), as
  /// slashing below the ejection threshold does; it then reads ZOMBIE.
  function markZombie(address _attester) external {
    if (getStatus(_attester) != Status.VALIDATING) {
      revert Rollup__NotValidating(_attester);
    }
    exits[_attester] = Exit({
      withdrawalId: 0,
      amount: GSE_CONTRACT.effectiveBalanceOf(address(this), _attester),
      exitableAt: Timestamp.wrap(block.timestamp + exitDelay),
      recipientOrWithdrawer: GSE_CONTRACT.getConfig(_attester).withdrawer,
      isRecipient: false,
      exists: true
    });
    _removeActive(_attester);
  }

  /// Like the real rollup: an exit record means EXITING (with a recipient) or ZOMBIE (without);
  /// otherwise a GSE balance means VALIDATING. An attester still in the entry queue reads NONE.
  function getStatus(address _attester) public view returns (Status) {
    Exit storage record = exits[_attester];
    if (record.exists) {
      return record.isRecipient ? Status.EXITING : Status.ZOMBIE;
    }
    return GSE_CONTRACT.effectiveBalanceOf(address(this), _attester) > 0 ? Status.VALIDATING : Status.NONE;
  }

  /// The stake of an attester with an exit record has left the set, so its effective balance reads 0
  /// (the amount is in the exit), as in the real rollup.
  function getAttesterView(address _attester) external view returns (AttesterView memory) {
    Exit memory record = exits[_attester];
    return AttesterView({
      status: getStatus(_attester),
      effectiveBalance: record.exists ? 0 : GSE_CONTRACT.effectiveBalanceOf(address(this), _attester),
      exit: record,
      config: GSE_CONTRACT.getConfig(_attester)
    });
  }

  function getExit(address _attester) external view returns (Exit memory) {
    return exits[_attester];
  }

  function getConfig(address _attester) external view returns (AttesterConfig memory) {
    return GSE_CONTRACT.getConfig(_attester);
  }

  function getEntryQueueLength() public view returns (uint256) {
    return entryQueueLast - entryQueueFirst;
  }

  /// Index 0 is the head, the next entry to flush.
  function getEntryQueueAt(uint256 _index) external view returns (DepositArgs memory) {
    uint256 length = getEntryQueueLength();
    if (_index >= length) {
      revert Rollup__EntryQueueIndexOutOfBounds(_index, length);
    }
    return entryQueue[entryQueueFirst + _index];
  }

  function getEntryQueueFlushSize() public view returns (uint256) {
    StakingQueueConfig memory config = _queueConfig();
    uint256 active = activeAttesters.length;
    if (config.bootstrapValidatorSetSize > 0 && !_flushStorage().isBootstrapped) {
      if (active == 0 && getEntryQueueLength() < config.bootstrapValidatorSetSize) {
        return 0;
      }
      if (active < config.bootstrapValidatorSetSize) {
        return config.bootstrapFlushSize;
      }
    }
    uint256 normal = active / config.normalFlushSizeQuotient;
    if (normal < config.normalFlushSizeMin) {
      normal = config.normalFlushSizeMin;
    }
    return normal < config.maxQueueFlushSize ? normal : config.maxQueueFlushSize;
  }

  function getAvailableValidatorFlushes() external view returns (uint256) {
    (uint256 allowance,) = _availableFlushes();
    return allowance;
  }

  function getNextFlushableEpoch() external view returns (Epoch) {
    return Epoch.wrap(_flushStorage().nextFlushableEpoch);
  }

  function getIsBootstrapped() external view returns (bool) {
    return _flushStorage().isBootstrapped;
  }

  function getActiveAttesterCount() external view returns (uint256) {
    return activeAttesters.length;
  }

  /// Order is not stable: an exit moves the last attester into the leaver's index.
  function getAttesterAtIndex(uint256 _index) external view returns (address) {
    return activeAttesters[_index];
  }

  function getGSE() external view returns (GSE) {
    return GSE_CONTRACT;
  }

  function getStakingAsset() external view returns (IERC20) {
    return STAKING_ASSET;
  }

  function getActivationThreshold() external view returns (uint256) {
    return GSE_CONTRACT.ACTIVATION_THRESHOLD();
  }

  function getExitDelay() external view returns (Timestamp) {
    return Timestamp.wrap(exitDelay);
  }

  function getGenesisTime() external view returns (Timestamp) {
    return GENESIS_TIME;
  }

  function getSlotDuration() external view returns (uint256) {
    return slotDuration;
  }

  /// In slots, like the real rollup.
  function getEpochDuration() external view returns (uint256) {
    return epochDuration;
  }

  function getCurrentEpoch() public view returns (Epoch) {
    return Epoch.wrap((block.timestamp - Timestamp.unwrap(GENESIS_TIME)) / (slotDuration * epochDuration));
  }

  /// What a flush could take now, and whether that is a fresh allowance (the epoch's first flush).
  function _availableFlushes() internal view returns (uint256 allowance, bool fresh) {
    FlushStorage storage store = _flushStorage();
    if (store.nextFlushableEpoch > Epoch.unwrap(getCurrentEpoch())) {
      return (store.availableValidatorFlushes, false);
    }
    return (getEntryQueueFlushSize(), true);
  }

  function _setQueueConfig(StakingQueueConfig memory _config) internal {
    if (
      (_config.maxQueueFlushSize | _config.normalFlushSizeQuotient | _config.normalFlushSizeMin
          | _config.bootstrapFlushSize | _config.bootstrapValidatorSetSize) > UNLIMITED
    ) {
      revert Rollup__QueueConfigOutOfRange();
    }
    _flushStorage().queueConfig = uint256(uint32(_config.maxQueueFlushSize))
      | uint256(uint32(_config.normalFlushSizeQuotient)) << 32 | uint256(uint32(_config.normalFlushSizeMin)) << 64
      | uint256(uint32(_config.bootstrapFlushSize)) << 96 | uint256(uint32(_config.bootstrapValidatorSetSize)) << 128;
  }

  function _queueConfig() internal view returns (StakingQueueConfig memory) {
    uint256 word = _flushStorage().queueConfig;
    return StakingQueueConfig({
      bootstrapValidatorSetSize: uint32(word >> 128),
      bootstrapFlushSize: uint32(word >> 96),
      normalFlushSizeMin: uint32(word >> 64),
      normalFlushSizeQuotient: uint32(word >> 32),
      maxQueueFlushSize: uint32(word)
    });
  }

  function _flushStorage() internal pure returns (FlushStorage storage store) {
    bytes32 slot = STAKING_SLOT;
    assembly {
      store.slot := slot
    }
  }

  function _addActive(address _attester) internal {
    activeAttesters.push(_attester);
    activeAttesterSlot[_attester] = activeAttesters.length;
  }

  function _removeActive(address _attester) internal {
    uint256 slot = activeAttesterSlot[_attester];
    if (slot == 0) {
      return;
    }
    address last = activeAttesters[activeAttesters.length - 1];
    activeAttesters[slot - 1] = last;
    activeAttesterSlot[last] = slot;
    activeAttesters.pop();
    delete activeAttesterSlot[_attester];
  }
}
