#!/usr/bin/env node
// An independent OpenID4VCI 1.0 credential issuer for microcred's wallet tests, built from the
// real peer libraries (@openid4vc/oauth2 and @openid4vc/openid4vci 0.4.6 for the protocol,
// @sd-jwt/sd-jwt-vc 0.19.0 for the credential, jose for JWS). It is not microcred code: the
// wallet must work against it as against any conformant issuer.
//
//   node oid4vci-issuer.mjs CONFIG.json
//
// CONFIG: {"issuer_jwk": {private P-256 JWK}, "x5c": [leaf, intermediate, ...] (optional),
//          "port": 0}
// Prints one JSON line {"url": "http://127.0.0.1:PORT"} when it listens, then serves:
//   GET  /.well-known/openid-credential-issuer   credential issuer metadata (OpenID4VCI §12.2)
//   GET  /.well-known/oauth-authorization-server authorization server metadata (RFC 8414)
//   GET  /.well-known/jwt-vc-issuer              the signing key (SD-JWT VC issuer metadata)
//   GET  /jwks                                   access-token verification keys
//   POST /token                                  pre-authorized code + tx_code, DPoP with nonce
//   POST /nonce                                  c_nonce (OpenID4VCI §7)
//   POST /credential                             proof JWT, DPoP with nonce; dc+sd-jwt
//   POST /deferred_credential                    transaction_id (offer mode "deferred"):
//                                                 202 with interval until released
//   GET  /offers/ID                              an offer by reference (credential_offer_uri)
//   POST /control/offer                          test control: make an offer (see makeOffer)
//   POST /control/settings                       test control: {"nonce_endpoint_dpop_nonce": false}
//                                                 (the nonce endpoint stops giving the DPoP
//                                                 nonce: the credential endpoint answers 401),
//                                                 {"c_nonce": "number"|"huge"|null} (a c_nonce
//                                                 no wallet should use)
//   POST /control/release                        test control: {"pre_authorized_code": C} the
//                                                 deferred credential of that offer is ready
//   GET  /control/stats                          test control: requests per "METHOD path" and
//                                                 answers per "path status"
// Pre-authorized codes and c_nonces are single use; DPoP nonces are demanded on the first try
// at both the token and the credential endpoint (use_dpop_nonce), as HAIP wallets must handle.

import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'

import {
  Oauth2AuthorizationServer,
  Oauth2ResourceServer,
  Oauth2ResourceUnauthorizedError,
  Oauth2ServerErrorResponseError,
  clientAuthenticationAnonymous,
  decodeJwt,
  preAuthorizedCodeGrantIdentifier,
  setGlobalConfig,
} from '@openid4vc/oauth2'
import { Openid4vciIssuer, Openid4vciVersion } from '@openid4vc/openid4vci'
import { ES256, digest, generateSalt } from '@sd-jwt/crypto-nodejs'
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc'
import * as jose from 'jose'

// a local test peer on loopback: the library refuses http:// identifiers unless told
setGlobalConfig({ allowInsecureUrls: true })

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))
const issuerPrivateJwk = config.issuer_jwk
const { d: _d, ...issuerPublicJwk } = issuerPrivateJwk
const issuerKid = 'issuer-key-1'
const VCT = 'https://credentials.example.org/vct/micro-credential/1'
const MAX_BODY = 64 * 1024

const callbacks = {
  hash: (data, alg) => crypto.createHash(alg.replace('-', '')).update(data).digest(),
  generateRandom: (n) => crypto.randomBytes(n),
  clientAuthentication: clientAuthenticationAnonymous(),
  fetch: (...args) => fetch(...args),
  signJwt: async (signer, { header, payload }) => {
    const key = await jose.importJWK(issuerPrivateJwk, 'ES256')
    const jwt = await new jose.SignJWT(payload).setProtectedHeader(header).sign(key)
    return { jwt, signerJwk: issuerPublicJwk }
  },
  verifyJwt: async (signer, { compact }) => {
    let jwk = signer.publicJwk
    if (!jwk && signer.method === 'x5c') {
      const cert = new crypto.X509Certificate(Buffer.from(signer.x5c[0], 'base64'))
      jwk = cert.publicKey.export({ format: 'jwk' })
    }
    if (!jwk) return { verified: false }
    try {
      await jose.compactVerify(compact, await jose.importJWK(jwk, signer.alg))
      return { verified: true, signerJwk: jwk }
    } catch {
      return { verified: false, signerJwk: jwk }
    }
  },
}

const authorizationServer = new Oauth2AuthorizationServer({ callbacks })
const resourceServer = new Oauth2ResourceServer({ callbacks })
const issuer = new Openid4vciIssuer({ callbacks })

const sdjwt = new SDJwtVcInstance({
  signer: await ES256.getSigner(issuerPrivateJwk),
  signAlg: 'ES256',
  hasher: digest,
  hashAlg: 'sha-256',
  saltGenerator: generateSalt,
})

let base = ''
let asMetadata
let issuerMetadata
const offers = new Map() // pre-authorized code -> offer state
const offersByReference = new Map() // id -> credential offer object
const cNonces = new Map() // c_nonce -> expiry (ms)
const dpopNonces = { token: crypto.randomUUID(), credential: crypto.randomUUID() }
const stats = {}
const settings = { nonce_endpoint_dpop_nonce: true, c_nonce: null }
const transactions = new Map() // transaction_id -> {offer, jwk, ready}
const count = (key) => {
  stats[key] = (stats[key] ?? 0) + 1
}

function buildMetadata() {
  asMetadata = authorizationServer.createAuthorizationServerMetadata({
    issuer: base,
    token_endpoint: `${base}/token`,
    jwks_uri: `${base}/jwks`,
    grant_types_supported: [preAuthorizedCodeGrantIdentifier],
    dpop_signing_alg_values_supported: ['ES256'],
    'pre-authorized_grant_anonymous_access_supported': true,
  })
  const credentialIssuer = issuer.createCredentialIssuerMetadata({
    credential_issuer: base,
    credential_endpoint: `${base}/credential`,
    deferred_credential_endpoint: `${base}/deferred_credential`,
    nonce_endpoint: `${base}/nonce`,
    display: [{ name: 'Independent test issuer', locale: 'en' }],
    credential_configurations_supported: {
      MicroCredentialSdJwt: {
        format: 'dc+sd-jwt',
        vct: VCT,
        scope: 'micro_credential',
        cryptographic_binding_methods_supported: ['jwk'],
        credential_signing_alg_values_supported: ['ES256'],
        proof_types_supported: { jwt: { proof_signing_alg_values_supported: ['ES256'] } },
        credential_metadata: { display: [{ name: 'Micro-credential', locale: 'en' }] },
      },
    },
  })
  issuerMetadata = {
    credentialIssuer,
    authorizationServers: [asMetadata],
    originalDraftVersion: Openid4vciVersion.V1,
    knownCredentialConfigurations: issuer.getKnownCredentialConfigurationsSupported(credentialIssuer),
  }
}

// POST /control/offer {"tx_code": true, "by_reference": false, "mode": null, "claims": {...}}
// mode: "credential_error" (the credential endpoint answers invalid_credential_request),
// "oversized" (it answers a body larger than any wallet should take), "expired" (the code
// is already past its expiry), "wrong_cnf" (the credential is bound to another key than
// the one the wallet proved), "deferred" (202 with a transaction_id, the credential at the
// deferred endpoint once /control/release names the offer; "interval": seconds, default 1), "always_invalid_nonce" (every proof's
// c_nonce is refused), "json_for_sd_jwt" (a JSON object where the SD-JWT VC string goes),
// "not_sd_jwt" (a string that is no SD-JWT).
async function makeOffer(options) {
  const code = crypto.randomBytes(24).toString('base64url')
  const txCode = options.tx_code === false ? undefined : String(crypto.randomInt(100000, 1000000))
  const expiresAt = options.mode === 'expired' ? Date.now() - 1000 : Date.now() + 600_000
  offers.set(code, {
    txCode, expiresAt, used: false, mode: options.mode ?? null, claims: options.claims ?? {},
    code, interval: options.interval ?? 1,
  })
  const grant = { 'pre-authorized_code': code }
  if (txCode) grant.tx_code = { input_mode: 'numeric', length: 6, description: 'PIN sent by e-mail' }
  let credentialOfferUri
  const id = crypto.randomUUID()
  if (options.by_reference) credentialOfferUri = `${base}/offers/${id}`
  const { credentialOffer, credentialOfferObject } = await issuer.createCredentialOffer({
    issuerMetadata,
    credentialConfigurationIds: ['MicroCredentialSdJwt'],
    grants: { [preAuthorizedCodeGrantIdentifier]: grant },
    credentialOfferUri,
  })
  if (credentialOfferUri) offersByReference.set(id, credentialOfferObject)
  return { offer: credentialOffer, tx_code: txCode ?? null, pre_authorized_code: code }
}

function requestLike(req, path) {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) headers.set(name, String(value))
  return { headers, method: req.method, url: `${base}${path}` }
}

function send(res, status, body, headers = {}) {
  const data = typeof body === 'string' ? body : JSON.stringify(body)
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers })
  res.end(data)
}

function oauthError(res, status, error, description, headers = {}) {
  send(res, status, { error, error_description: description }, headers)
}

function dpopNonceOf(jwt) {
  try {
    return decodeJwt({ jwt }).payload.nonce
  } catch {
    return undefined
  }
}

async function token(req, res, raw) {
  const request = requestLike(req, '/token')
  const body = Object.fromEntries(new URLSearchParams(raw))
  const parsed = authorizationServer.parseAccessTokenRequest({ request, accessTokenRequest: body })
  if (parsed.grant.grantType !== preAuthorizedCodeGrantIdentifier) {
    return oauthError(res, 400, 'unsupported_grant_type', 'only the pre-authorized code grant')
  }
  if (!parsed.dpop?.jwt) return oauthError(res, 400, 'invalid_dpop_proof', 'DPoP is required')
  if (dpopNonceOf(parsed.dpop.jwt) !== dpopNonces.token) {
    return oauthError(res, 400, 'use_dpop_nonce', 'use the DPoP nonce', { 'DPoP-Nonce': dpopNonces.token })
  }
  const code = parsed.grant.preAuthorizedCode
  const offer = offers.get(code)
  if (!offer) return oauthError(res, 400, 'invalid_grant', 'unknown pre-authorized code')
  if (offer.used) return oauthError(res, 400, 'invalid_grant', 'the pre-authorized code was already used')
  if (offer.expiresAt < Date.now()) return oauthError(res, 400, 'invalid_grant', 'the pre-authorized code has expired')
  const { dpop } = await authorizationServer.verifyPreAuthorizedCodeAccessTokenRequest({
    grant: parsed.grant,
    accessTokenRequest: parsed.accessTokenRequest,
    request,
    authorizationServerMetadata: asMetadata,
    expectedPreAuthorizedCode: code,
    expectedTxCode: offer.txCode,
    dpop: { required: true, jwt: parsed.dpop.jwt, allowedSigningAlgs: ['ES256'] },
  })
  offer.used = true
  const response = await authorizationServer.createAccessTokenResponse({
    audience: base,
    authorizationServer: base,
    expiresInSeconds: 300,
    signer: { method: 'jwk', alg: 'ES256', publicJwk: issuerPublicJwk, kid: issuerKid },
    subject: code,
    dpop: { jwk: dpop.jwk },
  })
  // the DPoP nonce rotates on success, as a server may (the wallet takes the new one)
  dpopNonces.token = crypto.randomUUID()
  send(res, 200, response, { 'DPoP-Nonce': dpopNonces.token })
}

function nonce(res) {
  const cNonce = crypto.randomBytes(16).toString('base64url')
  cNonces.set(cNonce, Date.now() + 300_000)
  if (settings.c_nonce === 'number') return send(res, 200, { c_nonce: 12345 })
  if (settings.c_nonce === 'huge') return send(res, 200, { c_nonce: 'n'.repeat(100_000) })
  if (!settings.nonce_endpoint_dpop_nonce) dpopNonces.credential = crypto.randomUUID()
  const headers = settings.nonce_endpoint_dpop_nonce ? { 'DPoP-Nonce': dpopNonces.credential } : {}
  send(res, 200, issuer.createNonceResponse({ cNonce, cNonceExpiresIn: 300 }), headers)
}

async function credential(req, res, raw) {
  const request = requestLike(req, '/credential')
  const dpopJwt = req.headers.dpop
  if (dpopJwt && dpopNonceOf(dpopJwt) !== dpopNonces.credential) {
    return send(res, 401, '', {
      'WWW-Authenticate': 'DPoP error="use_dpop_nonce", error_description="use the DPoP nonce"',
      'DPoP-Nonce': dpopNonces.credential,
    })
  }
  const { tokenPayload } = await resourceServer.verifyResourceRequest({
    request,
    resourceServer: base,
    authorizationServers: [asMetadata],
    allowedAuthenticationSchemes: ['DPoP'],
  })
  const offer = offers.get(tokenPayload.sub)
  if (offer.mode === 'always_invalid_nonce') {
    return oauthError(res, 400, 'invalid_nonce', 'this issuer refuses every c_nonce (test)')
  }
  if (offer.mode === 'credential_error') {
    return oauthError(res, 400, 'invalid_credential_request', 'this issuer refuses on purpose (test)')
  }
  if (offer.mode === 'oversized') {
    return send(res, 200, { credentials: [{ credential: 'x'.repeat(6 * 1024 * 1024) }] })
  }
  let body
  try {
    body = JSON.parse(raw)
  } catch {
    return oauthError(res, 400, 'invalid_credential_request', 'not JSON')
  }
  const parsed = issuer.parseCredentialRequest({ issuerMetadata, credentialRequest: body })
  if (parsed.credentialConfigurationId !== 'MicroCredentialSdJwt') {
    return oauthError(res, 400, 'unknown_credential_configuration', 'not offered')
  }
  const proof = parsed.proofs?.jwt?.[0]
  if (!proof) return oauthError(res, 400, 'invalid_proof', 'a jwt proof is required')
  const proofNonce = dpopNonceOf(proof)
  const expiry = cNonces.get(proofNonce)
  if (!expiry || expiry < Date.now()) return oauthError(res, 400, 'invalid_nonce', 'get a fresh c_nonce')
  cNonces.delete(proofNonce)
  const { signer } = await issuer.verifyCredentialRequestJwtProof({
    issuerMetadata,
    jwt: proof,
    expectedNonce: proofNonce,
    nonceExpiresAt: new Date(expiry),
  })
  const jwk = await boundKey(offer, signer)
  if (offer.mode === 'deferred') {
    const transactionId = crypto.randomBytes(16).toString('base64url')
    transactions.set(transactionId, { offer, jwk, ready: false })
    return send(res, 202, { transaction_id: transactionId, interval: offer.interval }, { 'DPoP-Nonce': dpopNonces.credential })
  }
  if (offer.mode === 'json_for_sd_jwt') {
    return send(res, 200, { credentials: [{ credential: { vct: VCT, iss: base } }] }, { 'DPoP-Nonce': dpopNonces.credential })
  }
  if (offer.mode === 'not_sd_jwt') {
    return send(res, 200, { credentials: [{ credential: 'not-an-sd-jwt' }] }, { 'DPoP-Nonce': dpopNonces.credential })
  }
  const compact = await issueSdJwt(offer, jwk)
  send(res, 200, issuer.createCredentialResponse({ credentialRequest: parsed, credentials: [{ credential: compact }] }), {
    'DPoP-Nonce': dpopNonces.credential,
  })
}

async function deferredCredential(req, res, raw) {
  const request = requestLike(req, '/deferred_credential')
  const dpopJwt = req.headers.dpop
  if (dpopJwt && dpopNonceOf(dpopJwt) !== dpopNonces.credential) {
    return send(res, 401, '', {
      'WWW-Authenticate': 'DPoP error="use_dpop_nonce", error_description="use the DPoP nonce"',
      'DPoP-Nonce': dpopNonces.credential,
    })
  }
  await resourceServer.verifyResourceRequest({
    request,
    resourceServer: base,
    authorizationServers: [asMetadata],
    allowedAuthenticationSchemes: ['DPoP'],
  })
  let body
  try {
    body = JSON.parse(raw)
  } catch {
    return oauthError(res, 400, 'invalid_credential_request', 'not JSON')
  }
  const pending = transactions.get(body?.transaction_id)
  if (!pending) return oauthError(res, 400, 'invalid_transaction_id', 'no such transaction')
  if (!pending.ready) {
    return send(res, 202, { transaction_id: body.transaction_id, interval: pending.offer.interval }, { 'DPoP-Nonce': dpopNonces.credential })
  }
  transactions.delete(body.transaction_id)
  const compact = await issueSdJwt(pending.offer, pending.jwk)
  send(res, 200, { credentials: [{ credential: compact }] }, { 'DPoP-Nonce': dpopNonces.credential })
}

async function issueSdJwt(offer, jwk) {
  const now = Math.floor(Date.now() / 1000)
  const claims = {
    given_name: 'Ada',
    family_name: 'Lovelace',
    achievement_title: 'Data literacy basics',
    issuing_authority: 'Independent test issuer',
    issuing_country: 'LV',
    date_of_issuance: new Date().toISOString().slice(0, 10),
    expected_study_time: '5 ECTS / 125 h',
    level_of_learning_experience: 5,
    language_of_classes: ['en'],
    learning_outcomes: ['Reads and cleans a data set'],
    ...offer.claims,
  }
  const header = { kid: issuerKid }
  if (config.x5c) header.x5c = config.x5c
  return sdjwt.issue(
    { iss: base, iat: now, exp: now + 365 * 86400, vct: VCT, cnf: { jwk }, ...claims },
    { _sd: ['given_name', 'family_name', 'learning_outcomes'] },
    { header },
  )
}

async function boundKey(offer, signer) {
  if (offer.mode !== 'wrong_cnf') return signer.publicJwk
  const { publicKey } = await ES256.generateKeyPair()
  const { kty, crv, x, y } = publicKey
  return { kty, crv, x, y }
}

async function route(req, res, raw) {
  const path = new URL(req.url, base).pathname
  if (!path.startsWith('/control/')) {
    count(`${req.method} ${path.startsWith('/offers/') ? '/offers' : path}`)
    const writeHead = res.writeHead.bind(res)
    res.writeHead = (status, ...rest) => {
      count(`${path.startsWith('/offers/') ? '/offers' : path} ${status}`)
      return writeHead(status, ...rest)
    }
  }
  if (req.method === 'GET' && path === '/control/stats') return send(res, 200, stats)
  if (req.method === 'POST' && path === '/control/settings') {
    Object.assign(settings, JSON.parse(raw || '{}'))
    return send(res, 200, settings)
  }
  if (req.method === 'GET' && path === '/.well-known/openid-credential-issuer') return send(res, 200, issuerMetadata.credentialIssuer)
  if (req.method === 'GET' && path === '/.well-known/oauth-authorization-server') return send(res, 200, asMetadata)
  if (req.method === 'GET' && path === '/jwks') return send(res, 200, { keys: [{ ...issuerPublicJwk, kid: issuerKid, use: 'sig', alg: 'ES256' }] })
  if (req.method === 'GET' && path === '/.well-known/jwt-vc-issuer') {
    return send(res, 200, { issuer: base, jwks: { keys: [{ ...issuerPublicJwk, kid: issuerKid }] } })
  }
  if (req.method === 'GET' && path.startsWith('/offers/')) {
    const offer = offersByReference.get(path.slice('/offers/'.length))
    return offer ? send(res, 200, offer) : oauthError(res, 404, 'not_found', 'no such offer')
  }
  if (req.method === 'POST' && path === '/control/release') {
    const code = JSON.parse(raw || '{}').pre_authorized_code
    const pending = [...transactions.values()].filter((t) => t.offer.code === code)
    for (const t of pending) t.ready = true
    return send(res, pending.length ? 200 : 404, { released: pending.length })
  }
  if (req.method === 'POST' && path === '/control/offer') return send(res, 200, await makeOffer(JSON.parse(raw || '{}')))
  if (req.method === 'POST' && path === '/token') return token(req, res, raw)
  if (req.method === 'POST' && path === '/nonce') return nonce(res)
  if (req.method === 'POST' && path === '/credential') return credential(req, res, raw)
  if (req.method === 'POST' && path === '/deferred_credential') return deferredCredential(req, res, raw)
  return oauthError(res, 404, 'not_found', `no route ${req.method} ${path}`)
}

const server = http.createServer((req, res) => {
  const chunks = []
  let size = 0
  req.on('data', (chunk) => {
    size += chunk.length
    if (size > MAX_BODY) req.destroy()
    else chunks.push(chunk)
  })
  req.on('end', () => {
    route(req, res, Buffer.concat(chunks).toString('utf8')).catch((error) => {
      if (error instanceof Oauth2ServerErrorResponseError) {
        return send(res, error.status ?? 400, error.errorResponse)
      }
      if (error instanceof Oauth2ResourceUnauthorizedError) {
        return send(res, 401, '', { 'WWW-Authenticate': error.toHeaderValue() })
      }
      process.stderr.write(`${error?.stack ?? error}\n`)
      return oauthError(res, 500, 'server_error', String(error?.message ?? error))
    })
  })
})

server.listen(config.port ?? 0, '127.0.0.1', () => {
  base = `http://127.0.0.1:${server.address().port}`
  buildMetadata()
  process.stdout.write(`${JSON.stringify({ url: base })}\n`)
})
