//! From decoded ONNX messages to the operator chain.

use std::collections::BTreeMap;

use super::OnnxError;
use super::proto::{AttributeProto, ModelProto, NodeProto, attribute_type, data_type};
use super::tensor::{self, Constant, ConstantData};
use crate::geometry::{ConvGeometry, PoolGeometry};
use crate::graph::{Conv, Dense, Graph, Op, Param};

const SUPPORTED: &str = "Gemm, MatMul, Conv, Add (bias), Relu, MaxPool, Flatten, Reshape, \
                         Identity, Constant, QuantizeLinear, DequantizeLinear, QLinearMatMul, \
                         QLinearConv";

/// Opset versions of the default domain whose semantics import implements.
const OPSETS: std::ops::RangeInclusive<i64> = 10..=23;

/// Two scales of one tensor agree when their relative difference is below this; exporters write
/// the same constant twice, so anything larger is a different quantisation.
const SCALE_TOLERANCE: f32 = 1e-6;

/// The running activation of the chain.
struct Activation {
    name: String,
    shape: Vec<usize>,
    /// The per-tensor scale when the tensor holds quantised integers (after QuantizeLinear or a
    /// QLinear operator, before DequantizeLinear).
    quantised: Option<f32>,
}

/// Integers and the per-tensor scale a quantised model pinned for a constant.
type Pinned = Option<(Vec<i64>, f32)>;

struct Lowering {
    constants: BTreeMap<String, (Constant, Pinned)>,
    current: Activation,
    ops: Vec<Op>,
}

pub(super) fn lower(model: &ModelProto) -> Result<Graph, OnnxError> {
    let default_opset = model
        .opset_import
        .iter()
        .find(|opset| opset.domain.is_empty() || opset.domain == "ai.onnx")
        .ok_or_else(|| malformed("the model imports no default-domain operator set"))?;
    if !OPSETS.contains(&default_opset.version) {
        return Err(malformed(format!(
            "operator set version {} is outside the supported range {}..={}",
            default_opset.version,
            OPSETS.start(),
            OPSETS.end()
        )));
    }
    let graph = model
        .graph
        .as_ref()
        .ok_or_else(|| malformed("the model has no graph"))?;
    if graph.node.is_empty() {
        return Err(malformed("the graph has no nodes"));
    }

    let mut constants = BTreeMap::new();
    for initializer in &graph.initializer {
        let constant = tensor::decode(initializer)?;
        if constants
            .insert(initializer.name.clone(), (constant, None))
            .is_some()
        {
            return Err(malformed(format!(
                "initializer `{}` is defined twice",
                initializer.name
            )));
        }
    }

    let inputs: Vec<_> = graph
        .input
        .iter()
        .filter(|input| !constants.contains_key(&input.name))
        .collect();
    let [input] = inputs.as_slice() else {
        return Err(malformed(format!(
            "the graph has {} inputs besides its initializers; import needs exactly one",
            inputs.len()
        )));
    };
    let tensor_type = input
        .r#type
        .as_ref()
        .and_then(|t| t.tensor_type.as_ref())
        .ok_or_else(|| malformed(format!("input `{}` is not a tensor", input.name)))?;
    if tensor_type.elem_type != data_type::FLOAT {
        return Err(malformed(format!(
            "input `{}` has element type {}; import needs float inputs",
            input.name, tensor_type.elem_type
        )));
    }
    let dims = tensor_type
        .shape
        .as_ref()
        .map(|shape| shape.dim.as_slice())
        .ok_or_else(|| malformed(format!("input `{}` has no shape", input.name)))?;
    let mut input_shape = Vec::with_capacity(dims.len());
    for (axis, dim) in dims.iter().enumerate() {
        // A symbolic batch dimension is proven at batch size 1.
        let value = if axis == 0 && dim.dim_value == 0 {
            1
        } else {
            dim.dim_value
        };
        let value = usize::try_from(value)
            .ok()
            .filter(|&v| v > 0)
            .ok_or_else(|| {
                malformed(format!(
                    "input `{}` has no fixed size on axis {axis}",
                    input.name
                ))
            })?;
        input_shape.push(value);
    }
    if input_shape.first() != Some(&1) || input_shape.len() < 2 {
        return Err(malformed(format!(
            "input `{}` has shape {input_shape:?}; import needs a batch dimension of 1 first",
            input.name
        )));
    }
    let input_len = input_shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d));
    if input_len.is_none_or(|n| n > 1 << 24) {
        return Err(malformed(format!("input `{}` is too large", input.name)));
    }

    let mut lowering = Lowering {
        constants,
        current: Activation {
            name: input.name.clone(),
            shape: input_shape.clone(),
            quantised: None,
        },
        ops: Vec::new(),
    };
    for node in &graph.node {
        lowering.node(node)?;
    }

    let [output] = graph.output.as_slice() else {
        return Err(malformed(format!(
            "the graph has {} outputs; import needs exactly one",
            graph.output.len()
        )));
    };
    if output.name != lowering.current.name {
        return Err(malformed(format!(
            "the graph output `{}` is not the end of the operator chain (`{}`)",
            output.name, lowering.current.name
        )));
    }
    if !lowering
        .ops
        .iter()
        .any(|op| matches!(op, Op::Dense(_) | Op::Conv(_)))
    {
        return Err(malformed("the graph has no Gemm, MatMul or Conv"));
    }
    Ok(Graph {
        input_shape,
        ops: lowering.ops,
    })
}

impl Lowering {
    fn node(&mut self, node: &NodeProto) -> Result<(), OnnxError> {
        if !(node.domain.is_empty() || node.domain == "ai.onnx") {
            return Err(OnnxError::UnsupportedOp {
                op_type: format!("{}.{}", node.domain, node.op_type),
                node: label(node),
                supported: SUPPORTED,
            });
        }
        let Some(output) = node.output.first().filter(|name| !name.is_empty()) else {
            return Err(malformed(format!("node `{}` has no output", label(node))));
        };
        if node.output.iter().skip(1).any(|name| !name.is_empty()) {
            return Err(unsupported(node, "only the first output may be used"));
        }
        match node.op_type.as_str() {
            "Constant" => {
                let value = node
                    .attribute
                    .iter()
                    .find(|a| a.name == "value")
                    .and_then(|a| a.t.as_ref())
                    .ok_or_else(|| {
                        unsupported(node, "only the `value` tensor form is supported")
                    })?;
                let constant = tensor::decode(value)?;
                self.define_constant(node, output, constant, None)?;
                return Ok(());
            }
            "DequantizeLinear" if self.is_constant(node, 0) => {
                let (ints, scale) = self.quantised_constant(node)?;
                let dims = self.constant(node, 0)?.dims.clone();
                let values = ints.iter().map(|&v| v as f32 * scale).collect();
                let constant = Constant {
                    dims,
                    data: ConstantData::Float(values),
                };
                self.define_constant(node, output, constant, Some((ints, scale)))?;
                return Ok(());
            }
            _ => {}
        }

        self.expect_activation(node, 0)?;
        match node.op_type.as_str() {
            "Identity" => {}
            "Relu" => self.ops.push(Op::Relu),
            "QuantizeLinear" => {
                self.expect_float(node)?;
                let scale = self.scale(node, 1)?;
                self.zero_point_is_zero(node, 2)?;
                self.ops.push(Op::Scale(scale));
                self.current.quantised = Some(scale);
            }
            "DequantizeLinear" => {
                let Some(scale) = self.current.quantised else {
                    return Err(unsupported(
                        node,
                        "dequantises a tensor that is not quantised",
                    ));
                };
                self.same_scale(node, scale, self.scale(node, 1)?)?;
                self.zero_point_is_zero(node, 2)?;
                self.current.quantised = None;
            }
            "Gemm" | "MatMul" => {
                self.expect_float(node)?;
                let dense = self.dense(node)?;
                self.current.shape = vec![1, dense.out_dim];
                self.ops.push(Op::Dense(dense));
            }
            "QLinearMatMul" => {
                self.expect_quantised_input(node)?;
                let dense = self.qlinear_matmul(node)?;
                self.current.shape = vec![1, dense.out_dim];
                self.ops.push(Op::Dense(dense));
                let scale = self.scale(node, 6)?;
                self.zero_point_is_zero(node, 7)?;
                self.ops.push(Op::Scale(scale));
                self.current.quantised = Some(scale);
            }
            "Conv" => {
                self.expect_float(node)?;
                let conv = self.conv(node, 1, 2, None)?;
                self.push_conv(conv)?;
            }
            "QLinearConv" => {
                let input_scale = self.expect_quantised_input(node)?;
                let conv = self.conv(node, 3, 8, Some(input_scale))?;
                self.push_conv(conv)?;
                let scale = self.scale(node, 6)?;
                self.zero_point_is_zero(node, 7)?;
                self.ops.push(Op::Scale(scale));
                self.current.quantised = Some(scale);
            }
            "Add" => self.bias_add(node)?,
            "MaxPool" => {
                let [c, h, w] = self.spatial_shape(node)?;
                let attrs = Attributes::new(node);
                attrs.only(&[
                    "kernel_shape",
                    "strides",
                    "pads",
                    "ceil_mode",
                    "dilations",
                    "storage_order",
                    "auto_pad",
                ])?;
                if attrs.int("ceil_mode", 0)? != 0 {
                    return Err(unsupported(node, "ceil_mode 1 is not supported"));
                }
                if attrs.int("storage_order", 0)? != 0 {
                    return Err(unsupported(node, "storage_order 1 is not supported"));
                }
                attrs.ones("dilations")?;
                let kernel = attrs.pair("kernel_shape", None)?;
                let stride = attrs.pair("strides", Some([1, 1]))?;
                let pads = attrs.pads()?;
                let pool = PoolGeometry {
                    input: [c, h, w],
                    kernel,
                    stride,
                    pads,
                };
                let [c, h, w] = pool
                    .output()
                    .ok_or_else(|| unsupported(node, "the window does not fit the input"))?;
                self.current.shape = vec![1, c, h, w];
                self.ops.push(Op::MaxPool(pool));
            }
            "Flatten" => {
                let rank = self.current.shape.len() as i64;
                let axis = Attributes::new(node).int("axis", 1)?;
                let axis = if axis < 0 { axis + rank } else { axis };
                if !(0..=rank).contains(&axis) {
                    return Err(unsupported(node, format!("axis {axis} is out of range")));
                }
                let (outer, inner) = self.current.shape.split_at(axis as usize);
                let shape = vec![outer.iter().product(), inner.iter().product()];
                self.reshape(node, shape)?;
            }
            "Reshape" => {
                let target = self.constant(node, 1)?;
                let Some(target) = target.ints() else {
                    return Err(unsupported(node, "the shape must be an int64 constant"));
                };
                let allow_zero = Attributes::new(node).int("allowzero", 0)? != 0;
                let shape =
                    reshape_target(&self.current.shape, target, allow_zero).ok_or_else(|| {
                        unsupported(
                            node,
                            format!("cannot reshape {:?} to {target:?}", self.current.shape),
                        )
                    })?;
                self.reshape(node, shape)?;
            }
            _ => {
                return Err(OnnxError::UnsupportedOp {
                    op_type: node.op_type.clone(),
                    node: label(node),
                    supported: SUPPORTED,
                });
            }
        }
        self.current.name = output.clone();
        Ok(())
    }

    fn define_constant(
        &mut self,
        node: &NodeProto,
        name: &str,
        constant: Constant,
        pinned: Option<(Vec<i64>, f32)>,
    ) -> Result<(), OnnxError> {
        if self
            .constants
            .insert(name.to_owned(), (constant, pinned))
            .is_some()
        {
            return Err(malformed(format!(
                "node `{}` redefines `{name}`",
                label(node)
            )));
        }
        Ok(())
    }

    fn is_constant(&self, node: &NodeProto, idx: usize) -> bool {
        node.input
            .get(idx)
            .is_some_and(|name| self.constants.contains_key(name))
    }

    fn constant(&self, node: &NodeProto, idx: usize) -> Result<&Constant, OnnxError> {
        self.constant_entry(node, idx).map(|(constant, _)| constant)
    }

    fn constant_entry(
        &self,
        node: &NodeProto,
        idx: usize,
    ) -> Result<&(Constant, Pinned), OnnxError> {
        let name = node
            .input
            .get(idx)
            .filter(|name| !name.is_empty())
            .ok_or_else(|| malformed(format!("node `{}` lacks input {idx}", label(node))))?;
        self.constants.get(name).ok_or_else(|| {
            unsupported(
                node,
                format!("input `{name}` must be a constant (an initializer)"),
            )
        })
    }

    /// A float parameter (weight or bias) with the integers a quantised model pinned for it.
    fn param(&self, node: &NodeProto, idx: usize) -> Result<(Vec<usize>, Param), OnnxError> {
        let (constant, pinned) = self.constant_entry(node, idx)?;
        let values = match &constant.data {
            ConstantData::Float(values) => values.clone(),
            ConstantData::Int { .. } => {
                return Err(unsupported(
                    node,
                    format!(
                        "integer input `{}` must be dequantised (DequantizeLinear) first",
                        node.input[idx]
                    ),
                ));
            }
        };
        if values.iter().any(|v| !v.is_finite()) {
            return Err(malformed(format!(
                "`{}` holds a NaN or infinity",
                node.input[idx]
            )));
        }
        Ok((
            constant.dims.clone(),
            Param {
                values,
                pinned: pinned.clone(),
            },
        ))
    }

    /// An integer constant taken as pinned integers with the scale at input `scale_idx`.
    fn int_param(
        &self,
        node: &NodeProto,
        idx: usize,
        scale: f32,
    ) -> Result<(Vec<usize>, Param), OnnxError> {
        let constant = self.constant(node, idx)?;
        let ints = constant.ints().ok_or_else(|| {
            unsupported(
                node,
                format!("input `{}` must be an integer tensor", node.input[idx]),
            )
        })?;
        let values = ints.iter().map(|&v| v as f32 * scale).collect();
        Ok((
            constant.dims.clone(),
            Param {
                values,
                pinned: Some((ints.to_vec(), scale)),
            },
        ))
    }

    fn quantised_constant(&self, node: &NodeProto) -> Result<(Vec<i64>, f32), OnnxError> {
        let attrs = Attributes::new(node);
        attrs.only(&["axis", "block_size"])?;
        let constant = self.constant(node, 0)?;
        let ints = match &constant.data {
            ConstantData::Int {
                values,
                data_type: data_type::INT8 | data_type::INT32,
            } => values,
            _ => {
                return Err(unsupported(
                    node,
                    "only int8 weights and int32 biases are supported",
                ));
            }
        };
        let scale = self.scale(node, 1)?;
        self.zero_point_is_zero(node, 2)?;
        Ok((ints.clone(), scale))
    }

    /// A positive finite per-tensor scale.
    fn scale(&self, node: &NodeProto, idx: usize) -> Result<f32, OnnxError> {
        let constant = self.constant(node, idx)?;
        match constant.scalar_f32() {
            Some(scale) if scale.is_finite() && scale > 0.0 => Ok(scale),
            Some(scale) => Err(unsupported(node, format!("scale {scale} is not positive"))),
            None => Err(unsupported(
                node,
                format!(
                    "input `{}` must be a single float scale (per-channel quantisation is not \
                 supported)",
                    node.input[idx]
                ),
            )),
        }
    }

    fn zero_point_is_zero(&self, node: &NodeProto, idx: usize) -> Result<(), OnnxError> {
        if node.input.get(idx).is_none_or(|name| name.is_empty()) {
            return Ok(());
        }
        let constant = self.constant(node, idx)?;
        match &constant.data {
            ConstantData::Int {
                values,
                data_type: data_type::INT8 | data_type::INT32,
            } if values.iter().all(|&v| v == 0) => Ok(()),
            _ => Err(unsupported(
                node,
                format!(
                    "zero point `{}` must be int8 zero: only symmetric int8 quantisation is supported",
                    node.input[idx]
                ),
            )),
        }
    }

    fn same_scale(&self, node: &NodeProto, expected: f32, found: f32) -> Result<(), OnnxError> {
        if (expected - found).abs() > SCALE_TOLERANCE * expected {
            return Err(unsupported(
                node,
                format!("scale {found} differs from the tensor's scale {expected}"),
            ));
        }
        Ok(())
    }

    fn expect_activation(&self, node: &NodeProto, idx: usize) -> Result<(), OnnxError> {
        let reads = node.input.get(idx).map_or("", String::as_str);
        if reads != self.current.name {
            return Err(unsupported(
                node,
                format!(
                    "reads `{reads}`, but import needs a single chain and the running activation is \
                 `{}`",
                    self.current.name
                ),
            ));
        }
        let extra =
            node.input.iter().enumerate().find(|(i, name)| {
                *i != idx && !name.is_empty() && !self.constants.contains_key(*name)
            });
        if let Some((_, name)) = extra {
            return Err(unsupported(
                node,
                format!("input `{name}` is neither the running activation nor a constant"),
            ));
        }
        Ok(())
    }

    fn expect_float(&self, node: &NodeProto) -> Result<(), OnnxError> {
        if self.current.quantised.is_some() {
            return Err(unsupported(
                node,
                "its input is still quantised (missing DequantizeLinear)",
            ));
        }
        Ok(())
    }

    fn expect_quantised_input(&self, node: &NodeProto) -> Result<f32, OnnxError> {
        let Some(scale) = self.current.quantised else {
            return Err(unsupported(
                node,
                "its input must be quantised (QuantizeLinear first)",
            ));
        };
        self.same_scale(node, scale, self.scale(node, 1)?)?;
        self.zero_point_is_zero(node, 2)?;
        Ok(scale)
    }

    fn dense(&self, node: &NodeProto) -> Result<Dense, OnnxError> {
        let attrs = Attributes::new(node);
        attrs.only(&["alpha", "beta", "transA", "transB"])?;
        let in_dim = self.flat_input(node)?;
        if attrs.int("transA", 0)? != 0 {
            return Err(unsupported(node, "transA is not supported"));
        }
        let trans_b = node.op_type == "Gemm" && attrs.int("transB", 0)? != 0;
        let (dims, mut weight) = self.param(node, 1)?;
        let [rows, cols] = dims[..] else {
            return Err(unsupported(
                node,
                format!("weights of shape {dims:?} are not a matrix"),
            ));
        };
        let out_dim = if trans_b { rows } else { cols };
        if (if trans_b { cols } else { rows }) != in_dim {
            return Err(malformed(format!(
                "node `{}`: weights of shape {dims:?} do not fit an input of {in_dim}",
                label(node)
            )));
        }
        if !trans_b {
            weight = transpose(&weight, rows, cols);
        }
        let mut bias = None;
        if node.op_type == "Gemm" {
            let alpha = attrs.float("alpha", 1.0)?;
            let beta = attrs.float("beta", 1.0)?;
            scale_param(&mut weight, alpha);
            if node.input.get(2).is_some_and(|name| !name.is_empty()) {
                let (dims, mut b) = self.param(node, 2)?;
                if !(dims == [out_dim] || dims == [1, out_dim]) {
                    return Err(unsupported(
                        node,
                        format!("bias of shape {dims:?} (only [{out_dim}] or [1, {out_dim}])"),
                    ));
                }
                scale_param(&mut b, beta);
                bias = Some(b);
            }
        }
        Ok(Dense {
            in_dim,
            out_dim,
            weight,
            bias,
        })
    }

    fn qlinear_matmul(&self, node: &NodeProto) -> Result<Dense, OnnxError> {
        let in_dim = self.flat_input(node)?;
        let weight_scale = self.scale(node, 4)?;
        self.zero_point_is_zero(node, 5)?;
        let (dims, weight) = self.int_param(node, 3, weight_scale)?;
        let [rows, out_dim] = dims[..] else {
            return Err(unsupported(
                node,
                format!("weights of shape {dims:?} are not a matrix"),
            ));
        };
        if rows != in_dim {
            return Err(malformed(format!(
                "node `{}`: weights of shape {dims:?} do not fit an input of {in_dim}",
                label(node)
            )));
        }
        Ok(Dense {
            in_dim,
            out_dim,
            weight: transpose(&weight, rows, out_dim),
            bias: None,
        })
    }

    /// A Conv (weights at `weight_idx`, bias at `bias_idx`) or, with `input_scale`, a
    /// QLinearConv whose integers are pinned.
    fn conv(
        &self,
        node: &NodeProto,
        weight_idx: usize,
        bias_idx: usize,
        input_scale: Option<f32>,
    ) -> Result<Conv, OnnxError> {
        let [c_in, h, w] = self.spatial_shape(node)?;
        let attrs = Attributes::new(node);
        attrs.only(&[
            "kernel_shape",
            "strides",
            "pads",
            "dilations",
            "group",
            "auto_pad",
        ])?;
        if attrs.int("group", 1)? != 1 {
            return Err(unsupported(node, "grouped convolutions are not supported"));
        }
        attrs.ones("dilations")?;
        let (dims, weight, weight_scale) = match input_scale {
            None => {
                let (dims, weight) = self.param(node, weight_idx)?;
                (dims, weight, None)
            }
            Some(_) => {
                let scale = self.scale(node, weight_idx + 1)?;
                self.zero_point_is_zero(node, weight_idx + 2)?;
                let (dims, weight) = self.int_param(node, weight_idx, scale)?;
                (dims, weight, Some(scale))
            }
        };
        let [c_out, w_c_in, kh, kw] = dims[..] else {
            return Err(unsupported(
                node,
                format!("weights of shape {dims:?} are not 4-D"),
            ));
        };
        if w_c_in != c_in {
            return Err(malformed(format!(
                "node `{}`: weights of shape {dims:?} do not fit {c_in} input channels",
                label(node)
            )));
        }
        let kernel = attrs.pair("kernel_shape", Some([kh, kw]))?;
        if kernel != [kh, kw] {
            return Err(malformed(format!(
                "node `{}`: kernel_shape {kernel:?} disagrees with the weights {dims:?}",
                label(node)
            )));
        }
        let stride = attrs.pair("strides", Some([1, 1]))?;
        let pads = attrs.pads()?;
        let geometry = ConvGeometry {
            input: [c_in, h, w],
            c_out,
            kernel,
            stride,
            pads,
        };
        if geometry.output().is_none() {
            return Err(unsupported(node, "the kernel does not fit the input"));
        }
        let bias = if node
            .input
            .get(bias_idx)
            .is_some_and(|name| !name.is_empty())
        {
            let (dims, bias) = match (input_scale, weight_scale) {
                (Some(x), Some(w)) => self.int_param(node, bias_idx, x * w)?,
                _ => self.param(node, bias_idx)?,
            };
            if dims != [c_out] {
                return Err(malformed(format!(
                    "node `{}`: bias of shape {dims:?} for {c_out} output channels",
                    label(node)
                )));
            }
            Some(bias)
        } else {
            None
        };
        Ok(Conv {
            geometry,
            weight,
            bias,
        })
    }

    fn push_conv(&mut self, conv: Conv) -> Result<(), OnnxError> {
        let [c, h, w] = conv.geometry.output().unwrap_or([0, 0, 0]);
        self.current.shape = vec![1, c, h, w];
        self.ops.push(Op::Conv(conv));
        Ok(())
    }

    /// Folds `Add(activation, constant)` into the bias of the Gemm/MatMul/Conv just before it.
    fn bias_add(&mut self, node: &NodeProto) -> Result<(), OnnxError> {
        let Some((constant_idx, _)) = node
            .input
            .iter()
            .enumerate()
            .find(|(i, name)| *i < 2 && **name != self.current.name)
        else {
            return Err(unsupported(node, "adds the activation to itself"));
        };
        if node.input.len() != 2 {
            return Err(malformed(format!(
                "node `{}`: Add takes two inputs",
                label(node)
            )));
        }
        let (dims, bias) = self.param(node, constant_idx)?;
        let n_bias = bias.values.len();
        let target = match self.ops.last_mut() {
            Some(Op::Dense(dense)) if dense.bias.is_none() && n_bias == dense.out_dim => {
                &mut dense.bias
            }
            Some(Op::Conv(conv))
                if conv.bias.is_none()
                    && n_bias == conv.geometry.c_out
                    && dims
                        .iter()
                        .rev()
                        .take(2)
                        .all(|&d| d == 1 || dims.len() == 1) =>
            {
                &mut conv.bias
            }
            _ => {
                return Err(unsupported(
                    node,
                    format!(
                        "only a constant bias of matching shape added right after Gemm, MatMul or \
                     Conv is supported (found shape {dims:?})"
                    ),
                ));
            }
        };
        *target = Some(bias);
        Ok(())
    }

    fn flat_input(&self, node: &NodeProto) -> Result<usize, OnnxError> {
        match self.current.shape[..] {
            [1, n] => Ok(n),
            _ => Err(unsupported(
                node,
                format!(
                    "input of shape {:?}; Gemm and MatMul need [1, n] (add a Flatten)",
                    self.current.shape
                ),
            )),
        }
    }

    fn spatial_shape(&self, node: &NodeProto) -> Result<[usize; 3], OnnxError> {
        match self.current.shape[..] {
            [1, c, h, w] => Ok([c, h, w]),
            _ => Err(unsupported(
                node,
                format!(
                    "input of shape {:?}; only 2-D [1, c, h, w] inputs are supported",
                    self.current.shape
                ),
            )),
        }
    }

    fn reshape(&mut self, node: &NodeProto, shape: Vec<usize>) -> Result<(), OnnxError> {
        if shape.first() != Some(&1) {
            return Err(unsupported(
                node,
                format!("reshapes to {shape:?}; the batch dimension must stay 1"),
            ));
        }
        self.current.shape.clone_from(&shape);
        self.ops.push(Op::Reshape(shape));
        Ok(())
    }
}

/// ONNX Reshape semantics: `0` copies the input dimension (unless `allowzero`), one `-1` is
/// inferred.
fn reshape_target(input: &[usize], target: &[i64], allow_zero: bool) -> Option<Vec<usize>> {
    let total: usize = input.iter().product();
    let mut shape = Vec::with_capacity(target.len());
    let mut inferred = None;
    for (axis, &dim) in target.iter().enumerate() {
        match dim {
            -1 if inferred.is_none() => {
                inferred = Some(axis);
                shape.push(1);
            }
            0 if !allow_zero => shape.push(*input.get(axis)?),
            d if d > 0 => shape.push(usize::try_from(d).ok()?),
            _ => return None,
        }
    }
    let known = shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))?;
    if let Some(axis) = inferred {
        if known == 0 || !total.is_multiple_of(known) {
            return None;
        }
        shape[axis] = total / known;
    }
    (shape.iter().product::<usize>() == total).then_some(shape)
}

fn transpose(param: &Param, rows: usize, cols: usize) -> Param {
    let flip = |values: &[f32]| -> Vec<f32> {
        (0..cols)
            .flat_map(|c| (0..rows).map(move |r| values[r * cols + c]))
            .collect()
    };
    let pinned = param.pinned.as_ref().map(|(ints, scale)| {
        let flipped = (0..cols)
            .flat_map(|c| (0..rows).map(move |r| ints[r * cols + c]))
            .collect();
        (flipped, *scale)
    });
    Param {
        values: flip(&param.values),
        pinned,
    }
}

/// Multiplies a parameter by a Gemm `alpha`/`beta`, keeping pinned integers by scaling their
/// scale instead.
fn scale_param(param: &mut Param, factor: f32) {
    if factor == 1.0 {
        return;
    }
    for value in &mut param.values {
        *value *= factor;
    }
    if let Some((_, scale)) = &mut param.pinned {
        *scale *= factor;
    }
}

struct Attributes<'a> {
    node: &'a NodeProto,
}

impl<'a> Attributes<'a> {
    fn new(node: &'a NodeProto) -> Self {
        Self { node }
    }

    fn get(&self, name: &str) -> Option<&'a AttributeProto> {
        self.node.attribute.iter().find(|a| a.name == name)
    }

    /// Refuses attributes that import does not know for this operator, rather than ignoring
    /// something that changes the computation.
    fn only(&self, known: &[&str]) -> Result<(), OnnxError> {
        match self
            .node
            .attribute
            .iter()
            .find(|a| !known.contains(&a.name.as_str()))
        {
            Some(attribute) => Err(unsupported(
                self.node,
                format!("attribute `{}` is not supported", attribute.name),
            )),
            None => Ok(()),
        }
    }

    fn int(&self, name: &str, default: i64) -> Result<i64, OnnxError> {
        match self.get(name) {
            None => Ok(default),
            Some(a) if a.r#type == attribute_type::INT => Ok(a.i),
            Some(_) => Err(unsupported(
                self.node,
                format!("attribute `{name}` must be an int"),
            )),
        }
    }

    fn float(&self, name: &str, default: f32) -> Result<f32, OnnxError> {
        match self.get(name) {
            None => Ok(default),
            Some(a) if a.r#type == attribute_type::FLOAT && a.f.is_finite() => Ok(a.f),
            Some(_) => Err(unsupported(
                self.node,
                format!("attribute `{name}` must be a float"),
            )),
        }
    }

    fn ints(&self, name: &str) -> Result<Option<Vec<usize>>, OnnxError> {
        match self.get(name) {
            None => Ok(None),
            Some(a) if a.r#type == attribute_type::INTS => a
                .ints
                .iter()
                .map(|&v| usize::try_from(v).ok().filter(|&v| v <= 1 << 16))
                .collect::<Option<Vec<_>>>()
                .map(Some)
                .ok_or_else(|| {
                    unsupported(self.node, format!("attribute `{name}` is out of range"))
                }),
            Some(_) => Err(unsupported(
                self.node,
                format!("attribute `{name}` must be ints"),
            )),
        }
    }

    fn pair(&self, name: &str, default: Option<[usize; 2]>) -> Result<[usize; 2], OnnxError> {
        match (self.ints(name)?, default) {
            (Some(values), _) => <[usize; 2]>::try_from(values.as_slice()).map_err(|_| {
                unsupported(
                    self.node,
                    format!("attribute `{name}` must have two values (2-D)"),
                )
            }),
            (None, Some(default)) => Ok(default),
            (None, None) => Err(unsupported(
                self.node,
                format!("attribute `{name}` is required"),
            )),
        }
    }

    fn ones(&self, name: &str) -> Result<(), OnnxError> {
        if self
            .ints(name)?
            .is_some_and(|values| values.iter().any(|&v| v != 1))
        {
            return Err(unsupported(
                self.node,
                format!("attribute `{name}` must be all ones"),
            ));
        }
        Ok(())
    }

    /// Explicit `[top, left, bottom, right]` padding; `auto_pad` must be NOTSET or VALID.
    fn pads(&self) -> Result<[usize; 4], OnnxError> {
        if let Some(auto_pad) = self.get("auto_pad") {
            if auto_pad.r#type != attribute_type::STRING {
                return Err(unsupported(
                    self.node,
                    "attribute `auto_pad` must be a string",
                ));
            }
            let mode = String::from_utf8_lossy(&auto_pad.s);
            if mode != "NOTSET" && mode != "VALID" {
                return Err(unsupported(
                    self.node,
                    format!("auto_pad {mode} is not supported; export explicit pads"),
                ));
            }
        }
        match self.ints("pads")? {
            None => Ok([0; 4]),
            Some(values) => <[usize; 4]>::try_from(values.as_slice()).map_err(|_| {
                unsupported(self.node, "attribute `pads` must have four values (2-D)")
            }),
        }
    }
}

fn label(node: &NodeProto) -> String {
    if node.name.is_empty() {
        node.output.first().cloned().unwrap_or_default()
    } else {
        node.name.clone()
    }
}

fn malformed(message: impl Into<String>) -> OnnxError {
    OnnxError::Malformed(message.into())
}

fn unsupported(node: &NodeProto, reason: impl Into<String>) -> OnnxError {
    OnnxError::Unsupported {
        op_type: node.op_type.clone(),
        node: label(node),
        reason: reason.into(),
    }
}
