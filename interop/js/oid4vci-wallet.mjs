#!/usr/bin/env node
/*!
 * microcred interop: an OpenID4VCI 1.0 wallet built on the OpenWallet Foundation's
 * oid4vc-ts (@openid4vc/openid4vci, @openid4vc/oauth2, @openid4vc/utils 0.4.6), jose and
 * @sd-jwt/sd-jwt-vc 0.19.0. It receives a credential from an issuer and verifies it.
 *
 * Usage
 *   node oid4vci-wallet.mjs --offer OFFER [--tx-code PIN] [--flow pre|code]
 *        [--batch N] [--issuer-ca ROOT.pem] [--type-metadata] [--attest DIR]
 *
 * OFFER is an openid-credential-offer:// link (by value or by credential_offer_uri).
 * --flow pre: pre-authorized code (+ tx_code); --flow code: authorization code with PAR,
 * PKCE S256 and the iss check, the learner's confirmation page answered by the harness.
 * DPoP on the token and credential endpoints (the library retries on use_dpop_nonce);
 * a c_nonce from the nonce endpoint; one openid4vci-proof+jwt per key (--batch keys).
 * Each dc+sd-jwt received is verified with @sd-jwt/sd-jwt-vc: signature by the x5c leaf
 * (chained to --issuer-ca when given), its status in the Token Status List the issuer
 * serves, cnf.jwk equal to the proof key, and with --type-metadata the vct's Type
 * Metadata and its vct#integrity. Then a credential_accepted notification.
 * --attest DIR: the wallet provider's key (DIR/provider-key.pem, PKCS#8) and certificate
 * chain (DIR/provider-chain.pem, leaf first) sign, with jose and x5c, a wallet attestation
 * (oauth-client-attestation+jwt, cnf = a wallet instance key) that the library presents
 * with its PoP at PAR and token (attest_jwt_client_auth), and for each proof key a key
 * attestation (key-attestation+jwt, OpenID4VCI 1.0 appendix D) in the proof's header.
 *
 * Output: one JSON object on stdout; exit 0 when every credential verified, 1 when the
 * flow or a verification failed ({"ok": false, "error": ...}), 2 on usage errors.
 * TLS: trust the test CA with NODE_EXTRA_CA_CERTS.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';

import {
  Openid4vciClient,
} from '@openid4vc/openid4vci';
import {
  clientAuthenticationAnonymous,
  clientAuthenticationClientAttestationJwt,
  clientAuthenticationNone,
} from '@openid4vc/oauth2';
import * as jose from 'jose';
import {SDJwtVcInstance} from '@sd-jwt/sd-jwt-vc';
import {digest} from '@sd-jwt/crypto-nodejs';

function parseArgs(argv) {
  const args = {flow: 'pre', batch: 1};
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) usage(`${name} needs a value`);
      return argv[++i];
    };
    if (name === '--offer') args.offer = next();
    else if (name === '--tx-code') args.txCode = next();
    else if (name === '--flow') args.flow = next();
    else if (name === '--batch') args.batch = Number(next());
    else if (name === '--issuer-ca') args.issuerCa = next();
    else if (name === '--type-metadata') args.typeMetadata = true;
    else if (name === '--attest') args.attest = next();
    else usage(`unknown option ${name}`);
  }
  if (!args.offer) usage('--offer is required');
  if (!['pre', 'code'].includes(args.flow)) usage('--flow is pre or code');
  if (!(args.batch >= 1 && args.batch <= 10)) usage('--batch is 1 to 10');
  return args;
}

function usage(message) {
  process.stdout.write(JSON.stringify({ok: false, error: message}) + '\n');
  process.exit(2);
}

// ---------------------------------------------------------------- keys and callbacks

const privateKeys = new Map(); // RFC 7638 thumbprint -> private CryptoKey

async function newKey() {
  const {publicKey, privateKey} = await jose.generateKeyPair('ES256', {extractable: true});
  const publicJwk = await jose.exportJWK(publicKey);
  privateKeys.set(await jose.calculateJwkThumbprint(publicJwk), privateKey);
  return {publicJwk, signer: {method: 'jwk', alg: 'ES256', publicJwk}};
}

function callbacks(clientId, clientAttestationJwt) {
  const signing = {
    generateRandom: (n) => new Uint8Array(crypto.randomBytes(n)),
    signJwt: signJwt,
  };
  return {
    hash: (data, alg) =>
      new Uint8Array(crypto.createHash(alg.replace('-', '')).update(data).digest()),
    generateRandom: (n) => new Uint8Array(crypto.randomBytes(n)),
    signJwt,
    clientAuthentication: clientAttestationJwt ?
      clientAuthenticationClientAttestationJwt({clientAttestationJwt, callbacks: signing}) :
      clientId ? clientAuthenticationNone({clientId}) : clientAuthenticationAnonymous(),
    fetch,
  };
}

async function signJwt(signer, {header, payload}) {
  if (signer.method !== 'jwk') throw new Error(`cannot sign for a ${signer.method} signer`);
  const key = privateKeys.get(await jose.calculateJwkThumbprint(signer.publicJwk));
  if (!key) throw new Error('no private key for this signer');
  const jwt = await new jose.SignJWT(payload).setProtectedHeader(header).sign(key);
  return {jwt, signerJwk: signer.publicJwk};
}

// ---------------------------------------------------------------- the wallet provider

// What a wallet provider's back end signs for its wallet instance (here from files the
// test writes): JWTs with the provider's x5c chain.
async function walletProvider(dir) {
  const key = await jose.importPKCS8(fs.readFileSync(`${dir}/provider-key.pem`, 'utf8'), 'ES256');
  const x5c = pemCertificates(`${dir}/provider-chain.pem`).map((c) => c.raw.toString('base64'));
  const sign = (typ, payload) =>
    new jose.SignJWT(payload).setProtectedHeader({alg: 'ES256', typ, x5c}).sign(key);
  const now = () => Math.floor(Date.now() / 1000);
  return {
    walletAttestation: (clientId, instanceJwk) => sign('oauth-client-attestation+jwt', {
      iss: 'https://wallet-provider.interop.example',
      sub: clientId,
      iat: now(),
      exp: now() + 3600,
      cnf: {jwk: instanceJwk},
      wallet_name: 'microcred interop wallet',
    }),
    keyAttestation: (jwks, nonce) => sign('key-attestation+jwt', {
      iat: now(),
      exp: now() + 300,
      attested_keys: jwks,
      key_storage: ['iso_18045_moderate'],
      nonce,
    }),
  };
}

// ---------------------------------------------------------------- the learner's page

// The authorization page asks the learner to confirm; the harness answers it as a browser
// would (keeping the session cookie, posting the form with its CSRF token) and reads the
// redirect to the wallet's redirect_uri without following it.
async function confirmAuthorization(authorizationRequestUrl) {
  const page = await fetch(authorizationRequestUrl, {redirect: 'manual'});
  const html = await page.text();
  if (page.status !== 200) throw new Error(`authorization page ${page.status}: ${html.slice(0, 300)}`);
  const field = (name) => {
    const found = html.match(new RegExp(`name="${name}" value="([^"]*)"`));
    if (!found) throw new Error(`the authorization page has no ${name} field`);
    return found[1].replaceAll('&#34;', '"').replaceAll('&amp;', '&');
  };
  const cookie = (page.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
  const action = new URL('/oid4vci/authorize', authorizationRequestUrl);
  const answer = await fetch(action, {
    method: 'POST',
    redirect: 'manual',
    headers: {'content-type': 'application/x-www-form-urlencoded', cookie},
    body: new URLSearchParams({
      csrf: field('csrf'),
      request_uri: field('request_uri'),
      client_id: field('client_id'),
      decision: 'accept',
    }),
  });
  const location = answer.headers.get('location');
  if (answer.status !== 303 || !location) {
    throw new Error(`authorization answer ${answer.status}: ${(await answer.text()).slice(0, 300)}`);
  }
  return location;
}

// ---------------------------------------------------------------- verification

function pemCertificates(file) {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)]
    .map((m) => new crypto.X509Certificate(m[0]));
}

function checkChain(x5c, caFile) {
  const chain = x5c.map((b64) => new crypto.X509Certificate(Buffer.from(b64, 'base64')));
  const anchors = pemCertificates(caFile);
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!chain[i].verify(chain[i + 1].publicKey)) throw new Error(`x5c[${i}] is not signed by x5c[${i + 1}]`);
  }
  const last = chain[chain.length - 1];
  if (anchors.some((a) => a.fingerprint256 === last.fingerprint256)) {
    throw new Error('x5c includes the trust anchor (HAIP: it must not)');
  }
  if (!anchors.some((a) => last.verify(a.publicKey))) throw new Error('x5c does not chain to --issuer-ca');
  return chain[0];
}

function decodeHeader(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString('utf8'));
}

async function verifySdJwtVc(compact, holderJwk, args) {
  const header = decodeHeader(compact.split('~')[0]);
  if (header.typ !== 'dc+sd-jwt') throw new Error(`typ is ${header.typ}, not dc+sd-jwt`);
  if (!Array.isArray(header.x5c)) throw new Error('the SD-JWT VC has no x5c chain');
  const leaf = args.issuerCa ?
    checkChain(header.x5c, args.issuerCa) :
    new crypto.X509Certificate(Buffer.from(header.x5c[0], 'base64'));
  const issuerKey = leaf.publicKey;
  const verifier = async (data, signature) =>
    crypto.verify('sha256', Buffer.from(data), {key: issuerKey, dsaEncoding: 'ieee-p1363'},
      Buffer.from(signature, 'base64url'));
  let statusChecked = false;
  const sdjwt = new SDJwtVcInstance({
    hasher: digest,
    verifier,
    statusVerifier: verifier, // the status list token is signed by the same key
    statusListFetcher: async (uri) => {
      const answer = await fetch(uri, {headers: {accept: 'application/statuslist+jwt'}});
      if (!answer.ok) throw new Error(`status list ${uri}: ${answer.status}`);
      statusChecked = true;
      return answer.text();
    },
    loadTypeMetadataFormat: Boolean(args.typeMetadata),
  });
  const result = await sdjwt.verify(compact);
  const cnf = result.payload.cnf?.jwk;
  if (!cnf || cnf.x !== holderJwk.x || cnf.y !== holderJwk.y) {
    throw new Error('cnf.jwk is not the key of the proof');
  }
  const claims = await sdjwt.getClaims(compact);
  return {
    verified: true,
    x5c: header.x5c.length,
    statusChecked,
    typeMetadata: Boolean(result.typeMetadata),
    vct: result.payload.vct,
    iss: result.payload.iss,
    claims,
  };
}

// ---------------------------------------------------------------- the flow

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const provider = args.attest ? await walletProvider(args.attest) : undefined;
  const clientId = args.flow === 'code' || provider ? 'microcred-interop-wallet' : undefined;
  let clientAttestationJwt;
  if (provider) {
    const instanceKey = await newKey();
    clientAttestationJwt = await provider.walletAttestation(clientId, instanceKey.publicJwk);
  }
  const client = new Openid4vciClient({callbacks: callbacks(clientId, clientAttestationJwt)});
  const credentialOffer = await client.resolveCredentialOffer(args.offer);
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
  const dpopKey = await newKey();
  let tokenAnswer;
  if (args.flow === 'pre') {
    tokenAnswer = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
      credentialOffer,
      issuerMetadata,
      txCode: args.txCode,
      dpop: {signer: dpopKey.signer},
    });
  } else {
    const redirectUri = 'https://wallet.interop.example/callback';
    const started = await client.initiateAuthorization({
      credentialOffer,
      issuerMetadata,
      clientId,
      redirectUri,
      scope: credentialOffer.credential_configuration_ids.join(' '),
    });
    if (started.authorizationFlow !== 'Oauth2Redirect') throw new Error(`unexpected flow ${started.authorizationFlow}`);
    const location = await confirmAuthorization(started.authorizationRequestUrl);
    const response = client.parseAndVerifyAuthorizationResponseRedirectUrl({
      url: location,
      authorizationServerMetadata: issuerMetadata.authorizationServers[0],
    });
    if (!response.code) throw new Error(`authorization error ${response.error}`);
    tokenAnswer = await client.retrieveAuthorizationCodeAccessTokenFromOffer({
      credentialOffer,
      issuerMetadata,
      authorizationCode: response.code,
      pkceCodeVerifier: started.pkce?.codeVerifier,
      redirectUri,
      dpop: {signer: dpopKey.signer},
    });
  }
  const {accessTokenResponse} = tokenAnswer;
  let dpop = {signer: dpopKey.signer, nonce: tokenAnswer.dpop?.nonce};
  const received = [];
  let notificationId;
  for (const configurationId of credentialOffer.credential_configuration_ids) {
    const configuration = issuerMetadata.credentialIssuer.credential_configurations_supported[configurationId];
    const bound = Boolean(configuration.proof_types_supported?.jwt);
    const holderKeys = [];
    let proofs;
    if (bound) {
      const {c_nonce: nonce} = await client.requestNonce({issuerMetadata});
      const jwts = [];
      for (let i = 0; i < args.batch; i++) {
        const key = await newKey();
        holderKeys.push(key.publicJwk);
        const {jwt} = await client.createCredentialRequestJwtProof({
          issuerMetadata,
          credentialConfigurationId: configurationId,
          signer: key.signer,
          nonce,
          clientId,
          keyAttestationJwt: provider ? await provider.keyAttestation([key.publicJwk], nonce) : undefined,
        });
        jwts.push(jwt);
      }
      proofs = {jwt: jwts};
    }
    const answer = await client.retrieveCredentials({
      issuerMetadata,
      accessToken: accessTokenResponse.access_token,
      credentialConfigurationId: configurationId,
      proofs,
      dpop,
    });
    // the answer's DPoP-Nonce for the next request, with the same key
    dpop = {signer: dpopKey.signer, nonce: answer.dpop?.nonce ?? dpop?.nonce};
    const body = answer.credentialResponse;
    notificationId = body.notification_id ?? notificationId;
    const credentials = body.credentials.map((c) => c.credential);
    for (let i = 0; i < credentials.length; i++) {
      const item = {configurationId, format: configuration.format};
      if (configuration.format === 'dc+sd-jwt') {
        item.check = await verifySdJwtVc(credentials[i], holderKeys[i], args);
        item.credential = credentials[i];
      } else {
        item.credential = credentials[i];
      }
      received.push(item);
    }
  }
  if (notificationId) {
    await client.sendNotification({
      issuerMetadata,
      accessToken: accessTokenResponse.access_token,
      notification: {notificationId, event: 'credential_accepted'},
      dpop,
    });
  }
  process.stdout.write(JSON.stringify({
    ok: true,
    flow: args.flow,
    credential_issuer: credentialOffer.credential_issuer,
    token_type: accessTokenResponse.token_type,
    attested: Boolean(provider),
    credentials: received,
    notified: Boolean(notificationId),
  }) + '\n');
}

main().catch((error) => {
  const detail = error?.errorResponse ?? error?.response?.body ?? undefined;
  if (process.env.OID4VCI_WALLET_DEBUG) process.stderr.write(String(error?.stack) + "\n");
  process.stdout.write(JSON.stringify({
    ok: false,
    error: String(error?.message ?? error),
    detail,
  }) + '\n');
  process.exit(1);
});
