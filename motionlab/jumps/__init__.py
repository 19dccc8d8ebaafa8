"""Jump-rope counting: data and caches, the seed's and the improved Conv3D models, training, counting, evaluation."""
