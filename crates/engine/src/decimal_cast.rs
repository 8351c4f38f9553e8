//! `CAST(x AS DECIMAL(p, s))` of a DOUBLE, computed faster with the same result.
//!
//! The indicator SQL sums money and rates over DECIMAL, so that a sum does not depend
//! on the order its rows are added in (`views.sql`): every row's DOUBLE is cast first.
//! Arrow's cast rounds each value with a call into libm and converts it to a 128-bit
//! integer in software (`__fixdfti`), then checks its precision; at 100x the sample
//! city those casts (about 40 million) were 8-9% of the evaluation's CPU samples.
//!
//! [`FastDecimalCasts`], an analyzer rule of local sessions, replaces each such cast by
//! [`DoubleToDecimal`], which computes the same integer with hardware conversions while
//! the scaled value fits an `i64` (every value the dataset holds), and hands any array
//! with a value outside that range to Arrow's cast itself, errors included. Its
//! result is Arrow's bit for bit (tests below compare them on millions of values and
//! on the edge cases). The SQL stays plain SQL: the `.slt` fixtures and a Ballista
//! cluster run the same files with Arrow's cast and get the same figures
//! (`clusterkpi sql`, a local session, has the rule too).

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Decimal128Array, PrimitiveArray};
use datafusion::arrow::compute::{CastOptions, cast_with_options};
use datafusion::arrow::datatypes::{DataType, Decimal128Type, Field, FieldRef, Float64Type};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DFSchema, Result, ScalarValue};
use datafusion::logical_expr::expr::{Cast, ScalarFunction};
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::utils::merge_schema;
use datafusion::logical_expr::{
    ColumnarValue, Expr, ExprSchemable, LogicalPlan, ReturnFieldArgs, ScalarFunctionArgs,
    ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::optimizer::AnalyzerRule;

/// Replaces every `CAST(<DOUBLE> AS DECIMAL(p, s))` of a plan by [`DoubleToDecimal`],
/// keeping each expression's name, so the plan's schema is unchanged.
#[derive(Debug, Default)]
pub(crate) struct FastDecimalCasts;

impl AnalyzerRule for FastDecimalCasts {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        plan.transform_up_with_subqueries(|plan| {
            if plan.inputs().is_empty() {
                return Ok(Transformed::no(plan));
            }
            let schema = merge_schema(&plan.inputs());
            let names = NamePreserver::new(&plan);
            let rewritten = plan.map_expressions(|expr| {
                let saved = names.save(&expr);
                let rewritten = expr.transform_up(|e| fast_cast(e, &schema))?;
                Ok(if rewritten.transformed {
                    rewritten.update_data(|e| saved.restore(e))
                } else {
                    rewritten
                })
            })?;
            if rewritten.transformed {
                rewritten.map_data(LogicalPlan::recompute_schema)
            } else {
                Ok(rewritten)
            }
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "fast_decimal_casts"
    }
}

/// `expr` with a cast of a DOUBLE to DECIMAL128 replaced by [`DoubleToDecimal`].
fn fast_cast(expr: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
    let Expr::Cast(Cast { expr: inner, field }) = &expr else {
        return Ok(Transformed::no(expr));
    };
    let DataType::Decimal128(precision, scale) = *field.data_type() else {
        return Ok(Transformed::no(expr));
    };
    // An expression whose type cannot be told here (none in the indicator SQL) keeps
    // Arrow's cast.
    if !matches!(inner.get_type(schema), Ok(DataType::Float64)) || !(0..=18).contains(&scale) {
        return Ok(Transformed::no(expr));
    }
    let udf = ScalarUDF::new_from_impl(DoubleToDecimal::new(precision, scale));
    Ok(Transformed::yes(Expr::ScalarFunction(
        ScalarFunction::new_udf(Arc::new(udf), vec![inner.as_ref().clone()]),
    )))
}

/// `CAST(x AS DECIMAL(precision, scale))` of a DOUBLE `x`, as Arrow computes it.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct DoubleToDecimal {
    precision: u8,
    scale: i8,
    name: String,
    signature: Signature,
}

impl DoubleToDecimal {
    fn new(precision: u8, scale: i8) -> Self {
        Self {
            precision,
            scale,
            name: format!("cast_to_decimal_{precision}_{scale}"),
            signature: Signature::exact(vec![DataType::Float64], Volatility::Immutable),
        }
    }

    fn data_type(&self) -> DataType {
        DataType::Decimal128(self.precision, self.scale)
    }
}

impl ScalarUDFImpl for DoubleToDecimal {
    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(self.data_type())
    }

    /// Nullable as the value cast is, as the cast's own field is.
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let nullable = args.arg_fields.iter().any(|f| f.is_nullable());
        Ok(Arc::new(Field::new(
            self.name(),
            self.data_type(),
            nullable,
        )))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [value] = args.args.as_slice() else {
            unreachable!("the signature takes one argument")
        };
        match value {
            ColumnarValue::Array(a) => {
                Ok(ColumnarValue::Array(cast(a, self.precision, self.scale)?))
            }
            ColumnarValue::Scalar(s) => {
                let a = cast(&s.to_array()?, self.precision, self.scale)?;
                Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&a, 0)?))
            }
        }
    }
}

/// The largest scaled value converted here: beyond it (and for NaN and infinities)
/// Arrow's cast does the work. Below 2^62 a value's truncation fits an `i64`, and its
/// distance to that truncation is exact.
const FAST_LIMIT: f64 = 4_611_686_018_427_387_904.0; // 2^62

/// The DOUBLE array `a` cast to DECIMAL128(precision, scale) as Arrow's `CAST` does
/// (`arrow_cast`'s `cast_floating_point_to_decimal`: the value times 10^scale, rounded
/// half away from zero, then checked against the precision).
fn cast(a: &ArrayRef, precision: u8, scale: i8) -> Result<ArrayRef> {
    let values = a.as_primitive::<Float64Type>();
    // The same multiplier as Arrow's, so the same products.
    let mul = 10_f64.powi(i32::from(scale));
    // Beyond 18 digits every i64 fits the precision.
    let bound = (precision < 19).then(|| 10_i64.pow(u32::from(precision)));
    let mut fits = true;
    let digits: Vec<i128> = values
        .values()
        .iter()
        .map(|&v| {
            let y = mul * v;
            // False for NaN too.
            if y.abs() < FAST_LIMIT {
                let r = round_half_away(y);
                fits &= bound.is_none_or(|b| r.abs() < b);
                i128::from(r)
            } else {
                fits = false;
                0
            }
        })
        .collect();
    if !fits {
        return arrows_cast(a, precision, scale);
    }
    let out: Decimal128Array =
        PrimitiveArray::<Decimal128Type>::new(digits.into(), values.nulls().cloned())
            .with_precision_and_scale(precision, scale)?;
    Ok(Arc::new(out))
}

/// Arrow's own `CAST` of `a` to DECIMAL128(precision, scale), failing on a value it
/// cannot hold as SQL's `CAST` does.
fn arrows_cast(a: &ArrayRef, precision: u8, scale: i8) -> Result<ArrayRef> {
    let options = CastOptions {
        safe: false,
        ..CastOptions::default()
    };
    Ok(cast_with_options(
        a,
        &DataType::Decimal128(precision, scale),
        &options,
    )?)
}

/// `y.round() as i64` for `|y| < 2^62`, without libm's `round` and the software
/// conversion: the truncation is exact, and so is the distance to it (below 2^53 both
/// lie within 1 of `y`; above it `y` is an integer).
#[inline]
fn round_half_away(y: f64) -> i64 {
    #[allow(clippy::cast_possible_truncation)]
    let t = y as i64;
    #[allow(clippy::cast_precision_loss)]
    let frac = y - t as f64;
    t + i64::from(frac >= 0.5) - i64::from(frac <= -0.5)
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::Float64Array;
    use datafusion::prelude::{SessionConfig, SessionContext};

    use super::*;

    /// Values near every rounding edge: halves, their neighbours, money with cents,
    /// signs, tiny and huge magnitudes.
    fn edges() -> Vec<f64> {
        let mut v = vec![
            0.0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 1e-9, -1e-9, 5e-9, -5e-9,
        ];
        for k in 0..200 {
            let x = f64::from(k) / 1e8 + 5e-9;
            v.extend([x, -x, x.next_up(), x.next_down()]);
        }
        for e in -12..14 {
            let x = 10_f64.powi(e);
            v.extend([x, -x, x * 1.23456789, 0.1 * x, 0.7 * x]);
        }
        // Around the fast path's limit at scale 8 (2^62 / 1e8 ≈ 4.6e10).
        let limit = FAST_LIMIT / 1e8;
        v.extend([
            limit,
            limit.next_down(),
            -limit.next_down(),
            2f64.powi(53) / 1e8,
        ]);
        v
    }

    /// A deterministic spread of values: exponents from 1e-10 to 1e12, both signs.
    fn spread(n: usize) -> Vec<f64> {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let mantissa = (state >> 11) as f64 / (1u64 << 53) as f64;
                let exponent = (state % 23) as i32 - 10;
                let sign = if state & 1 == 0 { 1.0 } else { -1.0 };
                sign * mantissa * 10_f64.powi(exponent)
            })
            .collect()
    }

    #[test]
    fn the_cast_is_arrows_bit_for_bit() {
        let mut values = edges();
        values.extend(spread(2_000_000));
        let a: ArrayRef = Arc::new(Float64Array::from(values));
        for (p, s) in [(38, 8), (38, 12), (38, 15), (38, 0), (38, 18)] {
            let ours = cast(&a, p, s).unwrap();
            assert_eq!(
                ours.as_ref(),
                arrows_cast(&a, p, s).unwrap().as_ref(),
                "DECIMAL({p}, {s})"
            );
        }
    }

    #[test]
    fn nulls_stay_null() {
        let a: ArrayRef = Arc::new(Float64Array::from(vec![Some(1.25), None, Some(-3.5)]));
        let ours = cast(&a, 38, 8).unwrap();
        assert_eq!(ours.as_ref(), arrows_cast(&a, 38, 8).unwrap().as_ref());
        assert!(ours.is_null(1));
    }

    /// What the fast path does not take goes to Arrow's cast: the same values or the
    /// same error.
    #[test]
    fn out_of_range_values_are_arrows_to_judge() {
        for v in [f64::NAN, f64::INFINITY, -f64::INFINITY, 1e30, -1e300] {
            let a: ArrayRef = Arc::new(Float64Array::from(vec![1.0, v]));
            let ours = cast(&a, 38, 8).map_err(|e| e.to_string());
            let theirs = arrows_cast(&a, 38, 8).map_err(|e| e.to_string());
            assert_eq!(ours.as_ref().err(), theirs.as_ref().err(), "{v}");
            if let (Ok(o), Ok(t)) = (ours, theirs) {
                assert_eq!(o.as_ref(), t.as_ref());
            }
        }
        // A narrower precision is checked, as Arrow checks it.
        let a: ArrayRef = Arc::new(Float64Array::from(vec![123.0]));
        assert_eq!(
            cast(&a, 4, 2).map_err(|e| e.to_string()).err(),
            arrows_cast(&a, 4, 2).map_err(|e| e.to_string()).err()
        );
        assert_eq!(
            cast(&a, 5, 2).unwrap().as_ref(),
            arrows_cast(&a, 5, 2).unwrap().as_ref()
        );
    }

    /// A session with the rule plans the function in place of the cast, under the
    /// same column names, and gives the plain session's results.
    #[test]
    fn the_rule_replaces_the_cast_and_keeps_names() {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(rule_replaces_the_cast_and_keeps_names());
    }

    async fn rule_replaces_the_cast_and_keeps_names() {
        let values: Vec<String> = spread(1_000).iter().map(|v| format!("({v:e})")).collect();
        let sql = format!(
            "SELECT SUM(CAST(v AS DECIMAL(38, 8))) AS total, \
                    SUM(CAST(v * 2 AS DECIMAL(38, 12))), \
                    CAST(1.5 AS DECIMAL(38, 8)) AS one \
             FROM (VALUES {}) AS t(v)",
            values.join(", ")
        );
        let plain = SessionContext::new_with_config(SessionConfig::new());
        let fast = SessionContext::new_with_config(SessionConfig::new());
        fast.add_analyzer_rule(Arc::new(FastDecimalCasts));

        let plan = fast
            .sql(&format!("EXPLAIN {sql}"))
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let text = datafusion::arrow::util::pretty::pretty_format_batches(&plan)
            .unwrap()
            .to_string();
        assert!(text.contains("cast_to_decimal_38_8"), "{text}");

        let expected = plain.sql(&sql).await.unwrap().collect().await.unwrap();
        let got = fast.sql(&sql).await.unwrap().collect().await.unwrap();
        assert_eq!(got, expected);
        assert_eq!(got[0].schema(), expected[0].schema());
    }
}
