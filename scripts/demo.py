"""The operator flow on a local devnet, end to end, through the real command-line tools.

Starts `aztec-butler-devnet up`, runs every phase that exists so far, prints what happened, stops the
devnet and exits 0 only if every step behaved as an operator would expect.
"""

from __future__ import annotations

import json
import queue
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from pathlib import Path
from typing import Any

from butler.domain.address import Address
from butler.domain.bn254 import R as BLS_ORDER
from butler.domain.keys import SECP256K1_N as SECP256K1_ORDER
from butler.domain.keys import attester_address, bls_public_key, parse_bls_secret_key, parse_eth_secret_key

BIN = Path(sys.executable).parent
READY_TIMEOUT = 120


def heading(text: str) -> None:
    print(f"\n== {text}", flush=True)


def run(
    *args: str, expect: int = 0, cwd: Path, quiet_stderr: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run one of our commands, show it and its output, and insist on the expected exit code."""
    print(f"$ {' '.join(args)}", flush=True)
    done = subprocess.run(
        [str(BIN / args[0]), *args[1:]], cwd=cwd, capture_output=True, text=True, check=False
    )
    for line in done.stdout.splitlines():
        print(f"  {line}")
    if not quiet_stderr:
        for line in done.stderr.splitlines():
            print(f"  {line}")
    if done.returncode != expect:
        raise SystemExit(
            f"demo: `{' '.join(args)}` exited {done.returncode}, expected {expect}\n{done.stderr}"
        )
    return done


def refuses_phase2(keys: Path, attesters: list[str], *, config: str, cwd: Path) -> None:
    """Phase 2 on keys already on chain: exit 1, an error line for each attester, no output file."""
    again, again_publishers = cwd / "again.json", cwd / "again-publishers.json"
    done = run(
        "aztec-butler", "process-private-keys", keys.name, "-o", again.name,
        "--publishers-output", again_publishers.name, "--config", config, expect=1, cwd=cwd,
    )  # fmt: skip
    named = [a for a in attesters if f"error: attester {a}: already " in done.stderr]
    if named != attesters:
        raise SystemExit(f"demo: phase 2 did not name every attester already on chain\n{done.stderr}")
    if again.exists() or again_publishers.exists():
        raise SystemExit("demo: the refused run wrote a file")
    print(f"  (nothing written: neither {again.name} nor {again_publishers.name} exists)")


def fresh_private_keys(count: int) -> dict[str, object]:
    """What `aztec validator-keys new` writes: fresh random keys (throwaway, for this demo only)."""

    def key(order: int) -> str:
        return f"0x{secrets.randbelow(order - 1) + 1:064x}"

    return {
        "schemaVersion": 1,
        "validators": [
            {
                "attester": {"eth": key(SECP256K1_ORDER), "bls": key(BLS_ORDER)},
                "publisher": key(SECP256K1_ORDER),
                "feeRecipient": "0x" + "00" * 32,
                "coinbase": "0x" + "00" * 20,
            }
            for _ in range(count)
        ],
    }


class Devnet:
    """`aztec-butler-devnet up` as a child process; its output is read as it comes, so that it never
    blocks on a full pipe and a silent start-up still times out."""

    def __init__(self, workdir: Path) -> None:
        self.process = subprocess.Popen(
            [str(BIN / "aztec-butler-devnet"), "up", "--config-out", str(workdir / "devnet.toml")],
            cwd=workdir,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip())
        self.lines.put(None)  # end of output

    def wait_ready(self) -> bool:
        deadline = time.monotonic() + READY_TIMEOUT
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                return False
            print(f"  {line}", flush=True)
            if "ready" in line:
                return True
        return False

    def stop(self) -> int:
        """SIGTERM, so that `up` stops anvil and the tx-service (anvil would outlive a SIGKILL)."""
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise SystemExit("demo: the devnet did not stop on SIGTERM") from None
        self._reader.join(timeout=5)
        while not self.lines.empty():
            if (line := self.lines.get()) is not None:
                print(f"  {line}")
        return code


def start_devnet(workdir: Path) -> Devnet:
    heading("start the local devnet")
    devnet = Devnet(workdir)
    if not devnet.wait_ready():
        devnet.stop()
        raise SystemExit("demo: the devnet did not become ready")
    return devnet


def stop_devnet(devnet: Devnet) -> None:
    heading("stop the devnet")
    code = devnet.stop()
    if code != 0:
        raise SystemExit(f"demo: the devnet exited {code}")


def network_config(workdir: Path) -> None:
    """Guide step 1: a network config from a preset. The devnet has none (`up` wrote devnet.toml), so the
    testnet preset is written beside the demo to show it, with flags instead of the prompts."""
    heading("step 1: a network config from a preset (on the devnet, `up` wrote devnet.toml)")
    run("aztec-butler", "config", "presets", cwd=workdir)
    run(
        "aztec-butler", "config", "init", "--network", "testnet", "--rpc-url", "https://sepolia.example",
        "--provider-id", "7", "--safe", "0x" + "5a" * 20, "--rollup", "0x" + "70" * 20,
        "-o", "testnet.toml", cwd=workdir,
    )  # fmt: skip
    if "staking_registry" not in (workdir / "testnet.toml").read_text():
        raise SystemExit("demo: config init wrote no StakingRegistry")


def fund_then_prepare_deployment(workdir: Path, publishers: list[str], *, config: str) -> None:
    """Guide steps 4 and 5: the running keyfile (2 validators) plus phase 2's 3; phase 2's publishers
    (0 ETH) cut into two disjoint sets, one keyfile per server. prepare-deployment refuses the empty
    publishers; fund-publishers, given the same inputs, proposes their funding; once the Safe executes
    it, prepare-deployment writes the keyfiles and the scraper config."""
    heading("step 4: fund the new publishers first: prepare-deployment refuses publishers with 0 ETH")
    running = []
    for validator in fresh_private_keys(2)["validators"]:
        eth = parse_eth_secret_key(validator["attester"]["eth"])
        bls = parse_bls_secret_key(validator["attester"]["bls"])
        running.append({"eth": str(attester_address(eth)), "bls": bls_public_key(bls).to_hex()})
    production = {
        "schemaVersion": 1,
        "remoteSigner": "https://signer.example:8080",
        "validators": [
            {
                "attester": a,
                "publisher": Address(secrets.token_bytes(20)).checksum,
                "feeRecipient": "0x" + "00" * 32,
            }
            for a in running
        ],
    }
    (workdir / "prod-devnet-keyfile.json").write_text(json.dumps(production, indent=2) + "\n")
    print("  wrote prod-devnet-keyfile.json (the 2 validators the nodes run now)")
    inputs = [
        "--production-keys", "prod-devnet-keyfile.json", "--new-public-keys", "public-new-private-keys.json",
        "--available-publishers", "publishers-new-private-keys.json", "--high-availability-count", "2",
    ]  # fmt: skip
    deploy = [*inputs, "--scraper-config", "scrape-config.json", "--config", config]
    done = run("aztec-butler", "prepare-deployment", *deploy, "--dry-run", expect=1, cwd=workdir)
    if "balance is 0 ETH" not in done.stderr:
        raise SystemExit("demo: prepare-deployment did not refuse the empty publishers")
    safe = tomllib.loads(Path(config).read_text())["safe_address"]
    run("aztec-butler-devnet", "fund", "--eth", "2", safe, "--config", config, cwd=workdir)
    done = run("aztec-butler", "fund-publishers", *inputs, "--config", config, cwd=workdir)
    if "proposed to Safe" not in done.stderr:
        raise SystemExit("demo: fund-publishers did not propose the funding")
    run("aztec-butler-devnet", "execute-pending", "--config", config, cwd=workdir)

    heading("step 5: prepare the deployment for two high-availability servers")
    run("aztec-butler", "prepare-deployment", *deploy, "--dry-run", cwd=workdir)
    done = run("aztec-butler", "prepare-deployment", *deploy, cwd=workdir)
    if "warning" in done.stderr:
        raise SystemExit("demo: prepare-deployment still finds a publisher short after the funding")
    for name, group in (("A", publishers[:1]), ("B", publishers[1:])):
        keyfile = json.loads((workdir / f"{name}_prod-devnet-keyfile.json.new").read_text())
        used = {v["publisher"] for v in keyfile["validators"]}
        if len(keyfile["validators"]) != 5 or used != set(group):
            raise SystemExit(
                f"demo: {name}_prod-devnet-keyfile.json.new does not hold 5 validators over {group}"
            )


def operator_flow(workdir: Path) -> None:
    config = str(workdir / "devnet.toml")
    keys = workdir / "new-private-keys.json"

    network_config(workdir)

    heading("step 2: fresh private keys (what `aztec validator-keys new` writes)")
    keys.write_text(json.dumps(fresh_private_keys(3), indent=2) + "\n")
    print(f"  wrote {keys.name} with 3 validators")

    heading("step 3: derive public keys and the publishers' addresses; the chain is checked first")
    done = run(
        "aztec-butler", "process-private-keys", keys.name, "--config", config, cwd=workdir, quiet_stderr=True
    )
    public = json.loads((workdir / f"public-{keys.name}").read_text())
    for validator in public["validators"]:
        print(f"  attester {validator['attester']['eth']}  bls {validator['attester']['bls']}")
    attesters = [v["attester"]["eth"] for v in public["validators"]]
    publishers = json.loads((workdir / f"publishers-{keys.name}").read_text())
    if done.stdout.split() != publishers or len(publishers) != 3:
        raise SystemExit("demo: process-private-keys did not print and write the 3 publishers' addresses")
    print(f"  (publishers-{keys.name} lists them; the private keys went to the console secret store)")
    fund_then_prepare_deployment(workdir, publishers, config=config)

    heading("a bad key file is refused, one line per problem, no key echoed, nothing written")
    broken = json.loads(keys.read_text())
    broken["validators"][0]["attester"]["bls"] = f"0x{BLS_ORDER:064x}"
    broken["validators"][2]["attester"]["eth"] = broken["validators"][2]["attester"]["eth"][:-1]
    (workdir / "broken.json").write_text(json.dumps(broken))
    run("aztec-butler", "process-private-keys", "broken.json", "--offline", expect=1, cwd=workdir)

    heading("step 6: add-keys proposes addKeysToProvider to the provider's Safe; the owners execute it")
    done = run("aztec-butler", "add-keys", keys.name, "--config", config, cwd=workdir)
    if "proposed to Safe" not in done.stderr:
        raise SystemExit("demo: add-keys did not propose the registration to the Safe")
    run("aztec-butler-devnet", "execute-pending", "--config", config, cwd=workdir)

    heading("the keys now wait in the provider queue: add-keys and phase 2 both refuse them")
    run("aztec-butler", "add-keys", keys.name, "--config", config, expect=1, cwd=workdir)
    refuses_phase2(keys, attesters, config=config, cwd=workdir)

    heading("a delegator stakes them: they wait in the rollup's entry queue")
    run("aztec-butler-devnet", "stake", "--count", "3", "--config", config, cwd=workdir)
    queue_stats(workdir, attesters, config=config)

    heading("two flush from the entry queue into the real GSE; one exits")
    run("aztec-butler-devnet", "flush", "--count", "2", "--config", config, cwd=workdir)
    run("aztec-butler-devnet", "exit", attesters[0], "--config", config, cwd=workdir)

    heading("phase 2 refuses them wherever they are on chain: exiting, validating, in the entry queue")
    refuses_phase2(keys, attesters, config=config, cwd=workdir)

    heading("a proof of possession that does not verify is rejected by the real GSE")
    run("aztec-butler-devnet", "add-keys", "--count", "1", "--corrupt-proof", "--config", config, cwd=workdir)
    run("aztec-butler-devnet", "stake", "--count", "1", "--config", config, cwd=workdir)
    print("  (the entry queue holds our third validator, then the corrupt one: flush both)")
    run("aztec-butler-devnet", "flush", "--count", "2", "--config", config, cwd=workdir)

    scrape_coinbases(workdir, attesters, config=config)
    coinbases_into_keyfiles(workdir, config=config)
    scrape_once(workdir, attesters, config=config)
    fund_publishers(workdir, public, config=config)


def scrape_coinbases(workdir: Path, attesters: list[str], *, config: str) -> None:
    """The three staked attesters get the coinbases their StakedWithProvider events name; the scraper
    config learns them; a second run right after has no new blocks to scan."""
    heading("step 7: scrape-coinbases: each staked attester's coinbase, from StakedWithProvider events")
    # The devnet never reorganises, so the demo lowers the safe confirmation depth (12) explicitly.
    args = ["-o", "coinbases.json", "--scraper-config", "scrape-config.json", "--confirmations", "0"]
    args += ["--config", config]
    done = run("aztec-butler", "scrape-coinbases", "--update-scraper-config", *args, cwd=workdir)
    mapped = {line.split()[0]: line.split()[1] for line in done.stdout.splitlines()}
    if any(mapped.get(a, "none") == "none" for a in attesters):
        raise SystemExit("demo: scrape-coinbases did not find a coinbase for every staked attester")
    scraper_config = json.loads((workdir / "scrape-config.json").read_text())
    recorded = {a["address"]: a.get("coinbase") for a in scraper_config["attesters"]}
    if any(recorded.get(a) != mapped[a] for a in attesters):
        raise SystemExit("demo: the scraper config does not record the coinbases found")
    print("  (scrape-config.json now records these coinbases)")
    done = run("aztec-butler", "scrape-coinbases", *args, cwd=workdir)
    if "no new blocks to scan" not in done.stderr:
        raise SystemExit("demo: the second scrape-coinbases run scanned blocks again")


def queue_stats(workdir: Path, attesters: list[str], *, config: str) -> None:
    """Where our staked attesters wait, when each can be flushed, and that none has its coinbase yet."""
    heading("queue-stats: when each of our queued attesters can go live, and that none has a coinbase yet")
    args = ["--scraper-config", "scrape-config.json", "--config", config]
    run("aztec-butler", "queue-stats", *args, cwd=workdir)
    done = subprocess.run(
        [str(BIN / "aztec-butler"), "queue-stats", "--json", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=True,
    )
    ours = {q["attester"]: q for q in json.loads(done.stdout)["entryQueue"]["ours"]}
    if sorted(ours) != sorted(attesters) or any(
        q["coinbaseKnown"] or q["eta"] is None for q in ours.values()
    ):
        raise SystemExit("demo: queue-stats does not show our 3 queued attesters with an ETA and no coinbase")


def coinbases_into_keyfiles(workdir: Path, *, config: str) -> None:
    """The keyfiles the servers run (step 5's set, as deployed) lack the coinbases found on chain:
    scrape-coinbases --attesters says so, fill-coinbases writes the next set with them, which passes."""
    heading("the coinbases found go into the keyfiles the nodes run: fill-coinbases")
    deployed = [f"{name}_prod-devnet-keyfile.json" for name in "AB"]
    for name in deployed:
        shutil.copyfile(workdir / f"{name}.new", workdir / name)
    print(f"  (step 5's set deployed as {' and '.join(deployed)})")
    check = ["scrape-coinbases", "-o", "coinbases.json", "--confirmations", "0", "--config", config]
    done = run("aztec-butler", *check, "--attesters", deployed[0], expect=1, cwd=workdir)
    if "lacks its coinbase" not in done.stderr:
        raise SystemExit("demo: scrape-coinbases --attesters did not name the keyfile's missing coinbases")
    args = ["-m", "coinbases.json", "-s", "scrape-config.json", "--config", config]
    run("aztec-butler", "fill-coinbases", "--keyfile", *deployed, *args, cwd=workdir)
    filled = [f"{name}.new2" for name in deployed]
    if any("coinbase" not in v for v in json.loads((workdir / filled[0]).read_text())["validators"][2:]):
        raise SystemExit(f"demo: {filled[0]} does not hold the staked validators' coinbases")
    for name in filled:
        run("aztec-butler", *check, "--attesters", name, cwd=workdir)
    print(f"  ({' and '.join(filled)} hold every coinbase found: deploy them as in step 5)")


def scrape_once(workdir: Path, attesters: list[str], *, config: str) -> None:
    """One monitoring cycle over the scraper config: the first attester exited, the other two validate
    with their coinbases known, the two running validators are NEW; the states are saved."""
    heading("step 8: aztec-butler-scraper --once: one monitoring cycle, its Prometheus metrics on stdout")
    args = ["--config", config, "--scraper-config", "scrape-config.json", "--once"]
    print(f"$ aztec-butler-scraper {' '.join(args)}   (showing the attester and scrape series)", flush=True)
    done = subprocess.run(
        [str(BIN / "aztec-butler-scraper"), *args], cwd=workdir, capture_output=True, text=True, check=False
    )
    shown = ("aztec_butler_attesters", "aztec_butler_scrape_success", "aztec_butler_entry_queue_length")
    for line in done.stdout.splitlines():
        if line.startswith(shown):
            print(f"  {line}")
    if done.returncode != 0:
        raise SystemExit(f"demo: the scraper cycle failed\n{done.stderr}")
    expected = {attesters[0]: "NO_LONGER_ACTIVE", attesters[1]: "ACTIVE", attesters[2]: "ACTIVE"}
    for state, count in (("NEW", 2), ("ACTIVE", 2), ("NO_LONGER_ACTIVE", 1)):
        if f'aztec_butler_attesters{{network="devnet",state="{state}"}} {count}.0' not in done.stdout:
            raise SystemExit(f"demo: the scraper does not count {count} attester(s) {state}")
    saved = json.loads((workdir / "scrape-config.json").read_text())["attesters"]
    if {a["address"]: a["lastSeenState"] for a in saved if a["address"] in expected} != expected:
        raise SystemExit("demo: the scraper did not save the attesters' states")


def fund_publishers(workdir: Path, public: dict[str, Any], *, config: str) -> None:
    """Three publishers for the three validators: two empty, one already holding 1 ETH. One Safe
    transaction tops up the two; once the Safe executes it there is nothing left to fund."""
    heading("step 9: fund-publishers: one Safe transaction tops every publisher up to attesters x 0.1 ETH")
    publishers = [Address(secrets.token_bytes(20)).checksum for _ in range(3)]
    keyfile = workdir / "prod-keyfile.json"
    keyfile.write_text(
        json.dumps(
            {
                "schemaVersion": 1,
                "remoteSigner": "https://signer.example:8080",
                "validators": [
                    {
                        "attester": v["attester"],
                        "publisher": publishers[i % 3],
                        "feeRecipient": v["feeRecipient"],
                    }
                    for i, v in enumerate(public["validators"])
                ],
            },
            indent=2,
        )
        + "\n"
    )
    print(f"  wrote {keyfile.name}: the 3 validators over publishers {', '.join(publishers)}")
    safe = tomllib.loads(Path(config).read_text())["safe_address"]
    run("aztec-butler-devnet", "fund", "--eth", "1", publishers[2], "--config", config, cwd=workdir)
    run("aztec-butler-devnet", "fund", "--eth", "1", safe, "--config", config, cwd=workdir)
    done = run("aztec-butler", "fund-publishers", "--keyfile", keyfile.name, "--config", config, cwd=workdir)
    if "a MultiSendCallOnly batch of 2 calls" not in done.stdout or "proposed to Safe" not in done.stderr:
        raise SystemExit("demo: fund-publishers did not propose one batch of two transfers")
    heading("the Safe's owners execute it; the publishers are now exactly at target")
    run("aztec-butler-devnet", "execute-pending", "--config", config, cwd=workdir)
    done = run("aztec-butler", "fund-publishers", "--keyfile", keyfile.name, "--config", config, cwd=workdir)
    if "nothing to fund" not in done.stderr:
        raise SystemExit("demo: after execution fund-publishers still wants to fund someone")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="aztec-butler-demo-") as folder:
        workdir = Path(folder)
        devnet = start_devnet(workdir)
        try:
            operator_flow(workdir)
        finally:
            stop_devnet(devnet)
    heading("demo finished: every step behaved as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
