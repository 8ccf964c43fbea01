#!/usr/bin/python3
"""Export the roofcast model zoo as small *graph-only* ONNX files.

Run with the Debian interpreter that has torch/torchvision/onnx installed:

    /usr/bin/python3 models/export_zoo.py                 # whole zoo
    /usr/bin/python3 models/export_zoo.py --only resnet50 vit_b_16
    /usr/bin/python3 models/export_zoo.py --set heldout   # the held-out networks
    /usr/bin/python3 models/export_zoo.py --out-dir /tmp/zoo

For every model this script
  1. builds the torchvision network with random weights (weights=None,
     torch.manual_seed(0)), eval mode, batch 1, fixed input shape;
  2. computes reference figures from PyTorch itself with forward hooks
     (parameter counts, Conv2d/Linear/MultiheadAttention MACs);
  3. exports it with torch.onnx.export (opset 17, constant folding, no
     dynamic axes), falling back to opset 14 then 13 if 17 fails;
  4. runs onnx.checker and strict ONNX shape inference with data propagation
     on the *full* model and verifies every tensor has a fully static shape;
  5. converts big Constant nodes into initializers and strips the data of
     every initializer with more than STRIP_THRESHOLD (64) elements, keeping
     name, data_type and dims;
  6. writes models/<name>.onnx, and (merging with what is already there)
     models/reference_counts.json, models/onnx_summary.json, models/README.md.
"""

import argparse
import collections
import hashlib
import io
import json
import os
import sys
import time
import warnings

import numpy as np
import onnx
import onnx.checker
import onnx.numpy_helper
import onnx.shape_inference
import torch
import torch.nn as nn
import torchvision
import torchvision.models as tvm

STRIP_THRESHOLD = 64  # initializers with MORE than this many elements lose their data
OPSETS = (17, 14, 13)  # first one that exports wins
SEED = 0

# name -> (input H=W, constructor kwargs, required-by-papers flag)
MODELS = collections.OrderedDict([
    # required: the networks used in the source papers
    ("inception_v3", (299, dict(aux_logits=True, init_weights=False), True)),
    ("mobilenet_v2", (224, {}, True)),
    ("mnasnet1_0", (224, {}, True)),
    ("resnet50", (224, {}, True)),
    ("googlenet", (224, dict(aux_logits=False, init_weights=False), True)),
    # extras: other families and a transformer, for generalisation tests
    ("resnet18", (224, {}, False)),
    ("squeezenet1_1", (224, {}, False)),
    ("shufflenet_v2_x1_0", (224, {}, False)),
    ("efficientnet_b0", (224, {}, False)),
    ("mobilenet_v3_large", (224, {}, False)),
    ("densenet121", (224, {}, False)),
    ("regnet_y_400mf", (224, {}, False)),
    ("convnext_tiny", (224, {}, False)),
    ("vit_b_16", (224, {}, False)),
])

# The held-out set: networks roofcast's calibration plan and model were never
# looked at against, of families the zoo lacks (ResNeXt's and RegNetX's
# grouped convolutions, a wide ResNet, AlexNet's large fully connected layers,
# EfficientNetV2's fused MBConv, a windowed-attention transformer) and a
# zoo family at another scale (ViT at 50 tokens, MobileNetV3 Small).
# `--set heldout` exports them to models/heldout/; the accuracy benchmark
# reports them apart from the zoo. Same tuple layout as MODELS.
HELDOUT = collections.OrderedDict([
    ("resnext50_32x4d", (224, {}, False)),
    ("wide_resnet50_2", (224, {}, False)),
    ("regnet_x_400mf", (224, {}, False)),
    ("alexnet", (224, {}, False)),
    ("efficientnet_v2_s", (224, {}, False)),
    ("mobilenet_v3_small", (224, {}, False)),
    ("swin_t", (224, {}, False)),
    ("vit_b_32", (224, {}, False)),
])
SETS = {"zoo": MODELS, "heldout": HELDOUT}
ALL_MODELS = collections.OrderedDict(list(MODELS.items()) + list(HELDOUT.items()))

# Published torchvision figures (model documentation), for the README only.
PUBLISHED = {
    "inception_v3": ("5.71", "27.16 (incl. aux; 23.8 without)"),
    "mobilenet_v2": ("0.30", "3.50"),
    "mnasnet1_0": ("0.31", "4.38"),
    "resnet50": ("4.09", "25.56"),
    "googlenet": ("1.50", "6.62"),
}


def log(msg):
    print(msg, flush=True)


def input_shape_of(name):
    hw = ALL_MODELS[name][0]
    return (1, 3, hw, hw)


def shape_str(shape):
    return "x".join(str(d) for d in shape)


def build_model(name):
    _, kwargs, _ = ALL_MODELS[name]
    torch.manual_seed(SEED)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = getattr(tvm, name)(weights=None, **kwargs)
    model.eval()
    return model


def make_input(name):
    g = torch.Generator().manual_seed(SEED)
    return torch.randn(*input_shape_of(name), generator=g)


# --------------------------------------------------------------------------
# Reference figures from PyTorch (forward hooks)
# --------------------------------------------------------------------------

def reference_counts(name, model, x):
    executed = []  # modules whose forward ran, in call order (may repeat)
    macs = collections.Counter()

    def hook(mod, inputs, output):
        executed.append(mod)
        if isinstance(mod, nn.Conv2d):
            n, k, p, q = output.shape
            c = mod.in_channels
            r, s = mod.kernel_size
            macs["conv2d"] += n * k * (c // mod.groups) * r * s * p * q
        elif isinstance(mod, nn.Linear):
            inp = inputs[0]
            rows = inp.numel() // mod.in_features
            macs["linear"] += rows * mod.in_features * mod.out_features
        elif isinstance(mod, nn.MultiheadAttention):
            # out_proj is used through its weight tensor (functional / fused
            # fast path), so its nn.Linear hook never fires: count it here.
            # torchvision calls it with keyword arguments, which forward
            # hooks do not see in torch 1.13: take L, N, E from the output
            # (self-attention: key/value length == query length).
            out = output[0] if isinstance(output, tuple) else output
            if mod.batch_first:
                n, l, e = out.shape
            else:
                l, n, e = out.shape
            kdim, vdim = mod.kdim, mod.vdim
            # in-projection of q, k, v (self-attention: same length L)
            macs["mha_proj"] += n * l * e * e + n * l * kdim * e + n * l * vdim * e
            # out-projection
            macs["mha_proj"] += n * l * e * e
            # Q K^T and softmax(.) V over all heads: head_dim*heads = E
            macs["mha_attention"] += 2 * n * l * l * e
        elif type(mod).__name__ == "ShiftedWindowAttention":
            # Swin: qkv and proj are nn.Linear modules the attention calls
            # through their weights, so their hooks never fire: count them
            # here, on the input padded to whole windows, with the two
            # attention products within each window of ws0*ws1 tokens.
            b, h, w, c = inputs[0].shape
            ws0, ws1 = mod.window_size
            tokens = b * (-(-h // ws0) * ws0) * (-(-w // ws1) * ws1)
            macs["window_proj"] += tokens * c * mod.qkv.out_features + tokens * c * mod.proj.out_features
            macs["window_attention"] += 2 * tokens * ws0 * ws1 * c

    handles = [m.register_forward_hook(hook) for m in model.modules()]
    with torch.no_grad():
        model(x)
    for h in handles:
        h.remove()

    # parameters of executed modules (own parameters only, plus everything
    # inside an executed MultiheadAttention or Swin window attention, whose
    # projections are not "called")
    seen = set()
    eval_params = 0
    for mod in executed:
        params = mod.parameters(recurse=isinstance(mod, nn.MultiheadAttention)
                                or type(mod).__name__ == "ShiftedWindowAttention")
        for p in params:
            if id(p) not in seen:
                seen.add(id(p))
                eval_params += p.numel()

    total_params = sum(p.numel() for p in model.parameters())
    rec = {
        "input_shape": list(input_shape_of(name)),
        "macs_conv2d": int(macs["conv2d"]),
        "macs_linear": int(macs["linear"]),
        "macs_mha_attention": int(macs["mha_attention"]),
        "macs_mha_proj": int(macs["mha_proj"]),
        "macs_window_attention": int(macs["window_attention"]),
        "macs_window_proj": int(macs["window_proj"]),
        "macs_conv_linear": int(sum(macs.values())),
        "params_eval_graph": int(eval_params),
        "params_total": int(total_params),
        "torch_version": torch.__version__,
        "torchvision_version": torchvision.__version__,
    }
    has_mha = any(isinstance(m, nn.MultiheadAttention) for m in model.modules())
    if has_mha:
        rec["macs_note"] = (
            "macs_conv_linear includes nn.MultiheadAttention: macs_mha_proj = "
            "q/k/v in-projection + out-projection (N*L*E*E each), "
            "macs_mha_attention = Q*K^T + attn*V (2*N*L*L*E). Softmax, "
            "LayerNorm, GELU, adds and scaling are not counted.")
    elif macs["window_proj"]:
        rec["macs_note"] = (
            "macs_conv_linear includes Swin's window attention: macs_window_proj = "
            "qkv + proj on the input padded to whole windows (T*C*3C + T*C*C), "
            "macs_window_attention = Q*K^T + attn*V within windows of W tokens "
            "(2*T*W*C). Softmax, LayerNorm, GELU, adds, the shifts' masks and "
            "the relative position bias are not counted.")
    else:
        rec["macs_note"] = ("Conv2d (N*K*(C/groups)*R*S*P*Q) + Linear "
                            "(rows*in*out) only; BN, activations, pooling, "
                            "elementwise ops not counted.")
    return rec


# --------------------------------------------------------------------------
# Export, validation, stripping
# --------------------------------------------------------------------------

# torch.onnx.export (eval mode) merges initializers with *equal values* into
# one, re-creating the others with Identity nodes. With default random init
# many tensors are equal (LayerNorm weight 1 / bias 0, layer-scale 1e-6, the
# zero biases of BN-folded convs), so the stock export is full of
# "Identity(shared_initializer)" nodes that an export of trained weights
# would not have. By default we switch that pass off (DEDUP_INITIALIZERS).
DEDUP_INITIALIZERS = False


def export_onnx(model, x, opset):
    buf = io.BytesIO()
    real_dedup = torch._C._jit_pass_onnx_deduplicate_initializers
    if not DEDUP_INITIALIZERS:
        torch._C._jit_pass_onnx_deduplicate_initializers = \
            lambda graph, params_dict, is_train: params_dict
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model, (x,), buf,
                opset_version=opset,
                do_constant_folding=True,
                input_names=["input"],
                output_names=["logits"],
                export_params=True,
            )
    finally:
        torch._C._jit_pass_onnx_deduplicate_initializers = real_dedup
    return onnx.load_from_string(buf.getvalue())


def tensor_type_static(vi):
    """Return None if static, else a reason string."""
    t = vi.type
    if not t.HasField("tensor_type"):
        return "not a tensor type"
    tt = t.tensor_type
    if tt.elem_type == 0:
        return "unknown elem_type"
    if not tt.HasField("shape"):
        return "no shape"
    for d in tt.shape.dim:
        if not d.HasField("dim_value"):
            return "dim %r unknown" % (d.dim_param or "?")
    return None


def check_static_shapes(model):
    """List (tensor, producing op, node name, reason) for every non-static tensor."""
    g = model.graph
    types = {}
    for vi in list(g.input) + list(g.output) + list(g.value_info):
        types[vi.name] = vi
    inits = {t.name for t in g.initializer}
    problems = []
    for vi in g.input:
        if vi.name not in inits:
            r = tensor_type_static(vi)
            if r:
                problems.append((vi.name, "<graph input>", "", r))
    for node in g.node:
        for out in node.output:
            if not out:
                continue
            vi = types.get(out)
            r = "no inferred type" if vi is None else tensor_type_static(vi)
            if r:
                problems.append((out, node.op_type, node.name, r))
    return problems


def constants_to_initializers(model):
    """Turn Constant nodes holding > STRIP_THRESHOLD elements into initializers."""
    g = model.graph
    keep, moved = [], 0
    for node in g.node:
        if node.op_type == "Constant" and node.domain in ("", "ai.onnx"):
            arr = None
            for a in node.attribute:
                if a.name == "value":
                    arr = onnx.numpy_helper.to_array(a.t)
                elif a.name == "value_floats":
                    arr = np.asarray(a.floats, dtype=np.float32)
                elif a.name == "value_ints":
                    arr = np.asarray(a.ints, dtype=np.int64)
            if arr is not None and arr.size > STRIP_THRESHOLD:
                init = onnx.numpy_helper.from_array(arr, node.output[0])
                g.initializer.append(init)
                moved += 1
                continue
        keep.append(node)
    if moved:
        del g.node[:]
        g.node.extend(keep)
    return moved


def _np_dtype(elem_type):
    return onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[elem_type]


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _eval_node(node, ins, shapes):
    """numpy evaluation of the small ops found in shape-computing subgraphs.
    ins: list of np arrays (None for an absent optional input). Returns list
    of outputs, or None if the op is not supported here."""
    op, at = node.op_type, _attrs(node)
    if op == "Constant":
        if "value" in at:
            return [onnx.numpy_helper.to_array(at["value"])]
        for k, dt in (("value_float", np.float32), ("value_floats", np.float32),
                      ("value_int", np.int64), ("value_ints", np.int64)):
            if k in at:
                return [np.asarray(at[k], dtype=dt)]
        return None
    if op == "Shape":
        shp = shapes[node.input[0]]
        start, end = at.get("start", 0), at.get("end", None)
        return [np.asarray(shp, dtype=np.int64)[start:end]]
    if op == "Identity":
        return [ins[0]]
    if op in ("Add", "Sub", "Mul", "Div"):
        a, b = ins
        if op == "Div" and np.issubdtype(a.dtype, np.integer):
            r = np.trunc(a.astype(np.float64) / b).astype(a.dtype)
        else:
            r = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply,
                 "Div": np.divide}[op](a, b).astype(a.dtype)
        return [r]
    if op == "Equal":
        return [np.equal(ins[0], ins[1])]
    if op == "Where":
        return [np.where(ins[0], ins[1], ins[2])]
    if op == "Gather":
        return [np.take(ins[0], ins[1], axis=at.get("axis", 0))]
    if op == "Concat":
        return [np.concatenate(ins, axis=at["axis"])]
    if op == "Unsqueeze":
        r = ins[0]
        axes = sorted(int(a) % (r.ndim + len(ins[1])) for a in ins[1])
        for a in axes:
            r = np.expand_dims(r, a)
        return [r]
    if op == "Squeeze":
        r = ins[0]
        if len(ins) > 1 and ins[1] is not None:
            return [np.squeeze(r, axis=tuple(int(a) for a in ins[1]))]
        return [np.squeeze(r)]
    if op == "Cast":
        return [ins[0].astype(_np_dtype(at["to"]))]
    if op == "Reshape":
        shape = [int(d) for d in ins[1]]
        if not at.get("allowzero", 0):
            shape = [ins[0].shape[i] if d == 0 else d for i, d in enumerate(shape)]
        return [ins[0].reshape(shape)]
    if op == "ConstantOfShape":
        v = onnx.numpy_helper.to_array(at["value"]) if "value" in at \
            else np.zeros(1, np.float32)
        return [np.full([int(d) for d in ins[0]], v.reshape(-1)[0], dtype=v.dtype)]
    if op == "Expand":
        shape = np.broadcast_shapes(ins[0].shape, tuple(int(d) for d in ins[1]))
        return [np.broadcast_to(ins[0], shape).copy()]
    if op == "Range":
        return [np.arange(ins[0], ins[1], ins[2]).astype(ins[0].dtype)]
    if op == "Slice":
        data, starts, ends = ins[0], ins[1], ins[2]
        axes = ins[3] if len(ins) > 3 and ins[3] is not None else range(len(starts))
        steps = ins[4] if len(ins) > 4 and ins[4] is not None else [1] * len(starts)
        idx = [slice(None)] * data.ndim
        for s_, e_, a_, st in zip(starts, ends, axes, steps):
            idx[int(a_)] = slice(int(s_), int(e_), int(st))
        return [data[tuple(idx)]]
    return None


def static_shapes_of(model):
    g = model.graph
    shp = {}
    for vi in list(g.input) + list(g.output) + list(g.value_info):
        if tensor_type_static(vi) is None:
            shp[vi.name] = [d.dim_value for d in vi.type.tensor_type.shape.dim]
    for t in g.initializer:
        shp[t.name] = list(t.dims)
    return shp


FOLD_MAX_ELEMS = 4096  # only small (shape-like) tensors are folded


def shape_oracle(model, max_rounds=10):
    """Complete ONNX shape inference where onnx's own data propagation stops.

    Works on a copy: repeatedly evaluates with numpy every node whose inputs
    are all small known constants (or a Shape of a tensor with a static
    shape), replaces it by an initializer and re-runs onnx shape inference.
    The graph itself is NOT changed; returns {tensor: (elem_type, dims)} for
    every tensor whose type is then known, including the folded ones."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    folded_types = {}
    for _ in range(max_rounds):
        m = onnx.shape_inference.infer_shapes(m, strict_mode=True, data_prop=True)
        shapes = static_shapes_of(m)
        consts = {}
        for t in m.graph.initializer:
            n = int(np.prod(t.dims)) if len(t.dims) else 1
            if n <= FOLD_MAX_ELEMS:
                consts[t.name] = onnx.numpy_helper.to_array(t)
        keep, new_inits = [], []
        for node in m.graph.node:
            res = None
            if node.op_type == "Shape":
                ok = node.input[0] in shapes
            else:
                ok = all((not i) or i in consts for i in node.input)
            if ok and not any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS)
                              for a in node.attribute):
                try:
                    res = _eval_node(node, [consts.get(i) if i else None for i in node.input],
                                     shapes)
                except Exception:  # noqa: BLE001 - leave it to onnx
                    res = None
            if res is None or any(r.size > FOLD_MAX_ELEMS for r in res):
                keep.append(node)
                continue
            for out, arr in zip(node.output, res):
                arr = np.asarray(arr)
                consts[out] = arr
                shapes[out] = list(arr.shape)
                new_inits.append(onnx.numpy_helper.from_array(arr, out))
                folded_types[out] = (onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[arr.dtype],
                                     list(arr.shape))
        if not new_inits:
            break
        del m.graph.node[:]
        m.graph.node.extend(keep)
        m.graph.initializer.extend(new_inits)
        del m.graph.value_info[:]
    types = dict(folded_types)
    for vi in list(m.graph.input) + list(m.graph.output) + list(m.graph.value_info):
        if tensor_type_static(vi) is None:
            types[vi.name] = (vi.type.tensor_type.elem_type,
                              [d.dim_value for d in vi.type.tensor_type.shape.dim])
    return types


def complete_value_info(model, types):
    """Set value_info of every intermediate tensor from `types` (static shapes)."""
    g = model.graph
    io_names = {v.name for v in g.input} | {v.name for v in g.output} | \
        {t.name for t in g.initializer}
    del g.value_info[:]
    for node in g.node:
        for out in node.output:
            if out and out not in io_names and out in types:
                et, dims = types[out]
                g.value_info.append(onnx.helper.make_tensor_value_info(out, et, dims))


def non_static_roots(model, problems):
    """Nodes with a non-static output although all their inputs are static."""
    shapes = static_shapes_of(model)
    bad = {p[0] for p in problems}
    roots = []
    for node in model.graph.node:
        if any(o in bad for o in node.output) and \
                all((not i) or i in shapes for i in node.input):
            roots.append(node)
    return roots


def has_subgraphs(model):
    for node in model.graph.node:
        for a in node.attribute:
            if a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS):
                return True
    return False


def strip_initializers(model):
    stripped = kept = stripped_elems = kept_elems = 0
    for t in model.graph.initializer:
        n = int(np.prod(t.dims)) if len(t.dims) else 1
        if n > STRIP_THRESHOLD:
            for f in ("raw_data", "float_data", "int32_data", "string_data",
                      "int64_data", "double_data", "uint64_data",
                      "external_data", "data_location"):
                t.ClearField(f)
            stripped += 1
            stripped_elems += n
        else:
            kept += 1
            kept_elems += n
    return stripped, kept, stripped_elems, kept_elems


def set_metadata(model, name):
    entries = [
        ("roofcast.graph_only", "true"),
        ("roofcast.source", "torchvision %s %s random weights seed %d"
         % (torchvision.__version__, name, SEED)),
        ("roofcast.input_shape", shape_str(input_shape_of(name))),
        ("roofcast.strip_threshold", str(STRIP_THRESHOLD)),
    ]
    keys = {k for k, _ in entries}
    old = [p for p in model.metadata_props if p.key not in keys]
    del model.metadata_props[:]
    model.metadata_props.extend(old)
    for k, v in entries:
        p = model.metadata_props.add()
        p.key, p.value = k, v


def process(name, out_dir):
    t0 = time.time()
    log("[%s] building (input %s)" % (name, shape_str(input_shape_of(name))))
    model = build_model(name)
    x = make_input(name)

    ref = reference_counts(name, model, x)
    log("[%s] reference: params_total=%d params_eval_graph=%d macs_conv_linear=%d"
        % (name, ref["params_total"], ref["params_eval_graph"], ref["macs_conv_linear"]))

    onnx_model, opset, errors = None, None, []
    for op in OPSETS:
        try:
            log("[%s] exporting opset %d" % (name, op))
            onnx_model = export_onnx(model, x, op)
            opset = op
            break
        except Exception as e:  # noqa: BLE001 - report and try the next opset
            msg = "%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else "")
            errors.append("opset %d: %s" % (op, msg))
            log("[%s]   export failed at opset %d: %s" % (name, op, msg))
    if onnx_model is None:
        return None, ref, {"failed": errors}

    # --- validate the full model --------------------------------------------
    onnx.checker.check_model(onnx_model)
    # drop the exporter's own value_info so the check below is ONNX's opinion
    del onnx_model.graph.value_info[:]
    inferred = onnx.shape_inference.infer_shapes(
        onnx_model, check_type=True, strict_mode=True, data_prop=True)
    problems = check_static_shapes(inferred)
    roots = non_static_roots(inferred, problems)
    for node in roots[:3]:
        log("[%s]   NON-STATIC after onnx inference: %s %s -> %s (inputs: %s)"
            % (name, node.op_type, node.name, ", ".join(node.output),
               ", ".join(node.input)))
    if len(roots) > 3:
        log("[%s]   ... and %d more root node(s)" % (name, len(roots) - 3))
    if problems:
        log("[%s]   %d tensors non-static after onnx %s inference (%s), %d root node(s)"
            % (name, len(problems), onnx.__version__,
               dict(collections.Counter(p[1] for p in problems)), len(roots)))
    else:
        log("[%s] shape inference: all %d node outputs static"
            % (name, sum(len(n.output) for n in inferred.graph.node)))
    # complete the shapes by folding the shape-computing subgraphs (on a copy)
    types = shape_oracle(onnx_model)
    complete_value_info(inferred, types)
    still = check_static_shapes(inferred)
    if problems:
        log("[%s]   after numpy shape folding: %d tensor(s) still non-static"
            % (name, len(still)))
    for t, op_type, node_name, reason in still:
        log("[%s]   STILL NON-STATIC: %s (from %s %s): %s"
            % (name, t, op_type, node_name, reason))
    onnx_model = inferred
    del inferred

    # --- strip ---------------------------------------------------------------
    if has_subgraphs(onnx_model):
        log("[%s]   WARNING: model has subgraphs; only the main graph is stripped" % name)
    moved = constants_to_initializers(onnx_model)
    stripped, kept, stripped_elems, kept_elems = strip_initializers(onnx_model)
    set_metadata(onnx_model, name)

    checker_stripped = "ok"
    try:
        onnx.checker.check_model(onnx_model)
    except Exception as e:  # noqa: BLE001
        checker_stripped = "%s: %s" % (type(e).__name__, str(e).splitlines()[0])

    data = onnx_model.SerializeToString()
    path = os.path.join(out_dir, name + ".onnx")
    with open(path, "wb") as f:
        f.write(data)

    op_counts = collections.Counter(n.op_type for n in onnx_model.graph.node)
    summary = {
        "checker_after_strip": checker_stripped,
        "constants_converted": moved,
        "deduplicate_initializers": DEDUP_INITIALIZERS,
        "export_errors": errors,
        "file_bytes": len(data),
        "initializer_elements_kept": kept_elems,
        "initializer_elements_stripped": stripped_elems,
        "initializers_kept": kept,
        "initializers_stripped": stripped,
        "input_shape": list(input_shape_of(name)),
        "nodes": len(onnx_model.graph.node),
        "non_static_after_onnx_inference": {
            "count": len(problems),
            "by_op_type": dict(sorted(collections.Counter(p[1] for p in problems).items())),
            "root_nodes": [
                {"name": n.name, "op_type": n.op_type, "inputs": list(n.input),
                 "outputs": list(n.output)} for n in roots],
        },
        "non_static_after_shape_folding": [
            {"tensor": t, "op_type": o, "node": nn_, "reason": r}
            for t, o, nn_, r in still],
        "op_counts": dict(sorted(op_counts.items())),
        "opset": opset,
        "required": ALL_MODELS[name][2],
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    log("[%s] wrote %s (%.1f KB, opset %d, %d nodes, %d/%d initializers stripped, "
        "checker after strip: %s) in %.1fs"
        % (name, path, len(data) / 1024.0, opset, summary["nodes"], stripped,
           stripped + kept, checker_stripped, time.time() - t0))
    return path, ref, summary


# --------------------------------------------------------------------------
# Outputs: JSON files and README
# --------------------------------------------------------------------------

def load_json(path):
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    return {}


def dump_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write("\n")


def ordered(names):
    return [n for n in ALL_MODELS if n in names] + sorted(n for n in names if n not in ALL_MODELS)


README_HEAD = """\
# roofcast model zoo

Small **graph-only** ONNX files of torchvision networks, used by roofcast's
tests and examples. Everything in this directory, this README included, is
generated by `export_zoo.py` (edit the template in the script, not this file):

```sh
/usr/bin/python3 models/export_zoo.py                     # whole zoo
/usr/bin/python3 models/export_zoo.py --only resnet50 ... # some models
/usr/bin/python3 models/export_zoo.py --set heldout       # the held-out set
/usr/bin/python3 models/export_zoo.py --out-dir DIR       # elsewhere
```

`--set heldout` exports, into `models/heldout/` with its own copies of the
files below, the networks kept out of the zoo to judge a calibrated profile
on networks never looked at while building it (see the script's `HELDOUT`).

(`/usr/bin/python3` = Debian 12's interpreter with `python3-torch`,
`python3-torchvision`, `python3-onnx`, `python3-numpy`.) With `--only`, the
JSON files and this README are updated in place for the named models; the
other entries are kept.

## How the files are made

* torchvision `{tv}` / torch `{torch}` / onnx `{onnx}`; `weights=None` after
  `torch.manual_seed(0)`, `model.eval()`, batch 1, fixed input shape
  (Inception V3 1x3x299x299, all others 1x3x224x224).
  Inception V3 is built with `aux_logits=True, init_weights=False` (the aux
  classifier is not part of the eval graph); GoogLeNet with
  `aux_logits=False, init_weights=False`.
* `torch.onnx.export(..., opset_version=17, do_constant_folding=True,
  input_names=["input"], output_names=["logits"])`, no dynamic axes
  (if opset 17 fails the script tries 14, then 13; see the `opset` column).
  BatchNorm after a convolution is folded into the Conv by the exporter.
* The exporter's initializer de-duplication pass
  (`torch._C._jit_pass_onnx_deduplicate_initializers`) is switched off for
  the export: in eval mode it merges initializers with *equal values*, and
  with default random init many are equal (LayerNorm weight 1 / bias 0,
  ConvNeXt layer-scale 1e-6, the all-zero biases of BN-folded convs), which
  would give every model dozens of `Identity(shared_initializer)` nodes that
  an export of trained weights does not have, and initializer element counts
  that are too low. `--dedup-initializers` restores the stock behaviour.
* The full model passes `onnx.checker.check_model` and
  `onnx.shape_inference.infer_shapes(strict_mode=True, data_prop=True)`; the
  script then checks that every tensor has a fully static shape.
  With onnx {onnx} this is *not* the case for `shufflenet_v2_x1_0` and
  `vit_b_16`: `torch.chunk` is exported as `Slice` whose `ends` come from a
  `Shape -> Gather -> Add -> Div -> Mul` chain, and onnx's data propagation
  has no `Div`; ViT's `class_token.expand(n, -1, -1)` becomes
  `Expand(class_token, Where(Equal(ConstantOfShape ...)))`, also not
  propagated. The script completes those shapes by evaluating such small
  shape-computing subgraphs with numpy on a copy of the model (the graph in
  the file is left exactly as exported) and re-running onnx inference; after
  that every tensor of every model is static (see `onnx_summary.json`,
  `non_static_after_onnx_inference` / `non_static_after_shape_folding`).
  The resulting `value_info` (static shape of every intermediate tensor) is
  stored in the file and can serve as a test oracle; roofcast has to do the
  same constant/shape folding itself to get these shapes.
* **Stripping rule:** every initializer with **more than 64 elements** has
  its data removed (`raw_data`, all typed `*_data` fields, `external_data`,
  `data_location`); its name, `data_type` and `dims` are kept. Initializers
  with at most 64 elements (Clip bounds, Reshape shape vectors, scalars…)
  keep their data, since shape inference needs them. Before stripping, any
  `Constant` node holding more than 64 elements is turned into an initializer
  of the same name (and the node removed) so it is stripped the same way.
* Metadata (`metadata_props`): `roofcast.graph_only=true`,
  `roofcast.source=torchvision <version> <model> random weights seed 0`,
  `roofcast.input_shape=1x3x224x224` (or 299), `roofcast.strip_threshold=64`.
* A stripped initializer has dims but no data, which `onnx.checker` rejects
  ("should contain one and only one value field"); `onnx.load` and protobuf
  parsing are fine. Only the full model (before stripping) is checked.
* Because the weights are gone these files are not runnable as they are:
  when roofcast needs a runnable copy (e.g. to time it on a device) it fills
  the stripped initializers with random data of the recorded type and shape.
  Latency and roofline figures do not depend on the weight values.

## Reference figures

`reference_counts.json` holds figures computed independently from PyTorch
(forward hooks during one eval forward pass), not from the ONNX file:

* `params_total` = `sum(p.numel() for p in model.parameters())`
  (for Inception V3 this includes the aux classifier);
* `params_eval_graph` = parameters of the modules actually executed in the
  eval forward pass (no aux classifier);
* `macs_conv_linear` = multiply-accumulates of `nn.Conv2d`
  (N·K·(C/groups)·R·S·P·Q from the actual output shapes) + `nn.Linear`
  (in·out·rows) + for ViT the `nn.MultiheadAttention` projections and the
  two attention matmuls (broken down in `macs_conv2d`, `macs_linear`,
  `macs_mha_proj`, `macs_mha_attention`; see `macs_note`). BN, activations,
  pooling and element-wise ops are not counted.

`onnx_summary.json` describes the exported files themselves: opset, node
count, per-model `op_type` counts, initializer statistics, whether the
checker still accepts the stripped file, any non-static tensor, sha256.

"""


README_NOTES = """\
## Export details worth knowing

* Inception V3's `F.avg_pool2d(..., padding=1)` (count_include_pad) is
  exported as `Pad` + `AveragePool(pads=0)`; DenseNet's transition
  `AvgPool2d(2)` as a `Pad` with all-zero pads + `AveragePool`.
* GoogLeNet and SqueezeNet use `MaxPool(ceil_mode=1)`; Inception V3 has 1x7 /
  7x1 / 1x3 / 3x1 convolutions with asymmetric `pads`.
* MobileNet V2's ReLU6 is `Clip` with min/max from `Constant` nodes; MnasNet
  and ShuffleNet end with `ReduceMean(axes=[2,3], keepdims=0)`; SiLU is
  `Sigmoid` + `Mul`; GELU is the `Erf` form (`Div`, `Erf`, `Add`, `Mul`).
* ConvNeXt's and ViT's `nn.Linear` on 3-D/4-D tensors are `MatMul` + `Add`;
  2-D ones are `Gemm(transB=1)`. ViT's attention is `MatMul` on
  [12,197,64] x [12,64,197] and [12,197,197] x [12,197,64], with the q/k/v
  split done by `Slice` whose bounds come from `Shape -> Gather -> Add ->
  Div -> Mul` (same pattern for ShuffleNet's channel split).
* MACs computed from the ONNX graph (Conv, Gemm, MatMul, using the
  stored `value_info`) equal `macs_conv_linear` exactly for every model.
  Initializer element counts differ from `params_*` where BatchNorm was
  folded into a Conv (BN weight+bias become one conv bias) and for DenseNet's
  unfolded BatchNormalization (running mean/var become initializers).
"""


def write_readme(out_dir, refs, summ):
    lines = [README_HEAD.format(tv=torchvision.__version__, torch=torch.__version__,
                                onnx=onnx.__version__)]
    lines.append("| model | input | opset | file KB | GMACs (conv+linear) | params total (M) "
                 "| params eval graph (M) | published GMACs | published params (M) |")
    lines.append("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for name in ordered(set(refs) | set(summ)):
        r, s = refs.get(name, {}), summ.get(name, {})
        pub = PUBLISHED.get(name, ("", ""))
        kb = "%.1f" % (s["file_bytes"] / 1024.0) if "file_bytes" in s else "-"
        lines.append("| %s%s | %s | %s | %s | %.3f | %.3f | %.3f | %s | %s |" % (
            name, " *" if MODELS.get(name, (0, 0, False))[2] else "",
            shape_str(r.get("input_shape", [])), s.get("opset", "FAILED"), kb,
            r.get("macs_conv_linear", 0) / 1e9, r.get("params_total", 0) / 1e6,
            r.get("params_eval_graph", 0) / 1e6, pub[0], pub[1]))
    lines.append("")
    lines.append("`*` = the five networks of the source papers. Published figures: "
                 "torchvision model documentation (GFLOPS there = multiply-accumulates).")
    lines.append("")

    # op table
    ops = sorted({op for s in summ.values() for op in s.get("op_counts", {})})
    names = ordered(set(summ))
    if ops:
        lines.append("## ONNX operators per model")
        lines.append("")
        lines.append("| op_type | " + " | ".join(names) + " |")
        lines.append("|---|" + "---:|" * len(names))
        for op in ops:
            lines.append("| %s | %s |" % (op, " | ".join(
                str(summ[n].get("op_counts", {}).get(op, "")) for n in names)))
        lines.append("")
    lines.append(README_NOTES)
    with open(os.path.join(out_dir, "README.md"), "w") as f:
        f.write("\n".join(lines))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", choices=sorted(SETS), default="zoo", dest="model_set",
                    help="zoo (default) or heldout: the networks kept out of the zoo, "
                         "for judging a profile on networks never looked at")
    ap.add_argument("--only", nargs="+", metavar="NAME", choices=list(ALL_MODELS),
                    help="export only these models of the set (default: all of it)")
    ap.add_argument("--out-dir", default=None,
                    help="output directory (default: this script's directory for the zoo, "
                         "its heldout/ subdirectory for the held-out set)")
    ap.add_argument("--dedup-initializers", action="store_true",
                    help="keep torch's merging of equal-valued initializers "
                         "(Identity nodes); off by default, see README")
    args = ap.parse_args(argv)
    global DEDUP_INITIALIZERS
    DEDUP_INITIALIZERS = args.dedup_initializers

    models = SETS[args.model_set]
    if args.only and any(n not in models for n in args.only):
        ap.error("not in the %s set: %s" % (args.model_set, ", ".join(n for n in args.only if n not in models)))
    names = args.only or list(models)
    if args.out_dir is None:
        here = os.path.dirname(os.path.abspath(__file__))
        args.out_dir = here if args.model_set == "zoo" else os.path.join(here, "heldout")
    os.makedirs(args.out_dir, exist_ok=True)
    ref_path = os.path.join(args.out_dir, "reference_counts.json")
    sum_path = os.path.join(args.out_dir, "onnx_summary.json")
    refs, summ = load_json(ref_path), load_json(sum_path)

    log("torch %s, torchvision %s, onnx %s; %d model(s) -> %s"
        % (torch.__version__, torchvision.__version__, onnx.__version__,
           len(names), args.out_dir))
    t0 = time.time()
    failed = []
    for i, name in enumerate(names, 1):
        log("=== (%d/%d) %s" % (i, len(names), name))
        path, ref, s = process(name, args.out_dir)
        refs[name] = ref
        summ[name] = s
        if path is None:
            failed.append(name)
        # write after every model so progress survives an interruption
        dump_json(ref_path, refs)
        dump_json(sum_path, summ)
    write_readme(args.out_dir, refs, summ)
    log("done in %.1fs; failed: %s" % (time.time() - t0, ", ".join(failed) or "none"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
