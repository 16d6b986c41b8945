#!/usr/bin/env node
// IETF Token Status List with the reference peer @sd-jwt/jwt-status-list (0.19.0, bundled
// by @sd-jwt/sd-jwt-vc) and jose: microcred's tests cross-check their tokens with it.
//
// stdin: one JSON request, stdout: one JSON answer.
//   {"read": TOKEN, "jwk": JWK, "indexes": [i, ...]}
//      -> {"verified": bool, "error"?, "header", "payload", "bits", "statuses": [...]}
//      (the signature checked with jose against JWK; statuses read by @sd-jwt)
//   {"make": {"bits": B, "values": [v, ...]}} -> {"lst": "..."}  (@sd-jwt's compression)
import { compactVerify, importJWK, decodeProtectedHeader } from "jose";
import { StatusList, getListFromStatusListJWT } from "@sd-jwt/jwt-status-list";

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

async function read({ read: token, jwk, indexes }) {
  const header = decodeProtectedHeader(token);
  let verified = false;
  let error;
  let payload;
  try {
    const key = await importJWK(jwk, header.alg);
    const result = await compactVerify(token, key);
    payload = JSON.parse(new TextDecoder().decode(result.payload));
    verified = true;
  } catch (err) {
    error = String(err && err.message ? err.message : err);
  }
  const list = getListFromStatusListJWT(token);
  return {
    verified,
    error,
    header,
    payload,
    bits: list.getBitsPerStatus(),
    statuses: indexes.map((i) => list.getStatus(i)),
  };
}

function make({ make: { bits, values } }) {
  return { lst: new StatusList(values, bits).compressStatusList() };
}

const request = await readStdin();
const answer = request.make ? make(request) : await read(request);
process.stdout.write(JSON.stringify(answer));
