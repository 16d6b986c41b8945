"""LinkedIn "Add to profile" link for the Licenses & certifications section.

LinkedIn's Add to Profile for certifications takes a plain GET link to
https://www.linkedin.com/profile/add with `startTask=CERTIFICATION_NAME` and
the parameters `name`, `organizationId` or `organizationName`, `issueYear`,
`issueMonth`, `expirationYear`, `expirationMonth`, `certUrl` and `certId`.
The member reviews the prefilled form on LinkedIn and saves it; nothing is
sent to LinkedIn until then, and no LinkedIn script is needed on our pages.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import quote, urlencode

ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


def add_to_profile_url(
    *,
    name: str,
    organization_name: str,
    issue_date: date,
    cert_url: str,
    cert_id: str | None = None,
    expiration_date: date | None = None,
    organization_id: int | str | None = None,
) -> str:
    """The "Add to profile" URL prefilled with one credential.

    `organization_id` (the issuer's LinkedIn company page id), when known, is
    sent as `organizationId` and makes LinkedIn show the issuer's logo; the
    name is always sent as well so the form is never empty.
    """
    if not name.strip():
        raise ValueError("the certification needs a name")
    if not organization_name.strip():
        raise ValueError("the certification needs the issuing organisation's name")
    params: list[tuple[str, str]] = [
        ("startTask", "CERTIFICATION_NAME"),
        ("name", name.strip()),
    ]
    if organization_id is not None and str(organization_id).strip():
        params.append(("organizationId", str(organization_id).strip()))
    params += [
        ("organizationName", organization_name.strip()),
        ("issueYear", str(issue_date.year)),
        ("issueMonth", str(issue_date.month)),
    ]
    if expiration_date is not None:
        params += [
            ("expirationYear", str(expiration_date.year)),
            ("expirationMonth", str(expiration_date.month)),
        ]
    params.append(("certUrl", cert_url))
    if cert_id:
        params.append(("certId", cert_id))
    # Everything outside the unreserved set is percent-encoded (`/`, `:`, `&` too), and
    # spaces as %20 rather than +: both decode the same, %20 also survives mail clients.
    return f"{ADD_TO_PROFILE}?{urlencode(params, safe='', quote_via=quote)}"
