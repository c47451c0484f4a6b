"""A synthetic telecom customer table with a plausible churn mechanism (no download needed).

    from churn_data import make_customers
    customers = make_customers(4000, seed=42)             # the training population
    batch = make_customers(1000, seed=7, shift=1.0)       # "production": newer, pricier, less committed

``shift`` moves the population the way a real market change would: shorter tenure, higher monthly
charges, more month-to-month contracts and electronic checks, more support calls. 0 is the training
population; from about 0.3 a few columns drift; from about 2 most of them do (dataset drift).

The market change also changes why customers leave (concept drift, complete from ``shift`` 1): a
competitor's cheaper plans make churn follow the monthly charge far more closely, while the contract and
tenure matter less. A model trained before the change keeps predicting with the old reasons, so its
accuracy on the new customers drops, and a model retrained on their labels wins it back (a covariate
shift alone would not need retraining). ``shift`` 0 gives exactly the table it always gave.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["CONTRACTS", "FEATURES", "PAYMENTS", "make_customers"]

CONTRACTS = ["month-to-month", "one year", "two year"]
PAYMENTS = ["electronic check", "mailed check", "bank transfer", "credit card"]
INTERNET = ["none", "dsl", "fiber optic"]
FEATURES = ["tenure_months", "monthly_charges", "total_charges", "contract", "payment_method", "internet_service",
            "support_calls", "paperless_billing", "senior_citizen", "num_services"]


def _pick(rng: np.random.Generator, options: list[str], weights: list[float], n: int) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(np.array(options), size=n, p=p / p.sum())


def make_customers(rows: int = 4000, seed: int = 42, shift: float = 0.0) -> pd.DataFrame:
    """``rows`` customers, reproducible from ``seed``; ``shift`` > 0 drifts the population (see above)."""
    rng = np.random.default_rng(seed)
    n = int(rows)
    s = max(float(shift), 0.0)
    senior = rng.random(n) < 0.16
    # contract: month-to-month grows with the shift
    contract = _pick(rng, CONTRACTS, [0.55 + 0.25 * s, 0.21, 0.24], n)
    long_contract = np.select([contract == "one year", contract == "two year"], [1, 2], 0)
    # tenure: longer for committed customers, shorter after a shift
    scale = np.array([14.0, 32.0, 48.0])[long_contract] / (1.0 + 0.5 * s)
    tenure = np.clip(rng.exponential(scale) + 1, 1, 72).round().astype(int)
    internet = _pick(rng, INTERNET, [0.2, 0.35, 0.45], n)
    num_services = rng.binomial(5, np.where(internet == "none", 0.15, 0.45)) + 1
    base = np.select([internet == "dsl", internet == "fiber optic"], [45.0, 70.0], 20.0)
    monthly = np.round(base + 6.0 * num_services + rng.normal(0, 5, n) + 12.0 * s, 2).clip(18.0, None)
    total = np.round(monthly * tenure * rng.uniform(0.95, 1.05, n), 2)
    payment = _pick(rng, PAYMENTS, [0.34 + 0.2 * s, 0.23, 0.22, 0.21], n)
    paperless = rng.random(n) < 0.6
    support_calls = rng.poisson(1.0 + 0.8 * s + 0.6 * (internet == "fiber optic"), n)

    # the churn mechanism: a logistic model of plausible drivers; after the market change (c: 0 -> 1) price
    # matters much more (against the shifted price level) and commitment less
    c = min(s, 1.0)
    logit = (-2.0
             + 1.3 * (1.0 - c) * (contract == "month-to-month") - 1.0 * (contract == "two year")
             - 0.045 * (1.0 - c) * tenure
             + (0.025 + 0.1 * c) * (monthly - 65 - 12.0 * s)
             + 0.45 * (payment == "electronic check")
             + 0.35 * support_calls
             + 0.3 * senior + 0.2 * paperless
             + 0.4 * (internet == "fiber optic"))
    churn = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame({
        "customer_id": [f"C{seed:03d}-{i:05d}" for i in range(n)],
        "tenure_months": tenure,
        "monthly_charges": monthly,
        "total_charges": total,
        "contract": contract,
        "payment_method": payment,
        "internet_service": internet,
        "support_calls": support_calls,
        "paperless_billing": paperless,
        "senior_citizen": senior,
        "num_services": num_services,
        "churn": churn.astype(int),
    })
