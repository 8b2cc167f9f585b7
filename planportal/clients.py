"""Who a client is, as every limit of the portal counts it (comment rate limits, proof of work,
staff login lockouts): its address behind the trusted proxies, an IPv6 client as its /64, and
the keyed hash of that address that the database keeps instead of the address."""

import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.utils.crypto import salted_hmac

# Kept from when this lived in the consultation app: stored comment keys were made with it.
CLIENT_KEY_SALT = "consultation.client-key"


@dataclass(frozen=True)
class Client:
    ip: str
    key: str  # HMAC of the rate-limit address; what the database keeps


def client_ip(meta: dict) -> str:
    remote = meta.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_HOPS
    if hops <= 0:
        return remote
    # Each trusted proxy appends the address it received the request from; the client's own
    # entries (possibly forged) are to the left of them and are ignored.
    entries = [e.strip() for e in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if e.strip()]
    if not entries:
        return remote
    candidate = entries[-hops] if len(entries) >= hops else entries[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def limit_address(ip: str) -> str:
    """What the limit counts: the IPv4 address, or the /64 network of an IPv6 address (one
    household or phone gets a whole /64 and could otherwise rotate within it)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def client_key(ip: str) -> str:
    return salted_hmac(CLIENT_KEY_SALT, limit_address(ip), algorithm="sha256").hexdigest()


# Where a request's Client is kept once worked out: the audit middleware and the comment
# view both need it, and the keyed hash is worth computing once.
CLIENT_META_KEY = "planportal.client"


def client_from_meta(meta: dict) -> Client:
    known = meta.get(CLIENT_META_KEY)
    if isinstance(known, Client):
        return known
    ip = client_ip(meta)
    client = Client(ip=ip, key=client_key(ip))
    meta[CLIENT_META_KEY] = client
    return client
