// Deploys the real Aztec L1 system (Registry, Rollup, GSE, staking asset, governance, …) onto a running
// node with @aztec/ethereum's deployAztecL1Contracts, the way Aztec's own sandbox does it.
//
//   node deploy_l1.mjs '<json request>'
//
// The request (written by butler.devnet.aztec_l1) names the node, the deployer key, the config
// overrides, where the pinned npm packages and forge live, and a work folder that serves as HOME for
// forge, so nothing lands in the user's home. The result is one JSON line on stdout, prefixed with
// RESULT_PREFIX; Aztec's own logging goes to stderr.
//
// Two shims make forge 1.7.1 run the shipped scripts offline:
//   - forge_broadcast.js passes `--batch-size 8`, which forge 1.7 refuses on non-Tempo chains: a `forge`
//     wrapper first on PATH drops it, and adds `--slow` (one transaction after the other) instead, which
//     avoids the anvil auto-mining race that batches can hit (forge_broadcast.js would wait 50 s for it
//     and start again);
//   - foundry.toml pins solc 0.8.30, which forge would download: $HOME/.svm/0.8.30/solc-0.8.30 answers
//     `--version` as that solc and compiles with the pinned solcjs otherwise. The shipped build cache is
//     valid, so forge never compiles.

import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const RESULT_PREFIX = "AZTEC_L1_DEPLOYED ";
const SOLC_VERSION_LINE = "Version: 0.8.30+commit.73712a01.Linux.g++";

function shellQuote(text) {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

function writeExecutable(path, text) {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
}

function prepareShims(request) {
  const home = request.workDir;
  const bin = join(home, "bin");
  const svm = join(home, ".svm", "0.8.30");
  const tmp = join(home, "tmp");
  for (const dir of [bin, svm, tmp]) mkdirSync(dir, { recursive: true });
  writeExecutable(
    join(bin, "forge"),
    [
      "#!/bin/sh",
      "# Drops --batch-size N (forge 1.7 ties it to a batch mode it refuses here) and sends one by one.",
      'n=$#; i=0; skip=0',
      'for arg in "$@"; do',
      '  i=$((i + 1))',
      '  if [ $skip = 1 ]; then skip=0; elif [ "$arg" = --batch-size ]; then skip=1; else set -- "$@" "$arg"; fi',
      "done",
      'shift "$n"',
      `exec ${shellQuote(request.forge)} "$@" --slow`,
      "",
    ].join("\n"),
  );
  writeExecutable(
    join(svm, "solc-0.8.30"),
    [
      "#!/bin/sh",
      `if [ "$1" = --version ]; then echo ${shellQuote(SOLC_VERSION_LINE)}; exit 0; fi`,
      `exec ${shellQuote(process.execPath)} ${shellQuote(join(request.solcDir, "solc.js"))} --standard-json`,
      "",
    ].join("\n"),
  );
  process.env.HOME = home;
  process.env.TMPDIR = tmp;
  process.env.PATH = `${bin}:${process.env.PATH ?? ""}`;
  process.env.FOUNDRY_DISABLE_NIGHTLY_WARNING = "1";
  // The entry-queue settings are read by the forge script straight from the environment.
  for (const [name, value] of Object.entries(request.env ?? {})) process.env[name] = String(value);
}

async function main() {
  const request = JSON.parse(process.argv[2]);
  prepareShims(request);
  const pkg = (sub) => pathToFileURL(join(request.ethereumDir, "dest", sub)).href;
  const { DefaultL1ContractsConfig } = await import(pkg("config.js"));
  const { deployAztecL1Contracts } = await import(pkg("deploy_aztec_l1_contracts.js"));
  const overrides = Object.fromEntries(
    Object.entries(request.config).map(([key, value]) => [
      key,
      typeof DefaultL1ContractsConfig[key] === "bigint" ? BigInt(value) : value,
    ]),
  );
  const args = {
    ...DefaultL1ContractsConfig,
    ...overrides,
    vkTreeRoot: request.roots.vkTreeRoot,
    protocolContractsHash: request.roots.protocolContractsHash,
    genesisArchiveRoot: request.roots.genesisArchiveRoot,
    realVerifier: false,
    initialValidators: [],
  };
  const deployed = await deployAztecL1Contracts(request.rpcUrl, request.deployerKey, request.chainId, args);
  const addresses = Object.fromEntries(
    Object.entries(deployed.l1ContractAddresses)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [key, value.toString()]),
  );
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify({ rollupVersion: Number(deployed.rollupVersion), ...addresses })}\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`deploy_l1.mjs: ${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
