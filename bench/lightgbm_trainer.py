"""LightGBM behind the external-trainer contract (bench/training.mjs runs it; not a test dependency).

Reads config.json and the JSON-lines parts, trains a LightGBM binary classifier with early stopping
on the validation part, and writes output/model.onnx in the platform's form (one input per feature,
named as the feature; output `probability` [batch, 1]) and output/metrics.json. Categories become
codes ordered by their positive rate in training, as the built-in GBDT encodes them, so the two
trainers see the same inputs.
"""
import json
import os
import time

import lightgbm
import numpy as np
import onnx
from onnx import TensorProto, helper
from onnxmltools import convert_lightgbm
from onnxmltools.convert.common.data_types import FloatTensorType

config = json.load(open(os.environ["MLOPS_CONFIG"]))
features = config["features"]
params = config["hyperparameters"]


def read(name):
    with open(config["files"][name]) as f:
        return [json.loads(line) for line in f]


train, valid = read("train"), read("validation")
codes = {}
for feature in features:
    if feature["kind"] != "categorical":
        continue
    stats = {}
    for row in train:
        value = row[feature["name"]]
        if value is not None:
            hits, count = stats.get(value, (0, 0))
            stats[value] = (hits + row["label"], count + 1)
    ordered = sorted(stats, key=lambda c: (stats[c][0] / stats[c][1], c))
    codes[feature["name"]] = {c: float(i) for i, c in enumerate(ordered)}


def matrix(rows):
    out = np.full((len(rows), len(features)), np.nan, dtype=np.float32)
    for j, feature in enumerate(features):
        name = feature["name"]
        for i, row in enumerate(rows):
            value = row[name]
            if value is None:
                continue
            out[i, j] = codes[name].get(value, np.nan) if name in codes else value
    return out


started = time.time()
x_train, y_train = matrix(train), np.array([r["label"] for r in train])
x_valid, y_valid = matrix(valid), np.array([r["label"] for r in valid])
print(f"read {len(train)} training and {len(valid)} validation rows in {time.time() - started:.1f} s", flush=True)

started = time.time()
model = lightgbm.LGBMClassifier(
    n_estimators=int(params.get("rounds", 200)),
    learning_rate=float(params.get("learning_rate", 0.1)),
    num_leaves=int(params.get("num_leaves", 63)),
    min_child_samples=int(params.get("min_samples_leaf", 20)),
    reg_lambda=float(params.get("lambda", 1.0)),
    max_bin=int(params.get("max_bins", 255)),
    random_state=int(config["seed"]) % 2**31,
    deterministic=True,
    verbose=-1,
)
callbacks = [lightgbm.early_stopping(int(params.get("early_stopping_rounds", 20)), verbose=False)]
model.fit(x_train, y_train, eval_set=[(x_valid, y_valid)], eval_metric="binary_logloss", callbacks=callbacks)
fit_seconds = time.time() - started
print(f"trained {model.best_iteration_} rounds in {fit_seconds:.1f} s", flush=True)

# LightGBM's graph takes one float matrix; the platform's takes one input per feature. A front end
# encodes categories with the codes above and concatenates the columns; a tail keeps P(positive).
core = convert_lightgbm(model, initial_types=[("matrix", FloatTensorType([None, len(features)]))], zipmap=False, target_opset=15)
front, inputs = [], []
for feature in features:
    name = feature["name"]
    if name in codes:
        inputs.append(helper.make_tensor_value_info(name, TensorProto.STRING, [None, 1]))
        keys = list(codes[name])
        front.append(helper.make_node("LabelEncoder", [name], [f"{name}__code"], domain="ai.onnx.ml", keys_strings=keys, values_floats=[codes[name][k] for k in keys], default_float=float("nan")))
    else:
        inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, [None, 1]))
        front.append(helper.make_node("Identity", [name], [f"{name}__code"]))
front.append(helper.make_node("Concat", [f"{f['name']}__code" for f in features], ["matrix"], axis=1))
probabilities = core.graph.output[1].name
tail = [
    helper.make_node("Constant", [], ["positive_column"], value=helper.make_tensor("positive_column", TensorProto.INT64, [1], [1])),
    helper.make_node("Gather", [probabilities, "positive_column"], ["probability"], axis=1),
]
graph = helper.make_graph(front + list(core.graph.node) + tail, "lightgbm", inputs, [helper.make_tensor_value_info("probability", TensorProto.FLOAT, [None, 1])], list(core.graph.initializer))
# LabelEncoder with string keys and float values needs ai.onnx.ml 2 or later.
opsets = [helper.make_opsetid(o.domain, max(o.version, 2) if o.domain == "ai.onnx.ml" else o.version) for o in core.opset_import]
if not any(o.domain == "ai.onnx.ml" for o in opsets):
    opsets.append(helper.make_opsetid("ai.onnx.ml", 2))
wrapped = helper.make_model(graph, opset_imports=opsets, producer_name="bench-lightgbm")
wrapped.ir_version = 8
onnx.checker.check_model(wrapped)
onnx.save(wrapped, os.path.join(os.environ["MLOPS_OUTPUT_DIR"], "model.onnx"))
json.dump({"fit_seconds": fit_seconds, "best_iteration": model.best_iteration_}, open(os.path.join(os.environ["MLOPS_OUTPUT_DIR"], "metrics.json"), "w"))
