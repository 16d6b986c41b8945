#!/usr/bin/env node
/*!
 * microcred interop CLI: drives the Digital Bazaar reference stack
 * (@digitalbazaar/vc + Data Integrity cryptosuites) for cross-verification
 * tests and benchmarks. JSON in (stdin or --in FILE), JSON out (stdout).
 *
 * Commands
 *   sign    --contexts DIR --key KEYFILE [--suite eddsa-rdfc-2022|ecdsa-rdfc-2019]
 *           [--created ISO] [--doc URL=FILE ...]
 *   sign-presentation --contexts DIR --key KEYFILE --challenge C [--domain D] [...]
 *   verify  --contexts DIR [--doc URL=FILE ...] [--now ISO] [--ignore-status]
 *           [--presentation --challenge C [--domain D] [--unsigned]]
 *   bench   --contexts DIR --n N --credential FILE --key KEYFILE [--suite S]
 *   keygen  [--suite eddsa-rdfc-2022|ecdsa-rdfc-2019] [--controller URL]
 *   canonize  [--in FILE]   RDFC-1.0 (rdf-canonize) of a JSON array of N-Quads strings
 *
 * Exit codes: 0 success, 1 verification failure (stdout has
 * {"verified": false, "error": ...}), 2 usage / input error.
 *
 * The document loader is strictly offline: it serves the contexts listed in
 * DIR/index.json (context URL -> file name in DIR, as written by
 * `microcred contexts export DIR`), the documents passed with --doc, the
 * security v1/v2 contexts that jsonld-signatures itself frames controller
 * documents with, and did:key documents (computed, never fetched). Anything
 * else throws "not found offline: URL".
 */
import fs from 'node:fs';
import path from 'node:path';
import {randomUUID} from 'node:crypto';
import {performance} from 'node:perf_hooks';
import {createRequire} from 'node:module';

import * as vc from '@digitalbazaar/vc';
import jsonld from 'jsonld';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {cryptosuite as ecdsaRdfc2019CryptoSuite} from
  '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import {driver as didKeyDriver} from '@digitalbazaar/did-method-key';

const require = createRequire(import.meta.url);
const securityContext = require('@digitalbazaar/security-context');

const SUITES = {
  'eddsa-rdfc-2022': eddsaRdfc2022CryptoSuite,
  'ecdsa-rdfc-2019': ecdsaRdfc2019CryptoSuite
};

class UsageError extends Error {}

// ---------------------------------------------------------------- arguments

function parseArgs(argv) {
  const [command, ...rest] = argv;
  const opts = {_: [], doc: []};
  const flags = new Set(['presentation', 'unsigned', 'ignore-status', 'help']);
  for(let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if(!arg.startsWith('--')) {
      opts._.push(arg);
      continue;
    }
    let name = arg.slice(2);
    let value;
    const eq = name.indexOf('=');
    if(eq !== -1 && !flags.has(name.slice(0, eq))) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    if(flags.has(name)) {
      opts[name] = true;
      continue;
    }
    if(value === undefined) {
      if(i + 1 >= rest.length) {
        throw new UsageError(`missing value for --${name}`);
      }
      value = rest[++i];
    }
    if(name === 'doc') {
      opts.doc.push(value);
    } else {
      opts[name] = value;
    }
  }
  return {command, opts};
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch(e) {
    throw new UsageError(`cannot read JSON from ${file}: ${e.message}`);
  }
}

function readInput(opts) {
  if(opts.in && opts.in !== '-') {
    return readJson(opts.in);
  }
  const text = fs.readFileSync(0, 'utf8');
  try {
    return JSON.parse(text);
  } catch(e) {
    throw new UsageError(`stdin is not JSON: ${e.message}`);
  }
}

// ---------------------------------------------------------- document loader

const didKey = didKeyDriver();
didKey.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});
didKey.use({multibaseMultikeyHeader: 'zDna', fromMultibase: EcdsaMultikey.from});
didKey.use({multibaseMultikeyHeader: 'z82L', fromMultibase: EcdsaMultikey.from});

function stripFragment(url) {
  const i = url.indexOf('#');
  return i === -1 ? url : url.slice(0, i);
}

// find the verification method `id` inside a controller / DID document
function findVerificationMethod(doc, id) {
  const base = stripFragment(doc.id || '');
  const matches = candidate => candidate === id ||
    (candidate && candidate.startsWith('#') && base + candidate === id);
  const relations = [
    'verificationMethod', 'assertionMethod', 'authentication',
    'capabilityInvocation', 'capabilityDelegation', 'keyAgreement'
  ];
  for(const rel of relations) {
    const values = doc[rel] === undefined ? [] :
      (Array.isArray(doc[rel]) ? doc[rel] : [doc[rel]]);
    for(const vm of values) {
      if(vm && typeof vm === 'object' && matches(vm.id)) {
        const found = {...vm, id};
        if(!found['@context'] && doc['@context']) {
          found['@context'] = doc['@context'];
        }
        if(!found.controller) {
          found.controller = doc.id;
        }
        return found;
      }
    }
  }
  return null;
}

export function makeDocumentLoader({contextsDir, docs = []} = {}) {
  const store = new Map();
  if(contextsDir) {
    const indexFile = path.join(contextsDir, 'index.json');
    const index = readJson(indexFile);
    const entries = index && typeof index === 'object' && index.contexts &&
      !Array.isArray(index.contexts) ? index.contexts : index;
    for(const [url, file] of Object.entries(entries)) {
      if(typeof file !== 'string') {
        throw new UsageError(`${indexFile}: entry for ${url} is not a file name`);
      }
      store.set(url, readJson(path.join(contextsDir, file)));
    }
  }
  // contexts jsonld-signatures uses itself (framing of non-DID controller
  // documents), shipped by its own dependency
  for(const [url, ctx] of securityContext.contexts) {
    if(!store.has(url)) {
      store.set(url, ctx);
    }
  }
  for(const spec of docs) {
    const eq = spec.lastIndexOf('=');
    if(eq <= 0) {
      throw new UsageError(`--doc expects URL=FILE, got ${spec}`);
    }
    store.set(spec.slice(0, eq), readJson(spec.slice(eq + 1)));
  }

  const result = (url, document) => ({contextUrl: null, documentUrl: url, document});

  return async function documentLoader(url) {
    if(store.has(url)) {
      return result(url, store.get(url));
    }
    if(url.startsWith('did:key:')) {
      const document = await didKey.get({url});
      return result(url, document);
    }
    const base = stripFragment(url);
    if(base !== url && store.has(base)) {
      const vm = findVerificationMethod(store.get(base), url);
      if(vm) {
        return result(url, vm);
      }
    }
    throw new Error(`not found offline: ${url}`);
  };
}

// --------------------------------------------------------------------- keys

function suiteForKey(publicKeyMultibase) {
  if(publicKeyMultibase.startsWith('z6Mk')) {
    return 'eddsa-rdfc-2022';
  }
  if(publicKeyMultibase.startsWith('zDna') || publicKeyMultibase.startsWith('z82L')) {
    return 'ecdsa-rdfc-2019';
  }
  throw new UsageError(`unsupported key type: ${publicKeyMultibase.slice(0, 6)}...`);
}

export async function loadKey(keyFile, suiteName) {
  const raw = typeof keyFile === 'string' ? readJson(keyFile) : keyFile;
  const publicKeyMultibase = raw.publicKeyMultibase;
  const secretKeyMultibase = raw.secretKeyMultibase || raw.privateKeyMultibase;
  if(!publicKeyMultibase || !secretKeyMultibase) {
    throw new UsageError(
      'key file needs publicKeyMultibase and privateKeyMultibase (or secretKeyMultibase)');
  }
  const suite = suiteName || suiteForKey(publicKeyMultibase);
  if(!SUITES[suite]) {
    throw new UsageError(`unknown suite ${suite}`);
  }
  const controller = raw.controller || `did:key:${publicKeyMultibase}`;
  const id = raw.id || `${controller}#${publicKeyMultibase}`;
  const keyDoc = {
    '@context': 'https://w3id.org/security/multikey/v1',
    type: 'Multikey', id, controller, publicKeyMultibase, secretKeyMultibase
  };
  const lib = suite === 'eddsa-rdfc-2022' ? Ed25519Multikey : EcdsaMultikey;
  const keyPair = await lib.from(keyDoc);
  return {keyPair, suite};
}

function makeSigningSuite({keyPair, suite, created}) {
  const options = {signer: keyPair.signer(), cryptosuite: SUITES[suite]};
  if(created) {
    const date = new Date(created);
    if(Number.isNaN(date.getTime())) {
      throw new UsageError(`--created is not a date: ${created}`);
    }
    options.date = date;
  }
  return new DataIntegrityProof(options);
}

function verifyingSuites() {
  return Object.values(SUITES).map(
    cryptosuite => new DataIntegrityProof({cryptosuite}));
}

// ----------------------------------------------------------------- commands

function errorText(error) {
  if(!error) {
    return undefined;
  }
  if(Array.isArray(error)) {
    return error.map(errorText).join('; ');
  }
  if(error.errors && Array.isArray(error.errors) && error.errors.length) {
    return error.errors.map(errorText).join('; ');
  }
  let text = error.message || String(error);
  // jsonld wraps document loader failures; surface the loader's own message
  const cause = (error.details && error.details.cause) || error.cause;
  if(cause && cause !== error) {
    const inner = errorText(cause);
    if(inner && !text.includes(inner)) {
      text = `${text} [cause: ${inner}]`;
    }
  }
  return text;
}

function collectErrors(result) {
  const messages = [];
  const add = e => {
    const text = errorText(e);
    if(text && !messages.includes(text)) {
      messages.push(text);
    }
  };
  add(result.error);
  for(const r of result.results || []) {
    if(!r.verified) {
      add(r.error);
    }
  }
  for(const r of (result.presentationResult && result.presentationResult.results) || []) {
    if(!r.verified) {
      add(r.error);
    }
  }
  for(const c of result.credentialResults || []) {
    if(!c.verified) {
      for(const m of collectErrors(c)) {
        add({message: m});
      }
    }
  }
  return messages;
}

async function cmdSign(opts) {
  const credential = readInput(opts);
  const documentLoader = makeDocumentLoader({contextsDir: opts.contexts, docs: opts.doc});
  const {keyPair, suite} = await loadKey(requireOpt(opts, 'key'), opts.suite);
  const signed = await vc.issue({
    credential, suite: makeSigningSuite({keyPair, suite, created: opts.created}),
    documentLoader
  });
  return {output: signed, code: 0};
}

async function cmdSignPresentation(opts) {
  const presentation = readInput(opts);
  const documentLoader = makeDocumentLoader({contextsDir: opts.contexts, docs: opts.doc});
  const {keyPair, suite} = await loadKey(requireOpt(opts, 'key'), opts.suite);
  const signed = await vc.signPresentation({
    presentation,
    suite: makeSigningSuite({keyPair, suite, created: opts.created}),
    challenge: requireOpt(opts, 'challenge'),
    domain: opts.domain,
    documentLoader
  });
  return {output: signed, code: 0};
}

async function cmdVerify(opts) {
  const document = readInput(opts);
  const documentLoader = makeDocumentLoader({contextsDir: opts.contexts, docs: opts.doc});
  const common = {suite: verifyingSuites(), documentLoader};
  if(opts.now) {
    common.now = new Date(opts.now);
  }
  if(opts['ignore-status']) {
    common.checkStatus = async () => ({verified: true});
  }
  let result;
  if(opts.presentation) {
    result = await vc.verify({
      ...common,
      presentation: document,
      challenge: opts.challenge,
      domain: opts.domain,
      unsignedPresentation: Boolean(opts.unsigned)
    });
  } else {
    result = await vc.verifyCredential({...common, credential: document});
  }
  const errors = collectErrors(result);
  const output = {verified: Boolean(result.verified)};
  if(!output.verified) {
    output.error = errors.join('; ') || 'verification failed';
    output.errors = errors;
  }
  return {output, code: output.verified ? 0 : 1};
}

async function cmdBench(opts) {
  const n = Number.parseInt(requireOpt(opts, 'n'), 10);
  if(!(n > 0)) {
    throw new UsageError('--n must be a positive integer');
  }
  const template = readJson(requireOpt(opts, 'credential'));
  const documentLoader = makeDocumentLoader({contextsDir: opts.contexts, docs: opts.doc});
  const {keyPair, suite} = await loadKey(requireOpt(opts, 'key'), opts.suite);
  const signingSuite = makeSigningSuite({keyPair, suite, created: opts.created});
  const verifySuites = verifyingSuites();

  // one untimed warm-up round (module JIT, context resolution cache)
  const warm = await vc.issue({
    credential: {...structuredClone(template), id: `urn:uuid:${randomUUID()}`},
    suite: signingSuite, documentLoader
  });
  const warmResult = await vc.verifyCredential({
    credential: warm, suite: verifySuites, documentLoader
  });
  if(!warmResult.verified) {
    return {output: {verified: false, error: collectErrors(warmResult).join('; ')}, code: 1};
  }

  const unsigned = [];
  for(let i = 0; i < n; i++) {
    unsigned.push({...structuredClone(template), id: `urn:uuid:${randomUUID()}`});
  }
  const signed = [];
  let t0 = performance.now();
  for(const credential of unsigned) {
    signed.push(await vc.issue({credential, suite: signingSuite, documentLoader}));
  }
  const signSeconds = (performance.now() - t0) / 1000;

  let failures = 0;
  t0 = performance.now();
  for(const credential of signed) {
    const result = await vc.verifyCredential({
      credential, suite: verifySuites, documentLoader
    });
    if(!result.verified) {
      failures++;
    }
  }
  const verifySeconds = (performance.now() - t0) / 1000;
  const output = {
    n, suite,
    sign_per_s: n / signSeconds,
    verify_per_s: n / verifySeconds,
    sign_seconds: signSeconds,
    verify_seconds: verifySeconds,
    failures
  };
  return {output, code: failures ? 1 : 0, compact: true};
}

// RDFC-1.0 of N-Quads datasets by rdf-canonize (through jsonld): the reference labelling
// that microcred's own canonicalization is tested against. Input: a JSON array of N-Quads
// strings; output: an array of {"nquads"} or {"error"} in the same order.
async function cmdCanonize(opts) {
  const datasets = readInput(opts);
  if(!Array.isArray(datasets)) {
    throw new UsageError('canonize: the input must be a JSON array of N-Quads strings');
  }
  const output = [];
  for(const text of datasets) {
    try {
      output.push({nquads: await jsonld.canonize(text, {
        algorithm: 'RDFC-1.0', inputFormat: 'application/n-quads', safe: true
      })});
    } catch(e) {
      output.push({error: errorText(e)});
    }
  }
  return {output, code: 0};
}

async function cmdKeygen(opts) {
  const suite = opts.suite || 'eddsa-rdfc-2022';
  let keyPair;
  if(suite === 'eddsa-rdfc-2022') {
    keyPair = await Ed25519Multikey.generate();
  } else if(suite === 'ecdsa-rdfc-2019') {
    keyPair = await EcdsaMultikey.generate({curve: opts.curve || 'P-256'});
  } else {
    throw new UsageError(`unknown suite ${suite}`);
  }
  const exported = await keyPair.export({publicKey: true, secretKey: true});
  const controller = opts.controller || `did:key:${exported.publicKeyMultibase}`;
  return {
    output: {
      id: `${controller}#${exported.publicKeyMultibase}`,
      controller,
      publicKeyMultibase: exported.publicKeyMultibase,
      privateKeyMultibase: exported.secretKeyMultibase
    },
    code: 0
  };
}

function requireOpt(opts, name) {
  if(opts[name] === undefined) {
    throw new UsageError(`--${name} is required`);
  }
  return opts[name];
}

const COMMANDS = {
  sign: cmdSign,
  'sign-presentation': cmdSignPresentation,
  verify: cmdVerify,
  canonize: cmdCanonize,
  bench: cmdBench,
  keygen: cmdKeygen
};

async function main() {
  let parsed;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch(e) {
    process.stderr.write(`${e.message}\n`);
    return 2;
  }
  const {command, opts} = parsed;
  const run = COMMANDS[command];
  if(!run || opts.help) {
    process.stderr.write(
      `usage: cli.mjs {${Object.keys(COMMANDS).join('|')}} [options]\n`);
    return run ? 0 : 2;
  }
  try {
    const {output, code, compact} = await run(opts);
    process.stdout.write(
      (compact ? JSON.stringify(output) : JSON.stringify(output, null, 2)) + '\n');
    return code;
  } catch(e) {
    const usage = e instanceof UsageError;
    const output = {verified: false, error: errorText(e)};
    process.stdout.write(JSON.stringify(output, null, 2) + '\n');
    if(!usage && process.env.MICROCRED_JS_DEBUG) {
      process.stderr.write(`${e.stack}\n`);
    }
    // an exception while verifying is a verification failure (1); signing or
    // usage problems are errors (2)
    return usage || command !== 'verify' ? 2 : 1;
  }
}

process.exitCode = await main();
