"""Federated training simulation (seed §3.5.3 use case 9): FedAvg over device shards.

Not a pipeline stage: `engage federated` runs it on the published run's training split.
The customers are split into simulated devices (non-IID by state and device type,
shards.py); a numpy logistic-regression churn model (model.py) is trained locally on each
device and averaged by shard size (fedavg.py), optionally through pairwise-masked secure
aggregation (secure.py) and with differential privacy (privacy.py: clipping, Gaussian
noise, an RDP accountant). experiment.py compares it with the same model trained
centrally; docs/federated.md says what the simulation proves and what it does not.
"""
