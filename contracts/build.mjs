// Compiles our contracts and writes their artifacts (ABI, bytecode, compiler settings): the devnet's
// Solidity stand-ins beside the devnet tool, the Yul batch-call program beside the chain adapter that
// sends it.
//
//   node contracts/build.mjs           rebuild src/butler/devnet/artifacts/*.json and
//                                      src/butler/adapters/chain/artifacts/*.json
//   node contracts/build.mjs --check   exit 1 if the committed artifacts differ from a fresh build
//
// The output is deterministic: same sources and compiler give byte-identical files.

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const CONTRACTS_DIR = join(REPO_ROOT, "contracts");
const DEVNET_ARTIFACTS = join(REPO_ROOT, "src", "butler", "devnet", "artifacts");
const CHAIN_ARTIFACTS = join(REPO_ROOT, "src", "butler", "adapters", "chain", "artifacts");
const SOLC_DIR = join(REPO_ROOT, "tools", "node_modules", "solc");

const SOLC_VERSION = "0.8.30";
const EVM_VERSION = "cancun";
const OPTIMIZER = { enabled: true, runs: 200 };
// Artifact name -> Solidity source file declaring it, and the folder its artifact goes to.
const CONTRACTS = {
  PullSplitFactory: { source: "contracts/PullSplitFactory.sol", folder: DEVNET_ARTIFACTS },
  StakingRegistry: { source: "contracts/StakingRegistry.sol", folder: DEVNET_ARTIFACTS },
};
// Yul object name -> the one file holding it, and the folder its artifact goes to. Such a program has
// creation code only: no ABI, no runtime code.
const YUL_PROGRAMS = {
  AggregateCalls: { source: "contracts/AggregateCalls.yul", folder: CHAIN_ARTIFACTS },
};

function fail(message) {
  process.stderr.write(`build.mjs: ${message}\n`);
  process.exit(1);
}

function loadSolc() {
  if (!existsSync(SOLC_DIR)) {
    fail(`solc not found at ${SOLC_DIR}: install the pinned tools (npm ci in tools/)`);
  }
  const solc = createRequire(import.meta.url)(SOLC_DIR);
  const version = solc.version();
  if (!version.startsWith(`${SOLC_VERSION}+`)) {
    fail(`expected solc ${SOLC_VERSION}, found ${version}`);
  }
  return solc;
}

// Every .sol file under contracts/, keyed by its repository-relative POSIX path, in sorted order.
function readSources() {
  const paths = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".sol")) paths.push(relative(REPO_ROOT, full).split(sep).join("/"));
    }
  };
  walk(CONTRACTS_DIR);
  paths.sort();
  return Object.fromEntries(paths.map((path) => [path, readFileSync(join(REPO_ROOT, path), "utf8")]));
}

// sha256 over (path NUL content NUL) of each source, in sorted path order. Mirrored by the unit tests.
function sourceHash(paths, sources) {
  const hash = createHash("sha256");
  for (const path of [...paths].sort()) {
    hash.update(path, "utf8");
    hash.update("\0");
    hash.update(sources[path], "utf8");
    hash.update("\0");
  }
  return `0x${hash.digest("hex")}`;
}

function compile(solc, language, sources, outputs) {
  const input = {
    language,
    sources: Object.fromEntries(Object.entries(sources).map(([path, content]) => [path, { content }])),
    settings: {
      evmVersion: EVM_VERSION,
      optimizer: OPTIMIZER,
      outputSelection: { "*": { "*": outputs } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const diagnostics = output.errors ?? [];
  for (const diagnostic of diagnostics) {
    process.stderr.write(`${diagnostic.formattedMessage ?? diagnostic.message}\n`);
  }
  if (diagnostics.some((d) => d.severity === "error")) {
    fail("compilation failed");
  }
  return output;
}

const TYPE_ORDER = ["constructor", "function", "event", "error", "fallback", "receive"];

function signature(entry) {
  const type = (param) =>
    param.type.startsWith("tuple")
      ? `(${param.components.map(type).join(",")})${param.type.slice("tuple".length)}`
      : param.type;
  return `${entry.name ?? ""}(${(entry.inputs ?? []).map(type).join(",")})`;
}

// Object keys sorted at every level; arrays keep their order (it is meaningful in an ABI).
function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys(value[key])]),
    );
  }
  return value;
}

function sortAbi(abi) {
  const key = (entry) => [TYPE_ORDER.indexOf(entry.type), signature(entry)];
  return [...abi].sort((a, b) => {
    const [ta, sa] = key(a);
    const [tb, sb] = key(b);
    return ta - tb || (sa < sb ? -1 : sa > sb ? 1 : 0);
  });
}

function compiler(solc) {
  return { version: solc.version(), evmVersion: EVM_VERSION, optimizer: OPTIMIZER };
}

function buildYulArtifacts(solc) {
  const artifacts = {};
  for (const [name, { source: path, folder }] of Object.entries(YUL_PROGRAMS)) {
    const sources = { [path]: readFileSync(join(REPO_ROOT, path), "utf8") };
    const output = compile(solc, "Yul", sources, ["evm.bytecode.object"]);
    const bytecode = output.contracts?.[path]?.[name]?.evm.bytecode.object;
    if (!bytecode) fail(`${name} not found in ${path}`);
    const artifact = sortKeys({
      contractName: name,
      bytecode: `0x${bytecode}`,
      compiler: compiler(solc),
      sources: [path],
      sourceHash: sourceHash([path], sources),
    });
    artifacts[join(folder, `${name}.json`)] = `${JSON.stringify(artifact, null, 2)}\n`;
  }
  return artifacts;
}

function buildArtifacts() {
  const solc = loadSolc();
  const sources = readSources();
  const output = compile(solc, "Solidity", sources, [
    "abi",
    "evm.bytecode.object",
    "evm.deployedBytecode.object",
    "metadata",
  ]);
  const artifacts = buildYulArtifacts(solc);
  for (const [name, { source: path, folder }] of Object.entries(CONTRACTS)) {
    const contract = output.contracts?.[path]?.[name];
    if (!contract) fail(`${name} not found in ${path}`);
    const bytecode = contract.evm.bytecode.object;
    if (!bytecode) fail(`${name} has no bytecode (abstract?)`);
    // The contract's own dependency closure, as the compiler recorded it.
    const usedSources = Object.keys(JSON.parse(contract.metadata).sources).sort();
    const artifact = sortKeys({
      contractName: name,
      abi: sortAbi(contract.abi),
      bytecode: `0x${bytecode}`,
      deployedBytecode: `0x${contract.evm.deployedBytecode.object}`,
      compiler: compiler(solc),
      sources: usedSources,
      sourceHash: sourceHash(usedSources, sources),
    });
    artifacts[join(folder, `${name}.json`)] = `${JSON.stringify(artifact, null, 2)}\n`;
  }
  return artifacts;
}

function main(argv) {
  const check = argv.includes("--check");
  const unknown = argv.filter((arg) => arg !== "--check");
  if (unknown.length > 0) fail(`unknown argument(s): ${unknown.join(" ")}`);

  const artifacts = buildArtifacts();
  if (check) {
    const stale = Object.entries(artifacts)
      .filter(([file, text]) => !existsSync(file) || readFileSync(file, "utf8") !== text)
      .map(([file]) => relative(REPO_ROOT, file));
    if (stale.length > 0) {
      fail(`artifacts out of date (run node contracts/build.mjs): ${stale.join(", ")}`);
    }
    process.stdout.write("artifacts up to date\n");
    return;
  }
  for (const [file, text] of Object.entries(artifacts)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    process.stdout.write(`wrote ${relative(REPO_ROOT, file)}\n`);
  }
}

main(process.argv.slice(2));
