"""The demo (`make run`, `make seed`), outside the core: the simulated CA (simulated_ca.py,
listening to the certificates' state_entered signal), the demo traffic (traffic.py) and
their worker jobs (tasks.py), the seeded certificates' past (timeline.py), and the
commands seed_demo, demo_dns and run_demo. The core imports nothing from here (the import
contract says so); SCM_SIMULATED_CA and SCM_DEMO_* are read here only."""
