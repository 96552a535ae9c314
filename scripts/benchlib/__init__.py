"""Benchmark harness for the iopddl solver (standard library only; Ray for --ray).

Modules:
  progress   parse the solver's progress lines (`#12 3.41s best:... src:...`)
  scoring    the contest's score arithmetic (reference / ours, 0 when infeasible or missing)
  reference  read reference.csv and resolve instance names (A -> asplos-2025-iopddl-A)
  problem    read a problem (.json / .json.gz), evaluate a solution, memory profile
  runner     run the solver and `iopddl evaluate`, measure wall time and peak RSS
  jobs       one job (instance x variant x seed, or a bound run): run, verify, measure
  ray_sweep  the jobs as Ray tasks (`scripts/bench --ray`; Ray from .venv)
  launch     the small process that starts the solver (keeps the harness out of its RSS)
  report     results.csv, the Markdown table, benchmarks/RESULTS.md records
  svg        a tiny SVG writer (axes, ticks, lines, text)
  plots      the convergence and memory-profile charts
  bench_cli  `scripts/bench`
  plot_cli   `scripts/plot`
"""
