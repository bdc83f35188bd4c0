"""The operator flow on a local devnet, end to end, through the real command-line tools.

Starts `aztec-butler-devnet up`, runs every phase that exists so far, prints what happened, stops the
devnet and exits 0 only if every step behaved as an operator would expect.
"""

from __future__ import annotations

import json
import queue
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from butler.domain.bn254 import R as BLS_ORDER
from butler.domain.keys import SECP256K1_N as SECP256K1_ORDER

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
    again = cwd / "again.json"
    done = run(
        "aztec-butler",
        "process-private-keys",
        keys.name,
        "-o",
        again.name,
        "--config",
        config,
        expect=1,
        cwd=cwd,
    )
    named = [a for a in attesters if f"error: attester {a} is already on chain" in done.stderr]
    if named != attesters:
        raise SystemExit(f"demo: phase 2 did not name every attester already on chain\n{done.stderr}")
    if again.exists():
        raise SystemExit(f"demo: the refused run wrote {again.name}")
    print(f"  (nothing written: {again.name} does not exist)")


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


def operator_flow(workdir: Path) -> None:
    config = str(workdir / "devnet.toml")
    keys = workdir / "new-private-keys.json"

    heading("phase 1: fresh private keys (what `aztec validator-keys new` writes)")
    keys.write_text(json.dumps(fresh_private_keys(3), indent=2) + "\n")
    print(f"  wrote {keys.name} with 3 validators")

    heading("phase 2: derive public keys; the chain is checked first")
    run("aztec-butler", "process-private-keys", keys.name, "--config", config, cwd=workdir, quiet_stderr=True)
    public = json.loads((workdir / f"public-{keys.name}").read_text())
    for validator in public["validators"]:
        print(f"  attester {validator['attester']['eth']}  bls {validator['attester']['bls']}")
    attesters = [v["attester"]["eth"] for v in public["validators"]]
    print("  (the private keys went to the console secret store on stderr; not shown here)")

    heading("a bad key file is refused, one line per problem, no key echoed, nothing written")
    broken = json.loads(keys.read_text())
    broken["validators"][0]["attester"]["bls"] = f"0x{BLS_ORDER:064x}"
    broken["validators"][2]["attester"]["eth"] = broken["validators"][2]["attester"]["eth"][:-1]
    (workdir / "broken.json").write_text(json.dumps(broken))
    run("aztec-butler", "process-private-keys", "broken.json", "--offline", expect=1, cwd=workdir)

    heading("phase 5 stand-in: the devnet queues these keys; running phase 2 again now refuses them")
    run("aztec-butler-devnet", "add-keys", "--from", keys.name, "--config", config, cwd=workdir)
    refuses_phase2(keys, attesters, config=config, cwd=workdir)

    heading("a delegator stakes them; two flush from the entry queue into the real GSE; one exits")
    run("aztec-butler-devnet", "stake", "--count", "3", "--config", config, cwd=workdir)
    run("aztec-butler-devnet", "flush", "--count", "2", "--config", config, cwd=workdir)
    run("aztec-butler-devnet", "exit", attesters[0], "--config", config, cwd=workdir)

    heading("phase 2 refuses them wherever they are on chain: exiting, validating, in the entry queue")
    refuses_phase2(keys, attesters, config=config, cwd=workdir)

    heading("a proof of possession that does not verify is rejected by the real GSE")
    run("aztec-butler-devnet", "add-keys", "--count", "1", "--corrupt-proof", "--config", config, cwd=workdir)
    run("aztec-butler-devnet", "stake", "--count", "1", "--config", config, cwd=workdir)
    print("  (the entry queue holds our third validator, then the corrupt one: flush both)")
    run("aztec-butler-devnet", "flush", "--count", "2", "--config", config, cwd=workdir)


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
