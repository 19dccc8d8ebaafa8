"""What a model looks at, for any Keras model of the project: gradient saliency and occlusion sensitivity of its
input (saliency), and how its held-out error moves when the video is changed (input_changes)."""
