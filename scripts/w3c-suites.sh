#!/usr/bin/env bash
# Run one W3C VC test suite against a local `microcred serve` (its VC-API).
#
#   scripts/w3c-suites.sh SUITE_DIR [-- MOCHA_ARGS...]
#
# SUITE_DIR is a checkout of one of w3c/vc-data-model-2.0-test-suite,
# vc-di-eddsa-test-suite, vc-di-ecdsa-test-suite or vc-bitstring-status-list-test-suite,
# with `npm install` done in it (their `github:` dependencies need GitHub; the suites' code
# is never copied into this repository). The script
#   1. makes a throw-away instance (MICROCRED_HOME in a temp dir) with one organisation
#      and an `issue` token,
#   2. starts `microcred serve` on $PORT (default 8765) and waits for it,
#   3. writes SUITE_DIR/localConfig.cjs (the vc-test-suite-implementations format: the
#      issuer with the token as a header, the verifier, the presentation verifier, with
#      the tags that suite selects on),
#   4. runs the suite's mocha tests (its own reporter unless MOCHA_ARGS say otherwise)
#      through scripts/w3c_suites_proxy.py on https://127.0.0.1:PORT+1 (self-signed; the
#      suites' HTTPS client is the one that sends configured headers and reads VC-API
#      responses), which adds the token to requests that have none and, with
#      SUITE_LOG=FILE, logs every exchange as a JSON line,
#   5. stops the server and the proxy.
# Environment: PORT, PYTHON (default .venv/bin/python), MICROCRED_SRC (run the server from
# another source tree, e.g. a `git archive` snapshot), SUITE_LOG, KEEP_HOME=1 (keep the
# instance for inspection), SUITE_ISSUER=web|key (which of the organisation's DIDs the
# credentials name as issuer; default: did:key for the cryptosuite suites, whose own
# verifier resolves only did:key, and did:web for the others).
# vc-jose-cose-test-suite runs each implementation as a command (`docker compose run`),
# not over HTTP: for it the script starts no server, puts a `docker` shim first on PATH
# that runs scripts/w3c_jose_adapter.py (microcred's VC-JOSE signer and `microcred
# verify`), and runs mocha with --harmony-iterator-helpers on Node < 22 (the suite uses
# Iterator.prototype.map). JOSE_LOG=FILE logs what microcred said for each test.
set -euo pipefail

if [[ $# -lt 1 || ! -d "$1" ]]; then
  echo "usage: $0 SUITE_DIR [-- MOCHA_ARGS...]" >&2
  exit 2
fi
SUITE_DIR=$(cd "$1" && pwd)
shift
[[ "${1:-}" == "--" ]] && shift
if [[ ! -d "$SUITE_DIR/node_modules" ]]; then
  echo "$SUITE_DIR has no node_modules: run 'npm install' in it first" >&2
  exit 2
fi

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PORT=${PORT:-8765}
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
SERVER_URL="http://127.0.0.1:$PORT"
PROXY_PORT=$((PORT + 1))
BASE_URL="https://127.0.0.1:$PROXY_PORT"
HOME_DIR=$(mktemp -d "${TMPDIR:-/tmp}/microcred-w3c.XXXXXX")
# The public base URL is the HTTPS proxy: the status-list suite's document loader reads
# only https: URLs (statusListCredential), and did:web names the same host and port.
export MICROCRED_HOME=$HOME_DIR MICROCRED_BASE_URL=$BASE_URL
if [[ -n "${MICROCRED_SRC:-}" ]]; then
  export PYTHONPATH="$MICROCRED_SRC${PYTHONPATH:+:$PYTHONPATH}"
fi
mc() { "$PYTHON" -m microcred.cli.main "$@"; }

SERVER_PID=""
PROXY_PID=""
cleanup() {
  for pid in $PROXY_PID $SERVER_PID; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  if [[ "${KEEP_HOME:-}" != 1 ]]; then rm -rf "$HOME_DIR"; else echo "instance kept in $HOME_DIR"; fi
}
trap cleanup EXIT

if [[ "$(basename "$SUITE_DIR")" == *jose-cose* ]]; then
  cat >"$SUITE_DIR/localConfig.cjs" <<'CONFIG'
// Written by microcred scripts/w3c-suites.sh: microcred through scripts/w3c_jose_adapter.py.
module.exports = {
  settings: {enableInteropTests: false, testAllImplementations: false},
  implementations: [{
    name: 'microcred', implementation: 'microcred', issuers: [], verifiers: [],
    'jose-cose': {features: {
      credential_jose: true, presentation_jose: true, credential_sdjwt: true,
      presentation_sdjwt: true, credential_cose: true, presentation_cose: true}}
  }]
};
CONFIG
  mkdir -p "$HOME_DIR/bin" "$SUITE_DIR/tests/output"
  # docker compose -f FILE run --rm IMPL FN ARGS... -> the adapter; /tests/ is the suite's tests/
  cat >"$HOME_DIR/bin/docker" <<'SHIM'
#!/usr/bin/env bash
while [[ $# -gt 0 && "$1" != "--rm" ]]; do shift; done
shift 2
args=()
for a in "$@"; do args+=("${a//\/tests\//$W3C_SUITE_DIR/tests/}"); done
exec "$W3C_PYTHON" "$W3C_ADAPTER" "${args[@]}"
SHIM
  chmod +x "$HOME_DIR/bin/docker"
  export W3C_SUITE_DIR=$SUITE_DIR W3C_PYTHON=$PYTHON W3C_ADAPTER=$ROOT/scripts/w3c_jose_adapter.py
  flags=()
  if ! node -e 'new Map().values().map(x => x)' 2>/dev/null; then flags=(--harmony-iterator-helpers); fi
  cd "$SUITE_DIR"
  status=0
  PATH="$HOME_DIR/bin:$PATH" node "${flags[@]}" node_modules/mocha/bin/mocha.js tests/ \
    --timeout 150000 "$@" || status=$?
  exit "$status"
fi

org_json=$(mc org create --name "W3C test suites" --country LV --slug w3c-suites --json)
token_json=$(mc token create --org w3c-suites --name w3c-suites --scope issue --scope revoke --scope read --json)
field() { "$PYTHON" -c 'import json,sys; d=json.load(sys.stdin)
for k in sys.argv[1].split("."): d=d[k]
print(d)' "$1"; }
DID_WEB=$(field did <<<"$org_json")
DID_KEY=$(field did_key <<<"$org_json")
TOKEN=$(field secret <<<"$token_json")
case "${SUITE_ISSUER:-}" in
  web) DID_KEY=$DID_WEB ;;
  key) DID_WEB=$DID_KEY ;;
esac

if curl -fsS -o /dev/null "$SERVER_URL/openapi.json" 2>/dev/null; then
  echo "something already answers on $SERVER_URL: stop it or set PORT" >&2
  exit 1
fi
# The server itself in the background (not through a shell function) so the trap stops it.
"$PYTHON" -m microcred.cli.main serve --port "$PORT" >"$HOME_DIR/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 60); do
  if curl -fsS -o /dev/null "$SERVER_URL/openapi.json" 2>/dev/null; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then cat "$HOME_DIR/server.log" >&2; exit 1; fi
  sleep 0.5
done
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$HOME_DIR/proxy.key" -out "$HOME_DIR/proxy.pem" 2>/dev/null
"$PYTHON" "$ROOT/scripts/w3c_suites_proxy.py" --port "$PROXY_PORT" --backend "$SERVER_URL" \
  --token "$TOKEN" --cert "$HOME_DIR/proxy.pem" --key "$HOME_DIR/proxy.key" \
  ${SUITE_LOG:+--log "$SUITE_LOG"} &
PROXY_PID=$!
for _ in $(seq 1 20); do
  if curl -kfsS -o /dev/null "$BASE_URL/openapi.json" 2>/dev/null; then break; fi
  sleep 0.25
done

# Which tags and issuer entries each suite selects on (see each suite's README).
case "$(basename "$SUITE_DIR")" in
  *eddsa*)
    ISSUERS="[issuer('$DID_KEY', ['eddsa-rdfc-2022'], {cryptosuite: 'eddsa-rdfc-2022'}),
              issuer('$DID_KEY', ['eddsa-jcs-2022'], {cryptosuite: 'eddsa-jcs-2022'})]"
    TAGS="['eddsa-rdfc-2022', 'eddsa-jcs-2022']" ;;
  *ecdsa*)
    # The P-256 key exists after the first ecdsa issue; its did:key (the DID the suite's own
    # verifier can resolve) is did:key:<its publicKeyMultibase> in the did:web document.
    curl -fsS -o /dev/null -X POST "$SERVER_URL/credentials/issue" \
      -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
      -d '{"credential": {"@context": ["https://www.w3.org/ns/credentials/v2"],
           "type": ["VerifiableCredential"], "credentialSubject": {"id": "urn:example:warm-up"}},
           "options": {"cryptosuite": "ecdsa-rdfc-2019"}}'
    P256_KEY=did:key:$(curl -fsS "$SERVER_URL/orgs/w3c-suites/did.json" | "$PYTHON" -c '
import json, sys
doc = json.load(sys.stdin)
print(next(m["publicKeyMultibase"] for m in doc["verificationMethod"] if m["publicKeyMultibase"].startswith("zDn")))')
    if [[ "${SUITE_ISSUER:-key}" == key ]]; then DID_WEB=$P256_KEY; fi
    ISSUERS="[issuer('$DID_WEB', ['ecdsa-rdfc-2019'], {cryptosuite: 'ecdsa-rdfc-2019'}),
              issuer('$DID_WEB', ['ecdsa-jcs-2019'], {cryptosuite: 'ecdsa-jcs-2019'})]"
    TAGS="['ecdsa-rdfc-2019', 'ecdsa-jcs-2019']" ;;
  *status-list*)
    ISSUERS="[issuer('$DID_WEB', ['BitstringStatusList'], {})]"
    TAGS="['BitstringStatusList']" ;;
  *data-model*)
    ISSUERS="[issuer('$DID_WEB', ['vc2.0'], {})]"
    TAGS="['vc2.0']" ;;
  *)
    echo "unknown suite $(basename "$SUITE_DIR"): expected eddsa, ecdsa, status-list or data-model" >&2
    exit 2 ;;
esac

cat >"$SUITE_DIR/localConfig.cjs" <<EOF
// Written by microcred scripts/w3c-suites.sh: a local microcred serve behind $BASE_URL.
const base = '$BASE_URL';
const headers = {Authorization: 'Bearer $TOKEN'};
const issuer = (id, tags, options) => ({
  id, endpoint: base + '/credentials/issue', headers, options,
  supports: {vc: ['1.1', '2.0']}, supportedEcdsaKeyTypes: ['P-256'], tags
});
module.exports = {
  settings: {enableInteropTests: false, testAllImplementations: false},
  implementations: [{
    name: 'microcred',
    implementation: 'microcred',
    issuers: $ISSUERS,
    verifiers: [{id: '$DID_WEB', endpoint: base + '/credentials/verify',
      supportedEcdsaKeyTypes: ['P-256'], tags: $TAGS}],
    vpVerifiers: [{id: '$DID_WEB', endpoint: base + '/presentations/verify', tags: $TAGS}]
  }]
};
EOF

cd "$SUITE_DIR"
status=0
if [[ $# -gt 0 ]]; then
  npx mocha tests/ --timeout 15000 --preserve-symlinks "$@" || status=$?
else
  npm test || status=$?
fi
exit "$status"
