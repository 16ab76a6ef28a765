"""The neural-network engine: activations, losses, layers, model, optimizers, schedules."""
