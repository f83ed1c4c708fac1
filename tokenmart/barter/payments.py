"""Cash payments for shipping fees, through a small provider interface.

The default `OfflinePaymentProvider` records the payment (the fee is settled outside
the app); a real gateway implements the same two methods.
"""

from __future__ import annotations

import secrets
from typing import Protocol

from flask import current_app

from tokenmart.barter.models import Order, Payment
from tokenmart.extensions import db

#: what a provider returns: the stored payment row
PaymentRecord = Payment


class PaymentProvider(Protocol):
    name: str

    def charge(self, order: Order, amount_cents: int) -> Payment: ...

    def refund(self, order: Order, amount_cents: int) -> Payment: ...


class OfflinePaymentProvider:
    """Records a payment row; money changes hands outside tokenmart."""

    name = "offline"

    def _record(self, order: Order, amount_cents: int, status: str) -> Payment:
        payment = Payment(order_id=order.id, provider=self.name, amount_cents=amount_cents,
                          status=status, reference=f"off-{secrets.token_hex(8)}")
        db.session.add(payment)
        db.session.flush()
        return payment

    def charge(self, order: Order, amount_cents: int) -> Payment:
        return self._record(order, amount_cents, "paid")

    def refund(self, order: Order, amount_cents: int) -> Payment:
        return self._record(order, -amount_cents, "refunded")


def get_provider() -> PaymentProvider:
    """The configured provider (`BARTER_PAYMENT_PROVIDER` may hold an instance)."""
    provider = current_app.config.get("BARTER_PAYMENT_PROVIDER")
    return provider if provider is not None else OfflinePaymentProvider()
