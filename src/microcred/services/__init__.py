"""Services: issuing, verifying, wallet, stacking, status. The only layer that commits."""
