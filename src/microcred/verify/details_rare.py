"""The verifier's rarer sentences (status-list faults, proof sets, COSE and JWT internals,
SD-JWT VC, Token Status List and x5c chain checks, presentations, Open Badges 2.0) as message
templates for :func:`microcred.verify.details.translate` (issue 17, point 6).

Kept apart from ``details.TEMPLATES`` so that module stays short. Ordered from the most
literal text to the least: the first template that matches the whole sentence wins, so a
general one (``the status list token %(address)s: %(detail)s``) must come after the specific
ones it would also match. A value named ``sentence`` is itself one of these sentences and is
translated in turn; ``sentences`` holds several joined with "; ". Other values (addresses,
keys, the cryptographic libraries' own error texts) are data and stay as they are.
"""

from __future__ import annotations

from microcred.i18n import N_

RARE_TEMPLATES: tuple[str, ...] = (
    N_(
        "validFrom is required in an Open Badges 3.0 credential on the VC 2.0 context (AchievementCredential.validFrom); add the date the credential is valid from"
    ),
    N_(
        "the issuer's signature does not match: the SD-JWT VC or one of its disclosures was changed after it was issued, or it was signed with another key"
    ),
    N_(
        "cannot be checked: unknown JSON-LD context '%(address)s': it is not bundled and nothing was fetched (the document loader is offline and fail-closed)"
    ),
    N_(
        "the holder's signature does not match: the presentation was changed after it was signed, or signed with another key than the one it names"
    ),
    N_(
        "every entry of verifiableCredential must be a credential object or an EnvelopedVerifiableCredential (never a bare string, number or URL)"
    ),
    N_(
        "@context %(address)s is neither bundled nor supplied by the operator; nothing is fetched from the network, so the credential cannot be interpreted"
    ),
    N_(
        "signature verified (%(suite)s); but no challenge was expected, so a replay of this presentation would pass too (no challenge was given)"
    ),
    N_(
        "the presentation names no holder, and this verifier asked for its credentials to be bound to the person who presents them"
    ),
    N_(
        "this PNG image carries only the address of an Open Badges hosted assertion, %(address)s, and the assertion is not available offline"
    ),
    N_(
        "the nonce (challenge) '%(value)s' is not the expected challenge '%(expected)s': the presentation was made for another request, or is replayed"
    ),
    N_(
        "issuer signature verified (%(alg)s, %(how)s); %(count)s disclosures match the signed digests; Key Binding JWT verified with the holder's key (%(bound)s)"
    ),
    N_(
        "the input carries only the address of an Open Badges hosted assertion, %(address)s, and the assertion is not available offline"
    ),
    N_(
        "the issuer's certificate chain is well-formed, but no trust anchor is configured, so who issued it was not checked"
    ),
    N_(
        "the challenge '%(value)s' is not the expected challenge '%(expected)s': the presentation was made for another request, or is replayed"
    ),
    N_(
        "signed by its holder %(holder)s; but not every credential is shown to belong to the person who presented it (%(detail)s)"
    ),
    N_(
        "the aud (domain) '%(value)s' is not the expected domain '%(expected)s': the presentation was made for another verifier"
    ),
    N_(
        "the proof purpose is %(value)s, not 'authentication': the proof does not show that the holder presented it"
    ),
    N_(
        "the input is a credential (vc+jwt), not a presentation; verify it without a challenge and domain"
    ),
    N_(
        "the presentation names no holder: its credentials are not bound to the person who presented them"
    ),
    N_(
        "the presentation carries no challenge; the verifier expected challenge '%(expected)s', so it may be a replay"
    ),
    N_(
        "this SVG has no embedded badge (no <openbadges:credential> or <openbadges:assertion> element)"
    ),
    N_(
        "the domain '%(value)s' is not the expected domain '%(expected)s': the presentation was made for another verifier"
    ),
    N_(
        "the issuer serves this assertion at %(address)s; the assertion is hosted where the issuer allows"
    ),
    N_(
        "JAdES seal (%(alg)s) verified with the certificate of %(organisation)s (certificate valid %(start)s to %(end)s, now expired)"
    ),
    N_("not checked: the presentation's proof did not verify, so who presented it is unknown"),
    N_("the issuer profile is not confirmed at its id, so no signing key can be tied to it"),
    N_(
        "the key that signed the status list token %(address)s is in %(where)s, which is not available offline"
    ),
    N_(
        "signed by its holder %(holder)s, to whom every credential was issued (subject id = holder)"
    ),
    N_(
        "issuer %(issuer)s signed with the certificate in x5c (checked against trust anchors below)"
    ),
    N_("this PNG has no embedded badge (no 'openbadgecredential' or 'openbadges' chunk)"),
    N_("the presentation carries no proof: nothing shows that its holder presented it"),
    N_(
        "the status list %(address)s has %(entries)s entries, fewer than the %(minimum)s Bitstring Status List requires"
    ),
    N_("the assertion declares signed verification but came without its JWS signature"),
    N_(
        "the key that signed the status list %(address)s is in %(where)s, which is not available offline"
    ),
    N_("could not be checked: the holder's key document %(address)s is not available offline"),
    N_("statusMessage must be present when statusSize is more than 1: a list of %(needed)s"),
    N_("the credential's status.status_list.idx must be a whole number 0 or more"),
    N_("the issuer profile has no HTTP id to compare the assertion's origin with"),
    N_(
        "JAdES seal (%(alg)s) verified with the certificate of %(organisation)s (certificate valid %(start)s to %(end)s)"
    ),
    N_(
        "%(name)s (%(subject)s) is a trust anchor; x5c must not contain the trust anchor (HAIP 1.0)"
    ),
    N_("statusListIndex must be a whole number (0 or more) written as a string"),
    N_("read an SD-JWT VC (dc+sd-jwt) with %(count)s disclosures and a Key Binding JWT"),
    N_(
        "issuer signature verified (%(alg)s, %(how)s); %(count)s disclosures match the signed digests"
    ),
    N_("certificate of %(subject)s, issued by a TEST CA this verifier was told to trust"),
    N_("could not check the status: the status list token %(address)s is not available"),
    N_("verifiableCredential must be a list of credential objects, not a %(kind)s"),
    N_("the presentation names no domain; the verifier expected domain '%(expected)s'"),
    N_("the status list token %(address)s is not signed by the credential's issuer: %(detail)s"),
    N_("not checked: the issuer profile, which names the list, is unknown"),
    N_("credentialSchema %(address)s (type '%(kind)s' is not a JSON Schema type) not checked"),
    N_("not an Open Badges 2.0 assertion (no OB context / type Assertion)"),
    N_("JWT signature verified (%(suite)s); its %(claims)s claims agree with the credential"),
    N_(
        "the status list %(address)s: status index %(index)s is outside the list of %(size)s entries"
    ),
    N_("no signing key: no verification.creator and no issuer publicKey"),
    N_("the JWT's claims do not agree with the credential it carries: %(detail)s"),
    N_("issuer %(issuer)s resolved through did:jwk and controls the signing key"),
    N_("certificate of %(subject)s, issued under a trust anchor of this verifier"),
    N_("proof %(n)s of %(total)s (%(kind)s) not checked: this verifier does not support it"),
    N_("the leaf certificate is for another key than the signature's"),
    N_("not checked: the presentation does not follow the data model"),
    N_("the assertion is not served at %(address)s (it may have been withdrawn)"),
    N_("the input is not UTF-8 text (a credential is JSON or a JWT)"),
    N_("the SD-JWT's issuer-signed JWT does not carry a JSON object"),
    N_("cannot be checked, the presentation is not valid JSON-LD (%(error)s)"),
    N_("cannot be checked, the presentation is not valid JSON-LD: %(detail)s"),
    N_("the credential has no status (its issuer cannot revoke it)"),
    N_("the status list token %(address)s expired on %(date)s; a fresh copy is needed"),
    N_("status entry of type %(kind)s is not supported; status not checked"),
    N_("cannot be checked, the credential is not valid JSON-LD (%(error)s)"),
    N_("the credential cannot be verified: checking it failed (%(error)s)"),
    N_("the presentation is signed by %(signer)s, which is not its holder %(holder)s"),
    N_("the assertion is hosted on %(host)s, not on the issuer's origin %(origin)s"),
    N_("cannot be checked, the document is not valid JSON-LD (%(error)s)"),
    N_("JWT signature verified (%(suite)s), bound to nonce '%(nonce)s' and aud '%(aud)s'"),
    N_("each statusMessage needs a status (0x...) and a message"),
    N_("statusListCredential must be the URL of the status list"),
    N_("cannot be checked, the document is not valid JSON-LD: %(detail)s"),
    N_("Open Badges 3.0 expects the issuer as a Profile object"),
    N_("the credential does not follow its credentialSchema %(address)s: %(detail)s"),
    N_("status mechanism %(mechanism)s is not supported; status not checked"),
    N_("%(claims)s must not be selectively disclosable (SD-JWT VC 3.2.2)"),
    N_("credentialSchema %(address)s (not available offline) not checked"),
    N_("the proof is not made for asserting this credential: %(detail)s"),
    N_("not checked: the credential does not follow SD-JWT VC"),
    N_("the status list %(address)s expired on %(date)s; a fresh copy is needed"),
    N_("statusMessage has %(count)s messages; a statusSize of %(size)s needs %(needed)s"),
    N_("statusSize %(size)s is more bits than this verifier reads (%(limit)s)"),
    N_("statusSize must be a whole number greater than zero"),
    N_("the issuer's revocation list %(address)s could not be resolved"),
    N_("the status list %(address)s is signed by %(signer)s, not by its issuer %(issuer)s"),
    N_("statusMessage status '%(value)s' is not one of 0x0 .. %(last)s once"),
    N_("statusPurpose of the status entry must be a string"),
    N_("the assertion is on the issuer's revocation list: %(reason)s"),
    N_("the Key Binding JWT is not bound to this request: %(detail)s"),
    N_("SD-JWT signature and every disclosure verified (%(suite)s)"),
    N_("the chain of %(subject)s does not lead to a trusted anchor: %(detail)s"),
    N_("the status list token %(address)s is issued in the future (%(date)s)"),
    N_("a JWS whose assertion declares verification type %(value)s"),
    N_("JWS algorithm %(alg)s is not RS256 (required by OB 2.0)"),
    N_("critical JWS header parameters are not supported"),
    N_("the assertion is on the issuer's revocation list"),
    N_("the embedded issuer profile is not confirmed at %(address)s"),
    N_("Open Badges 2.0 hosted assertion, baked into a %(image)s"),
    N_("Open Badges 2.0 signed assertion, baked into a %(image)s"),
    N_("RS256 signature verifies with the issuer's key %(key)s"),
    N_("statusReference must be a URL or a list of URLs"),
    N_("a hosted assertion's id must be its HTTP(S) URL"),
    N_("the assertion is hosted where the issuer allows"),
    N_("the issuer allows hosted assertions only under %(prefixes)s"),
    N_("read an SD-JWT VC (dc+sd-jwt) with %(count)s disclosures"),
    N_("JAdES seal (%(alg)s) verified with the certificate of %(organisation)s"),
    N_("a credential is a JSON object, not a JSON list"),
    N_("not checked for this Open Badges 2.0 assertion"),
    N_("the issuer's revocation list is not a document"),
    N_("read a VC-JWT 1.1 presentation (the vp claim)"),
    N_("the document is nested more than %(depth)s levels deep"),
    N_("the status list %(address)s failed its own proof check: %(detail)s"),
    N_("the embedded badge class is not confirmed at %(address)s"),
    N_("read a VC-JOSE-COSE presentation (vp+sd-jwt)"),
    N_("not checked: the input is not a presentation"),
    N_("not checked: the assertion could not be read"),
    N_("the issuer allows hosted assertions only on %(origins)s"),
    N_("the subject of %(address)s is not a BitstringStatusList"),
    N_("the ttl of the status list %(address)s is not a number"),
    N_("read a VC-JOSE-COSE presentation (vp+cose)"),
    N_("the input is %(size)s; credentials are limited to %(limit)s"),
    N_("the status list token at %(address)s is the token of %(other)s"),
    N_("the issuer profile %(address)s could not be resolved"),
    N_("type must include VerifiablePresentation"),
    N_("the badge class '%(address)s' could not be resolved"),
    N_("%(address)s is not a BitstringStatusListCredential"),
    N_("the issuer publishes no revocation list"),
    N_("the badge class %(address)s could not be resolved"),
    N_("the credential is not valid JSON-LD: %(detail)s"),
    N_("the status list %(address)s is not a JSON object"),
    N_("the badge was awarded to someone else"),
    N_("the electronic seal does not verify: %(detail)s"),
    N_("read a VC-JOSE presentation (vp+jwt)"),
    N_("the JWT payload is not a JSON object"),
    N_("the status list %(address)s is valid only from %(date)s"),
    N_("the issuer serves this assertion at %(address)s"),
    N_("the presentation's proof expired at %(date)s"),
    N_("the input is neither JSON nor a JWT"),
    N_("not on the issuer's revocation list"),
    N_("the assertion served at %(address)s differs (%(detail)s)"),
    N_("the holder's key cannot be used: %(detail)s"),
    N_("the status list %(address)s cannot be read: %(detail)s"),
    N_("the vp+jwt is not valid yet (nbf)"),
    N_("the %(kind)s does not carry a JSON object"),
    N_("Open Badges 2.0 hosted assertion"),
    N_("Open Badges 2.0 signed assertion"),
    N_("proof %(n)s of %(total)s (%(kind)s) verified with key %(key)s"),
    N_("the signing key cannot be used: %(detail)s"),
    N_("COSE_Sign1 signature verified (%(suite)s)"),
    N_("index %(index)s of the status list token %(address)s"),
    N_("the status list %(address)s names no issuer"),
    N_("JWS signature does not verify (%(detail)s)"),
    N_("issuer %(issuer)s controls the signing key"),
    N_("the input is not valid JSON (%(detail)s)"),
    N_("the status list %(address)s is for %(shown)s, not %(purpose)s"),
    N_("the vp+jwt has expired (exp)"),
    N_("badge class '%(badge)s'; issued by '%(issuer)s'"),
    N_("issuedOn %(value)s is not a date-time"),
    N_("the %(address)s URL does not hold a %(kind)s: %(sentence)s"),
    N_("not revoked or suspended (%(sentence)s)"),
    N_("not bound to this request: %(detail)s"),
    N_("the signing key %(key)s is revoked"),
    N_("expires %(value)s is not a date-time"),
    N_("suspended by its issuer (%(sentence)s)"),
    N_("the RSA key has only %(bits)s bits"),
    N_("the assertion is revoked: %(reason)s"),
    N_("JWT signature verified (%(suite)s)"),
    N_("revoked by its issuer (%(sentence)s)"),
    N_("the status list token %(address)s: %(detail)s"),
    N_("issued on %(date)s; valid until %(until)s"),
    N_("the assertion is revoked"),
    N_("follows SD-JWT VC, type %(vct)s"),
    N_("issued in the future (%(date)s)"),
    N_("not a readable SD-JWT: %(detail)s"),
    N_("%(count)s of %(total)s proofs verified: %(sentences)s"),
    N_("the list is signed by %(signer)s"),
    N_("verification stopped: %(detail)s"),
    N_("signature verified (%(suite)s)"),
    N_("signed by its holder %(holder)s"),
    N_("the recipient matches"),
    N_("the proof rejected: %(detail)s"),
    N_("the assertion lacks %(elements)s"),
    N_("cannot be checked (%(error)s)"),
    N_("unsupported proof: %(detail)s"),
    N_("cannot be checked: %(detail)s"),
    N_("the input is empty"),
    N_("malformed proof: %(detail)s"),
    N_("SD-JWT rejected: %(detail)s"),
    N_("status '%(list)s' is %(value)s (%(meaning)s)"),
    N_("proof rejected: %(detail)s"),
    N_("proof %(n)s of %(total)s (%(kind)s): %(sentence)s"),
    N_("JWT rejected: %(detail)s"),
    N_("status is %(value)s (%(sentence)s)"),
    N_("badge class %(name)s"),
    N_("issued on %(date)s"),
    N_("issued by %(name)s"),
)

__all__ = ["RARE_TEMPLATES"]
