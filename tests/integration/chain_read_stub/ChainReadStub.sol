// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// Answers every read the chain adapter makes of the StakingRegistry, the Aztec Registry, the Rollup
/// and the GSE (one address plays all four, so it is its own canonical rollup) with values derived from the arguments, so that tests can read any number
/// of items and check their order. `size` sets how many providers, queue entries and entry-queue
/// entries exist; the provider queue starts at index FIRST, not 0.
contract ChainReadStub {
    struct G1Point { uint256 x; uint256 y; }
    struct G2Point { uint256 x0; uint256 x1; uint256 y0; uint256 y1; }
    struct KeyStore { address attester; G1Point publicKeyG1; G2Point publicKeyG2; G1Point proofOfPossession; }
    struct DepositArgs {
        address attester;
        address withdrawer;
        G1Point publicKeyInG1;
        G2Point publicKeyInG2;
        G1Point proofOfPossession;
        bool moveWithLatestRollup;
    }
    struct Exit {
        uint256 withdrawalId;
        uint256 amount;
        uint256 exitableAt;
        address recipientOrWithdrawer;
        bool isRecipient;
        bool exists;
    }
    struct AttesterConfig { G1Point publicKey; address withdrawer; }
    struct AttesterView { uint8 status; uint256 effectiveBalance; Exit exit; AttesterConfig config; }

    event StakedWithProvider(
        uint256 indexed providerIdentifier,
        address indexed rollupAddress,
        address indexed attester,
        address coinbaseSplitContractAddress,
        address stakerImplementation
    );

    uint128 public constant FIRST = 7;
    uint256 public size;
    /// The Aztec Registry's canonical rollup: this stub unless set to another address.
    address public canonicalRollup;

    function setSize(uint256 newSize) external {
        size = newSize;
    }

    /// Emits `count` events for `providerIdentifier`: attester i has coinbase i + 0xC0FFEE.
    function emitStaked(uint256 providerIdentifier, uint160 firstAttester, uint160 count) external {
        for (uint160 i = firstAttester; i < firstAttester + count; i++) {
            emit StakedWithProvider(
                providerIdentifier, address(this), address(i), address(i + 0xC0FFEE), address(0xBEEF)
            );
        }
    }

    function nextProviderIdentifier() external view returns (uint256) {
        return size + 1;
    }

    function providerConfigurations(uint256 id) external view returns (address, uint16, address) {
        if (id == 0 || id > size) return (address(0), 0, address(0));
        // Admins repeat every 500 ids, so that a lookup by admin has several matches.
        return (address(uint160(0x1000 + id % 500)), uint16(id % 10000), address(uint160(0x2000 + id)));
    }

    function getFirstIndexInQueue(uint256) external pure returns (uint128) {
        return FIRST;
    }

    function getLastIndexInQueue(uint256) external view returns (uint128) {
        return FIRST + uint128(size);
    }

    function getValueAtIndexInQueue(uint256 providerIdentifier, uint128 index)
        external
        view
        returns (KeyStore memory k)
    {
        require(index >= FIRST && index < FIRST + size, "index out of bounds");
        k.attester = address(uint160(0xA0000 + index));
        k.publicKeyG1 = G1Point(index, providerIdentifier);
        k.publicKeyG2 = G2Point(index, index + 1, index + 2, index + 3);
        k.proofOfPossession = G1Point(index * 2, index * 3);
    }

    function getEntryQueueLength() external view returns (uint256) {
        return size;
    }

    function getEntryQueueAt(uint256 index) external view returns (DepositArgs memory d) {
        require(index < size, "index out of bounds");
        d.attester = address(uint160(0xB0000 + index));
        d.withdrawer = address(uint160(0xC0000 + index));
        d.publicKeyInG1 = G1Point(index, 1);
        d.publicKeyInG2 = G2Point(index, 2, 3, 4);
        d.proofOfPossession = G1Point(index, 5);
        d.moveWithLatestRollup = index % 2 == 1;
    }

    function getAttesterView(address attester) external pure returns (AttesterView memory v) {
        v.status = uint8(uint160(attester) % 4);
        v.effectiveBalance = uint160(attester) * 1000;
        v.config.withdrawer = address(uint160(attester) + 1);
    }

    function ROLLUP_REGISTRY() external view returns (address) {
        return address(this);
    }

    function getCanonicalRollup() external view returns (address) {
        return canonicalRollup == address(0) ? address(this) : canonicalRollup;
    }

    function setCanonicalRollup(address rollup) external {
        canonicalRollup = rollup;
    }

    function getGSE() external view returns (address) {
        return address(this);
    }

    function getRegistrationDigest(G1Point memory publicKey) external pure returns (G1Point memory) {
        return G1Point(publicKey.x + 1, publicKey.y + 2);
    }
}
