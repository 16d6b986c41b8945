#!/usr/bin/env node
/*!
 * Ed25519Signature2020 (the legacy Linked Data suite) by Digital Bazaar's own packages:
 * @digitalbazaar/ed25519-signature-2020 with an Ed25519VerificationKey2020 key of a did:key,
 * for microcred's cross-check (tests/interop/test_ed25519_2020_js.py).
 *
 *   node ed25519-2020.mjs sign   --contexts DIR --seed HEX64   < credential.json
 *   node ed25519-2020.mjs verify --contexts DIR                 < signed.json
 *
 * sign prints {"signed": ..., "did": ..., "verified": <JS's own verification>}; verify prints
 * {"verified": bool, "error": ...}. Strictly offline: contexts from DIR/index.json (the bytes
 * microcred bundles), the Ed25519 2020 context from its npm package, and the did:key
 * document of the signing key, computed here. Exit 0, 1 (not verified), 2 (usage).
 */
import fs from 'node:fs';
import path from 'node:path';

import * as vc from '@digitalbazaar/vc';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {Ed25519VerificationKey2020} from
  '@digitalbazaar/ed25519-verification-key-2020';
import ed25519Context from 'ed25519-signature-2020-context';

const DID_V1 = 'https://www.w3.org/ns/did/v1';

function arg(name) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : undefined;
}

function contextsFrom(dir) {
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8'));
  const out = new Map();
  for(const [url, file] of Object.entries(index)) {
    out.set(url, JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
  }
  for(const [url, doc] of ed25519Context.contexts) {
    out.set(url, doc);
  }
  return out;
}

async function didKeyDocument(did) {
  const fingerprint = did.slice('did:key:'.length);
  const key = Ed25519VerificationKey2020.fromFingerprint({fingerprint});
  key.controller = did;
  key.id = `${did}#${fingerprint}`;
  const vm = key.export({publicKey: true});
  return {
    '@context': [DID_V1, ed25519Context.constants.CONTEXT_URL],
    id: did,
    verificationMethod: [vm],
    assertionMethod: [vm.id],
    authentication: [vm.id]
  };
}

function loaderFor(contexts) {
  return async url => {
    if(contexts.has(url)) {
      return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
    }
    if(url.startsWith('did:key:z6Mk')) {
      const [did, fragment] = url.split('#');
      const doc = await didKeyDocument(did);
      const document = fragment ?
        {'@context': ed25519Context.constants.CONTEXT_URL,
          ...doc.verificationMethod[0]} : doc;
      return {contextUrl: null, documentUrl: url, document};
    }
    throw new Error(`not found offline: ${url}`);
  };
}

async function verify(signed, documentLoader) {
  const suite = new Ed25519Signature2020();
  const result = await vc.verifyCredential({
    credential: signed, suite, documentLoader,
    checkStatus: async () => ({verified: true})
  });
  const error = result.error ? String(result.error.errors?.[0]?.message ||
    result.error.message || result.error) : null;
  return {verified: result.verified, error};
}

async function main() {
  const command = process.argv[2];
  const dir = arg('contexts');
  if(!['sign', 'verify'].includes(command) || !dir) {
    console.error('usage: ed25519-2020.mjs sign|verify --contexts DIR [--seed HEX]');
    process.exit(2);
  }
  const input = JSON.parse(fs.readFileSync(0, 'utf8'));
  const documentLoader = loaderFor(contextsFrom(dir));
  if(command === 'verify') {
    const out = await verify(input, documentLoader);
    console.log(JSON.stringify(out));
    process.exit(out.verified ? 0 : 1);
  }
  const seed = Buffer.from(arg('seed') || '', 'hex');
  if(seed.length !== 32) {
    console.error('--seed must be 64 hex digits');
    process.exit(2);
  }
  const key = await Ed25519VerificationKey2020.generate({seed});
  const did = `did:key:${key.fingerprint()}`;
  key.controller = did;
  key.id = `${did}#${key.fingerprint()}`;
  const credential = {...input, issuer: did};
  const suite = new Ed25519Signature2020({key});
  const signed = await vc.issue({credential, suite, documentLoader});
  const check = await verify(signed, documentLoader);
  console.log(JSON.stringify({signed, did, ...check}));
}

main().catch(error => {
  console.log(JSON.stringify({verified: false, error: String(error.stack || error)}));
  process.exit(2);
});
