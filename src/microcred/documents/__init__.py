"""Documents for the holder: PDF certificates and portfolios, QR codes, LinkedIn links.

Pure functions from plain data (`Award.to_data()`-shaped dicts, verification
report JSON) to bytes or strings; no storage, web or CLI framework.
"""

from microcred.documents.certificate_pdf import certificate_pdf
from microcred.documents.linkedin import add_to_profile_url
from microcred.documents.portfolio_pdf import portfolio_pdf
from microcred.documents.qr import qr_png, qr_svg

__all__ = ["add_to_profile_url", "certificate_pdf", "portfolio_pdf", "qr_png", "qr_svg"]
