#!/usr/bin/env node
/*!
 * microcred interop: SD-JWT VC with the reference peer @sd-jwt/sd-jwt-vc 0.19.0 and
 * @sd-jwt/crypto-nodejs (ES256). One JSON request on stdin, one JSON answer on stdout.
 *
 *   {"op": "verify", "sd_jwt": "...~", "issuer_jwk": {...}, "now": SECONDS,
 *    "aud": A, "nonce": N,                      (a KB-JWT is then required and checked)
 *    "status_tokens": {"uri": "jwt"}}           (served to the peer's status list fetcher)
 *     -> {"verified": true, "claims": {...}, "kb": {...} | null}
 *        or {"verified": false, "error": "..."}
 *   {"op": "issue", "claims": {...}, "sd": ["name", ...], "aud": A, "nonce": N, "iat": S}
 *     -> {"sd_jwt": "<issued>", "presentation": "<with a KB-JWT>", "issuer": DID,
 *         "issuer_jwk": {...}, "holder_jwk": {...}}
 *   {"op": "bench", "sd_jwt": "...", "issuer_jwk": {...}, "claims": {...}, "sd": [...],
 *    "n": N} -> {"issue_per_s": x, "verify_per_s": y}
 *
 * The issuer of "issue" is a did:jwk of a fresh ES256 key, named in the header's kid.
 *
 * Type Metadata is not loaded: 0.19.0 compares vct#integrity as a hex digest (the draft and
 * W3C SRI say base64, which microcred writes), and would fetch the EUDI type it extends.
 */
import {performance} from 'node:perf_hooks';

import {SDJwtVcInstance} from '@sd-jwt/sd-jwt-vc';
import {ES256, digest, generateSalt} from '@sd-jwt/crypto-nodejs';

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function verifierInstance(request, verifier) {
  const tokens = request.status_tokens || {};
  return new SDJwtVcInstance({
    hasher: digest,
    hashAlg: 'sha-256',
    verifier,
    kbVerifier: async (data, signature, payload) => {
      const holder = await ES256.getVerifier(payload.cnf.jwk);
      return holder(data, signature);
    },
    statusVerifier: verifier, // microcred signs its status list tokens with the same key
    statusListFetcher: async (uri) => {
      if (!(uri in tokens)) throw new Error(`status list token not given: ${uri}`);
      return tokens[uri];
    },
  });
}

async function verify(request) {
  const verifier = await ES256.getVerifier(request.issuer_jwk);
  const sdjwt = verifierInstance(request, verifier);
  const options = {currentDate: request.now};
  if (request.nonce !== undefined) options.keyBindingNonce = request.nonce;
  try {
    const result = await sdjwt.verify(request.sd_jwt, options);
    if (request.aud !== undefined && result.kb?.payload.aud !== request.aud) {
      throw new Error(`KB-JWT aud is ${result.kb?.payload.aud}`);
    }
    if (request.nonce !== undefined && !result.kb) throw new Error('no KB-JWT');
    return {
      verified: true,
      claims: await sdjwt.getClaims(request.sd_jwt),
      kb: result.kb ? result.kb.payload : null,
    };
  } catch (error) {
    return {verified: false, error: String(error && error.message || error)};
  }
}

function frameOf(names) {
  return {_sd: names};
}

async function issuer() {
  const {publicKey, privateKey} = await ES256.generateKeyPair();
  const jwk = {kty: publicKey.kty, crv: publicKey.crv, x: publicKey.x, y: publicKey.y};
  const did = 'did:jwk:' + Buffer.from(JSON.stringify(jwk)).toString('base64url');
  return {jwk, did, signer: await ES256.getSigner(privateKey)};
}

async function issue(request) {
  const signing = await issuer();
  const holder = await ES256.generateKeyPair();
  const holderJwk = {kty: holder.publicKey.kty, crv: holder.publicKey.crv,
    x: holder.publicKey.x, y: holder.publicKey.y};
  const sdjwt = new SDJwtVcInstance({
    hasher: digest,
    hashAlg: 'sha-256',
    saltGenerator: generateSalt,
    signer: signing.signer,
    signAlg: 'ES256',
    kbSigner: await ES256.getSigner(holder.privateKey),
    kbSignAlg: 'ES256',
  });
  const claims = {...request.claims, iss: signing.did, cnf: {jwk: holderJwk}};
  const issued = await sdjwt.issue(claims, frameOf(request.sd || []), {
    header: {typ: 'dc+sd-jwt', kid: `${signing.did}#0`},
  });
  const presentation = await sdjwt.present(issued, undefined, {
    kb: {payload: {aud: request.aud, nonce: request.nonce, iat: request.iat}},
  });
  return {sd_jwt: issued, presentation, issuer: signing.did, issuer_jwk: signing.jwk,
    holder_jwk: holderJwk};
}

async function bench(request) {
  const n = request.n || 200;
  const signing = await issuer();
  const maker = new SDJwtVcInstance({
    hasher: digest, hashAlg: 'sha-256', saltGenerator: generateSalt,
    signer: signing.signer, signAlg: 'ES256',
  });
  const claims = {...request.claims, iss: signing.did};
  const frame = frameOf(request.sd || []);
  // wall time, and the process's CPU time (all its threads), which a busy machine does not
  // inflate
  const cpuSeconds = (since) => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1e6;
  };
  let started = performance.now();
  let cpu = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    await maker.issue(claims, frame, {header: {typ: 'dc+sd-jwt', kid: `${signing.did}#0`}});
  }
  const issuePerS = n / ((performance.now() - started) / 1000);
  const issueCpuPerS = n / cpuSeconds(cpu);
  const verifier = await ES256.getVerifier(request.issuer_jwk);
  const checker = new SDJwtVcInstance({hasher: digest, hashAlg: 'sha-256', verifier});
  started = performance.now();
  cpu = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    await checker.verify(request.sd_jwt, {currentDate: request.now});
  }
  const verifyPerS = n / ((performance.now() - started) / 1000);
  const verifyCpuPerS = n / cpuSeconds(cpu);
  return {
    issue_per_s: issuePerS, verify_per_s: verifyPerS,
    issue_per_cpu_s: issueCpuPerS, verify_per_cpu_s: verifyCpuPerS,
  };
}

const request = await readStdin();
const ops = {verify, issue, bench};
if (!(request.op in ops)) {
  process.stdout.write(JSON.stringify({error: `unknown op ${request.op}`}));
  process.exit(2);
}
process.stdout.write(JSON.stringify(await ops[request.op](request)));
