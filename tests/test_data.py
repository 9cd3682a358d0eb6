"""Data loaders: sample photos offline, MNIST with its offline fallback that never hangs."""

import time

import numpy as np
import pytest

from autograder import data


def test_sample_images_are_bundled():
    assert data.sample_image("astronaut").shape == (512, 512, 3)
    assert data.sample_image("camera").shape == (512, 512)
    with pytest.raises(ValueError, match="unknown sample image"):
        data.sample_image("lion")


def test_offline_mnist_is_the_shuffled_stratified_shipped_sample(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    mnist = data.load_mnist()
    assert "Offline mode" in capsys.readouterr().out
    assert mnist.x_train.shape == (4000, 28, 28) and mnist.x_test.shape == (1000, 28, 28)
    assert mnist.x_train.dtype == np.uint8
    assert np.bincount(mnist.y_test).tolist() == [100] * 10  # stratified
    assert np.bincount(mnist.y_train).tolist() == [400] * 10
    assert len(set(mnist.y_train[:20].tolist())) > 3  # shuffled, not sorted by class
    # no digit is in both parts
    train = {row.tobytes() for row in mnist.x_train}
    assert not any(row.tobytes() in train for row in mnist.x_test)


def test_same_seed_same_split_other_seed_other_split():
    a, b, c = data.mnist_subset(seed=0), data.mnist_subset(seed=0), data.mnist_subset(seed=1)
    assert np.array_equal(a.y_train, b.y_train) and not np.array_equal(a.y_train, c.y_train)


def test_unreachable_network_falls_back_quickly(monkeypatch, capsys):
    monkeypatch.delenv("COURSE_OFFLINE", raising=False)
    monkeypatch.setattr(data, "_keras_mnist_cached", lambda: None)
    # a closed port on loopback stands for a network that refuses us
    monkeypatch.setattr(data, "KERAS_MNIST_URL_HOST", ("127.0.0.1", 9))
    start = time.monotonic()
    mnist = data.load_mnist()
    assert time.monotonic() - start < 15
    assert "not reachable" in capsys.readouterr().out
    assert mnist.source.startswith("5,000-digit MNIST sample")
