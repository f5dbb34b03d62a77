"""Saved connections: platform tokens saved once under a name, checked against the platform,
and the accounts they can read (Facebook ad accounts, TikTok advertisers and their stores)."""
