"""The address a request came from, read through the reverse proxies the site trusts.

Behind a reverse proxy every request arrives from the proxy's own address, and the client's is in
the ``X-Forwarded-For`` header, which each proxy extends with the address it was reached from.
Anyone can send that header, so it is believed only as far as it was written by a proxy in
``ALONGSIDE_TRUSTED_PROXIES`` (addresses or CIDR ranges): when the connecting address is one of
them, the header is read from the right, past every trusted proxy, and the first address that
is not a trusted proxy is the client's. Whatever a client put further left is never read.
Without trusted proxies (the default) the header is ignored and the connecting address is the
client's.

This is the one reading of the client's address: the audit, the sign-in lockout (django-axes,
``AXES_CLIENT_IP_CALLABLE``) and the self-referral limit all use it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:  # the settings import this module: it stays clear of django.http
    from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """Addresses and CIDR ranges (``10.0.0.0/8``, ``2001:db8::1``) as networks; any entry that
    is neither is refused with ``ImproperlyConfigured``, naming it."""
    networks = []
    for entry in entries:
        entry = entry.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"ALONGSIDE_TRUSTED_PROXIES: {entry!r} is not an IP address or CIDR range."
            ) from None
    return tuple(networks)


@lru_cache(maxsize=8)
def _trusted(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_networks(entries)


def _address(text: str) -> Address | None:
    """An address as a header or the server gives it, with any port dropped; ``None`` if it
    is not one."""
    text = text.strip()
    if text.startswith("["):  # [2001:db8::1]:443
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:  # 192.0.2.1:443
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: Address, trusted: tuple[Network, ...]) -> bool:
    return any(address.version == n.version and address in n for n in trusted)


def client_address(request: HttpRequest) -> str | None:
    """The client's address, or ``None`` when the server gave none that is an address."""
    peer = _address(request.META.get("REMOTE_ADDR", "") or "")
    if peer is None:
        return None
    trusted = _trusted(tuple(getattr(settings, "ALONGSIDE_TRUSTED_PROXIES", ())))
    if not _is_trusted(peer, trusted):
        return str(peer)
    nearest = peer
    hops = (request.META.get("HTTP_X_FORWARDED_FOR", "") or "").split(",")
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # a trusted proxy wrote something that is no address: go no further
        if not _is_trusted(address, trusted):
            return str(address)
        nearest = address
    return str(nearest)
