//! How far the quantised model is from the float model it came from.

use crate::exec;
use crate::graph::Graph;
use crate::quantise::QuantModel;

/// Error and accuracy of the quantised model against the float model over a set of inputs.
#[derive(Clone, Debug, PartialEq)]
pub struct AccuracyReport {
    /// Inputs compared.
    pub n_inputs: usize,
    /// Largest absolute difference between a dequantised output and the float output.
    pub max_abs_error: f64,
    /// Mean absolute difference over all outputs of all inputs.
    pub mean_abs_error: f64,
    /// Largest absolute float output (to put the errors in proportion).
    pub max_abs_output: f64,
    /// Inputs where both models pick the same largest output.
    pub argmax_agreement: usize,
    /// Float model's correct predictions, when labels were given.
    pub float_correct: Option<usize>,
    /// Quantised model's correct predictions, when labels were given.
    pub quantised_correct: Option<usize>,
}

/// Inputs and labels that do not fit the model.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReportError {
    /// An input of the wrong length.
    #[error(transparent)]
    Input(#[from] exec::InputLengthError),
    /// Not one label per input.
    #[error("{labels} labels for {inputs} inputs")]
    Labels {
        /// Labels given.
        labels: usize,
        /// Inputs given.
        inputs: usize,
    },
}

/// Runs both models on every input and compares their outputs.
pub fn compare(
    model: &QuantModel,
    graph: &Graph,
    inputs: &[Vec<f32>],
    labels: Option<&[usize]>,
) -> Result<AccuracyReport, ReportError> {
    if let Some(labels) = labels
        && labels.len() != inputs.len()
    {
        return Err(ReportError::Labels {
            labels: labels.len(),
            inputs: inputs.len(),
        });
    }
    let arch = model.arch();
    let mut report = AccuracyReport {
        n_inputs: inputs.len(),
        max_abs_error: 0.0,
        mean_abs_error: 0.0,
        max_abs_output: 0.0,
        argmax_agreement: 0,
        float_correct: labels.map(|_| 0),
        quantised_correct: labels.map(|_| 0),
    };
    let mut sum_error = 0.0;
    let mut n_outputs = 0usize;
    for (idx, input) in inputs.iter().enumerate() {
        let reference = graph.run_float(input);
        let trace = exec::run(model, &arch.quantise_input(input))?;
        let quantised = arch.dequantise_output(trace.output());
        for (r, q) in reference.iter().zip(&quantised) {
            let error = (r - q).abs();
            report.max_abs_error = report.max_abs_error.max(error);
            report.max_abs_output = report.max_abs_output.max(r.abs());
            sum_error += error;
            n_outputs += 1;
        }
        let (float_class, quant_class) = (argmax(&reference), argmax(&quantised));
        report.argmax_agreement += usize::from(float_class == quant_class);
        if let Some(labels) = labels {
            let label = Some(labels[idx]);
            *report.float_correct.get_or_insert(0) += usize::from(float_class == label);
            *report.quantised_correct.get_or_insert(0) += usize::from(quant_class == label);
        }
    }
    report.mean_abs_error = if n_outputs == 0 {
        0.0
    } else {
        sum_error / n_outputs as f64
    };
    Ok(report)
}

/// Index of the first largest value.
pub fn argmax(values: &[f64]) -> Option<usize> {
    values
        .iter()
        .enumerate()
        .fold(None, |best: Option<(usize, f64)>, (i, &v)| match best {
            Some((_, b)) if b >= v => best,
            _ => Some((i, v)),
        })
        .map(|(i, _)| i)
}
