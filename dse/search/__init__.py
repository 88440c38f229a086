"""Multi-objective search: Pareto fronts and Optuna studies."""
