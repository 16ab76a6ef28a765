"""``nncli sweep``: many trainings of one config, in worker processes, selected on validation data."""
