"""NAS-Bench-101 (Ying et al., ICML 2019) without TensorFlow: cell specs, the network, ground truth, tfrecord reader."""
