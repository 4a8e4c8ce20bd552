#!/usr/bin/env python3
"""Fits the two polynomials of the kernels' normal CDF (Sources/CTesseraKernels/kernels_body.h, normal_cdf).

    |z| < 0.7:  erf(z) / z  = P(z^2),            minimax in relative error, degree 5 in z^2
    |z| >= 0.7: log erfc(z) + z^2 = Q(z - 2.325), minimax in absolute error on [0.7, 3.95], degree 10

The minimax fit is approximated by iteratively reweighted least squares on Chebyshev nodes against mpmath's
erf / erfc at 40 digits. Prints the coefficients (highest degree first, the order of Horner's scheme) and the
fit's maximum error. Needs numpy and mpmath (both in the peers env: ../shared/peers/setup.sh).
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 40


def chebyshev_nodes(a, b, n):
    k = np.arange(n)
    return (a + b) / 2 + (b - a) / 2 * np.cos((2 * k + 1) * np.pi / (2 * n))


def minimax(x, y, degree, relative):
    basis = np.stack([x**i for i in range(degree + 1)], 1)
    weight = 1 / np.abs(y) if relative else np.ones_like(y)
    reweight = np.ones_like(y)
    for _ in range(60):
        c, *_ = np.linalg.lstsq(basis * (weight * reweight)[:, None], y * weight * reweight, rcond=None)
        error = np.abs((basis @ c - y) * weight)
        reweight = reweight * (error / error.max()) ** 0.3 + 1e-12
    return c, error.max()


def show(name, c, error):
    print(f"{name}: max error {error:.3g}; coefficients, highest degree first:")
    for v in reversed(c):
        print(f"  {v:.9e}")


z = chebyshev_nodes(1e-4, 0.7, 2000)
p, e = minimax(z * z, np.array([float(mp.erf(v) / v) for v in z]), 5, relative=True)
show("P (erf(z)/z in z^2, |z| < 0.7)", p, e)
z = chebyshev_nodes(0.7, 3.95, 3000)
q, e = minimax(z - 2.325, np.array([float(mp.log(mp.erfc(v)) + v * v) for v in z]), 10, relative=False)
show("Q (log erfc(z) + z^2 in z - 2.325, 0.7 <= z <= 3.95)", q, e)
