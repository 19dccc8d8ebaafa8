"""Speed from a dashcam: drives (the built-in data sets), data, models, training, evaluation, experiments, plots,
and prediction (what `python -m motionlab speed` calls)."""
