"""mfbalance: the mean-field Fokker-Planck equation of strongly coupled neuron networks.

A Python interface to libmfbalance (cffi, ABI mode) with NumPy arrays:

    import mfbalance
    cfg = mfbalance.Config(**{"model.gamma": 1000})   # the default model, gamma = 1000
    r = mfbalance.run(cfg)                             # r.t, r.mean[k, p], r.x[s, p, i], r.rho[s, p, i]
    mfbalance.balance(cfg)                             # the balance points and their stability
    s = mfbalance.sweep(cfg, [100, 1000, 10000])       # s.sd[g, p], s.fits[("sd", "E")].slope
    q = mfbalance.particles(cfg)                       # the network: q.voltages[p], q.mean[k, p]
    h = mfbalance.hj(cfg, **{"model.gamma": "inf"})    # the Hopf-Cole solver, h.argmax[k, p]
    mfbalance.converge(cfg)                            # the convergence study's tables
    mfbalance.job("sweep", cfg, "out/sweep")           # a job's files, as the program writes them

and `python3 -m mfbalance.plot DIR` draws what a job wrote into DIR.  Failures raise
InputError, NumericalError, FileError or InternalError (errors.py) with the message the
program prints.  docs/tutorial.md walks through it.
"""
from ._config import Config, format_value
from ._csv import read_csv
from ._jobs import (JOBS, OBSERVABLES, BalancePoint, ConvergeResult, Fit, HJResult, ParticlesResult, RunResult,
                    SweepResult, balance, converge, flow, hj, job, particles, run, sweep, wasserstein1)
from ._lib import library_path
from .errors import Error, FileError, InputError, InternalError, Interrupted, NumericalError, OutOfMemory

__all__ = ["Config", "format_value", "read_csv", "JOBS", "OBSERVABLES", "BalancePoint", "ConvergeResult", "Fit",
           "HJResult", "ParticlesResult", "RunResult", "SweepResult", "balance", "converge", "flow", "hj", "job",
           "particles", "run", "sweep", "wasserstein1", "library_path", "Error", "FileError", "InputError",
           "InternalError", "Interrupted", "NumericalError", "OutOfMemory"]
