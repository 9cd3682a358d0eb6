"""Keras support for the call channel, as a codec plug-in.

Grader side: a Keras model arrives as the bytes of its ``.keras`` file and is loaded in
Keras' safe mode (no lambda layers, no code); a ``History`` arrives as its recorded
values; a model trained in place by the student's function sends its new weights back.
Kernel side: :data:`KERNEL_SOURCE` is executed in the kernel together with
:mod:`autograder.grading.kernel_side` and registers the matching encoders there.
"""

from __future__ import annotations

from typing import Any

from autograder.grading.codec import DECODERS, ProtocolError


def _load_keras(data: bytes):
    """A Keras model sent by the kernel, loaded in Keras' safe mode (no lambda layers, no code)."""
    import os
    import tempfile

    try:
        import keras

        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "model.keras")
            with open(path, "wb") as handle:
                handle.write(data)
            return keras.saving.load_model(path, safe_mode=True)
    except Exception as error:  # noqa: BLE001
        raise ProtocolError(f"the student's Keras model could not be loaded safely (custom layers or code "
                            f"in the model?): {error}") from None


def _keras_history(history: Any, params: Any, epoch: Any):
    """A keras.callbacks.History holding the values the student's training recorded."""
    if type(history) is not dict or type(params) is not dict or type(epoch) is not list:
        raise ProtocolError("malformed Keras History")
    try:
        import keras

        result = keras.callbacks.History()
    except Exception as error:  # noqa: BLE001
        raise ProtocolError(f"a Keras History came back but Keras cannot be loaded: {error}") from None
    result.history, result.params, result.epoch = history, params, epoch
    return result


def write_back(original: Any, weights: Any) -> None:
    """A model trained in place in the kernel: give the grader's copy the new weights."""
    if hasattr(original, "set_weights"):
        try:
            original.set_weights(weights)
        except Exception:  # noqa: BLE001 - a model whose shape the student changed
            pass


def _decode_model(rest, walk, spend):
    if len(rest) != 1 or type(rest[0]) is not bytes:
        raise ProtocolError("malformed Keras model")
    spend(len(rest[0]))
    return _load_keras(rest[0])


def _decode_history(rest, walk, spend):
    if len(rest) != 3:
        raise ProtocolError("malformed Keras History")
    return _keras_history(walk(rest[0]), walk(rest[1]), walk(rest[2]))


def _decode_weights(rest, walk, spend):
    if len(rest) != 1 or type(rest[0]) is not list:
        raise ProtocolError("malformed Keras weights")
    return ("keras_weights", [walk(item) for item in rest[0]])


DECODERS.update(keras=_decode_model, keras_history=_decode_history, keras_weights=_decode_weights)

KERNEL_SOURCE = """
def _keras_bytes(model):
    import os
    import tempfile

    try:
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "model.keras")
            model.save(path)
            with open(path, "rb") as handle:
                return handle.read()
    except Exception:  # not saveable: it stays in the kernel behind a handle
        return None


def _keras_encode(value, depth, count):
    import sys

    keras = sys.modules.get("keras")
    if keras is not None and isinstance(value, getattr(keras, "Model", ())):
        saved = _keras_bytes(value)
        return ("keras", saved) if saved is not None else None
    callbacks = sys.modules.get("keras.callbacks")
    if callbacks is not None and isinstance(value, getattr(callbacks, "History", ())):
        return ("keras_history", _encode(dict(getattr(value, "history", {}) or {}), depth + 1, count),
                _encode(dict(getattr(value, "params", {}) or {}), depth + 1, count),
                _encode(list(getattr(value, "epoch", []) or []), depth + 1, count))
    return None


def _keras_trained(args, kwargs):
    import sys

    keras = sys.modules.get("keras")
    changed = []
    if keras is not None:  # a model trained in place: send its new weights back
        for key, value in list(enumerate(args)) + list(kwargs.items()):
            if isinstance(value, getattr(keras, "Model", ())):
                changed.append((key, ("keras_weights", [_encode(w) for w in value.get_weights()])))
    return changed


ENCODERS.append(_keras_encode)
AFTER_CALL.append(_keras_trained)
"""
