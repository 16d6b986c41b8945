#!/usr/bin/env node
// The npm `dcql` 3.0.0 verdicts on DCQL queries and presentations, for microcred's
// cross-checks (tests/interop/test_dcql_js.py).
// stdin: [{"query": {...}, "presentations": {"<id>": [{credential_format, vct | type,
//          claims, cryptographic_holder_binding}]} | null}, ...]
// stdout: [{"parsed": bool, "error": str?, "satisfied": bool?, "matches": {id: bool}?}, ...]
import { DcqlQuery, DcqlPresentationResult } from 'dcql'

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const cases = JSON.parse(Buffer.concat(chunks).toString('utf8'))

const out = cases.map(({ query, presentations }) => {
  let parsed
  try {
    parsed = DcqlQuery.parse(query)
    DcqlQuery.validate(parsed)
  } catch (error) {
    return { parsed: false, error: String(error?.message ?? error).slice(0, 500) }
  }
  if (!presentations) return { parsed: true }
  try {
    const result = DcqlPresentationResult.fromDcqlPresentation(presentations, { dcqlQuery: parsed })
    const matches = Object.fromEntries(
      Object.entries(result.credential_matches).map(([id, r]) => [id, Boolean(r.success)]))
    return { parsed: true, satisfied: Boolean(result.can_be_satisfied), matches }
  } catch (error) {
    return { parsed: true, satisfied: false, error: String(error?.message ?? error).slice(0, 500) }
  }
})
process.stdout.write(JSON.stringify(out))
