//! Shapes of the windowed operators, shared by the float graph, the architecture descriptor and
//! both executors so that all of them index tensors the same way.
//!
//! Activations are `[channels, height, width]` row-major (ONNX NCHW with batch 1). Padded cells
//! are zero for a convolution and take no part in a max pool.

/// A 2-D convolution: no dilation, one group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvGeometry {
    /// Input shape `[c_in, h_in, w_in]`.
    pub input: [usize; 3],
    /// Output channels.
    pub c_out: usize,
    /// Kernel `[kh, kw]`.
    pub kernel: [usize; 2],
    /// Strides `[sh, sw]`.
    pub stride: [usize; 2],
    /// Padding `[top, left, bottom, right]`.
    pub pads: [usize; 4],
}

impl ConvGeometry {
    /// Output shape `[c_out, h_out, w_out]`, or `None` when the kernel does not fit the padded
    /// input or a stride is zero.
    pub fn output(&self) -> Option<[usize; 3]> {
        let [h_out, w_out] = window_output(self.input, self.kernel, self.stride, self.pads)?;
        Some([self.c_out, h_out, w_out])
    }

    /// Number of weights, `c_out * c_in * kh * kw`.
    pub fn n_weights(&self) -> usize {
        self.c_out * self.input[0] * self.kernel[0] * self.kernel[1]
    }

    /// Cells of the kernel, `kh * kw`.
    pub fn kernel_len(&self) -> usize {
        self.kernel[0] * self.kernel[1]
    }

    /// Calls `visit(column, position, input_index)` for every unpadded entry of the im2col
    /// matrix: `column = (ci * kh + ky) * kw + kx` indexes the weights of one output channel,
    /// `position = oy * w_out + ox` the output cell, and `input_index = (ci * h + y) * w + x` the
    /// input it reads. Padded cells (zeros) are skipped. An invalid geometry visits nothing.
    pub fn for_each_tap(&self, mut visit: impl FnMut(usize, usize, usize)) {
        let [c_in, h, w] = self.input;
        let [_, h_out, w_out] = self.output().unwrap_or([0, 0, 0]);
        let [kh, kw] = self.kernel;
        for ci in 0..c_in {
            for ky in 0..kh {
                for kx in 0..kw {
                    let column = (ci * kh + ky) * kw + kx;
                    for oy in 0..h_out {
                        let Some(y) = (oy * self.stride[0] + ky).checked_sub(self.pads[0]) else {
                            continue;
                        };
                        if y >= h {
                            continue;
                        }
                        for ox in 0..w_out {
                            let Some(x) = (ox * self.stride[1] + kx).checked_sub(self.pads[1])
                            else {
                                continue;
                            };
                            if x >= w {
                                continue;
                            }
                            visit(column, oy * w_out + ox, (ci * h + y) * w + x);
                        }
                    }
                }
            }
        }
    }

    /// `out[co, oy, ox] = Σ mul(W[co, ci, ky, kx], x[ci, oy*sy + ky - pt, ox*sx + kx - pl])`,
    /// skipping padded cells. An invalid geometry (`output()` is `None`) gives an empty output.
    pub fn apply<W: Copy, V: Copy + std::ops::AddAssign>(
        &self,
        weights: &[W],
        x: &[V],
        zero: V,
        mul: impl Fn(W, V) -> V,
    ) -> Vec<V> {
        let [c_in, h, w] = self.input;
        let [c_out, h_out, w_out] = self.output().unwrap_or([0, 0, 0]);
        let [kh, kw] = self.kernel;
        let mut out = vec![zero; c_out * h_out * w_out];
        for co in 0..c_out {
            for oy in 0..h_out {
                for ox in 0..w_out {
                    let mut acc = zero;
                    for ci in 0..c_in {
                        for ky in 0..kh {
                            let Some(y) = (oy * self.stride[0] + ky).checked_sub(self.pads[0])
                            else {
                                continue;
                            };
                            if y >= h {
                                continue;
                            }
                            for kx in 0..kw {
                                let Some(xx) = (ox * self.stride[1] + kx).checked_sub(self.pads[1])
                                else {
                                    continue;
                                };
                                if xx >= w {
                                    continue;
                                }
                                let weight = weights[((co * c_in + ci) * kh + ky) * kw + kx];
                                acc += mul(weight, x[(ci * h + y) * w + xx]);
                            }
                        }
                    }
                    out[(co * h_out + oy) * w_out + ox] = acc;
                }
            }
        }
        out
    }
}

/// A 2-D max pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolGeometry {
    /// Input shape `[c, h_in, w_in]`.
    pub input: [usize; 3],
    /// Window `[kh, kw]`.
    pub kernel: [usize; 2],
    /// Strides `[sh, sw]`.
    pub stride: [usize; 2],
    /// Padding `[top, left, bottom, right]`.
    pub pads: [usize; 4],
}

impl PoolGeometry {
    /// Output shape `[c, h_out, w_out]`, or `None` when the window does not fit. A padding as
    /// wide as the window would leave windows with no cell (ONNX forbids it too), so it does not
    /// fit either.
    pub fn output(&self) -> Option<[usize; 3]> {
        if (0..4).any(|i| self.pads[i] >= self.kernel[i % 2]) {
            return None;
        }
        let [h_out, w_out] = window_output(self.input, self.kernel, self.stride, self.pads)?;
        Some([self.input[0], h_out, w_out])
    }

    /// Cells of the window, `kh * kw`.
    pub fn window_len(&self) -> usize {
        self.kernel[0] * self.kernel[1]
    }

    /// Calls `visit(output_index, input_index)` for every unpadded cell of every window, in
    /// output-major order. An invalid geometry visits nothing.
    pub fn for_each_cell(&self, mut visit: impl FnMut(usize, usize)) {
        self.for_each_tap(|o, _, i| visit(o, i));
    }

    /// Calls `visit(output_index, cell, input_index)` for every unpadded cell of every window,
    /// with `cell = ky * kw + kx`, in output-major order. An invalid geometry visits nothing.
    pub fn for_each_tap(&self, mut visit: impl FnMut(usize, usize, usize)) {
        let [c, h, w] = self.input;
        let [_, h_out, w_out] = self.output().unwrap_or([0, 0, 0]);
        for channel in 0..c {
            for oy in 0..h_out {
                for ox in 0..w_out {
                    let out_idx = (channel * h_out + oy) * w_out + ox;
                    for ky in 0..self.kernel[0] {
                        for kx in 0..self.kernel[1] {
                            let y = (oy * self.stride[0] + ky).checked_sub(self.pads[0]);
                            let x = (ox * self.stride[1] + kx).checked_sub(self.pads[1]);
                            if let (Some(y), Some(x)) = (y, x)
                                && y < h
                                && x < w
                            {
                                visit(out_idx, ky * self.kernel[1] + kx, (channel * h + y) * w + x);
                            }
                        }
                    }
                }
            }
        }
    }
}

fn window_output(
    input: [usize; 3],
    kernel: [usize; 2],
    stride: [usize; 2],
    pads: [usize; 4],
) -> Option<[usize; 2]> {
    let mut out = [0; 2];
    for axis in 0..2 {
        let padded = input[axis + 1]
            .checked_add(pads[axis])?
            .checked_add(pads[axis + 2])?;
        if stride[axis] == 0 || kernel[axis] == 0 || kernel[axis] > padded {
            return None;
        }
        out[axis] = (padded - kernel[axis]) / stride[axis] + 1;
    }
    Some(out)
}
