"""The seed notebook through leaky.run: a LIF neuron driven by 100 Poisson
inputs at 5 Hz for 5000 steps of 0.5 ms, and the notebook's three-panel
figure (V with spikes drawn at 5θ, I_syn, I_inp against time), drawn with
matplotlib (Debian: python3-matplotlib).

As in the notebook, the inputs and weights are drawn with NumPy and handed
to leaky as arrays; the arithmetic is leaky's (engine/doc.go), which is the
notebook's. With --poisson leaky draws them itself (leaky run's network)
and the figure shows neuron 0.

    make python
    .venv/bin/python examples/python/seed.py --out seed.png
"""

import argparse

import numpy as np

import leaky


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=5000)
    p.add_argument("--neurons", type=int, default=1, help="neurons (the figure shows neuron 0)")
    p.add_argument("--seed", type=int, default=None, help="NumPy's seed (default: fresh, as the notebook)")
    p.add_argument("--poisson", action="store_true", help="let leaky draw the inputs and weights (leaky run's network)")
    p.add_argument("--out", default="seed.png", help="where the figure goes")
    a = p.parse_args()

    n_inputs, dt = 100, 0.5e-3
    tau_mem, tau_syn, theta = 10e-3, 5e-3, 1.0
    if a.poisson:
        r = leaky.run(steps=a.steps, neurons=a.neurons, n_inputs=n_inputs, dt=dt, tau_mem=tau_mem, tau_syn=tau_syn,
                      threshold=theta, dtype="float64")
    else:
        rng = np.random.default_rng(a.seed)
        prob = 5 * dt  # 5 Hz
        inputs = np.zeros((a.steps, n_inputs))
        inputs[rng.uniform(size=inputs.shape) < prob] = 1
        beta = np.exp(-dt / tau_mem)
        weight_scale = 7 * (1.0 - beta)  # "this should give us some spikes to begin with"
        weights = rng.normal(loc=0.0, scale=weight_scale / np.sqrt(n_inputs), size=(n_inputs, a.neurons))
        print(f"Simulation time: {a.steps * dt * 1e3:g} ms. Total number of input spikes: {inputs.sum():g}.")
        r = leaky.run(inputs, weights, dt=dt, tau_mem=tau_mem, tau_syn=tau_syn, threshold=theta, dtype="float64")
    print(r)
    spikes = r.spikes[(r.spikes[:, 1] == 0) & (r.spikes[:, 2] == 0)]
    print(f"neuron 0 spiked {len(spikes)} times")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    vm = r.v[:, 0, 0].copy()
    vm[vm > theta] = 5 * theta  # the notebook's way of drawing spikes
    t = np.arange(len(vm)) * dt
    fig, ax = plt.subplots(3, 1, figsize=(5, 5), sharex=True)
    ax[0].plot(t, vm, "k", lw=1)
    ax[1].plot(t, r.isyn[:, 0, 0], "k", lw=1)
    ax[2].plot(t, r.iinp[:, 0, 0], "k", lw=1)
    for x in ax:
        x.grid(which="major", axis="y", ls=":", lw=0.75, color=[0.6, 0.6, 0.6])
        x.spines[["top", "right"]].set_visible(False)
    ax[0].set_ylabel("Vm")
    ax[1].set_ylabel("I_syn")
    ax[2].set_ylabel("I_inp")
    ax[-1].set_xlabel("Time (s)")
    fig.tight_layout()
    fig.savefig(a.out, dpi=150)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
