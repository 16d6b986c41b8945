#!/usr/bin/env node
// An independent OpenID4VP 1.0 verifier (relying party) for microcred's WALLET tests, built
// from the real peer libraries: @openid4vc/openid4vp + @openid4vc/oauth2 0.4.6 (the signed
// request object by reference with x5c, client id x509_hash or x509_san_dns, direct_post.jwt
// decryption and response validation), dcql 3.0.0 (is the query satisfied?), @sd-jwt/sd-jwt-vc
// 0.19.0 (issuer signature, disclosures, Key Binding JWT with nonce and sd_hash, the Token
// Status List entry) and jose (the ephemeral ECDH-ES key, JWS). Not microcred code.
//
//   node oid4vp-verifier.mjs < INPUT.json
//
// INPUT: {"port": N, "host": "127.0.0.1" | "localhost", "prefix": "x509_hash" | "x509_san_dns",
//         "x5c": [leaf, ...] (base64 DER), "signing_jwk": {private P-256 JWK of the leaf},
//         "issuer_roots": ["-----BEGIN CERTIFICATE-----..."],  // for the SD-JWT VC's x5c
//         "dcql_query": {...}}
// OUTPUT (stdout, JSON lines): {"link": "openid4vp://...", "client_id": ...} once serving; then,
// when an answer was posted, {"result": {"error": ...} | {"refused": "access_denied"} |
// {"dcql_satisfied", "credentials": {id: [{"verified", "claims", "kb", "status"}]}}} and exit.
// Stops by itself after 90 s.

import crypto from 'node:crypto'
import http from 'node:http'

import { setGlobalConfig } from '@openid4vc/oauth2'
import {
  calculateX509HashClientIdPrefixValue,
  createOpenid4vpAuthorizationRequest,
  parseOpenid4vpAuthorizationResponse,
} from '@openid4vc/openid4vp'
import { ES256, digest } from '@sd-jwt/crypto-nodejs'
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc'
import { DcqlPresentationResult, DcqlQuery } from 'dcql'
import * as jose from 'jose'

setGlobalConfig({ allowInsecureUrls: true }) // a local verifier on loopback (http://)

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const input = JSON.parse(Buffer.concat(chunks).toString('utf8'))
const roots = (input.issuer_roots ?? []).map((pem) => new crypto.X509Certificate(pem))
const line = (value) => process.stdout.write(JSON.stringify(value) + '\n')
setTimeout(() => process.exit(2), 90_000).unref()

const base = `http://${input.host}:${input.port}`
const signingKey = await jose.importJWK(input.signing_jwk, 'ES256')
const leafDer = Buffer.from(input.x5c[0], 'base64')
const clientId = input.prefix === 'x509_san_dns'
  ? `x509_san_dns:${input.host}`
  : `x509_hash:${await calculateX509HashClientIdPrefixValue({ x509Certificate: leafDer, hash: (d) => crypto.createHash('sha256').update(d).digest() })}`
const encryption = await jose.generateKeyPair('ECDH-ES', { crv: 'P-256', extractable: true })
const encJwk = { ...(await jose.exportJWK(encryption.publicKey)), kid: 'enc-1', use: 'enc', alg: 'ECDH-ES' }

const callbacks = {
  hash: (data, alg) => new Uint8Array(crypto.createHash(alg.replace('-', '').toLowerCase()).update(data).digest()),
  generateRandom: (n) => new Uint8Array(crypto.randomBytes(n)),
  signJwt: async (signer, { header, payload }) => {
    const jwt = await new jose.CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader(header)
      .sign(signingKey)
    const { d, ...pub } = input.signing_jwk
    return { jwt, signerJwk: pub }
  },
  decryptJwe: async (jwe) => {
    try {
      const { plaintext } = await jose.compactDecrypt(jwe, encryption.privateKey)
      return { decrypted: true, decryptionJwk: encJwk, payload: new TextDecoder().decode(plaintext) }
    } catch {
      return { decrypted: false }
    }
  },
  verifyJwt: async () => ({ verified: false }),
}

const nonce = crypto.randomBytes(16).toString('base64url')
const state = crypto.randomBytes(16).toString('base64url')
const payload = {
  response_type: 'vp_token',
  client_id: clientId,
  response_uri: `${base}/response`,
  response_mode: 'direct_post.jwt',
  nonce,
  state,
  dcql_query: input.dcql_query,
  client_metadata: {
    client_name: 'Node verifier',
    jwks: { keys: [encJwk] },
    encrypted_response_enc_values_supported: ['A128GCM', 'A256GCM'],
    vp_formats_supported: { 'dc+sd-jwt': { 'sd-jwt_alg_values': ['ES256'], 'kb-jwt_alg_values': ['ES256'] } },
  },
}
const created = await createOpenid4vpAuthorizationRequest({
  authorizationRequestPayload: payload,
  jar: { requestUri: `${base}/request`, jwtSigner: { method: 'x5c', x5c: input.x5c, alg: 'ES256' } },
  callbacks,
})
const requestJwt = created.jar.authorizationRequestJwt

// The SD-JWT VC issuer's x5c: each signed by the next, the last by one of the issuer roots.
function issuerKey(header) {
  const certs = (header.x5c ?? []).map((b64) => new crypto.X509Certificate(Buffer.from(b64, 'base64')))
  if (!certs.length) throw new Error('the SD-JWT VC has no x5c')
  for (let i = 0; i + 1 < certs.length; i++) {
    if (!certs[i].verify(certs[i + 1].publicKey)) throw new Error(`x5c[${i}] is not signed by x5c[${i + 1}]`)
  }
  const last = certs[certs.length - 1]
  if (!roots.some((r) => last.fingerprint256 === r.fingerprint256 || (last.checkIssued(r) && last.verify(r.publicKey)))) {
    throw new Error('the issuer chain does not lead to a trusted root')
  }
  return certs[0].publicKey.export({ format: 'jwk' })
}

async function verifyPresentation(presentation) {
  const header = JSON.parse(Buffer.from(presentation.split('.')[0], 'base64url').toString('utf8'))
  const issuerJwk = issuerKey(header)
  const verifier = await ES256.getVerifier(issuerJwk)
  const sdjwt = new SDJwtVcInstance({
    hasher: digest,
    hashAlg: 'sha-256',
    verifier,
    kbVerifier: async (data, signature, kbPayload) => (await ES256.getVerifier(kbPayload.cnf.jwk))(data, signature),
    statusVerifier: verifier, // microcred signs its status list tokens with the issuer key
    statusListFetcher: async (uri) => (await fetch(uri)).text(),
  })
  const result = await sdjwt.verify(presentation, { keyBindingNonce: nonce })
  if (!result.kb) throw new Error('no Key Binding JWT')
  if (result.kb.payload.aud !== clientId) throw new Error(`KB-JWT aud is ${result.kb.payload.aud}`)
  const claims = await sdjwt.getClaims(presentation)
  return { verified: true, claims, kb: result.kb.payload, status: claims.status ?? null }
}

async function answer(form) {
  if (form.error) return { refused: form.error, state_matches: form.state === state }
  const parsed = await parseOpenid4vpAuthorizationResponse({
    authorizationResponse: form,
    authorizationRequestPayload: payload,
    callbacks,
  })
  if (!parsed.jarm) throw new Error('the answer was not encrypted')
  if (parsed.authorizationResponsePayload.state !== state) throw new Error('state does not match')
  const vpToken = parsed.authorizationResponsePayload.vp_token
  const credentials = {}
  const seen = {}
  for (const [id, presentations] of Object.entries(vpToken)) {
    credentials[id] = []
    seen[id] = []
    for (const presentation of presentations) {
      const checked = await verifyPresentation(presentation)
      credentials[id].push(checked)
      seen[id].push({ credential_format: 'dc+sd-jwt', vct: checked.claims.vct, claims: checked.claims, cryptographic_holder_binding: true })
    }
  }
  const query = DcqlQuery.parse(input.dcql_query)
  const dcql = DcqlPresentationResult.fromDcqlPresentation(seen, { dcqlQuery: query })
  return { dcql_satisfied: Boolean(dcql.can_be_satisfied), jarm_alg: parsed.jarm.jarmHeader.alg, credentials }
}

const server = http.createServer(async (req, res) => {
  const chunks = []
  for await (const chunk of req) chunks.push(chunk)
  const body = Buffer.concat(chunks).toString('utf8')
  if (req.url === '/request') {
    res.writeHead(200, { 'content-type': 'application/oauth-authz-req+jwt' })
    return res.end(requestJwt)
  }
  if (req.url === '/response' && req.method === 'POST') {
    let result
    try {
      result = await answer(Object.fromEntries(new URLSearchParams(body)))
    } catch (error) {
      result = { error: String(error?.message ?? error).slice(0, 800) }
    }
    const ok = !result.error
    res.writeHead(ok ? 200 : 400, { 'content-type': 'application/json' })
    res.end(JSON.stringify(ok ? {} : { error: 'invalid_request', error_description: result.error }))
    line({ result })
    server.close()
    return
  }
  res.writeHead(404).end()
})
server.listen(input.port, input.host === 'localhost' ? undefined : input.host, () => {
  line({ link: created.authorizationRequest, client_id: clientId })
})
