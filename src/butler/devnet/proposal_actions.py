"""The Safe proposals the tx-service stand-in holds, executed through the real Safe."""

from __future__ import annotations

from typing import Any

import requests

from butler.devnet import accounts
from butler.devnet.action_base import ActionBase
from butler.devnet.chain import DevnetError
from butler.devnet.records import Executed
from butler.devnet.safe import recover_signer
from butler.domain.address import ZERO_ADDRESS, Address
from butler.domain.safe import SafeTransaction

HTTP_TIMEOUT_S = 10


class ProposalActions(ActionBase):
    def pending_proposals(self) -> list[dict[str, Any]]:
        """Unexecuted proposals at or above the Safe's nonce, as the tx-service lists them."""
        nonce = self.safe.nonce()
        url = (
            f"{self.config.tx_service_url.rstrip('/')}/api/v2/safes/{self.config.safe.checksum}"
            f"/multisig-transactions/?executed=false&nonce__gte={nonce}&limit=100"
        )
        results: list[dict[str, Any]] = []
        next_url: str | None = url
        while next_url:
            try:
                response = requests.get(next_url, timeout=HTTP_TIMEOUT_S)
            except requests.RequestException as exc:
                raise DevnetError(
                    f"tx-service not reachable at {self.config.tx_service_url}: {type(exc).__name__}"
                ) from None
            if response.status_code != 200:
                raise DevnetError(f"tx-service answered {response.status_code}: {response.text[:200]}")
            page = response.json()
            results += page["results"]
            next_url = page.get("next")
        return sorted(results, key=lambda r: (int(r["nonce"]), r["submissionDate"]))

    def execute_pending(self) -> list[Executed]:
        """Execute pending proposals in nonce order through the real Safe's execTransaction.

        Owner signatures stored with a proposal are used; where they fall short of the threshold (a
        delegate proposed it) devnet owners sign too. Stops at the first gap in the nonces.
        """
        done: list[Executed] = []
        seen_nonces: set[int] = set()
        for item in self.pending_proposals():
            nonce = int(item["nonce"])
            if nonce in seen_nonces:
                continue  # another proposal for this nonce was executed first
            if nonce != self.safe.nonce():
                break
            tx = _safe_tx_from_json(item)
            digest = self.safe.tx_hash(tx)
            if "0x" + digest.hex() != item["safeTxHash"]:
                raise DevnetError(f"proposal {item['safeTxHash']} does not hash to its safeTxHash")
            stored = {}
            for confirmation in item.get("confirmations") or []:
                signature = bytes.fromhex(confirmation["signature"][2:])
                signer = recover_signer(digest, signature)
                if signer is not None:
                    stored[signer] = signature
            signatures = self._owner_signatures(digest, stored)
            added = any(signer not in stored for signer, _ in signatures)
            receipt = self.safe.execute(tx, signatures, sender=accounts.EXECUTOR.address)
            seen_nonces.add(nonce)
            done.append(Executed(item["safeTxHash"], nonce, receipt["transactionHash"].to_0x_hex(), added))
        return done


def _safe_tx_from_json(item: dict[str, Any]) -> SafeTransaction:
    return SafeTransaction(
        to=Address.parse(item["to"]),
        value=int(item["value"]),
        data=bytes.fromhex((item.get("data") or "0x")[2:]),
        operation=int(item["operation"]),
        nonce=int(item["nonce"]),
        safe_tx_gas=int(item.get("safeTxGas") or 0),
        base_gas=int(item.get("baseGas") or 0),
        gas_price=int(item.get("gasPrice") or 0),
        gas_token=Address.parse(item["gasToken"]) if item.get("gasToken") else ZERO_ADDRESS,
        refund_receiver=Address.parse(item["refundReceiver"]) if item.get("refundReceiver") else ZERO_ADDRESS,
    )
