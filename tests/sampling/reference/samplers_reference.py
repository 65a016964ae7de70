#!/usr/bin/env python3
"""Independent float64 reference for the deterministic samplers.

Plain Python (no numpy, no torch), written from the papers and from the
k-diffusion / EDM sampling loops, which step in the variance-exploding view
x = x_t / sqrt(alpha_bar) with sigma = sqrt((1 - alpha_bar) / alpha_bar) and
append sigma = 0 after the last step. The data are Gaussian, N(mu, s^2), so
the denoiser is exact: D(x; sigma) = mu + s^2 / (s^2 + sigma^2) (x - mu).

Prints, for each case, the final sample from x_T (variance-preserving, at the
first timestep) in {-2, 0.5, 1.7}; tests/sampling/samplers_test.cpp holds the
numbers. Run: python3 tests/sampling/reference/samplers_reference.py
"""
import math

MU, S = 0.5, 0.3
STARTS = [-2.0, 0.5, 1.7]


def linear_alpha_bars(T, beta_start=1e-4, beta_end=0.02):
    out, prod = [], 1.0
    for i in range(T):
        prod *= 1.0 - (beta_start + (beta_end - beta_start) * i / (T - 1))
        out.append(prod)
    return out


def cosine_alpha_bars(T, s=0.008, max_beta=0.999):
    f = lambda t: math.cos((t + s) / (1 + s) * math.pi / 2) ** 2
    out, prod = [], 1.0
    for i in range(T):
        prod *= 1.0 - min(1.0 - f((i + 1) / T) / f(i / T), max_beta)
        out.append(prod)
    return out


def sigma_of(alpha_bar):
    return math.sqrt((1.0 - alpha_bar) / alpha_bar)


def linspace_steps(T, K):  # np.linspace(0, T-1, K).round()[::-1]; Python's round is half to even
    return [round(i * (T - 1) / (K - 1)) for i in range(K)][::-1]


def karras_steps(alpha_bars, K, rho=7.0):  # EDM eq. (5) within EDM's [0.002, 80], then round_sigma
    sig = [sigma_of(a) for a in alpha_bars]
    lo, hi = max(sig[0], 0.002) ** (1 / rho), min(sig[-1], 80.0) ** (1 / rho)
    wanted = [(hi + i / (K - 1) * (lo - hi)) ** rho for i in range(K)]
    return [min(range(len(sig)), key=lambda t: abs(sig[t] - w)) for w in wanted]


def denoise(x, sigma):
    return MU + S * S / (S * S + sigma * sigma) * (x - MU)


def ddim(x_T, alpha_bars, steps):  # Song et al. 2021 eq. (12), eta = 0, in x_t
    x = x_T
    for i, t in enumerate(steps):
        a = alpha_bars[t]
        a_prev = alpha_bars[steps[i + 1]] if i + 1 < len(steps) else 1.0
        x0 = denoise(x / math.sqrt(a), sigma_of(a))
        eps = (x - math.sqrt(a) * x0) / math.sqrt(1 - a)
        x = math.sqrt(a_prev) * x0 + math.sqrt(1 - a_prev) * eps
    return x


def ve_loop(x_T, alpha_bars, steps, update):
    sigmas = [sigma_of(alpha_bars[t]) for t in steps] + [0.0]
    x = x_T / math.sqrt(alpha_bars[steps[0]])
    state = {}
    for i in range(len(steps)):
        x = update(x, sigmas, i, state)
    return x


def euler(x, sigmas, i, state):  # k-diffusion sample_euler, s_churn = 0
    d = (x - denoise(x, sigmas[i])) / sigmas[i]
    return x + (sigmas[i + 1] - sigmas[i]) * d


def heun(x, sigmas, i, state):  # Karras et al. 2022 Algorithm 1
    d = (x - denoise(x, sigmas[i])) / sigmas[i]
    dt = sigmas[i + 1] - sigmas[i]
    if sigmas[i + 1] == 0:
        return x + dt * d
    x2 = x + dt * d
    d2 = (x2 - denoise(x2, sigmas[i + 1])) / sigmas[i + 1]
    return x + dt * (d + d2) / 2


def dpmpp_2m(x, sigmas, i, state):  # Lu et al. 2022 Algorithm 2, k-diffusion sample_dpmpp_2m
    t_fn = lambda sigma: -math.log(sigma)
    denoised = denoise(x, sigmas[i])
    if sigmas[i + 1] == 0:
        return denoised
    h = t_fn(sigmas[i + 1]) - t_fn(sigmas[i])
    d = denoised
    if "old" in state:
        r = (t_fn(sigmas[i]) - t_fn(sigmas[i - 1])) / h
        d = (1 + 1 / (2 * r)) * denoised - (1 / (2 * r)) * state["old"]
    state["old"] = denoised
    return sigmas[i + 1] / sigmas[i] * x - math.expm1(-h) * d


CASES = [
    ("linear", "linspace", 10, linear_alpha_bars(1000), linspace_steps),
    ("linear", "karras", 10, linear_alpha_bars(1000), None),
    ("cosine", "karras", 8, cosine_alpha_bars(1000), None),
]

for schedule, spacing, K, alpha_bars, spaced in CASES:
    steps = spaced(1000, K) if spaced else karras_steps(alpha_bars, K)
    results = {
        "ddim": [ddim(x, alpha_bars, steps) for x in STARTS],
        "euler": [ve_loop(x, alpha_bars, steps, euler) for x in STARTS],
        "heun": [ve_loop(x, alpha_bars, steps, heun) for x in STARTS],
        "dpm++2m": [ve_loop(x, alpha_bars, steps, dpmpp_2m) for x in STARTS],
    }
    for name, values in results.items():
        print(f'{{"{schedule}", "{spacing}", {K}, "{name}", {{{", ".join(f"{v:.15g}" for v in values)}}}}},')
