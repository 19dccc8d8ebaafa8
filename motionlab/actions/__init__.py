"""Action classification: what a person does in a short video (Weizmann actions, arm gestures, a synthetic
fallback), with a TimeDistributed CNN + GRU, a 3D-convolution model, a single-frame CNN and trivial baselines."""
