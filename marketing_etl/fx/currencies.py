"""ISO 4217 currency codes, and how many decimals an amount in each keeps."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# Active ISO 4217 codes for money (funds codes kept; metals, testing and SDR codes left out).
_ISO_4217_TEXT = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN
    BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP
    ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK
    JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK
    MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN
    PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB
    TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XCD
    XCG XOF XPF YER ZAR ZMW ZWG ZWL
"""
ISO_4217 = frozenset(_ISO_4217_TEXT.split())

# No minor unit in practice. IDR has two on paper, but nobody prices ads in sen and the ad
# platforms report whole rupiah, so it is treated like VND.
_WHOLE_UNIT_TEXT = "BIF CLP DJF GNF IDR ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
WHOLE_UNIT = frozenset(_WHOLE_UNIT_TEXT.split())
_CENTS = Decimal("0.01")
_UNITS = Decimal(1)


def normalise_code(text: str) -> str:
    return text.strip().upper()


def is_known(code: str) -> bool:
    return code in ISO_4217


def unknown_code_message(text: str) -> str:
    return f"'{text}' is not an ISO 4217 currency code; send a code such as USD, EUR or VND"


def round_amount(amount: Decimal, currency: str | None) -> int | Decimal:
    """Whole units for currencies without a minor unit (as an int), two decimals otherwise
    (also when the currency is unknown: the most common case, and never loses a cent)."""
    if currency in WHOLE_UNIT:
        return int(amount.quantize(_UNITS, rounding=ROUND_HALF_UP))
    return amount.quantize(_CENTS, rounding=ROUND_HALF_UP)


def parse_pair(text: str) -> tuple[str, str]:
    """'usd/vnd' -> ('USD', 'VND'); ValueError naming the problem otherwise."""
    base, slash, quote = text.partition("/")
    base, quote = normalise_code(base), normalise_code(quote)
    if not slash or not base or not quote:
        raise ValueError(f"'{text}' must look like USD/VND (the currency converted from, '/', to)")
    for code in (base, quote):
        if not is_known(code):
            raise ValueError(unknown_code_message(code))
    if base == quote:
        raise ValueError(f"'{text}' converts a currency into itself")
    return base, quote
