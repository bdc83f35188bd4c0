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
  Status,
  Timestamp
} from "./types/RollupTypes.sol";

/// Devnet stand-in for the Aztec Rollup's staking side, in front of the real GSE. ABI-identical to the
/// real Rollup for what the product reads (entry queue, attester views, GSE address). Deposits are
/// queued as in the real one; the devnet then moves them into the GSE with `flushEntryQueue`, and
/// drives exits with `exitAttester` and `markZombie`. No staking tokens move on `deposit`: the devnet
/// funds this contract, and the GSE pulls ACTIVATION_THRESHOLD from it per successful deposit.
contract Rollup {
  // Storage rather than constants so that their getters are `view`, as in the real rollup's ABI.
  /// How many entries the product may expect one flush to take; the devnet flushes as asked.
  uint256 internal entryQueueFlushSize = 16;
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

  error Rollup__ZeroAddress();
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

  /// Devnet control: moves up to `_count` head entries, in order, into the real GSE, which verifies
  /// each proof of possession. An entry the GSE rejects is dropped with `FailedDeposit`.
  /// Budget DEPOSIT_GAS_RESERVE of gas per entry plus ~100k (or use eth_estimateGas): with less the
  /// whole call reverts and nothing leaves the queue.
  function flushEntryQueue(uint256 _count) external returns (uint256 processed) {
    // A devnet set up wrongly would otherwise drop every entry with FailedDeposit: fail loudly instead.
    if (!GSE_CONTRACT.isRollupRegistered(address(this))) {
      revert Rollup__NotRegisteredWithGSE();
    }
    // The GSE passes each stake on to its governance; without one every deposit fails.
    if (GSE_CONTRACT.getGovernance() == address(0)) {
      revert Rollup__GSEHasNoGovernance();
    }
    uint256 threshold = GSE_CONTRACT.ACTIVATION_THRESHOLD();
    while (processed < _count && entryQueueFirst < entryQueueLast) {
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

  function getEntryQueueFlushSize() external view returns (uint256) {
    return entryQueueFlushSize;
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

  function getCurrentEpoch() external view returns (Epoch) {
    return Epoch.wrap((block.timestamp - Timestamp.unwrap(GENESIS_TIME)) / (slotDuration * epochDuration));
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
