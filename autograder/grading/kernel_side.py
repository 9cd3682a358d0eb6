"""The half of the grader's call channel that runs inside a student's kernel.

The grader never imports this module in a kernel: :mod:`autograder.grading.channel` sends its
source text with every request and the kernel executes it in a namespace of its own
(``exec(source, {...})``), so nothing here depends on what the student's code did to
``sys.path`` or ``sys.modules``. It may be tampered with from student code all the same,
and that is fine: everything it sends back is data that the trusted checks examine, and
a broken channel only makes the student's own tests fail.

A request (pickled by the grader, which is trusted) names an operation on an object of
the student's namespace (by name) or on an earlier result kept here (by handle):
``describe`` names, ``call``, ``getattr``, ``getitem``, ``len``, ``list``, ``repr``,
``bool``. The reply is a tree of plain values only (None, bool, int, float, str, bytes
and tagged tuples of them): the grader unpickles it without allowing any class, then
rebuilds numpy arrays from (dtype, shape, bytes) and keeps anything that is not data
(a model, a generator…) here, under a handle.
"""

MIME = "application/x-autograder-rpc"
ENCODERS = []    # plug-ins: encoder(value, depth, count) -> tagged tuple or None
AFTER_CALL = []  # plug-ins: after_call(args, kwargs) -> [(argument key, tagged change)]
MAX_DEPTH = 64
MAX_ITEMS = 200_000


def _state():
    import sys
    import types

    state = sys.modules.get("_autograder_rpc_state")
    if state is None or not hasattr(state, "handles"):
        state = types.ModuleType("_autograder_rpc_state")
        state.handles = {}
        state.counter = [0]
        sys.modules["_autograder_rpc_state"] = state
    return state


def _keep(value):
    state = _state()
    state.counter[0] += 1
    state.handles[state.counter[0]] = value
    return state.counter[0]


def _short_repr(value):
    try:
        text = repr(value)
    except BaseException:  # noqa: BLE001 - a broken __repr__ is the student's problem
        text = "<unprintable>"
    return text if len(text) <= 300 else text[:297] + "..."


def _encode(value, depth=0, count=None):
    import decimal
    import fractions
    import sys

    count = count if count is not None else [0]
    count[0] += 1
    if depth > MAX_DEPTH or count[0] > MAX_ITEMS:
        raise ValueError("the result is too large or too deeply nested to check")
    if value is None or value is True or value is False:
        return value
    kind = type(value)
    if kind in (int, float, str, bytes):
        return value
    np = sys.modules.get("numpy")
    if np is not None:
        if isinstance(value, np.ndarray):
            if value.dtype.hasobject or value.dtype.fields is not None or value.dtype.kind == "V":
                items = [_encode(item, depth + 1, count) for item in value.ravel(order="C").tolist()]
                return ("nd_obj", list(value.shape), items)
            array = np.ascontiguousarray(value)
            return ("nd", array.dtype.str, list(array.shape), array.tobytes())
        if isinstance(value, np.generic):
            if value.dtype.hasobject:
                return _encode(value.item(), depth + 1, count)
            return ("np", value.dtype.str, np.asarray(value).tobytes())
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, complex):
        return ("complex", float(value.real), float(value.imag))
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return ("bytearray" if isinstance(value, bytearray) else "bytes", bytes(value))
    if isinstance(value, fractions.Fraction):
        return ("fraction", int(value.numerator), int(value.denominator))
    if isinstance(value, decimal.Decimal):
        return ("decimal", str(value))
    if isinstance(value, range):
        return ("range", value.start, value.stop, value.step)
    if isinstance(value, list):
        return ("list", [_encode(item, depth + 1, count) for item in value])
    if isinstance(value, tuple):
        return ("tuple", [_encode(item, depth + 1, count) for item in value])
    if isinstance(value, dict):
        return ("dict", [(_encode(k, depth + 1, count), _encode(v, depth + 1, count)) for k, v in value.items()])
    if isinstance(value, (set, frozenset)):
        tag = "frozenset" if isinstance(value, frozenset) else "set"
        return (tag, [_encode(item, depth + 1, count) for item in value])
    for encoder in ENCODERS:  # plug-ins (e.g. Keras models)
        tagged = encoder(value, depth, count)
        if tagged is not None:
            return tagged
    name = getattr(value, "__name__", None)
    return ("handle", _keep(value), type(value).__name__, _short_repr(value), callable(value),
            name if isinstance(name, str) else None)


def _resolve(namespace, ref):
    kind, key = ref
    if kind == "name":
        if key not in namespace:
            raise NameError(f"name {key!r} is not defined")
        return namespace[key]
    handles = _state().handles
    if key not in handles:
        raise RuntimeError("this object no longer exists in the kernel (was the kernel restarted?)")
    return handles[key]


def _loads(namespace, data):
    import io
    import pickle

    class _Unpickler(pickle.Unpickler):
        def persistent_load(self, pid):
            return _resolve(namespace, pid)

    return _Unpickler(io.BytesIO(data)).load()


def _describe(namespace, names):
    import types

    described = {}
    for name in names:
        if name not in namespace:
            described[name] = ("missing",)
            continue
        value = namespace[name]
        if isinstance(value, types.ModuleType):
            described[name] = ("module", str(getattr(value, "__name__", "")))
        elif callable(value) and not _is_data(value):
            doc = getattr(value, "__doc__", None)
            qualname = getattr(value, "__qualname__", name)
            described[name] = ("callable", name, qualname if isinstance(qualname, str) else name,
                               doc if isinstance(doc, str) else None)
        else:
            described[name] = ("value", _encode(value))
    return described


def _is_data(value):
    import sys

    np = sys.modules.get("numpy")
    return np is not None and isinstance(value, (np.ndarray, np.generic))


def _call(namespace, request):
    import sys

    target = _resolve(namespace, request["ref"])
    args = list(request.get("args", ()))
    kwargs = dict(request.get("kwargs") or {})
    np = sys.modules.get("numpy")
    before = []
    if np is not None:  # arrays given as arguments, or as attributes of an argument (a dataclass of arrays)
        for key, value in list(enumerate(args)) + list(kwargs.items()):
            if isinstance(value, np.ndarray) and not value.dtype.hasobject:
                before.append((key, value, value.copy()))
            elif not isinstance(value, type) and isinstance(getattr(value, "__dict__", None), dict):
                for attr, item in list(vars(value).items())[:50]:
                    if isinstance(item, np.ndarray) and not item.dtype.hasobject:
                        before.append(((key, attr), item, item.copy()))
    times = request.get("times", 1)
    results = []
    for _ in range(times if type(times) is int and 1 <= times <= 2 else 1):
        # each result is encoded before the next call, which may change what the first returned
        results.append(_encode(target(*args, **kwargs)))
        mutated = []
        for key, value, copy in before:
            if value.shape != copy.shape or not np.array_equal(value, copy, equal_nan=value.dtype.kind in "fc"):
                mutated.append((key, _encode(value)))
        for after_call in AFTER_CALL:  # plug-ins: changes made in place to other kinds of arguments
            mutated += after_call(args, kwargs)
        if mutated:  # the grader reports the changed input; a second call would see it changed
            break
    value = results[0] if "times" not in request else ("tuple", results)
    return {"ok": True, "value": value, "mutated": mutated}


def _handle(namespace, data):
    request = _loads(namespace, data)
    op = request["op"]
    if op == "describe":
        return {"ok": True, "value": _describe(namespace, request["names"])}
    if op == "call":
        return _call(namespace, request)
    target = _resolve(namespace, request["ref"])
    if op == "getattr":
        value = getattr(target, request["attr"])
    elif op == "getitem":
        value = target[request["key"]]
    elif op == "len":
        value = len(target)
    elif op == "list":
        value = []
        for item in target:
            value.append(item)
            if len(value) > MAX_ITEMS:
                raise ValueError("too many items to check")
    elif op == "repr":
        value = _short_repr(target)
    elif op == "bool":
        value = bool(target)
    else:
        raise ValueError(f"unknown operation {op!r}")
    return {"ok": True, "value": _encode(value)}


def _main(namespace, data):
    import base64
    import pickle

    try:
        reply = _handle(namespace, data)
    except BaseException as error:  # noqa: BLE001 - every failure goes back to the grader as data
        try:
            message = str(error)
        except BaseException:  # noqa: BLE001
            message = "<unprintable error>"
        kind = type(error)
        reply = {"ok": False, "type": str(getattr(kind, "__name__", "Exception")),
                 "module": str(getattr(kind, "__module__", "")), "message": message[:4000]}
    try:
        blob = pickle.dumps(reply, protocol=4)
    except BaseException as error:  # noqa: BLE001
        blob = pickle.dumps({"ok": False, "type": "TypeError", "module": "builtins",
                             "message": f"the result could not be sent to the grader: {error}"[:4000]},
                            protocol=4)
    from IPython.display import publish_display_data

    publish_display_data({MIME: base64.b64encode(blob).decode("ascii")})


def _request_bytes():
    """The request travels as a binary buffer of the execute_request message (not in the
    code, which IPython would have to tokenize)."""
    from IPython import get_ipython

    buffers = get_ipython().kernel.get_parent("shell").get("buffers") or []
    if not buffers:
        raise RuntimeError("the grader's request has no data")
    buffer = buffers[0]
    return bytes(buffer.bytes if hasattr(buffer, "bytes") else buffer)


def _serve(namespace):
    _main(namespace, _request_bytes())


if "_autograder_install" in globals():  # exec()'d by the grader: keep the entry point in the kernel
    _state().serve = _serve
