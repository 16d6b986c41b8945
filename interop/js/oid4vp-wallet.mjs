#!/usr/bin/env node
// An independent OpenID4VP 1.0 wallet for microcred's verifier tests, built from the real
// peer libraries: @openid4vc/openid4vp + @openid4vc/oauth2 0.4.6 (request by reference,
// signed request object, client id prefix checks incl. x509_hash, direct_post.jwt), dcql
// 3.0.0 (matching the query against the wallet's credentials), @sd-jwt/sd-jwt-vc 0.19.0
// (the presentation with its Key Binding JWT) and jose (x5c chain, JWE). Not microcred code.
//
//   node oid4vp-wallet.mjs < INPUT.json
//
// INPUT: {"link": "openid4vp://?client_id=...&request_uri=...",
//         "trust_anchors": ["-----BEGIN CERTIFICATE-----..."],   // the verifier's roots
//         "credentials": {"<dcql id>": {"sd_jwt": "<issued dc+sd-jwt>",
//                                        "holder_jwk": {private P-256 JWK}}},
//         "attack": null | "wrong_nonce" | "wrong_aud" | "drop_claim" | "tamper_disclosure"
//                   | "extra_disclosure" | "unencrypted" | "refuse"}
// OUTPUT (stdout, one JSON object): {"request": {client_id, nonce, state, response_mode,
//         dcql_query, client_id_prefix}, "dcql_satisfied": bool, "status": HTTP status of the
//         answer, "body": its JSON, "form": the form posted (for replays)} or {"error": "..."}
// An untrusted or broken request object ends with {"error": ..., "stage": "request"}.

import crypto from 'node:crypto'

import { setGlobalConfig } from '@openid4vc/oauth2'
import {
  createOpenid4vpAuthorizationResponse,
  resolveOpenid4vpAuthorizationRequest,
} from '@openid4vc/openid4vp'
import { ES256, digest, generateSalt } from '@sd-jwt/crypto-nodejs'
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc'
import { DcqlQuery } from 'dcql'
import * as jose from 'jose'

setGlobalConfig({ allowInsecureUrls: true }) // a local verifier on loopback (http://127.0.0.1)

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const input = JSON.parse(Buffer.concat(chunks).toString('utf8'))
const anchors = (input.trust_anchors ?? []).map((pem) => new crypto.X509Certificate(pem))

function out(value) {
  process.stdout.write(JSON.stringify(value))
}

// The verifier's x5c: leaf first, no anchor in it, each signed by the next, the last by one
// of the trust anchors, all within their validity. Returns the leaf.
function checkChain(x5c) {
  const certs = x5c.map((b64) => new crypto.X509Certificate(Buffer.from(b64, 'base64')))
  const now = new Date()
  for (const cert of certs) {
    if (anchors.some((a) => a.fingerprint256 === cert.fingerprint256)) throw new Error('x5c contains a trust anchor')
    if (new Date(cert.validFrom) > now || new Date(cert.validTo) < now) throw new Error('a certificate of x5c is not valid now')
  }
  for (let i = 0; i + 1 < certs.length; i++) {
    if (!certs[i].verify(certs[i + 1].publicKey)) throw new Error(`x5c[${i}] is not signed by x5c[${i + 1}]`)
  }
  const last = certs[certs.length - 1]
  if (!anchors.some((a) => last.checkIssued(a) && last.verify(a.publicKey))) throw new Error('the verifier chain does not lead to a trusted anchor')
  return certs[0]
}

const callbacks = {
  fetch,
  hash: (data, alg) => new Uint8Array(crypto.createHash(alg.replace('-', '').toLowerCase()).update(data).digest()),
  generateRandom: (n) => new Uint8Array(crypto.randomBytes(n)),
  getX509CertificateMetadata: (b64) => {
    const cert = new crypto.X509Certificate(Buffer.from(b64, 'base64'))
    const names = (cert.subjectAltName ?? '').split(',').map((s) => s.trim())
    return {
      sanDnsNames: names.filter((n) => n.startsWith('DNS:')).map((n) => n.slice(4)),
      sanUriNames: names.filter((n) => n.startsWith('URI:')).map((n) => n.slice(4)),
    }
  },
  verifyJwt: async (signer, { compact }) => {
    if (signer.method !== 'x5c') return { verified: false }
    const leaf = checkChain(signer.x5c)
    const key = leaf.publicKey
    await jose.compactVerify(compact, key, { algorithms: ['ES256'] })
    return { verified: true, signerJwk: key.export({ format: 'jwk' }) }
  },
  encryptJwe: async (encryptor, data) => {
    const jwk = encryptor.publicJwk
    const header = { alg: encryptor.alg, enc: encryptor.enc, kid: jwk.kid }
    if (encryptor.apu) header.apu = encryptor.apu
    if (encryptor.apv) header.apv = encryptor.apv
    const jwe = await new jose.CompactEncrypt(new TextEncoder().encode(data))
      .setProtectedHeader(header)
      .encrypt(await jose.importJWK(jwk, encryptor.alg))
    return { jwe, encryptionJwk: jwk }
  },
}

// DCQL claims (first claim set when there are sets) -> an @sd-jwt presentation frame
function frameFor(query, attack) {
  let claims = query.claims ?? []
  if (query.claim_sets) {
    const wanted = new Set(query.claim_sets[0])
    claims = claims.filter((c) => wanted.has(c.id))
  }
  if (attack === 'drop_claim') claims = claims.slice(1)
  const frame = {}
  for (const { path } of claims) {
    let node = frame
    path.forEach((part, i) => {
      if (typeof part !== 'string') return // array elements: the whole array is disclosed
      const last = i === path.length - 1 || typeof path[i + 1] !== 'string'
      node[part] = last ? true : (typeof node[part] === 'object' ? node[part] : {})
      node = node[part]
    })
  }
  return frame
}

function tamper(presentation) {
  const parts = presentation.split('~')
  const index = parts.findIndex((p, i) => i > 0 && p.length > 0 && i < parts.length - 1)
  const disclosure = JSON.parse(Buffer.from(parts[index], 'base64url').toString('utf8'))
  disclosure[disclosure.length - 1] = 'tampered'
  parts[index] = Buffer.from(JSON.stringify(disclosure)).toString('base64url')
  return parts.join('~')
}

// A disclosure the issuer never signed (no digest of it in the SD-JWT), with a fresh KB-JWT
// whose sd_hash covers it: only the verifier's digest check can catch it.
async function addUnsignedDisclosure(presentation, holderJwk, kb) {
  const parts = presentation.split('~')
  parts.pop() // the KB-JWT
  const extra = Buffer.from(JSON.stringify([generateSaltSync(), 'assessment_grade', '10'])).toString('base64url')
  const unbound = [...parts, extra, ''].join('~')
  const sdHash = crypto.createHash('sha256').update(unbound).digest('base64url')
  const kbJwt = await new jose.SignJWT({ ...kb, sd_hash: sdHash })
    .setProtectedHeader({ alg: 'ES256', typ: 'kb+jwt' })
    .sign(await jose.importJWK(holderJwk, 'ES256'))
  return unbound + kbJwt
}

function generateSaltSync() {
  return crypto.randomBytes(16).toString('base64url')
}

async function main() {
  const link = new URL(input.link)
  const params = Object.fromEntries(link.searchParams.entries())
  let resolved
  try {
    resolved = await resolveOpenid4vpAuthorizationRequest({ authorizationRequestPayload: params, callbacks })
  } catch (error) {
    return out({ stage: 'request', error: String(error?.message ?? error).slice(0, 800) })
  }
  const request = resolved.authorizationRequestPayload
  const query = DcqlQuery.parse(request.dcql_query)
  DcqlQuery.validate(query)
  const attack = input.attack ?? null
  if (attack === 'refuse') {
    const form = { error: 'access_denied', state: request.state }
    const answer = await fetch(request.response_uri, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form),
    })
    return out({ request: summary(request, resolved), status: answer.status, body: await answer.json(), form })
  }
  const sdjwt = new SDJwtVcInstance({ hasher: digest, saltGenerator: generateSalt, kbSignAlg: 'ES256' })
  const held = []
  for (const [id, item] of Object.entries(input.credentials)) {
    const claims = await sdjwt.getClaims(item.sd_jwt)
    held.push({ id, item, dcql: { credential_format: 'dc+sd-jwt', vct: claims.vct, claims, cryptographic_holder_binding: true } })
  }
  const matched = DcqlQuery.query(query, held.map((h) => h.dcql))
  const vpToken = {}
  for (const { id, item } of held) {
    const credentialQuery = query.credentials.find((c) => c.id === id)
    const kbSigner = await ES256.getSigner(item.holder_jwk)
    const presenter = new SDJwtVcInstance({ hasher: digest, saltGenerator: generateSalt, kbSigner, kbSignAlg: 'ES256' })
    const aud = attack === 'wrong_aud' ? request.client_id.split(':').slice(1).join(':') : request.client_id
    const nonce = attack === 'wrong_nonce' ? 'not-the-nonce' : request.nonce
    const kb = { iat: Math.floor(Date.now() / 1000), aud, nonce }
    let presentation = await presenter.present(item.sd_jwt, frameFor(credentialQuery, attack), {
      kb: { payload: kb },
    })
    if (attack === 'tamper_disclosure') presentation = tamper(presentation)
    if (attack === 'extra_disclosure') presentation = await addUnsignedDisclosure(presentation, item.holder_jwk, kb)
    vpToken[id] = [presentation]
  }
  let form
  if (attack === 'unencrypted' || request.response_mode === 'direct_post') {
    form = { vp_token: JSON.stringify(vpToken), state: request.state }
  } else {
    const response = await createOpenid4vpAuthorizationResponse({
      authorizationRequestPayload: request,
      authorizationResponsePayload: { vp_token: vpToken },
      jarm: {
        encryption: { nonce: crypto.randomBytes(16).toString('base64url') },
        serverMetadata: {
          authorization_encryption_alg_values_supported: ['ECDH-ES'],
          authorization_encryption_enc_values_supported: ['A256GCM', 'A128GCM'],
        },
      },
      callbacks,
    })
    form = { response: response.jarm.responseJwt }
  }
  const answer = await fetch(request.response_uri, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form),
  })
  out({ request: summary(request, resolved), dcql_satisfied: matched.can_be_satisfied, status: answer.status, body: await answer.json(), form })
}

function summary(request, resolved) {
  return {
    client_id: request.client_id,
    client_id_prefix: resolved.client.prefix,
    nonce: request.nonce,
    state: request.state,
    response_mode: request.response_mode,
    response_uri: request.response_uri,
    dcql_query: request.dcql_query,
    client_metadata: request.client_metadata,
  }
}

main().catch((error) => out({ stage: 'wallet', error: String(error?.stack ?? error).slice(0, 1500) }))
