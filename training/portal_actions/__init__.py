"""Skeleton action recognition for Portal: datasets, augmentation, model, training and ONNX export."""
